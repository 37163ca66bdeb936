"""A migrated database on both backends with a seeded site, product, resident and contract.

Billing's and enforcement's conftests import these fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from central.db import (
    TARIFF_COLUMNS,
    Contract,
    Database,
    Institution,
    Product,
    Resident,
    Site,
    Stay,
    StayStatus,
)
from central.db.migrate import upgrade_to_head
from tests.billing.helpers import EVERY_NIGHT, local

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade_to_head(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@dataclass
class Seeded:
    site_id: str = "campus-a"
    product_id: str = "night"
    contract_id: str = "c1"
    resident_id: str = "r1"
    plate: str = "沪A12345"


@pytest.fixture
def seeded(db: Database) -> Seeded:
    seed = Seeded()
    with db.transaction() as session:
        session.add(Institution(id="fudan", name="Fudan", created_at=SEEDED_AT))
        session.flush()
        session.add(Site(id=seed.site_id, institution_id="fudan", name="Campus A", lat=31.3, lon=121.5,
                         timezone="Asia/Shanghai", shared_capacity=50, created_at=SEEDED_AT))
        session.flush()
        session.add(Product(id=seed.product_id, site_id=seed.site_id, name="Nights",
                            windows=[w.model_dump(mode="json") for w in EVERY_NIGHT], quota=50,
                            monthly_fee_fen=30000, usage_rate_fen=500, usage_period_minutes=60,
                            daily_cap_fen=3000, overstay_rate_fen=1000, overstay_period_minutes=30,
                            grace_minutes=15, created_at=SEEDED_AT))
        session.add(Resident(id=seed.resident_id, display_name="Li", contact_ref="https://hook/r1",
                             created_at=SEEDED_AT))
        session.flush()
        product = session.get_one(Product, seed.product_id)
        session.add(Contract(id=seed.contract_id, site_id=seed.site_id, product_id=seed.product_id,
                             resident_id=seed.resident_id, plates=f"|{seed.plate}|",
                             valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), status="active",
                             created_at=SEEDED_AT, updated_at=SEEDED_AT,
                             **{name: getattr(product, name) for name in TARIFF_COLUMNS}))
    return seed


def add_stay(db: Database, seed: Seeded, entered: str, exited: str | None, deadline: str | None) -> int:
    with db.transaction() as session:
        stay = Stay(site_id=seed.site_id, plate=seed.plate, contract_id=seed.contract_id,
                    entered_at=local(entered), exited_at=local(exited) if exited else None,
                    deadline=local(deadline) if deadline else None,
                    status=StayStatus.CLOSED if exited else StayStatus.OPEN)
        session.add(stay)
        session.flush()
        return stay.id

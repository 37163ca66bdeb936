"""Two (or eight) simultaneous signings for the last place: exactly one succeeds, on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from central import db
from central.contracts.service import ContractRules, SignRequest, change_status, sign_contract
from central.core.config import load_settings
from central.core.security import Principal, Role
from central.db.migrate import upgrade_to_head
from central.distribution.bundles import Signer
from central.errors import CapacityError
from tests.central.conftest import NIGHTS
from tests.central.support import race_signings, seed_site
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ADMIN = Principal(Role.ADMIN)


def _database(postgres_server: PostgresServer, quota: int) -> db.Database:
    url = postgres_server.new_database()
    upgrade_to_head(url)
    database = db.Database(url, pool_size=10)
    seed_site(database, "race", NOW)
    with database.transaction() as session:
        session.add(db.Product(id="race-nights", site_id="race", name="Nights", windows=NIGHTS, quota=quota,
                               created_at=NOW))
        session.add_all(db.Resident(id=f"r{i}", display_name=f"r{i}", created_at=NOW) for i in range(8))
    return database


def _request(i: int) -> SignRequest:
    start = date(2025, 3, 3)
    return SignRequest("race-nights", (f"沪A1234{i}",), start, start + timedelta(days=30), f"r{i}")


def test_last_place_goes_to_exactly_one_of_eight(postgres_server: PostgresServer) -> None:
    database = _database(postgres_server, quota=1)
    signer = Signer.from_settings(load_settings().signing)
    won, lost = race_signings(database, [_request(i) for i in range(8)], signer, ContractRules(), NOW)
    assert len(won) == 1
    assert len(lost) == 7 and all(isinstance(e, CapacityError) for e in lost)
    # and the bundle sequence grew once per success, never skipped or repeated
    with database.transaction() as session:
        assert session.get(db.BundleState, "race").sequence == 1  # type: ignore[union-attr]
    database.dispose()


def test_reinstating_races_signing_for_the_last_place(postgres_server: PostgresServer) -> None:
    database = _database(postgres_server, quota=1)
    signer = Signer.from_settings(load_settings().signing)
    with database.transaction() as session:
        first = sign_contract(session, ADMIN, _request(0), signer, ContractRules(), NOW)
        change_status(session, ADMIN, first.id, "suspend", signer, ContractRules(), NOW)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def reinstate() -> None:
        barrier.wait()
        try:
            with database.transaction() as session:
                results.append(change_status(session, ADMIN, first.id, "reinstate", signer, ContractRules(),
                                             NOW).status)
        except CapacityError as exc:
            results.append(exc)

    thread = threading.Thread(target=reinstate)
    thread.start()
    _, lost = _race_one(database, barrier, signer)
    thread.join(30)
    assert len([r for r in [*results, *lost] if isinstance(r, CapacityError)]) == 1
    database.dispose()


def _race_one(database: db.Database, barrier: threading.Barrier,
              signer: Signer) -> tuple[list[str], list[Exception]]:
    barrier.wait()
    try:
        with database.transaction() as session:
            return [sign_contract(session, ADMIN, _request(1), signer, ContractRules(), NOW).id], []
    except CapacityError as exc:
        return [], [exc]

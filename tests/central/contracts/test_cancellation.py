"""Cancelling records when and the day it takes effect; a contract keeps the tariff it was signed at."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from central import db
from central.contracts.service import change_product
from central.core.security import Principal, Role
from central.errors import ConflictError, ForbiddenError
from tests.central.support import ADMIN, World

TODAY = date(2025, 3, 3)  # the world's clock, in Shanghai


def test_cancelling_records_when_and_takes_effect_today(world: World) -> None:
    signed = world.sign("沪A12345")
    cancelled = world.change(signed.id, "cancel")
    assert (cancelled.status, cancelled.cancelled_at, cancelled.ends_on) == ("cancelled", world.now, TODAY)
    assert cancelled.last_day == TODAY
    assert world.bundle().contracts == ()  # the gates drop it at once


@pytest.mark.parametrize(("who", "effective_on", "outcome"), [
    ("admin", TODAY - timedelta(days=3), "ok"),  # staff backdate a cancellation recorded late
    ("operator", TODAY, "ok"),
    ("resident", TODAY, "ok"),
    ("resident", TODAY - timedelta(days=1), "forbidden"),  # only staff backdate
    ("admin", TODAY + timedelta(days=1), "conflict"),  # never ahead: cancel on the day
    ("admin", TODAY - timedelta(days=30), "conflict"),  # before the contract was signed
])
def test_who_may_date_a_cancellation(world: World, who: str, effective_on: date, outcome: str) -> None:
    with world.database.transaction() as session:  # signed ten days ago
        contract = db.Contract(id="c-old", site_id="s1", product_id="nights", resident_id="r1",
                               plates="|沪A12345|", valid_from=TODAY - timedelta(days=10),
                               valid_to=TODAY + timedelta(days=20), status="active", version=1,
                               created_at=world.now - timedelta(days=10), updated_at=world.now,
                               monthly_fee_fen=30000, usage_rate_fen=0, usage_period_minutes=60,
                               daily_cap_fen=None, overstay_rate_fen=0, overstay_period_minutes=60,
                               grace_minutes=15)
        session.add(contract)
    principal = {"admin": ADMIN, "operator": Principal(Role.OPERATOR, institution_id="inst1"),
                 "resident": Principal(Role.RESIDENT, resident_id="r1")}[who]
    expected = {"forbidden": ForbiddenError, "conflict": ConflictError}
    if outcome == "ok":
        assert world.change("c-old", "cancel", principal, effective_on).ends_on == effective_on
    else:
        with pytest.raises(expected[outcome], match="effective_on|resident"):
            world.change("c-old", "cancel", principal, effective_on)


def test_a_contract_keeps_the_tariff_it_was_signed_at(world: World) -> None:
    before = world.sign("沪A12345", "r1")
    with world.database.transaction() as session:
        product = session.get_one(db.Product, "nights")
        product.monthly_fee_fen, product.grace_minutes = 45000, 5
    after = world.sign("沪B12345", "r2")
    assert (before.monthly_fee_fen, after.monthly_fee_fen) == (30000, 45000)
    grace = {c.contract_id: c.grace_minutes for c in world.bundle().contracts}
    assert grace == {before.id: 15, after.id: 5}  # the gate's grace is the one signed
    with world.database.transaction() as session:  # a move to another product takes its current prices
        moved = change_product(session, ADMIN, before.id, "weekends", world.signer, world.rules, world.now)
        assert moved.monthly_fee_fen == 30000 and moved.version == 2

"""One rule for when overstay starts: the fee and the violation begin at the same second."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from central.api.schemas import ProductIn
from central.billing import Tariff, charge_stay
from central.db import Product
from central.enforcement import Overstay, Policy, Standing, WatchedStay, due_actions
from shared import ContractStatus
from tests.billing.helpers import EVERY_NIGHT, HOURLY, hours, local

DEADLINE = local("2026-11-03 07:30")
ENTERED = local("2026-11-02 20:00")


def _violation(exited: datetime) -> list[Overstay]:
    stay = WatchedStay("1", "campus-a", "沪A12345", "c1", ENTERED, DEADLINE, HOURLY.grace_minutes, exited)
    actions = due_actions([stay], set(), [], {"c1": Standing("c1", ContractStatus.ACTIVE)},
                          exited + timedelta(hours=1), Policy())
    return [a for a in actions if isinstance(a, Overstay)]


@pytest.mark.parametrize(("after_grace", "overstays"), [
    (timedelta(seconds=-1), False),
    (timedelta(0), False),  # exactly at the end of grace: free, and no violation
    (timedelta(milliseconds=999), False),  # the same whole second
    (timedelta(seconds=1), True),
    (timedelta(hours=3), True),
])
def test_billing_charges_overstay_exactly_when_enforcement_records_a_violation(
        after_grace: timedelta, overstays: bool) -> None:
    exited = DEADLINE + timedelta(minutes=HOURLY.grace_minutes) + after_grace
    charge = charge_stay(HOURLY, hours(EVERY_NIGHT), ENTERED, exited, DEADLINE)
    violations = _violation(exited)
    assert (charge.overstay_fen > 0, bool(violations)) == (overstays, overstays)
    if overstays:  # the whole time from the deadline is charged; the violation is dated at grace end
        assert charge.overstay_seconds == int((exited - DEADLINE).total_seconds())
        assert violations[0].at == DEADLINE + timedelta(minutes=HOURLY.grace_minutes)


def test_a_product_without_an_overstay_period_has_the_same_one_everywhere() -> None:
    """The API, the products table and a bare Tariff: one grace and one overstay period by default."""
    product = ProductIn.model_validate({"id": "p", "site_id": "s", "name": "Nights", "quota": 1,
                                        "windows": [w.model_dump(mode="json") for w in EVERY_NIGHT]})
    table = Product.__table__.c
    defaults = {(name, getattr(product, name), table[name].default.arg, getattr(Tariff(), name))
                for name in ("overstay_period_minutes", "grace_minutes")}
    assert defaults == {("overstay_period_minutes", 60, 60, 60), ("grace_minutes", 15, 15, 15)}

"""Cancellation in the bill: nothing after the day it takes effect, that month pro rata, and the fee
already billed for the whole days after it given back once (unless the product or site says no refund)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from central.billing import Month
from central.billing.run import bill_month
from central.billing.store import statement_rows
from central.contracts.service import ContractRules, change_status
from central.core.security import Principal, Role
from central.db import Database, Product, Site
from central.distribution.bundles import Signer
from shared import generate_private_key
from tests.support.seeded import Seeded

SIGNER = Signer("test-1", generate_private_key(), timedelta(days=7), timedelta(days=2))
OCT, NOV, DEC, JAN = Month(2026, 10), Month(2026, 11), Month(2026, 12), Month(2027, 1)
ENDED = {m: datetime.combine(m.next().first_day, datetime.min.time(), tzinfo=UTC)
         for m in (OCT, NOV, DEC, JAN)}


def _cancel(db: Database, on: date, recorded: datetime) -> None:
    with db.transaction() as session:
        change_status(session, Principal(Role.ADMIN), "c1", "cancel", SIGNER, ContractRules(), recorded, on)


def _statement(db: Database, month: str) -> dict[str, object] | None:
    with db.transaction() as session:
        found = statement_rows(session.connection(), month, "c1")
    return found[0] if found else None


def _kinds(statement: dict[str, object] | None) -> list[tuple[str, int]]:
    assert statement is not None
    return [(i["kind"], i["amount_fen"]) for i in statement["line_items"]]  # type: ignore[attr-defined]


def test_the_issue_300_a_month_cancelled_on_10_november(db: Database, seeded: Seeded) -> None:
    _cancel(db, date(2026, 11, 10), datetime(2026, 11, 10, 3, tzinfo=UTC))
    bill_month(db, NOV, ENDED[NOV])
    assert _kinds(_statement(db, "2026-11")) == [("monthly_fee", 10000)]  # 30000 x 10 // 30
    for month in (DEC, JAN):
        bill_month(db, month, ENDED[month])
    assert _statement(db, "2026-12") is None and _statement(db, "2027-01") is None  # was billed to valid_to


def test_a_cancellation_recorded_after_the_month_was_billed_gives_the_unused_days_back(
        db: Database, seeded: Seeded) -> None:
    bill_month(db, OCT, ENDED[OCT])
    bill_month(db, NOV, ENDED[NOV])
    assert _kinds(_statement(db, "2026-11")) == [("monthly_fee", 30000)]
    _cancel(db, date(2026, 11, 10), datetime(2026, 12, 5, 3, tzinfo=UTC))  # backdated by the operator
    bill_month(db, DEC, ENDED[DEC])
    assert _kinds(_statement(db, "2026-12")) == [("refund", -20000)]  # 20 unused whole days of November
    bill_month(db, JAN, ENDED[JAN])
    assert _statement(db, "2027-01") is None  # given back once


@pytest.mark.parametrize("where", [Product, Site])
def test_operators_may_configure_no_refund(db: Database, seeded: Seeded, where: type[Product | Site]) -> None:
    with db.transaction() as session:
        key = seeded.product_id if where is Product else seeded.site_id
        session.get_one(where, key).refund_unused = False
    bill_month(db, NOV, ENDED[NOV])
    _cancel(db, date(2026, 11, 10), datetime(2026, 12, 5, 3, tzinfo=UTC))
    bill_month(db, DEC, ENDED[DEC])
    assert _statement(db, "2026-12") is None

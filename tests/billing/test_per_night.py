"""Billing per night: a billing day is rounded and capped once over ALL the contract's stays of that day
(docs/billing.md, "Charging stays"), also when they fall on two statements or arrive late."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from central.billing import Month, StayRecord, Tariff, build_statement, charge_in_order, seconds_of
from central.billing.models import StatementLineRecord
from central.billing.run import bill_month
from central.billing.store import statement_rows
from central.db import Database
from tests.billing.helpers import CAPPED, HOURLY, hours, local
from tests.support.seeded import Seeded, add_stay

FLAT = Tariff(monthly_fee_fen=30000, overstay_rate_fen=1000, overstay_period_minutes=30, grace_minutes=15)


def _stays(*times: tuple[str, str, str]) -> list[tuple[int, int, int | None]]:
    return [(seconds_of(local(a)), seconds_of(local(b)), seconds_of(local(d))) for a, b, d in times]


# tariff, stays (entered, left, deadline), each stay's usage share, each stay's overstay
CASES = [
    pytest.param(CAPPED, [("2025-09-16 19:00", "2025-09-16 21:30", "2025-09-17 07:30"),
                          ("2025-09-16 22:00", "2025-09-17 07:00", "2025-09-17 07:30")],
                 [1500, 1500], [0, 0], id="issue-out-2130-back-2200-one-cap"),
    pytest.param(HOURLY, [("2025-09-16 20:00", "2025-09-16 20:20", "2025-09-17 07:30"),
                          ("2025-09-16 21:00", "2025-09-16 21:20", "2025-09-17 07:30")],
                 [500, 0], [0, 0], id="two-short-stays-one-started-hour"),
    pytest.param(CAPPED, [("2025-09-16 19:00", "2025-09-17 07:00", "2025-09-17 07:30"),
                          ("2025-09-17 19:00", "2025-09-18 07:00", "2025-09-18 07:30")],
                 [3000, 3000], [0, 0], id="two-nights-two-caps"),
    pytest.param(CAPPED, [("2025-09-16 19:00", "2025-09-16 23:00", "2025-09-17 07:30"),
                          ("2025-09-16 23:30", "2025-09-17 09:00", "2025-09-17 07:30")],
                 [2000, 1000], [0, 3000], id="beyond-the-window-at-the-overstay-rate-uncapped"),
    pytest.param(FLAT, [("2025-09-16 19:00", "2025-09-16 20:00", "2025-09-17 07:30"),
                        ("2025-09-16 20:30", "2025-09-16 22:00", "2025-09-17 07:30"),
                        ("2025-09-16 23:00", "2025-09-17 07:30", "2025-09-17 07:30")],
                 [0, 0, 0], [0, 0, 0], id="monthly-fee-no-usage-rate-re-entries-free"),
]


@pytest.mark.parametrize(("tariff", "times", "usage", "overstay"), CASES)
def test_a_night_is_rounded_and_capped_once(tariff: Tariff, times: list[tuple[str, str, str]],
                                            usage: list[int], overstay: list[int]) -> None:
    charges = charge_in_order(tariff, hours(), _stays(*times))
    assert [c.usage_fen for c in charges] == usage
    assert [c.overstay_fen for c in charges] == overstay


def test_the_issue_night_costs_the_cap_on_the_statement() -> None:
    times = _stays(("2026-11-10 19:00", "2026-11-10 21:30", "2026-11-11 07:30"),
                   ("2026-11-10 22:00", "2026-11-11 07:00", "2026-11-11 07:30"))
    stays = [StayRecord(n, "沪A12345", *seconds) for n, seconds in enumerate(times, start=1)]
    statement = build_statement("c1", Month(2026, 11), CAPPED, hours(), stays)
    assert [line.amount_fen for line in statement.stay_lines()] == [1500, 1500]
    assert statement.total_fen == 3000  # was 4500: the cap was applied per stay


NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
LATER = datetime(2027, 1, 1, 2, tzinfo=UTC)


def _lines(db: Database, month: str) -> list[tuple[str, int | None, int]]:
    with db.transaction() as session:
        (statement,) = statement_rows(session.connection(), month)
    return [(i["kind"], i["stay_id"], i["amount_fen"]) for i in statement["line_items"]]


def test_a_night_split_over_two_statements_is_capped_once(db: Database, seeded: Seeded) -> None:
    first = add_stay(db, seeded, "2026-10-31 19:00", "2026-10-31 21:30", "2026-11-01 07:30")
    bill_month(db, Month(2026, 10), NOW)
    second = add_stay(db, seeded, "2026-10-31 22:00", "2026-11-01 07:00", "2026-11-01 07:30")
    bill_month(db, Month(2026, 11), NOW)
    assert (("stay", first, 1500) in _lines(db, "2026-10"))
    assert _lines(db, "2026-11") == [("monthly_fee", None, 30000), ("stay", second, 1500)]


def test_a_late_stay_on_a_night_at_the_cap_costs_nothing_more(db: Database, seeded: Seeded) -> None:
    night = add_stay(db, seeded, "2026-11-10 20:00", "2026-11-11 07:00", "2026-11-11 07:30")
    bill_month(db, Month(2026, 11), NOW)
    late = add_stay(db, seeded, "2026-11-10 19:00", "2026-11-10 19:40", "2026-11-11 07:30")  # reached us late
    bill_month(db, Month(2026, 12), LATER)
    adjustments = [(stay, fen) for kind, stay, fen in _lines(db, "2026-12") if kind == "adjustment"]
    assert sorted(adjustments) == sorted([(late, 500), (night, -500)])  # the night still costs 3000
    with db.transaction() as session:
        billed = session.scalars(select(StatementLineRecord.amount_fen).where(
            StatementLineRecord.stay_id.in_([night, late]))).all()
    assert sum(billed) == 3000
    assert bill_month(db, Month(2027, 1), datetime(2027, 2, 1, tzinfo=UTC)).lines == 0  # nothing twice

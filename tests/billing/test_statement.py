"""Monthly statements: lines, fee, month boundary, idempotence, late events as adjustments."""

from __future__ import annotations

from datetime import date

from central.billing import LineKind, Month, StayRecord, Tariff, build_statement
from central.billing.statement import Statement
from tests.billing.helpers import HOURLY, hours, local

NOV = Month.parse("2026-11")
MONTHLY = Tariff(monthly_fee_fen=30000, usage_rate_fen=500, overstay_rate_fen=1000, grace_minutes=15)


def stay(stay_id: int, entered: str, exited: str | None, deadline: str | None = None) -> StayRecord:
    return StayRecord.at(stay_id, "沪A12345", local(entered), local(exited) if exited else None,
                         local(deadline) if deadline else None)


def billed_by(*statements: Statement) -> dict[int, int]:
    billed: dict[int, int] = {}
    for statement in statements:
        for line in statement.lines:
            if line.stay_id is not None:
                billed[line.stay_id] = billed.get(line.stay_id, 0) + line.amount_fen
    return billed


NIGHTS = [
    stay(1, "2026-11-02 19:00", "2026-11-02 21:00", "2026-11-03 07:30"),
    stay(2, "2026-11-03 20:00", "2026-11-04 08:00", "2026-11-04 07:30"),  # overstay
    stay(3, "2026-11-30 20:00", None, "2026-12-01 07:30"),  # still inside
]


def test_one_line_per_closed_stay_with_fee_overstay_and_total() -> None:
    statement = build_statement("c1", NOV, MONTHLY, hours(), NIGHTS)
    kinds = [line.kind for line in statement.lines]
    assert kinds == [LineKind.MONTHLY_FEE, LineKind.STAY, LineKind.STAY]
    s1, s2 = statement.stay_lines()
    assert (s1.stay_id, s1.duration_seconds, s1.usage_periods, s1.amount_fen) == (1, 7200, 2, 1000)
    assert (s2.usage_periods, s2.overstay_periods, s2.overstay_fen) == (12, 1, 1000)
    assert statement.overstay_fen == 1000
    assert statement.total_fen == 30000 + 1000 + 12 * 500 + 1000


def test_stay_crossing_the_month_boundary_is_billed_in_the_month_it_closes() -> None:
    night = [stay(4, "2026-10-31 20:00", "2026-11-01 07:00", "2026-11-01 07:30")]
    october = build_statement("c1", Month(2026, 10), HOURLY, hours(), night)
    november = build_statement("c1", NOV, HOURLY, hours(), night, billed_by(october))
    assert october.lines == ()
    assert [line.stay_id for line in november.stay_lines()] == [4]
    assert november.total_fen == 11 * 500


def test_building_twice_gives_the_same_statement() -> None:
    first = build_statement("c1", NOV, MONTHLY, hours(), NIGHTS)
    assert build_statement("c1", NOV, MONTHLY, hours(), list(reversed(NIGHTS))) == first


def test_next_month_does_not_bill_a_stay_again() -> None:
    november = build_statement("c1", NOV, HOURLY, hours(), NIGHTS)
    december = build_statement("c1", NOV.next(), HOURLY, hours(), NIGHTS, billed_by(november))
    assert december.lines == ()


def test_late_stay_becomes_an_adjustment_on_the_next_statement() -> None:
    november = build_statement("c1", NOV, HOURLY, hours(), NIGHTS)
    late = stay(5, "2026-11-20 19:00", "2026-11-20 20:30", "2026-11-21 07:30")
    december = build_statement("c1", NOV.next(), HOURLY, hours(), [*NIGHTS, late], billed_by(november))
    (line,) = december.lines
    assert (line.kind, line.stay_id, line.amount_fen) == (LineKind.ADJUSTMENT, 5, 1000)
    assert "2026-11" in line.note
    assert december.adjustments_fen == 1000


def test_corrected_exit_becomes_the_difference_never_a_rewrite() -> None:
    november = build_statement("c1", NOV, HOURLY, hours(), NIGHTS)
    corrected = [NIGHTS[0], stay(2, "2026-11-03 20:00", "2026-11-04 07:00", "2026-11-04 07:30")]
    december = build_statement("c1", NOV.next(), HOURLY, hours(), corrected, billed_by(november))
    (line,) = december.lines
    assert line.kind is LineKind.ADJUSTMENT
    assert line.amount_fen == 11 * 500 - (12 * 500 + 1000)
    # And the month after, nothing again.
    january = build_statement("c1", Month(2027, 1), HOURLY, hours(), corrected,
                              billed_by(november, december))
    assert january.lines == ()


def test_monthly_fee_pro_rata_rounds_down() -> None:
    partial = hours(valid_from=date(2026, 11, 20))
    statement = build_statement("c1", NOV, MONTHLY, partial, [])
    (fee,) = statement.lines
    assert fee.amount_fen == 30000 * 11 // 30
    assert fee.note == "11 of 30 days"
    assert build_statement("c1", NOV, MONTHLY, hours(valid_to=date(2026, 10, 31)), []).lines == ()

"""Terms in whole months, their price, and what comes back of a term when its contract ends early."""

from __future__ import annotations

from datetime import date

import pytest

from central.orders import refund_due, term_end, term_price


@pytest.mark.parametrize(("first", "months", "last"), [
    (date(2025, 3, 3), 1, date(2025, 4, 2)),
    (date(2025, 3, 3), 3, date(2025, 6, 2)),
    (date(2025, 3, 1), 1, date(2025, 3, 31)),  # from the 1st: the calendar month
    (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 February: to its last day
    (date(2025, 1, 29), 1, date(2025, 2, 28)),
    (date(2024, 1, 30), 1, date(2024, 2, 29)),  # a leap year
    (date(2025, 1, 28), 1, date(2025, 2, 27)),
    (date(2025, 12, 15), 1, date(2026, 1, 14)),  # over the new year
    (date(2025, 3, 3), 12, date(2026, 3, 2)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_a_term_ends_the_day_before_the_same_day_months_later(first: date, months: int, last: date) -> None:
    assert term_end(first, months) == last


def test_a_term_is_at_least_a_month() -> None:
    with pytest.raises(ValueError, match="months"):
        term_end(date(2025, 3, 3), 0)


def test_the_price_is_the_monthly_fee_times_the_months_in_fen() -> None:
    assert term_price(30000, 3) == 90000
    for wrong in (300.0, -1, True):
        with pytest.raises(ValueError, match="monthly_fee_fen"):
            term_price(wrong, 1)  # type: ignore[arg-type]


MARCH = (date(2025, 3, 1), date(2025, 3, 31))  # 31 days at 31000 fen: 1000 fen a day


@pytest.mark.parametrize(("ends_on", "refunds", "back"), [
    (date(2025, 3, 10), True, 21000),  # 10 days used, the cancellation's day among them
    (date(2025, 3, 1), True, 30000),  # cancelled on the first day: that day is used
    (date(2025, 2, 27), True, 31000),  # before the term began (a renewal not yet started): all of it
    (date(2025, 3, 31), True, 0),  # the last day: nothing left
    (date(2025, 4, 5), True, 0),  # after the term
    (date(2025, 3, 10), False, 0),  # the product or the site refunds nothing
])
def test_the_days_after_the_last_one_come_back(ends_on: date, refunds: bool, back: int) -> None:
    assert refund_due(31000, *MARCH, ends_on, refunds) == back


def test_rounding_is_in_the_residents_favour() -> None:
    # 30000 fen over 31 days, 1 day used: 967.74 owed, 967 kept, 29033 back
    assert refund_due(30000, *MARCH, date(2025, 3, 1), True) == 29033

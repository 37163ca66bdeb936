"""What a term costs, when it ends, and what comes back when its contract ends early. Pure: no I/O.

A term is whole months from its first day: it ends the day before the same day of the month
``months`` later, or on the last day of that month where that day does not exist (1 month from
31 January ends on 28 or 29 February). Money is integer fen.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month where it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(first_day: date, months: int) -> date:
    """The last day (inclusive) of a term of ``months`` whole months starting on ``first_day``."""
    if months < 1:
        raise ValueError(f"months: a term is at least 1 month (got {months})")
    same_day = add_months(first_day, months)
    if same_day.day < first_day.day:  # the month is too short: the term runs to its last day
        return same_day
    return same_day - timedelta(days=1)


def term_price(monthly_fee_fen: int, months: int) -> int:
    """The prepaid price of a term: the monthly fee times the months."""
    if isinstance(monthly_fee_fen, bool) or not isinstance(monthly_fee_fen, int) or monthly_fee_fen < 0:
        raise ValueError(f"monthly_fee_fen: a whole number of fen, 0 or more (got {monthly_fee_fen!r})")
    return monthly_fee_fen * months


def refund_due(amount_fen: int, first_day: date, last_day: date, ends_on: date, refunds: bool) -> int:
    """What comes back of a prepaid term ``first_day``..``last_day`` when its contract's last day is
    ``ends_on`` (the day a cancellation took effect, which is used and not refunded).

    The days of the term up to ``ends_on`` are owed pro rata, rounded down in the resident's
    favour; the rest comes back. Nothing when refunds are off (the product or the site said so).
    """
    if not refunds or ends_on >= last_day:
        return 0
    term_days = (last_day - first_day).days + 1
    used_days = max(0, (ends_on - first_day).days + 1)
    owed = amount_fen * used_days // term_days
    return amount_fen - owed

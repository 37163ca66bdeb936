"""What one stay costs: usage inside the contract's windows, overstay after the deadline.

Pure and I/O-free; every amount is an integer number of fen (分). The rules,
written out in docs/billing.md:

- Times are floored to the whole second before anything is counted.
- Usage is the time parked inside the contract's window occurrences, up to the
  departure deadline. Each second belongs to one *billing day*: the site-local
  date on which the window occurrence holding it starts (the night of 19:00 to
  07:30 starting on the 30th is the 30th's, midnight does not split it). Where
  two occurrences overlap, the earlier-starting one holds the overlap.
- Per billing day: started periods = ceil(seconds / period), amount = periods x
  rate, then the daily cap, if any.
- Overstay: nothing while the exit (or now, for a car still inside) is at or
  before deadline + grace. Past that, the whole time from the deadline counts,
  in started overstay periods at the overstay rate, with no cap.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from central.billing.errors import StayError, TariffError
from shared import Contract, TimeWindow, day_type

_MAX_FEN = 10_000_000_00  # ten million yuan: any amount above is a typo
_MAX_PERIOD = 24 * 60


@dataclass(frozen=True, slots=True)
class Tariff:
    """A product's prices, in fen, with periods in minutes."""

    monthly_fee_fen: int = 0
    usage_rate_fen: int = 0
    usage_period_minutes: int = 60
    daily_cap_fen: int | None = None
    overstay_rate_fen: int = 0
    overstay_period_minutes: int = 30
    grace_minutes: int = 15

    def __post_init__(self) -> None:
        for name in ("monthly_fee_fen", "usage_rate_fen", "overstay_rate_fen", "daily_cap_fen"):
            _check_int(name, getattr(self, name), 0, _MAX_FEN, optional=name == "daily_cap_fen")
        _check_int("usage_period_minutes", self.usage_period_minutes, 1, _MAX_PERIOD)
        _check_int("overstay_period_minutes", self.overstay_period_minutes, 1, _MAX_PERIOD)
        _check_int("grace_minutes", self.grace_minutes, 0, _MAX_PERIOD)

    def usage_fen(self, seconds: int) -> tuple[int, int, bool]:
        """(started periods, amount after the cap, whether the cap applied) for one billing day."""
        periods = _started(seconds, self.usage_period_minutes * 60)
        amount = periods * self.usage_rate_fen
        if self.daily_cap_fen is not None and amount > self.daily_cap_fen:
            return periods, self.daily_cap_fen, True
        return periods, amount, False


def _check_int(name: str, value: object, low: int, high: int, optional: bool = False) -> None:
    if value is None and optional:
        return
    if type(value) is not int:  # bool and float are refused: money is whole fen
        raise TariffError(name, value, "must be a whole number")
    if not low <= value <= high:
        raise TariffError(name, value, f"must be between {low} and {high}")


def _started(seconds: int, period: int) -> int:
    return -(-seconds // period)


@dataclass(frozen=True, slots=True)
class ContractHours:
    """When a contract may park: its windows, in its site's timezone, between its valid days."""

    windows: tuple[TimeWindow, ...]
    tz: ZoneInfo
    valid_from: date | None = None
    valid_to: date | None = None

    @classmethod
    def of(cls, contract: Contract, tz: ZoneInfo) -> ContractHours:
        return cls(contract.windows, tz, contract.valid_from, contract.valid_to)

    def occurrences(self, first: date, last: date) -> Iterator[tuple[date, datetime, datetime]]:
        """(start day, start, end in UTC) of each occurrence starting from first to last, by start."""
        day = first
        while day <= last:
            if (self.valid_from is None or day >= self.valid_from) and (
                    self.valid_to is None or day <= self.valid_to):
                yield from _occurrences_on(self.windows, self.tz, day)
            day += timedelta(days=1)


@functools.lru_cache(maxsize=65536)
def _occurrences_on(
    windows: tuple[TimeWindow, ...], tz: ZoneInfo, day: date,
) -> tuple[tuple[date, datetime, datetime], ...]:
    kind = day_type(day)
    found = sorted(w.on(day, tz) for w in windows if w.day_type is kind)
    return tuple((day, start.astimezone(UTC), end.astimezone(UTC)) for start, end in found)


@dataclass(frozen=True, slots=True)
class UsageDay:
    """The usage of one billing day."""

    day: date
    seconds: int
    periods: int
    amount_fen: int
    capped: bool


@dataclass(frozen=True, slots=True)
class Charge:
    """What one stay costs, and why."""

    days: tuple[UsageDay, ...]
    overstay_seconds: int
    overstay_periods: int
    overstay_fen: int

    @property
    def usage_seconds(self) -> int:
        return sum(d.seconds for d in self.days)

    @property
    def usage_periods(self) -> int:
        return sum(d.periods for d in self.days)

    @property
    def usage_fen(self) -> int:
        return sum(d.amount_fen for d in self.days)

    @property
    def total_fen(self) -> int:
        return self.usage_fen + self.overstay_fen


def charge_stay(
    tariff: Tariff,
    hours: ContractHours,
    entered_at: datetime,
    until: datetime,
    deadline: datetime | None,
) -> Charge:
    """Charge a stay from entry to ``until``: its exit, or now for a car still inside.

    ``deadline`` is the departure deadline recorded at entry; None (a guard let a
    car in outside its windows) means no overstay can accrue.
    """
    entered, until = _second(entered_at, "entered_at"), _second(until, "until")
    if until < entered:
        raise StayError(f"stay ends at {until.isoformat()}, before its entry at {entered.isoformat()}")
    usage_end = until if deadline is None else min(until, _second(deadline, "deadline"))
    days = tuple(
        UsageDay(day, seconds, *tariff.usage_fen(seconds))
        for day, seconds in _usage_by_day(hours, entered, usage_end).items()
    )
    over_seconds = _overstay_seconds(tariff, until, deadline)
    over_periods = _started(over_seconds, tariff.overstay_period_minutes * 60)
    return Charge(days, over_seconds, over_periods, over_periods * tariff.overstay_rate_fen)


def _second(when: datetime, name: str) -> datetime:
    if when.tzinfo is None:
        raise StayError(f"{name} {when.isoformat()} has no timezone")
    return when.astimezone(UTC).replace(microsecond=0)


def _overstay_seconds(tariff: Tariff, until: datetime, deadline: datetime | None) -> int:
    if deadline is None:
        return 0
    deadline = _second(deadline, "deadline")
    if until <= deadline + timedelta(minutes=tariff.grace_minutes):
        return 0
    return int((until - deadline).total_seconds())


def _usage_by_day(hours: ContractHours, start: datetime, end: datetime) -> dict[date, int]:
    """Seconds parked inside window occurrences, by the local day each occurrence starts."""
    by_day: dict[date, int] = {}
    if end <= start:
        return by_day
    first = start.astimezone(hours.tz).date() - timedelta(days=2)
    held_until = start  # everything before this is already held by an earlier occurrence
    for day, occ_start, occ_end in hours.occurrences(first, end.astimezone(hours.tz).date()):
        lo, hi = max(occ_start, held_until), min(occ_end, end)
        if hi > lo:
            by_day[day] = by_day.get(day, 0) + int((hi - lo).total_seconds())
        held_until = max(held_until, occ_end)
    return by_day

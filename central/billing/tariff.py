"""What stays cost: usage inside the contract's windows, overstay after the deadline.

Pure and I/O-free; every amount is an integer number of fen (分). The rules,
written out in docs/billing.md:

- Times are floored to the whole second before anything is counted.
- Usage is the time parked inside the contract's window occurrences, up to the
  departure deadline. Each second belongs to one *billing day*: the site-local
  date on which the window occurrence holding it starts (the night of 19:00 to
  07:30 starting on the 30th is the 30th's, midnight does not split it). Where
  two occurrences overlap, the earlier-starting one holds the overlap.
- Per billing day, over ALL the contract's stays of that day: started periods =
  ceil(seconds / period), amount = periods x rate, then the daily cap, if any. A
  car that leaves at 21:30 and comes back at 22:00 pays one night, rounded once and
  capped once. Each stay's line carries its share: what the day costs with it minus
  what it cost with the stays that entered before it (``charge_in_order``).
- Overstay: the seconds ``central.overstay`` counts (the whole time from the
  deadline, once the car is last seen past deadline + grace), in started overstay
  periods at the overstay rate, per stay, with no cap.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from central.errors import StayError, TariffError
from central.overstay import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_OVERSTAY_PERIOD_MINUTES,
    overstay_seconds,
    seconds_of,
)
from shared import OfficialCalendar, TimeWindow

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
    overstay_period_minutes: int = DEFAULT_OVERSTAY_PERIOD_MINUTES
    grace_minutes: int = DEFAULT_GRACE_MINUTES

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
    """When a contract may park: its windows, in its site's timezone, by the official calendar,
    between its valid days."""

    windows: tuple[TimeWindow, ...]
    tz: ZoneInfo
    calendar: OfficialCalendar
    valid_from: date | None = None
    valid_to: date | None = None
    _set: _WindowSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_set", _window_set(self.windows, self.tz, self.calendar))

    def occurrences(self, first: date, last: date) -> tuple[tuple[date, int, int], ...]:
        """(start day, start, end as POSIX seconds) of the occurrences starting first..last, by start."""
        found = _occurrences(self._set, first, last)
        if (self.valid_from is None or self.valid_from <= first) and (
                self.valid_to is None or last <= self.valid_to):
            return found
        return tuple(occ for occ in found if (self.valid_from is None or occ[0] >= self.valid_from)
                     and (self.valid_to is None or occ[0] <= self.valid_to))


@dataclass(frozen=True, slots=True, eq=False)
class _WindowSet:
    """One object per distinct (windows, timezone, calendar): hashed and compared by identity, so cheap."""

    windows: tuple[TimeWindow, ...]
    tz: ZoneInfo
    calendar: OfficialCalendar


@functools.lru_cache(maxsize=1024)
def _window_set(windows: tuple[TimeWindow, ...], tz: ZoneInfo, calendar: OfficialCalendar) -> _WindowSet:
    return _WindowSet(windows, tz, calendar)


@functools.lru_cache(maxsize=65536)
def _occurrences(window_set: _WindowSet, first: date, last: date) -> tuple[tuple[date, int, int], ...]:
    windows, tz, calendar = window_set.windows, window_set.tz, window_set.calendar
    found = []
    day = first
    while day <= last:
        kind = calendar.day_type(day)
        for window in windows:
            if window.day_type is kind:
                start, end = window.on(day, tz)
                found.append((day, int(start.timestamp()), int(end.timestamp())))
        day += timedelta(days=1)
    return tuple(sorted(found, key=lambda occ: occ[1]))


@dataclass(frozen=True, slots=True)
class UsageDay:
    """A stay's usage on one billing day: its seconds, and its share of the day's periods and amount."""

    day: date
    seconds: int
    periods: int
    amount_fen: int
    capped: bool  # the day, with this stay, reached the daily cap


@dataclass(frozen=True, slots=True)
class Charge:
    """What one stay costs, and why."""

    days: tuple[UsageDay, ...]
    overstay_seconds: int
    overstay_periods: int
    overstay_fen: int
    usage_seconds: int
    usage_periods: int
    usage_fen: int

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
    return charge_seconds(tariff, hours, seconds_of(entered_at, "entered_at"), seconds_of(until, "until"),
                          None if deadline is None else seconds_of(deadline, "deadline"))


def charge_seconds(tariff: Tariff, hours: ContractHours, entered: int, until: int,
                   deadline: int | None) -> Charge:
    """``charge_stay`` on POSIX seconds, for a stay alone on its billing days."""
    return _charge(tariff, hours, entered, until, deadline, {})


def charge_in_order(tariff: Tariff, hours: ContractHours,
                    stays: Sequence[tuple[int, int, int | None]]) -> list[Charge]:
    """The charges of one contract's stays (entered, until, deadline in POSIX seconds), given in the
    order they entered: each billing day is rounded and capped once over all of them, and each
    stay's usage is what its days cost with it minus what they cost before it."""
    used: dict[date, int] = {}
    return [_charge(tariff, hours, entered, until, deadline, used) for entered, until, deadline in stays]


def _charge(tariff: Tariff, hours: ContractHours, entered: int, until: int, deadline: int | None,
            used: dict[date, int]) -> Charge:
    """One stay's charge on top of the seconds already ``used`` per billing day (updated)."""
    if until < entered:
        raise StayError(f"stay ends at {_iso(until)}, before its entry at {_iso(entered)}")
    usage_end = until if deadline is None else min(until, deadline)
    days = []
    seconds_in = periods_in = fen = 0
    for day, seconds in _usage_by_day(hours, entered, usage_end).items():
        before = used.get(day, 0)
        used[day] = before + seconds
        periods, amount, capped = tariff.usage_fen(before + seconds)
        if before:
            periods_before, amount_before, _ = tariff.usage_fen(before)
            periods, amount = periods - periods_before, amount - amount_before
        days.append(UsageDay(day, seconds, periods, amount, capped))
        seconds_in, periods_in, fen = seconds_in + seconds, periods_in + periods, fen + amount
    over_seconds = overstay_seconds(deadline, tariff.grace_minutes, until)
    over_periods = _started(over_seconds, tariff.overstay_period_minutes * 60)
    return Charge(tuple(days), over_seconds, over_periods, over_periods * tariff.overstay_rate_fen,
                  seconds_in, periods_in, fen)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _usage_by_day(hours: ContractHours, start: int, end: int) -> dict[date, int]:
    """Seconds parked inside window occurrences, by the local day each occurrence starts."""
    by_day: dict[date, int] = {}
    if end <= start:
        return by_day
    # An occurrence lasts at most two local days, so none starting before yesterday reaches `start`.
    first = datetime.fromtimestamp(start, hours.tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, hours.tz).date()
    held_until = start  # everything before this is already held by an earlier occurrence
    for day, occ_start, occ_end in hours.occurrences(first, last):
        if occ_end <= held_until:
            continue
        if occ_start >= end:
            break  # occurrences come by start
        lo = occ_start if occ_start > held_until else held_until
        hi = occ_end if occ_end < end else end
        if hi > lo:
            by_day[day] = by_day.get(day, 0) + hi - lo
        held_until = occ_end
    return by_day

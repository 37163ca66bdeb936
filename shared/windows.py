"""Weekly time windows by day type, evaluated in the site's timezone.

A window belongs to the local day it starts on. That day is a working day or
a rest day by the official calendar (``shared.calendar``, signed into the
bundle): weekends and public holidays rest, make-up working days (调休) work.
A window ends on its start day, or on the next day when it crosses midnight
(19:00 to 07:30) or when ``end_day_offset`` says so (a rest day 00:00 to 07:30 the next morning).

Windows that touch or overlap chain into one stay: a car in on Friday at
20:00 under "working 19:00-07:30" and "rest 00:00-07:30+1" may stay until
Monday 07:30. The end of that chain is the departure deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.calendar import DayType, OfficialCalendar
from shared.errors import WindowError

MAX_CHAIN_DAYS = 62  # a chain never runs further: round-the-clock windows get this deadline


class TimeWindow(BaseModel):
    """One weekly rule: on days of ``day_type``, from ``start`` to ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day_type: DayType = Field(description="the type of the day the window starts on")
    start: time = Field(description="local start time")
    end: time = Field(description="local end time; at or before start means the next day")
    end_day_offset: int | None = Field(
        default=None, ge=0, le=1,
        description="days from start to end; derived from the times when omitted",
    )

    @model_validator(mode="after")
    def _derive_offset(self) -> TimeWindow:
        if self.start.tzinfo or self.end.tzinfo:
            raise WindowError("window times are local wall-clock times: no timezone")
        if self.end_day_offset is None:
            object.__setattr__(self, "end_day_offset", 1 if self.end <= self.start else 0)
        elif self.end_day_offset == 0 and self.end <= self.start:
            raise WindowError(f"window {self.start}-{self.end} ends before it starts")
        return self

    def on(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window's occurrence starting on ``day``, as aware datetimes."""
        start = datetime.combine(day, self.start, tzinfo=tz)
        end = datetime.combine(day + timedelta(days=self.end_day_offset or 0), self.end, tzinfo=tz)
        return start, end

    def label(self) -> str:
        suffix = " (+1)" if self.end_day_offset else ""
        return f"{self.day_type.value} {self.start:%H:%M}-{self.end:%H:%M}{suffix}"


@dataclass(frozen=True, slots=True)
class Coverage:
    """A stretch of time covered by chained windows, in UTC."""

    start: datetime
    end: datetime  # the departure deadline

    def __contains__(self, when: datetime) -> bool:
        return self.start <= when < self.end


def coverage_at(
    windows: Sequence[TimeWindow],
    when: datetime,
    tz: ZoneInfo,
    calendar: OfficialCalendar,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Coverage | None:
    """The chain of windows covering ``when``, or None outside every window.

    Only occurrences starting on days from ``first_day`` to ``last_day``
    (local, inclusive) count: a contract valid to the 30th covers the night
    that starts on the 30th, to its end on the 31st.
    """
    if when.tzinfo is None:
        raise WindowError("coverage_at needs an aware datetime")
    local = when.astimezone(tz)
    containing = [
        occ for occ in _occurrences(windows, local.date() - timedelta(days=2), local.date(),
                                    tz, calendar, first_day, last_day)
        if occ[0] <= local < occ[1]
    ]
    if not containing:
        return None
    start = min(occ[0] for occ in containing)
    end = _extend(windows, max(occ[1] for occ in containing), tz, calendar, first_day, last_day)
    return Coverage(start.astimezone(UTC), end.astimezone(UTC))


def _extend(
    windows: Sequence[TimeWindow], end: datetime, tz: ZoneInfo, calendar: OfficialCalendar,
    first_day: date | None, last_day: date | None,
) -> datetime:
    """Follow windows that start at or before ``end`` and reach past it, for MAX_CHAIN_DAYS at most.

    Windows that cover every hour would chain for ever; their deadline is the cap, so a
    decision always has one and never fails on such a product.
    """
    limit = end + timedelta(days=MAX_CHAIN_DAYS)
    while end < limit:
        later = [
            occ_end for occ_start, occ_end in _occurrences(
                windows, end.date() - timedelta(days=1), end.date(), tz, calendar, first_day, last_day)
            if occ_start <= end < occ_end
        ]
        if not later:
            return end
        end = max(later)
    return limit


def _occurrences(
    windows: Sequence[TimeWindow], from_day: date, to_day: date, tz: ZoneInfo,
    calendar: OfficialCalendar, first_day: date | None, last_day: date | None,
) -> list[tuple[datetime, datetime]]:
    found: list[tuple[datetime, datetime]] = []
    day = from_day
    while day <= to_day:
        if (first_day is None or day >= first_day) and (last_day is None or day <= last_day):
            kind = calendar.day_type(day)
            found.extend(w.on(day, tz) for w in windows if w.day_type is kind)
        day += timedelta(days=1)
    return found

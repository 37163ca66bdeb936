"""The days ahead as the gate will see them: what a product's windows give on each coming day, and a
year's days under the official calendar. What the console shows before an operator commits to a
product (its windows cannot change once sold) and on the calendar page.

Both read the calendar from the database (``central.calendar.load_calendar``), as bundles and
bills do, and evaluate windows with ``shared.TimeWindow`` in the site's zone: the preview is the
gate's own arithmetic, not a second copy of it.
"""

from __future__ import annotations

from calendar import Calendar as WeekGrid  # the standard library's
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from central.calendar import load_calendar
from shared import DayType, OfficialCalendar, TimeWindow

PREVIEW_DAYS = 14


class DayNote(StrEnum):
    """Why a day is of its type: the week, or the official schedule overriding it."""

    WEEK = "week"  # Monday to Friday work, the weekend rests
    HOLIDAY = "holiday"  # a weekday the schedule makes a rest day (休)
    MAKEUP = "makeup"  # a weekend day the schedule makes a working day (调休 班)
    UNPUBLISHED = "unpublished"  # no schedule for the year: the week alone decides


@dataclass(frozen=True, slots=True)
class Opening:
    """One window's occurrence starting on a day, in the site's local time."""

    start: datetime
    end: datetime

    @property
    def next_day(self) -> bool:
        return self.end.date() > self.start.date()


@dataclass(frozen=True, slots=True)
class PreviewDay:
    day: date
    day_type: DayType
    note: DayNote
    openings: tuple[Opening, ...]


def day_note(calendar: OfficialCalendar, day: date) -> DayNote:
    if not calendar.published(day.year):
        return DayNote.UNPUBLISHED
    weekend = day.weekday() >= 5
    kind = calendar.day_type(day)
    if kind is DayType.REST and not weekend:
        return DayNote.HOLIDAY
    if kind is DayType.WORKING and weekend:
        return DayNote.MAKEUP
    return DayNote.WEEK


def preview_days(windows: Sequence[TimeWindow], calendar: OfficialCalendar, tz: ZoneInfo, first: date,
                 days: int = PREVIEW_DAYS) -> list[PreviewDay]:
    """Each day from ``first``: its type by the calendar and the windows that open on it, by start."""
    found = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        kind = calendar.day_type(day)
        openings = sorted((Opening(*w.on(day, tz)) for w in windows if w.day_type is kind),
                          key=lambda o: o.start)
        found.append(PreviewDay(day, kind, day_note(calendar, day), tuple(openings)))
    return found


def product_preview(session: Session, windows: Sequence[TimeWindow], timezone: str, now: datetime,
                    days: int = PREVIEW_DAYS) -> list[PreviewDay]:
    """The next ``days`` days from today in ``timezone`` (a site's), under the published calendar."""
    tz = ZoneInfo(timezone)
    first = now.astimezone(tz).date()
    last = first + timedelta(days=days - 1)
    return preview_days(windows, load_calendar(session, first.year, last.year), tz, first, days)


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    day_type: DayType
    note: DayNote


def year_months(calendar: OfficialCalendar, year: int) -> list[list[list[CalendarDay | None]]]:
    """Twelve months, each a list of Monday-first weeks; None pads the days of other months."""
    grid = WeekGrid(firstweekday=0)
    return [[[None if d.month != month else CalendarDay(d, calendar.day_type(d), day_note(calendar, d))
              for d in week] for week in grid.monthdatescalendar(year, month)]
            for month in range(1, 13)]


def year_view(session: Session, year: int) -> list[list[list[CalendarDay | None]]]:
    return year_months(load_calendar(session, year, year), year)

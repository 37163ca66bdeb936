"""The days ahead as the gate sees them: a product's windows on each coming day under the official
calendar (holidays, make-up working days, unpublished years), and a year's month grids."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from central.schedule import DayNote, preview_days, year_months
from shared import DayType, OfficialCalendar, TimeWindow, YearSchedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2025 as the State Council published it, in part: Qingming 4 April (a Friday) rests; Sunday 27 April works.
Y2025 = YearSchedule(
    year=2025,
    rest_days=(date(2025, 4, 4), date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 5)),
    working_days=(date(2025, 4, 27),),
    source="test",
)
NIGHTS = (
    TimeWindow(day_type=DayType.WORKING, start=time(19), end=time(7, 30)),
    TimeWindow(day_type=DayType.REST, start=time(0), end=time(7, 30), end_day_offset=1),
)


def test_fourteen_days_each_with_its_type_and_the_windows_opening_that_day() -> None:
    days = preview_days(NIGHTS, OfficialCalendar(years=(Y2025,)), SHANGHAI, date(2025, 3, 31))
    assert [d.day for d in days] == [date(2025, 3, 31 + i) if i == 0 else date(2025, 4, i) for i in range(14)]
    monday, qingming, saturday = days[0], days[4], days[5]
    assert (monday.day_type, monday.note) == (DayType.WORKING, DayNote.WEEK)
    assert [(o.start.time(), o.end.date(), o.end.time(), o.next_day) for o in monday.openings] == [
        (time(19), date(2025, 4, 1), time(7, 30), True)
    ]
    assert (qingming.day, qingming.day_type, qingming.note) == (
        date(2025, 4, 4),
        DayType.REST,
        DayNote.HOLIDAY,
    )
    assert [(o.start.time(), o.end.day) for o in qingming.openings] == [
        (time(0), 5)
    ]  # the rest rule, to Saturday
    assert saturday.note is DayNote.WEEK and saturday.day_type is DayType.REST
    assert all(o.start.tzinfo == SHANGHAI for d in days for o in d.openings)


def test_a_make_up_working_day_opens_the_working_days_window() -> None:
    sunday = preview_days(NIGHTS, OfficialCalendar(years=(Y2025,)), SHANGHAI, date(2025, 4, 27), days=1)[0]
    assert (sunday.day_type, sunday.note) == (DayType.WORKING, DayNote.MAKEUP)
    assert [o.start.time() for o in sunday.openings] == [time(19)]


def test_a_year_with_no_schedule_follows_the_week_and_says_so() -> None:
    days = preview_days(NIGHTS, OfficialCalendar(years=(Y2025,)), SHANGHAI, date(2025, 12, 30), days=4)
    assert [d.note for d in days] == [DayNote.WEEK, DayNote.WEEK, DayNote.UNPUBLISHED, DayNote.UNPUBLISHED]
    assert days[2].day_type is DayType.WORKING  # 1 January 2026, a Thursday: no holiday guessed


def test_no_windows_open_nothing_and_a_day_window_ends_the_same_day() -> None:
    day_shift = (TimeWindow(day_type=DayType.REST, start=time(8), end=time(18)),)
    days = preview_days(day_shift, OfficialCalendar(), SHANGHAI, date(2025, 4, 4), days=2)
    assert days[0].openings == ()  # a Friday, no calendar: working, and only rest days open
    assert [(o.start.time(), o.end.time(), o.next_day) for o in days[1].openings] == [
        (time(8), time(18), False)
    ]


def test_a_year_is_twelve_months_of_monday_first_weeks() -> None:
    months = year_months(OfficialCalendar(years=(Y2025,)), 2025)
    assert len(months) == 12
    april = months[3]
    assert [d.day.day if d else None for d in april[0]] == [None, 1, 2, 3, 4, 5, 6]  # 1 April 2025: a Tuesday
    assert {d.day.day: d.note for week in april for d in week if d and d.note is not DayNote.WEEK} == {
        4: DayNote.HOLIDAY,
        27: DayNote.MAKEUP,
    }

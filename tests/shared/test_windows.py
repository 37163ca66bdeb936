"""Time windows in the site's timezone, with China's official calendar."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from pydantic import ValidationError

from shared import DayType, TimeWindow, WindowError, coverage_at
from shared.windows import MAX_CHAIN_DAYS
from tests.shared.factories import CALENDAR, OFFPEAK, SHANGHAI, local


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2025, 11, 24), DayType.WORKING),  # a Monday
        (date(2025, 11, 22), DayType.REST),  # a Saturday
        (date(2025, 9, 28), DayType.WORKING),  # a Sunday, made a working day (调休) for National Day
        (date(2025, 10, 1), DayType.REST),  # National Day, a Wednesday
        (date(2025, 10, 11), DayType.WORKING),  # a Saturday, made a working day
    ],
)
def test_official_calendar(day: date, kind: DayType) -> None:
    assert CALENDAR.day_type(day) is kind


@pytest.mark.parametrize(
    ("at", "inside", "deadline"),
    [
        ("2025-11-24 20:00", True, "2025-11-25 07:30"),  # weekday evening
        ("2025-11-24 18:59", False, None),  # before the evening window
        ("2025-11-24 23:59", True, "2025-11-25 07:30"),  # crossing midnight: before it
        ("2025-11-25 00:01", True, "2025-11-25 07:30"),  # and after it
        ("2025-11-25 07:30", False, None),  # the end is exclusive
        ("2025-11-25 12:00", False, None),  # a weekday at noon
        ("2025-11-22 12:00", True, "2025-11-24 07:30"),  # Saturday: chains to Monday morning
        ("2025-11-21 20:00", True, "2025-11-24 07:30"),  # Friday night chains over the weekend
        ("2025-09-28 12:00", False, None),  # make-up working day: no daytime window
        ("2025-09-28 20:00", True, "2025-09-29 07:30"),
        ("2025-10-01 12:00", True, "2025-10-09 07:30"),  # Golden Week: 1-8 Oct rest, back on the 9th
    ],
)
def test_coverage_table(at: str, inside: bool, deadline: str | None) -> None:
    found = coverage_at(OFFPEAK, local(at), SHANGHAI, CALENDAR)
    assert (found is not None) is inside
    if found is not None:
        assert found.end == local(deadline or "")
        assert local(at) in found


def test_validity_bounds_the_nights_that_count() -> None:
    last_day = date(2025, 11, 24)  # valid to Monday
    on_last_night = coverage_at(OFFPEAK, local("2025-11-25 01:00"), SHANGHAI, CALENDAR, last_day=last_day)
    assert on_last_night is not None and on_last_night.end == local("2025-11-25 07:30")
    assert coverage_at(OFFPEAK, local("2025-11-25 20:00"), SHANGHAI, CALENDAR, last_day=last_day) is None
    first_day = date(2025, 11, 25)
    assert coverage_at(OFFPEAK, local("2025-11-25 01:00"), SHANGHAI, CALENDAR, first_day=first_day) is None


def test_a_window_that_would_end_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="ends before it starts"):
        TimeWindow(day_type=DayType.WORKING, start=time(19), end=time(7), end_day_offset=0)


def test_round_the_clock_windows_get_a_capped_deadline_not_an_error() -> None:
    always = (TimeWindow(day_type=DayType.WORKING, start=time(0), end=time(0)),
              TimeWindow(day_type=DayType.REST, start=time(0), end=time(0)))
    found = coverage_at(always, local("2025-11-24 12:00"), SHANGHAI, CALENDAR)
    assert found is not None
    assert timedelta(days=MAX_CHAIN_DAYS) <= found.end - local("2025-11-24 12:00") <= timedelta(days=64)


def test_naive_times_are_refused() -> None:
    from datetime import datetime

    with pytest.raises(WindowError, match="aware"):
        coverage_at(OFFPEAK, datetime(2025, 11, 24, 20), SHANGHAI, CALENDAR)

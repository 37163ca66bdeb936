"""The official calendar as data: schedules by year, the week for unpublished years, checked input."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from shared import DayType, OfficialCalendar, YearSchedule, schedule_from_holidays

# The State Council's 2026 schedule (国办发明电〔2025〕7号): make-up working days and a few days off.
MAKE_UP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                date(2026, 9, 20), date(2026, 10, 10)]
OFF_2026 = [date(2026, 1, 2), date(2026, 2, 16), date(2026, 2, 23), date(2026, 5, 5), date(2026, 10, 7)]


def test_the_installed_holidays_package_has_the_official_2026_schedule() -> None:
    schedule = schedule_from_holidays(2026)
    assert sorted(schedule.working_days) == MAKE_UP_2026
    assert set(OFF_2026) <= set(schedule.rest_days)
    calendar = OfficialCalendar(years=(schedule,))
    assert all(calendar.day_type(d) is DayType.WORKING for d in MAKE_UP_2026)
    assert all(calendar.day_type(d) is DayType.REST for d in OFF_2026)


def test_a_year_without_a_schedule_follows_the_week_alone_and_says_so() -> None:
    calendar = OfficialCalendar(years=(schedule_from_holidays(2026),))
    assert calendar.published(2026) and not calendar.published(2027)
    assert calendar.unpublished_years(date(2026, 6, 1), date(2027, 5, 31)) == (2027,)
    assert calendar.day_type(date(2027, 2, 8)) is DayType.WORKING  # a Monday in Spring Festival: unknown
    assert calendar.day_type(date(2027, 2, 6)) is DayType.REST  # a Saturday


def test_an_operator_schedule_overrides_the_week() -> None:
    schedule = YearSchedule(year=2027, rest_days=(date(2027, 2, 8),), working_days=(date(2027, 2, 20),),
                            source="State Council notice")
    calendar = OfficialCalendar(years=(schedule,))
    assert calendar.day_type(date(2027, 2, 8)) is DayType.REST
    assert calendar.day_type(date(2027, 2, 20)) is DayType.WORKING  # a Saturday made a working day


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"year": 2027, "rest_days": (date(2026, 12, 31),)}, "2026-12-31 not in 2027"),
        ({"year": 2027, "rest_days": (date(2027, 2, 8), date(2027, 2, 8))}, "listed twice"),
        ({"year": 2027, "rest_days": (date(2027, 2, 8),), "working_days": (date(2027, 2, 8),)},
         "both rest and working"),
    ],
)
def test_an_impossible_schedule_is_refused_naming_the_days(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        YearSchedule.model_validate(fields)


def test_a_year_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        OfficialCalendar(years=(YearSchedule(year=2027), YearSchedule(year=2027)))


def test_covering_keeps_only_the_years_asked_for() -> None:
    calendar = OfficialCalendar(years=tuple(YearSchedule(year=y) for y in (2025, 2026, 2027)))
    assert [s.year for s in calendar.covering(date(2026, 3, 1), date(2027, 1, 1)).years] == [2026, 2027]

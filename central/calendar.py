"""The official calendar the central service bills by and signs into every bundle.

For now the schedules come from the installed ``holidays`` package; the rules issue (#10)
moves them into the database under the admin's control.
"""

from __future__ import annotations

from shared import OfficialCalendar, schedule_from_holidays


def official_calendar(first_year: int, last_year: int) -> OfficialCalendar:
    """The schedules of ``first_year`` to ``last_year`` (inclusive)."""
    return OfficialCalendar(years=tuple(schedule_from_holidays(y) for y in range(first_year, last_year + 1)))

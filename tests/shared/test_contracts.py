"""Own vehicles and blacklist entries as the bundle carries them: when each applies."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from shared import BlacklistEntry, DayType, OwnVehicle, TimeWindow
from tests.shared.factories import CALENDAR, SHANGHAI, local

DAYTIME = (TimeWindow(day_type=DayType.WORKING, start=time(7, 0), end=time(19, 0)),)


@pytest.mark.parametrize(
    ("windows", "when", "admits"),
    [
        ((), "2025-10-01 03:00", True),  # no windows: at any time
        (DAYTIME, "2025-11-24 12:00", True),  # a Monday at noon
        (DAYTIME, "2025-11-24 20:00", False),
        (DAYTIME, "2025-10-01 12:00", False),  # National Day: a rest day in the official calendar
        (DAYTIME, "2025-10-11 12:00", True),  # a Saturday made a working day (调休)
    ],
)
def test_an_own_vehicle_is_admitted_in_its_windows_by_the_official_calendar(
        windows: tuple[TimeWindow, ...], when: str, admits: bool) -> None:
    vehicle = OwnVehicle(plate="沪c00001", holder="张主任", windows=windows)
    assert vehicle.plate == "沪C00001"  # normalised
    assert vehicle.admits(local(when), SHANGHAI, CALENDAR) is admits


def test_a_blacklist_entry_lasts_until_its_end() -> None:
    until = datetime(2025, 12, 1, tzinfo=UTC)
    entry = BlacklistEntry(plate="沪D66666", reason="欠费未缴", until=until)
    assert entry.active(until - timedelta(seconds=1)) and not entry.active(until)
    assert BlacklistEntry(plate="沪D66666", reason="多次超时未离场").active(datetime(2099, 1, 1, tzinfo=UTC))


def test_a_blacklist_reason_with_control_characters_is_refused() -> None:
    with pytest.raises(ValidationError, match="reason"):
        BlacklistEntry(plate="沪D66666", reason="bad\x1b[2Jreason")

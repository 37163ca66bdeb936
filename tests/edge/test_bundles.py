"""The bundle the gate holds: what it raises when the official calendar does not cover its contracts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from edge import alarms as codes
from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.store import Store
from shared import OfficialCalendar, YearSchedule, public_key_from_text, sign_bundle
from tests.edge.conftest import KEY, KEYS
from tests.shared.factories import CALENDAR, bundle, contract

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# The State Council's 2027 schedule as an operator would load it (a few days are enough here).
WITH_2027 = OfficialCalendar(years=(*CALENDAR.years, YearSchedule(
    year=2027, rest_days=(date(2027, 2, 8),), working_days=(date(2027, 2, 20),), source="国办发明电")))


def _keeper(tmp_path: Path, alarms: Alarms, clock: list[datetime]) -> BundleKeeper:
    return BundleKeeper("s1", Store(tmp_path / "gate.db"), {"k1": public_key_from_text(KEYS["k1"])}, alarms,
                        lambda: clock[0], timedelta(hours=1))


def _signed(sequence: int, calendar: OfficialCalendar, valid_to: date = date(2027, 6, 30)) -> bytes:
    held = bundle((contract(valid_to=valid_to),), sequence=sequence, issued_at=NOW - timedelta(hours=1),
                  calendar=calendar)
    return sign_bundle(held, KEY).to_bytes()


def test_contracts_covering_an_unpublished_year_raise_the_calendar_alarm_until_it_is_published(
        tmp_path: Path) -> None:
    alarms, clock = Alarms(), [NOW]
    keeper = _keeper(tmp_path, alarms, clock)
    assert keeper.offer(_signed(1, CALENDAR))  # contracts run into 2027; the bundle knows 2024-2026
    alarm = next(a for a in alarms.active() if a.code == codes.CALENDAR_UNPUBLISHED)
    assert alarm.detail == "calendar 2027 not published"
    assert codes.CALENDAR_UNPUBLISHED in alarms.codes()  # what the heartbeat carries
    assert alarm.label("zh-CN") == "节假日安排未发布（仅按周末）"  # what the guard page shows
    assert alarm.label("en") == "holiday schedule not published (weekends only)"
    assert keeper.offer(_signed(2, WITH_2027))  # central published 2027
    assert codes.CALENDAR_UNPUBLISHED not in alarms.codes()
    keeper.store.close()


def test_a_gate_restarted_on_its_held_bundle_raises_it_again(tmp_path: Path) -> None:
    first = _keeper(tmp_path, Alarms(), [NOW])
    assert first.offer(_signed(1, CALENDAR))
    first.store.close()
    restarted = Alarms()
    keeper = _keeper(tmp_path, restarted, [NOW])
    keeper.check(NOW)  # what the agent does at start and on every heartbeat
    assert codes.CALENDAR_UNPUBLISHED in restarted.codes()
    keeper.store.close()


def test_a_year_that_is_over_raises_nothing(tmp_path: Path) -> None:
    alarms = Alarms()
    keeper = _keeper(tmp_path, alarms, [NOW])
    without_2025 = OfficialCalendar(years=tuple(s for s in CALENDAR.years if s.year != 2025))
    assert keeper.offer(_signed(1, without_2025, valid_to=date(2026, 12, 31)))  # contracts from 2025
    assert keeper.index is not None and keeper.index.unpublished_years == (2025,)
    assert codes.CALENDAR_UNPUBLISHED not in alarms.codes()  # the gate decides in 2026 now
    keeper.store.close()

"""The official calendar kept in the database: seeded, imported, signed into bundles, and its alarm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from central import calendar, db
from central.cli import main
from central.errors import CalendarError
from shared import DayType, YearSchedule
from tests.central.support import World, build_world

LATE_2026 = datetime(2026, 11, 20, 4, tzinfo=UTC)
FILE_2027 = """# 2027, as the State Council would publish it (made up for the test)
date,kind
2027-01-01,rest
2027-02-06,休
2027-02-07,rest
2027-02-20,班

2027-10-09,working
"""


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    found = replace(build_world(database_url), now=LATE_2026)
    yield found
    found.database.dispose()


def test_2019_to_2026_are_seeded_with_their_make_up_working_days(world: World) -> None:
    with world.database.transaction() as session:
        official = calendar.load_calendar(session, 2018, 2027)
        published = calendar.published_years(session)
    assert [y.year for y in published] == list(range(2019, 2027))
    assert all(y.working_days >= 5 and y.rest_days >= 15 for y in published)
    assert official.day_type(date(2025, 10, 1)) is DayType.REST  # National Day, a Wednesday
    assert official.day_type(date(2025, 9, 28)) is DayType.WORKING  # its make-up Sunday
    assert official.day_type(date(2026, 2, 16)) is DayType.REST  # Spring Festival eve 2026, a Monday
    assert official.day_type(date(2026, 2, 14)) is DayType.WORKING  # a make-up Saturday
    assert not official.published(2027)  # the week alone: 2027-10-01 (a Friday) works
    assert official.day_type(date(2027, 10, 1)) is DayType.WORKING


def test_the_file_format_reads_both_spellings_and_comments() -> None:
    (year,) = calendar.parse_schedule_csv(FILE_2027, "notice 2026-11")
    assert year.rest_days == (date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7))
    assert year.working_days == (date(2027, 2, 20), date(2027, 10, 9))
    assert calendar.parse_schedule_csv(calendar.schedule_csv(year), "again")[0].rest_days == year.rest_days


@pytest.mark.parametrize(("text", "message"), [
    ("2027-13-01,rest", "line 1: date '2027-13-01' is not YYYY-MM-DD"),
    ("date,kind\n2027-01-01,holiday", "line 2: kind 'holiday' is not rest"),
    ("2027-01-01", "line 1: write date,kind"),
    ("2027-01-01,rest\n2027-01-01,working", "listed as both rest and working: 2027-01-01"),
    ("2027-01-01,rest\n2027-01-01,rest", "a day is listed twice"),
    ("# nothing\n", "no date,kind lines"),
])
def test_a_bad_file_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        calendar.parse_schedule_csv(text, "x")


def _alarms(world: World) -> list[str]:
    with world.database.transaction() as session:
        return list(session.scalars(select(db.Alarm.message).where(
            db.Alarm.kind == calendar.ALARM_KIND, db.Alarm.cleared_at.is_(None))))


def test_a_contract_into_an_unpublished_year_raises_the_alarm_until_it_is_imported(world: World) -> None:
    world.sign("沪A12345", days=60)  # to 19 January 2027
    assert _alarms(world) == ["calendar 2027 not published"]
    with world.database.transaction() as session:
        assert calendar.unpublished_covered_years(session, date(2026, 11, 20)) == [2027]
    assert not world.bundle().calendar.published(2027)
    with world.database.transaction() as session:
        sequences = calendar.publish_schedules(session, calendar.parse_schedule_csv(FILE_2027, "notice"),
                                               world.signer, world.now)
    assert sequences == {"s1": 2}  # every site's bundle re-signed in the same transaction
    assert _alarms(world) == []
    bundle = world.bundle()
    assert bundle.calendar.day_type(date(2027, 2, 8 - 1)) is DayType.REST  # a Sunday, listed anyway
    assert bundle.calendar.day_type(date(2027, 2, 20)) is DayType.WORKING  # the make-up Saturday
    assert bundle.calendar.published(2025) and not bundle.calendar.published(2024)  # last year on


def test_withdrawing_a_year_raises_the_alarm_again(world: World) -> None:
    with world.database.transaction() as session:
        calendar.save_schedules(session, [YearSchedule(year=2027, source="x")], world.now)
    world.sign("沪A12345", days=60)
    assert _alarms(world) == []
    with world.database.transaction() as session:
        calendar.withdraw_year(session, 2027, world.signer, world.now)
    assert _alarms(world) == ["calendar 2027 not published"]


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], World]]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    world = build_world(url)
    monkeypatch.setenv("PARKING_CENTRAL_DATABASE__URL", url)
    monkeypatch.chdir(tmp_path)
    yield lambda: world
    world.database.dispose()


def test_the_cli_imports_shows_and_lists(cli_database: Callable[[], World], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "2027.csv").write_text(FILE_2027, encoding="utf-8")
    assert main(["calendar", "import", str(tmp_path / "2027.csv"), "--source", "国务院办公厅通知"]) == 0
    out = capsys.readouterr().out
    assert "calendar 2027: 3 rest days, 2 make-up working days (国务院办公厅通知)" in out
    assert "bundles re-signed for 1 site(s)" in out
    assert main(["calendar", "show", "2027"]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[:3] == ["# 2027: 国务院办公厅通知", "date,kind", "2027-01-01,rest"]
    assert calendar.parse_schedule_csv(shown, "x")[0].working_days == (date(2027, 2, 20), date(2027, 10, 9))
    assert main(["calendar", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("2027\t3 rest\t2 working\t国务院办公厅通知")
    (tmp_path / "bad.csv").write_text("2027-02-30,rest\n", encoding="utf-8")
    assert main(["calendar", "import", str(tmp_path / "bad.csv")]) == 2
    assert "line 1: date '2027-02-30'" in capsys.readouterr().err
    assert main(["calendar", "show", "2031"]) == 2

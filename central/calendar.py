"""The official calendar the central service bills by and signs into every bundle, kept in the database.

An admin publishes a year's schedule (the State Council's rest days and make-up working days)
through the API or ``parking-central calendar import FILE``; migration 0003 seeded 2019-2026
from the ``holidays`` package. A year with no schedule follows the week alone (Monday to
Friday work, Saturday and Sunday rest, no public holidays; ``shared.calendar``), and while a
contract covers such a year each of its sites has an open ``calendar_unpublished`` alarm
("calendar 2027 not published"), raised and cleared whenever the site's bundle is issued.

The file format (``parse_schedule_csv``): one ``date,kind`` line per listed day, ``kind``
``rest`` (or 休) or ``working`` (or 班); a ``date,kind`` header, blank lines and ``#``
comments are allowed. Each year in a file replaces that year's stored schedule whole.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from central import db
from central.errors import CalendarError, NotFoundError
from shared import ContractStatus, DayType, OfficialCalendar, YearSchedule

if TYPE_CHECKING:
    from central.distribution.bundles import Signer

logger = logging.getLogger(__name__)

ALARM_KIND = "calendar_unpublished"
_KINDS = {"rest": DayType.REST, "休": DayType.REST, "working": DayType.WORKING, "班": DayType.WORKING}
_MAX_FILE_LINES = 2000


def load_calendar(session: Session | Connection, first_year: int, last_year: int) -> OfficialCalendar:
    """The published schedules of ``first_year`` to ``last_year`` (inclusive); other years follow the week."""
    years = session.execute(select(db.CalendarYear.year, db.CalendarYear.source).where(
        db.CalendarYear.year.between(first_year, last_year)).order_by(db.CalendarYear.year)).all()
    days = session.execute(select(db.CalendarDay.day, db.CalendarDay.year, db.CalendarDay.kind).where(
        db.CalendarDay.year.between(first_year, last_year)).order_by(db.CalendarDay.day)).all()
    return OfficialCalendar(years=tuple(
        YearSchedule(year=row.year, source=row.source,
                     rest_days=tuple(d.day for d in days if d.year == row.year and d.kind == DayType.REST),
                     working_days=tuple(d.day for d in days if d.year == row.year
                                        and d.kind == DayType.WORKING))
        for row in years))


@dataclass(frozen=True, slots=True)
class PublishedYear:
    year: int
    source: str
    imported_at: datetime
    rest_days: int
    working_days: int


def published_years(session: Session) -> list[PublishedYear]:
    """Every stored year, oldest first, with how many rest and make-up working days it lists."""
    counts = {(row.year, row.kind): row.n for row in session.execute(
        select(db.CalendarDay.year, db.CalendarDay.kind, func.count().label("n"))
        .group_by(db.CalendarDay.year, db.CalendarDay.kind))}
    return [PublishedYear(row.year, row.source, row.imported_at, counts.get((row.year, DayType.REST), 0),
                          counts.get((row.year, DayType.WORKING), 0))
            for row in session.scalars(select(db.CalendarYear).order_by(db.CalendarYear.year))]


def year_schedule(session: Session, year: int) -> YearSchedule:
    """One stored year's schedule; NotFoundError when it is not published."""
    found = load_calendar(session, year, year).schedule(year)
    if found is None:
        raise NotFoundError("calendar year", str(year))
    return found


def save_schedules(session: Session, schedules: Sequence[YearSchedule], now: datetime) -> None:
    """Store each schedule, replacing its year whole. Callers re-sign the bundles (``publish_schedules``)."""
    for schedule in schedules:
        session.execute(delete(db.CalendarDay).where(db.CalendarDay.year == schedule.year))
        row = session.get(db.CalendarYear, schedule.year)
        if row is None:
            session.add(db.CalendarYear(year=schedule.year, source=schedule.source, imported_at=now))
        else:
            row.source, row.imported_at = schedule.source, now
        session.flush()
        session.add_all([db.CalendarDay(day=d, year=schedule.year, kind=DayType.REST.value)
                         for d in schedule.rest_days]
                        + [db.CalendarDay(day=d, year=schedule.year, kind=DayType.WORKING.value)
                           for d in schedule.working_days])
        session.flush()
        logger.info("calendar %s saved: %s rest days, %s make-up working days (%s)", schedule.year,
                    len(schedule.rest_days), len(schedule.working_days), schedule.source)


def withdraw_year(session: Session, year: int, signer: Signer, now: datetime) -> dict[str, int]:
    """Remove a year's schedule (it follows the week alone again) and re-sign every site's bundle."""
    row = session.get(db.CalendarYear, year)
    if row is None:
        raise NotFoundError("calendar year", str(year))
    session.execute(delete(db.CalendarDay).where(db.CalendarDay.year == year))
    session.delete(row)
    session.flush()
    logger.info("calendar %s withdrawn", year)
    return publish_schedules(session, [], signer, now)


def publish_schedules(session: Session, schedules: Sequence[YearSchedule], signer: Signer,
                      now: datetime) -> dict[str, int]:
    """Save the schedules and re-sign every site's bundle with them; returns each site's new sequence."""
    from central.distribution.bundles import reissue_bundles  # here: bundle issue reads this module

    save_schedules(session, schedules, now)
    return reissue_bundles(session, signer, now)


# -- the file format ------------------------------------------------------------------------------


def parse_schedule_csv(text: str, source: str) -> tuple[YearSchedule, ...]:
    """The years a ``date,kind`` file lists, each checked as a whole; CalendarError names the line."""
    by_year: dict[int, tuple[list[date], list[date]]] = {}
    lines = text.splitlines()
    if len(lines) > _MAX_FILE_LINES:
        raise CalendarError(f"calendar file: {len(lines)} lines, at most {_MAX_FILE_LINES}")
    for number, fields in enumerate(csv.reader(lines), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        if [f.strip().lower() for f in fields] == ["date", "kind"]:
            continue  # the header
        day, kind = _parse_line(number, fields)
        rest, working = by_year.setdefault(day.year, ([], []))
        (rest if kind is DayType.REST else working).append(day)
    if not by_year:
        raise CalendarError("calendar file: no date,kind lines")
    try:
        return tuple(YearSchedule(year=year, rest_days=tuple(sorted(rest)),
                                  working_days=tuple(sorted(working)), source=source)
                     for year, (rest, working) in sorted(by_year.items()))
    except ValidationError as exc:
        raise CalendarError(f"calendar file: {exc.errors()[0]['msg']}") from exc


def _parse_line(number: int, fields: list[str]) -> tuple[date, DayType]:
    if len(fields) != 2:
        raise CalendarError(f"calendar file line {number}: write date,kind (got {','.join(fields)!r:.80})")
    text, kind = fields[0].strip(), fields[1].strip().lower()
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise CalendarError(f"calendar file line {number}: date {text!r:.40} is not YYYY-MM-DD") from exc
    if kind not in _KINDS:
        raise CalendarError(f"calendar file line {number}: kind {kind!r:.40} is not rest (休) or "
                            "working (班)")
    return day, _KINDS[kind]


def schedule_csv(schedule: YearSchedule) -> str:
    """A year's schedule in the file format, by date: what ``calendar show`` prints and import reads."""
    out = io.StringIO()
    out.write(f"# {schedule.year}: {schedule.source}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("date", "kind"))
    listed = [(d, DayType.REST) for d in schedule.rest_days] + \
        [(d, DayType.WORKING) for d in schedule.working_days]
    writer.writerows((d.isoformat(), kind.value) for d, kind in sorted(listed))
    return out.getvalue()


# -- years that contracts cover, and the alarm ----------------------------------------------------


def years_covered(spans: Iterable[tuple[date, date]], today: date) -> list[int]:
    """The years from ``today`` on that any (first day, last day) span reaches, in order."""
    years: set[int] = set()
    for first, last in spans:
        if last >= today:
            years.update(range(max(first, today).year, last.year + 1))
    return sorted(years)


def unpublished_covered_years(session: Session, today: date, site_id: str | None = None) -> list[int]:
    """Years an active or suspended contract (of one site, or any) covers from today that have no schedule."""
    query = select(db.Contract.valid_from, db.Contract.valid_to, db.Contract.ends_on).where(
        db.Contract.status.in_((ContractStatus.ACTIVE.value, ContractStatus.SUSPENDED.value)),
        db.Contract.valid_to >= today)
    if site_id is not None:
        query = query.where(db.Contract.site_id == site_id)
    spans = ((row.valid_from, row.valid_to if row.ends_on is None else min(row.valid_to, row.ends_on))
             for row in session.execute(query))
    covered = years_covered(spans, today)
    published = set(session.scalars(select(db.CalendarYear.year).where(db.CalendarYear.year.in_(covered))))
    return [year for year in covered if year not in published]


def alarm_message(year: int) -> str:
    return f"calendar {year} not published"


def sync_calendar_alarms(session: Session, site_id: str, missing: Iterable[int], now: datetime) -> None:
    """One open alarm per unpublished year the site's contracts cover; the others cleared."""
    wanted = {alarm_message(y) for y in missing}
    open_rows = session.scalars(select(db.Alarm).where(
        db.Alarm.site_id == site_id, db.Alarm.kind == ALARM_KIND, db.Alarm.cleared_at.is_(None))).all()
    for row in open_rows:
        if row.message not in wanted:
            row.cleared_at = now
    for message in sorted(wanted - {row.message for row in open_rows}):
        session.add(db.Alarm(site_id=site_id, gate_id=None, kind=ALARM_KIND, message=message, raised_at=now))
        logger.warning("site %s: %s; the week alone decides those days (docs/billing.md)", site_id, message)
    session.flush()

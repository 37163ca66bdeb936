"""The official calendar: staff read it, admins publish a year (JSON, or the ``date,kind`` CSV file).

Every change re-signs every site's bundle, so gates and billing count the same days.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from central import calendar
from central.api.deps import AdminUser, NowDep, SessionDep, StaffUser, StateDep
from central.api.schemas_calendar import CalendarStatusOut, PublishedYearOut, YearScheduleIn, YearScheduleOut
from central.errors import CalendarError
from shared import YearSchedule

router = APIRouter(prefix="/calendar", tags=["calendar"])

Year = Annotated[int, Path(ge=2000, le=2100)]


@router.get("", response_model=CalendarStatusOut)
def status(session: SessionDep, state: StateDep, user: StaffUser, now: NowDep) -> CalendarStatusOut:
    """The published years, and the years a contract covers with no schedule (each site raises an alarm)."""
    today = now.astimezone(ZoneInfo(state.settings.web.timezone)).date()
    return CalendarStatusOut(
        published=[PublishedYearOut.model_validate(y) for y in calendar.published_years(session)],
        unpublished_covered=calendar.unpublished_covered_years(session, today))


@router.get("/{year}.csv", response_class=PlainTextResponse)
def show_csv(year: Year, session: SessionDep, user: StaffUser) -> str:
    """The year in the file format ``calendar import`` reads."""
    return calendar.schedule_csv(calendar.year_schedule(session, year))


@router.get("/{year}", response_model=YearScheduleOut)
def show(year: Year, session: SessionDep, user: StaffUser) -> YearScheduleOut:
    found = calendar.year_schedule(session, year)
    return YearScheduleOut(year=found.year, source=found.source, rest_days=list(found.rest_days),
                           working_days=list(found.working_days))


@router.put("/{year}", response_model=YearScheduleOut)
def publish(year: Year, body: YearScheduleIn, session: SessionDep, state: StateDep, user: AdminUser,
            now: NowDep) -> YearScheduleOut:
    """Publish (or replace) a year's schedule; every site's bundle is re-signed with it."""
    try:
        schedule = YearSchedule(year=year, rest_days=tuple(sorted(body.rest_days)),
                                working_days=tuple(sorted(body.working_days)), source=body.source)
    except ValidationError as exc:
        raise CalendarError(f"calendar {year}: {exc.errors()[0]['msg']}") from exc
    calendar.publish_schedules(session, [schedule], state.signer, now)
    return show(year, session, user)


@router.post("/import", response_model=list[YearScheduleOut])
def import_file(text: Annotated[str, Body(media_type="text/csv", max_length=100_000)],
                source: Annotated[str, Query(min_length=1, max_length=200)],
                session: SessionDep, state: StateDep, user: AdminUser, now: NowDep) -> list[YearScheduleOut]:
    """Publish every year a ``date,kind`` file lists (the body, text/csv), as ``calendar import`` does."""
    schedules = calendar.parse_schedule_csv(text, source)
    calendar.publish_schedules(session, schedules, state.signer, now)
    return [show(s.year, session, user) for s in schedules]


@router.delete("/{year}", status_code=204)
def withdraw(year: Year, session: SessionDep, state: StateDep, user: AdminUser, now: NowDep) -> None:
    """Withdraw a year's schedule: it follows the week alone again; bundles are re-signed."""
    calendar.withdraw_year(session, year, state.signer, now)

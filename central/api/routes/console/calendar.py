"""The official calendar: a year's days (rest, working, holidays, make-up working days), the years
published, the years contracts cover with no schedule ("calendar 2027 not published"); admins import
the State Council's schedule (the ``date,kind`` file, docs/central.md) or withdraw a year.

Every change re-signs every site's bundle (``central.calendar.publish_schedules``).
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from central import calendar, schedule
from central.api.deps import StateDep
from central.errors import CalendarError
from central.web.auth import AdminUser, StaffUser
from central.web.forms import FormDep, Refusal, attempt, text
from central.web.pages import ConsolePage

router = APIRouter()
FILE_MAX = 100_000  # bytes of a calendar file, as the API takes it
Year = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get("/calendar")
def calendar_page(page: ConsolePage, user: StaffUser, year: Year = None) -> Response:
    return _page(page, year, {}, None)


@router.post("/calendar/import")
def calendar_import(page: ConsolePage, user: AdminUser, form: FormDep, state: StateDep) -> Response:
    """Publish every year the file (or the pasted text) lists, each replacing that year whole."""
    values = {"source": text(form, "source", 300), "schedule": text(form, "schedule", FILE_MAX + 1)}
    upload = form.get("file")
    chosen = upload if isinstance(upload, UploadFile) and upload.filename else None
    if not values["source"] or not (chosen or values["schedule"]):
        return _page(page, None, values, Refusal(page.t("calendar.need_file"), ""), status=400)
    done = attempt(page, lambda: _publish(page, _text_of(chosen) if chosen else values["schedule"],
                                          values["source"], state), "calendar.refused")
    if isinstance(done, Refusal):
        return _page(page, None, values, done, status=422)
    return _page(page, done[0], {}, None, imported=done)


@router.post("/calendar/{year}/withdraw")
def calendar_withdraw(page: ConsolePage, user: AdminUser, year: int, state: StateDep) -> Response:
    """The year follows the week alone again; every bundle is re-signed."""
    calendar.withdraw_year(page.db, year, state.signer, page.now)
    return page.redirect(f"/console/calendar?year={year}")


def _text_of(upload: UploadFile) -> str:
    """The chosen file's text; CalendarError when it is too large or not UTF-8."""
    raw = upload.file.read(FILE_MAX + 1)
    if len(raw) > FILE_MAX:
        raise CalendarError(f"calendar file: larger than {FILE_MAX} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalendarError(f"calendar file: not UTF-8 text (byte {exc.start})") from exc


def _publish(page: ConsolePage, body: str, source: str, state: StateDep) -> list[int]:
    schedules = calendar.parse_schedule_csv(body, source)
    calendar.publish_schedules(page.db, schedules, state.signer, page.now)
    return [s.year for s in schedules]


def _today_year(page: ConsolePage) -> int:
    return page.now.astimezone(ZoneInfo(page.web.settings.timezone)).year


def _page(page: ConsolePage, year: int | None, values: dict[str, str], refusal: Refusal | None,
          status: int = 200, imported: list[int] | None = None) -> Response:
    shown = year or _today_year(page)
    today = page.now.astimezone(ZoneInfo(page.web.settings.timezone)).date()
    return page.render("console/calendar.html", status=status, year=shown,
                       months=schedule.year_view(page.db, shown), published=calendar.published_years(page.db),
                       values=values, refusal=refusal, imported=imported or [],
                       unpublished=calendar.unpublished_covered_years(page.db, today))

"""CSV downloads of one site's month: its statements' lines and its stays (``central/reports/exports.py``).

Files are UTF-8 with a byte-order mark, so that Excel opens the plates' Chinese characters
right, and CRLF line ends. A site-month fits in memory (tens of thousands of rows at most), so
the file is written inside the request's transaction and sent whole.
"""

from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central import db
from central.api.deps import StateDep
from central.api.routes.console.scope import my_site, my_sites, site_not_found
from central.billing.month import Month
from central.errors import MonthError
from central.reports.exports import write_statements_csv, write_stays_csv
from central.reports.totals import months_before
from central.web.auth import StaffUser
from central.web.pages import ConsolePage

router = APIRouter()
BOM = "\ufeff"
MonthText = Annotated[str, Query(max_length=20)]


@router.get("/exports")
def exports(page: ConsolePage, user: StaffUser) -> Response:
    return _form(page, user, site_id="", month="")


@router.get("/exports/statements.csv")
def statements_csv(page: ConsolePage, user: StaffUser, site: str = "", month: MonthText = "") -> Response:
    chosen = _site_month(page, user, site, month)
    if isinstance(chosen, Response):
        return chosen
    found, parsed = chosen
    text = io.StringIO()
    write_statements_csv(page.db.connection(), found.id, parsed, text)
    return csv_download(f"statements-{found.id}-{parsed}.csv", text.getvalue())


@router.get("/exports/stays.csv")
def stays_csv(page: ConsolePage, user: StaffUser, state: StateDep, site: str = "",
              month: MonthText = "") -> Response:
    chosen = _site_month(page, user, site, month)
    if isinstance(chosen, Response):
        return chosen
    found, parsed = chosen
    text = io.StringIO()
    write_stays_csv(page.db, found, parsed, page.now, text, state.settings.enforcement.default_grace_minutes)
    return csv_download(f"stays-{found.id}-{parsed}.csv", text.getvalue())


def _form(page: ConsolePage, user: StaffUser, site_id: str, month: str, status: int = 200) -> Response:
    """The form; at first with the last month that has ended (the console's zone) filled in."""
    error = page.t("exports.bad_month", month=month) if status == 400 else None
    month = month or str(months_before(page.now, ZoneInfo(page.web.settings.timezone), 1)[0])
    return page.render("console/exports.html", status=status, sites=my_sites(page.db, user).items,
                       site_id=site_id, month=month, error=error)


def _site_month(page: ConsolePage, user: StaffUser, site: str,
                month: str) -> tuple[db.Site, Month] | Response:
    """The user's site and the month asked for, or the page that says which one cannot be had."""
    found = my_site(page.db, user, site)
    if found is None:
        return site_not_found(page)
    parsed = _month(month)
    if parsed is None:
        return _form(page, user, site, month, status=400)
    return found, parsed


def _month(text: str) -> Month | None:
    try:
        return Month.parse(text)
    except MonthError:
        return None


def csv_download(filename: str, text: str) -> Response:
    """A CSV file to save: UTF-8 with a byte-order mark (Excel reads the Chinese right), never cached."""
    disposition = f"attachment; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}"
    return Response((BOM + text).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})

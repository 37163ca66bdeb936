"""Reports of one site: the night occupancy curve, shared spaces used by week, revenue by month,
violations by week. The page carries the titles, axes and legends (console catalogue); the
browser draws each chart from a JSON endpoint below (``central/web/charts.py``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central.api.routes.console.scope import my_site, my_sites, site_not_found
from central.reports import nights, totals
from central.sites import managed_site
from central.web import charts
from central.web.auth import StaffUser
from central.web.pages import ConsolePage

router = APIRouter()
Weeks = Annotated[int, Query(ge=1, le=104)]
Months = Annotated[int, Query(ge=1, le=60)]
Bucket = Annotated[int, Query(ge=5, le=180)]
PERIODS = 12  # weeks and months the page shows


@router.get("/reports")
def reports(page: ConsolePage, user: StaffUser, site: str | None = None,
            night: str | None = None) -> Response:
    sites = my_sites(page.db, user).items
    chosen = my_site(page.db, user, site) if site else (sites[0] if sites else None)
    if site and chosen is None:
        return site_not_found(page)
    shown = latest_night(page.now, ZoneInfo(chosen.timezone)) if chosen else None
    if chosen and night:
        shown = _date(night) or shown
    return page.render("console/reports.html", sites=sites, site=chosen, night=shown, periods=PERIODS)


@router.get("/reports/sites/{site_id}/night")
def night_json(page: ConsolePage, user: StaffUser, site_id: str, night: date, bucket: Bucket = 30) -> Any:
    site = managed_site(page.db, user.principal, site_id)  # else JSON 404
    curve = nights.night_curve(page.db, site, night, page.now, timedelta(minutes=bucket))
    return charts.night_chart(curve, site.timezone)


@router.get("/reports/sites/{site_id}/shared-use")
def shared_use_json(page: ConsolePage, user: StaffUser, site_id: str, weeks: Weeks = PERIODS) -> Any:
    site = managed_site(page.db, user.principal, site_id)  # else JSON 404
    return charts.share_chart(nights.shared_use_by_week(page.db, site, weeks, page.now), page.lang)


@router.get("/reports/sites/{site_id}/revenue")
def revenue_json(page: ConsolePage, user: StaffUser, site_id: str, months: Months = PERIODS) -> Any:
    site = managed_site(page.db, user.principal, site_id)  # else JSON 404
    shown = totals.months_before(page.now, ZoneInfo(site.timezone), months)
    return charts.revenue_chart(shown, totals.revenue_by_month(page.db, site.id, shown), page.lang)


@router.get("/reports/sites/{site_id}/violations")
def violations_json(page: ConsolePage, user: StaffUser, site_id: str, weeks: Weeks = PERIODS) -> Any:
    site = managed_site(page.db, user.principal, site_id)  # else JSON 404
    mondays = nights.mondays(page.now, ZoneInfo(site.timezone), weeks)
    return charts.weekly_chart(mondays, totals.violations_by_week(page.db, site, mondays), page.lang)


def latest_night(now: datetime, tz: ZoneInfo) -> date:
    """The night that began last: the one under way, or from 09:00 to 18:00 the one just ended."""
    night = nights.tonight(now, tz)
    return night if nights.night_span(night, tz)[0] <= now else night - timedelta(days=1)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None

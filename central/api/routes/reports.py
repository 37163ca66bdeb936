"""Reports over HTTP: JSON and SVG figures, and a small dashboard page that shows the SVGs (no CDN)."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime

from central.api.access import managed_site
from central.api.deps import NowDep, SessionDep, StaffUser
from central.billing.month import Month
from central.db import Site
from central.reports import figures, plots

router = APIRouter(prefix="/reports", tags=["reports"])

MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]
Minutes = Annotated[int, Query(ge=5, le=24 * 60)]
SVG = "image/svg+xml"


def _curve(session: SessionDep, site_id: str, start: AwareDatetime | None, hours: int, bucket: int,
           now: NowDep) -> figures.Occupancy:
    begin = start or now - timedelta(hours=hours)
    return figures.occupancy(session, site_id, begin, begin + timedelta(hours=hours),
                             timedelta(minutes=bucket))


@router.get("/sites/{site_id}/occupancy")
def occupancy(site_id: str, session: SessionDep, user: StaffUser, now: NowDep,
              start: AwareDatetime | None = None, hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
              bucket_minutes: Minutes = 30) -> dict[str, Any]:
    """Cars inside at each bucket start, and the utilisation of the shared spaces."""
    managed_site(session, user, site_id)
    curve = _curve(session, site_id, start, hours, bucket_minutes, now)
    points = [{"at": t.isoformat(), "inside": n} for t, n in zip(curve.times, curve.inside, strict=True)]
    return {"site_id": site_id, "shared_capacity": curve.shared_capacity,
            "utilisation": round(curve.utilisation, 4), "points": points}


@router.get("/sites/{site_id}/occupancy.svg")
def occupancy_svg(site_id: str, session: SessionDep, user: StaffUser, now: NowDep,
                  start: AwareDatetime | None = None, hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
                  bucket_minutes: Minutes = 30) -> Response:
    managed_site(session, user, site_id)
    return Response(plots.occupancy_svg(_curve(session, site_id, start, hours, bucket_minutes, now)),
                    media_type=SVG)


@router.get("/revenue")
def revenue(session: SessionDep, user: StaffUser, month: MonthQuery) -> dict[str, int]:
    """Fen on the month's issued statements, per site the caller manages."""
    return {s: v for s, v in figures.revenue(session, str(Month.parse(month))).items()
            if _may(session, user, s)}


@router.get("/revenue.svg")
def revenue_svg(session: SessionDep, user: StaffUser, month: MonthQuery) -> Response:
    values = {s: fen / 100 for s, fen in revenue(session, user, month).items()}
    return Response(plots.bars_svg(f"revenue {month}", values, "yuan"), media_type=SVG)


@router.get("/violations")
def violations(session: SessionDep, user: StaffUser, now: NowDep,
               days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, dict[str, int]]:
    """Overstays per site per local day over the last ``days``."""
    found = figures.violations_by_day(session, now - timedelta(days=days), now)
    return {s: v for s, v in found.items() if _may(session, user, s)}


@router.get("/violations.svg")
def violations_svg(session: SessionDep, user: StaffUser, now: NowDep,
                   days: Annotated[int, Query(ge=1, le=366)] = 30) -> Response:
    totals = {s: float(sum(v.values())) for s, v in violations(session, user, now, days).items()}
    return Response(plots.bars_svg(f"overstays, last {days} days", totals, "violations"), media_type=SVG)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(session: SessionDep, user: StaffUser, now: NowDep) -> str:
    """One page of SVGs; the browser sends the same bearer token for each image it fetches."""
    month = str(Month(now.year, now.month))
    sites = [s.id for s in session.query(Site).order_by(Site.id) if user.may_manage_site(s)]
    images = "".join(f'<h2>{escape(s)}</h2><img src="sites/{escape(s)}/occupancy.svg?hours=24" alt="">'
                     for s in sites)
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>Reports</title>"
            f"<h1>Off-peak parking reports</h1><h2>Revenue {month}</h2>"
            f'<img src="revenue.svg?month={month}" alt=""><h2>Overstays</h2>'
            f'<img src="violations.svg" alt="">{images}</html>')


def _may(session: SessionDep, user: StaffUser, site_id: str) -> bool:
    site = session.get(Site, site_id)
    return site is not None and user.may_manage_site(site)

"""Live occupancy: every site of the operator at a glance, and one site with tonight's arrivals.

The figures are pushed by server-sent events (``/occupancy/stream``), with the same JSON for
polling when a stream cannot be held (``/occupancy/live``); ``central/web/live.py``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from central import db
from central.api.deps import StateDep
from central.api.routes.console.scope import LIST_SIZE, my_site, my_sites, site_not_found
from central.listing import PageRequest
from central.occupancy import live_figures
from central.reports.arrivals import expected_arrivals
from central.reports.nights import tonight
from central.sites import managed_site
from central.web.apps import CONSOLE_APP
from central.web.auth import StaffUser
from central.web.live import LiveFeed, live_payload
from central.web.pages import ConsolePage
from central.web.pages import PageRequest as WebPage

router = APIRouter()
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
SiteIds = Annotated[list[str], Query(min_length=1, max_length=LIST_SIZE)]


@router.get("/occupancy")
def overview(page: ConsolePage, user: StaffUser, state: StateDep, offset: Offset = 0) -> Response:
    sites = my_sites(page.db, user, offset, LIST_SIZE, include_closed=False)
    figures = live_figures(page.db, sites.items, page.now, state.settings.enforcement.default_grace_minutes)
    return page.render("console/occupancy.html", sites=sites, stream_query=_query(sites.items),
                       live=live_payload(figures, page.now, page.web.settings.timezone),
                       interval=page.web.settings.live_interval_s)


@router.get("/occupancy/live")
def live_json(page: ConsolePage, user: StaffUser, state: StateDep, site: SiteIds) -> JSONResponse:
    """The polling fallback of the stream: the same payload, once."""
    sites = [managed_site(page.db, user.principal, site_id) for site_id in site]  # else JSON 404
    figures = live_figures(page.db, sites, page.now, state.settings.enforcement.default_grace_minutes)
    return JSONResponse(live_payload(figures, page.now, _zone(page, sites)))


@router.get("/occupancy/stream")
def live_stream(page: ConsolePage, user: StaffUser, state: StateDep, site: SiteIds) -> StreamingResponse:
    sites = [managed_site(page.db, user.principal, site_id) for site_id in site]  # else JSON 404
    feed = LiveFeed(page.web, page.request.cookies.get(CONSOLE_APP.cookie, ""), [s.id for s in sites],
                    _zone(page, sites), state.settings.enforcement.default_grace_minutes)
    return StreamingResponse(feed.events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/occupancy/sites/{site_id}")
def site_live(page: ConsolePage, user: StaffUser, state: StateDep, site_id: str,
              offset: Offset = 0) -> Response:
    site = my_site(page.db, user, site_id)
    if site is None:
        return site_not_found(page)
    figures = live_figures(page.db, [site], page.now, state.settings.enforcement.default_grace_minutes)
    night = tonight(page.now, ZoneInfo(site.timezone))
    arrivals = expected_arrivals(page.db, site, night, PageRequest(LIST_SIZE, offset))
    return page.render("console/occupancy_site.html", site=site, night=night, arrivals=arrivals,
                       stream_query=_query([site]), live=live_payload(figures, page.now, site.timezone),
                       interval=page.web.settings.live_interval_s)


def _query(sites: list[db.Site]) -> str:
    """The stream's and the poll's query: the sites the page shows."""
    return urlencode([("site", site.id) for site in sites])


def _zone(page: WebPage, sites: list[db.Site]) -> str:
    """One site: its zone; several: the console's."""
    return sites[0].timezone if len(sites) == 1 else page.web.settings.timezone

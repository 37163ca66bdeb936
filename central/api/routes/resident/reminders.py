"""Reminders: the resident's departure reminders and overstay notices, and the live stream of new ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from central import residents
from central.web.auth import ResidentUser
from central.web.pages import ResidentPage
from central.web.resident_live import ResidentFeed

router = APIRouter()


@router.get("/reminders")
def reminders(page: ResidentPage, user: ResidentUser) -> Response:
    notices = residents.list_notices(page.db, user.principal)
    sites = residents.site_names(page.db, notices)
    shown = [(n, residents.notice_text(n, sites.get(n.site_id), page.t, page.when), n.read_at is None)
             for n in notices]
    residents.mark_read(page.db, user.principal, page.now)
    return page.render("resident/reminders.html", notices=shown, sites=sites,
                       latest_notice=notices[0].id if notices else 0)


@router.get("/live")
async def live(page: ResidentPage, user: ResidentUser, after: Annotated[int | None, Query(ge=0)] = None,
               parking: Annotated[str | None, Query(pattern="^[0-9a-f]{1,64}$")] = None,
               last_event_id: Annotated[str | None, Header(max_length=20)] = None) -> Response:
    """Server-sent events: new notices after ``after`` (or the browser's Last-Event-ID; neither: from
    now on), and the "my parking" cards when they differ from those whose digest is ``parking``."""
    resumed = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    start = max(n for n in (after, resumed) if n is not None) if after is not None or resumed is not None \
        else residents.latest_notice_id(page.db, user.principal)
    feed = ResidentFeed(page, user, start, parking)
    return StreamingResponse(feed.events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

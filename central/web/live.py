"""Live figures pushed to the console: server-sent events, with the same JSON for polling.

``live_payload`` is the one shape both carry: when it was computed (``updated``, hh:mm:ss in
the page's zone) and per site the figures of ``central.occupancy.live_figures``. A
``LiveFeed`` is one page's stream: every ``web.live_interval_s`` it checks the session again
(so logout, a password change or a disabled account ends the stream with a ``signed-out``
event) and sends the figures of the sites it was opened for that the account still manages.
Each tick is its own short transaction, run in a worker thread; the page request's own
transaction ended before the stream began. A stream lasts ``STREAM_SECONDS`` at most: the
browser's EventSource then reconnects on its own, through the ordinary sign-in check.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from central import db
from central.accounts import SessionKind, session_for, session_limits
from central.occupancy import LiveFigures, live_figures
from central.web.events import retry, sse
from central.web.formats import local_seconds
from central.web.state import WebState

STREAM_SECONDS = 300
RECONNECT_MS = 3000


def live_payload(figures: dict[str, LiveFigures], now: datetime, zone: str) -> dict[str, Any]:
    """What a live page shows: the figures of each site and when they were taken."""
    return {"updated": local_seconds(now, zone), "sites": {
        site_id: {"inside": f.inside, "shared_used": f.shared.used, "shared_free": f.shared.free,
                  "shared_spaces": f.shared.shared_spaces, "own_inside": f.shared.own_vehicles_inside,
                  "overstays": f.overstays}
        for site_id, f in figures.items()}}


@dataclass(frozen=True)
class LiveFeed:
    """One page's stream of live figures (see the module)."""

    web: WebState
    session_token: str
    site_ids: Sequence[str]
    zone: str
    default_grace: int

    def snapshot(self) -> dict[str, Any] | None:
        """The payload now, or None when the session has ended."""
        now = self.web.clock()
        limits = session_limits(self.web.settings, SessionKind.STAFF)
        with self.web.database.transaction() as session:
            signed_in = session_for(session, self.session_token, SessionKind.STAFF, limits, now)
            if signed_in is None:
                return None
            sites = [site for site_id in self.site_ids if (site := session.get(db.Site, site_id)) is not None
                     and signed_in.principal.may_manage_site(site)]
            return live_payload(live_figures(session, sites, now, self.default_grace), now, self.zone)

    async def events(self) -> AsyncIterator[str]:
        yield retry(RECONNECT_MS)
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_SECONDS
        while loop.time() < ends:
            payload = await run_in_threadpool(self.snapshot)
            if payload is None:
                yield sse({}, "signed-out")
                return
            yield sse(payload)
            await asyncio.sleep(self.web.settings.live_interval_s)

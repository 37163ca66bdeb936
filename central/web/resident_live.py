"""The resident app's live stream: server-sent events to an open page.

Every page of a signed-in resident opens ``/app/live`` (static/live.js). The stream sends
``notice`` for each new departure reminder or overstay notice (``id:`` is the notice's, so a
reconnecting browser says where it was in ``Last-Event-ID``), and, to the "my parking" page,
``parking`` with the contracts' cards rendered again whenever they differ from what the page
shows (a car comes in, or its overstay charge grows). The page names what it shows by the cards'
digest (``parking=<digest>``), so a change between the page's render and the stream's start, or
while the browser reconnects, is sent too. The stream reads the database for notices when this
process stored one (``NOTICES_STORED``: the enforcement scheduler runs inside ``serve``) and
every ``NOTICE_EVERY_S`` in any case (another process may have). A stream lasts ``STREAM_S``
and then ends; the browser reconnects after ``retry``, so no connection outlives a restart by
long, and a logged-out session gets ``ended`` and is not reconnected.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from central import db, residents
from central.accounts import SignedIn
from central.residents.notices import NOTICES_STORED
from central.web.events import retry, sse
from central.web.pages import PageRequest
from central.web.windows import windows_in_words

STREAM_S = 30.0  # then the stream ends and the browser reconnects
RETRY_MS = 2000
NOTICE_EVERY_S = 15.0  # the database is read for new notices at once when this process stored one
PARKING_EVERY_S = 15.0
SESSION_EVERY_S = 10.0


def parking_cards(page: PageRequest, contracts: list[residents.ParkingContract]) -> str:
    """The "my parking" cards, as the page shows them and the stream sends them again."""
    return page.web.templates.get_template("resident/_parking.html").render(
        contracts=contracts, t=page.t, when=page.when, day=page.day, lang=page.lang,
        windows_text=lambda windows: windows_in_words(windows, page.t))


def cards_digest(html: str) -> str:
    """What names the cards a page shows, in its stream's query: 16 hex digits of their SHA-256."""
    return hashlib.sha256(html.encode()).hexdigest()[:16]


class ResidentFeed:
    def __init__(self, page: PageRequest, user: SignedIn, after: int, shown: str | None) -> None:
        """``shown``: the digest of the cards the page shows; None: the page shows none."""
        self.page = page
        self.user = user
        self.after = after
        self.shown = shown

    async def events(self) -> AsyncIterator[str]:
        yield retry(RETRY_MS)
        started = time.monotonic()
        due = {"notice": started, "parking": started, "session": started + SESSION_EVERY_S}
        stored = NOTICES_STORED.version
        while time.monotonic() - started < STREAM_S:
            now = time.monotonic()
            if now >= due["session"]:
                due["session"] = now + SESSION_EVERY_S
                if not await run_in_threadpool(self._signed_in):
                    yield sse({}, "ended")
                    return
            if now >= due["notice"] or NOTICES_STORED.version != stored:
                due["notice"], stored = now + NOTICE_EVERY_S, NOTICES_STORED.version
                for notice in await run_in_threadpool(self._new_notices):
                    self.after = notice["id"]
                    yield sse(notice, "notice", notice["id"])
            if self.shown is not None and now >= due["parking"]:  # None: not the "my parking" page
                due["parking"] = now + PARKING_EVERY_S
                html = await run_in_threadpool(self._parking)
                digest = cards_digest(html)
                if digest != self.shown:
                    yield sse({"html": html, "digest": digest}, "parking")
                    self.shown = digest
            await asyncio.sleep(0.25)

    def _signed_in(self) -> bool:
        with self.page.web.database.transaction() as session:
            row = session.get(db.WebSession, self.user.session_id)
            return row is not None and row.expires_at > self.page.web.clock()

    def _new_notices(self) -> list[dict[str, Any]]:
        with self.page.web.database.transaction() as session:
            notices = residents.notices_after(session, self.user.principal, self.after)
            sites = residents.site_names(session, notices)
            return [{"id": n.id, "kind": n.kind,
                     "text": residents.notice_text(n, sites.get(n.site_id), self.page.t, self.page.when)}
                    for n in notices]

    def _parking(self) -> str:
        with self.page.web.database.transaction() as session:
            contracts = residents.my_parking(session, self.user.principal, self.page.web.clock())
            return parking_cards(self.page, contracts)

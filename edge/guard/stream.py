"""The guard page's live stream: server-sent events (``text/event-stream``), one per tablet.

Cheap to keep open: between pushes a stream only compares three numbers (the store's write
count, the alarms' change count, the broker link) four times a second; when they move, it
builds the state once and sends it whole (``event: state``). Every ``stream_heartbeat_s`` it
sends ``event: ping`` with the gate's clock, and checks that its session still stands: a
logged-out or expired session gets ``event: ended`` and the stream closes. The page calls its
data stale when neither has come for 2.5 heartbeats, and polls ``/api/state`` while the stream
is down.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from edge.agent import Agent
from edge.guard.views import state_view

TICK_S = 0.25
REFRESH_S = 60.0  # the state is sent again at least this often (reviews age out of the queue)


def sse(event: str, data: Any) -> str:
    """One server-sent event; JSON never holds a raw newline, so one data line is enough."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class LiveFeed:
    def __init__(self, agent: Agent, heartbeat_s: float, stopping: threading.Event) -> None:
        self.agent = agent
        self.heartbeat_s = heartbeat_s
        self.stopping = stopping

    def version(self) -> tuple[int, int, bool]:
        return self.agent.store.version, self.agent.alarms.version, self.agent.link.connected

    async def events(self, guard: str, still_valid: Callable[[], bool]) -> AsyncIterator[str]:
        sent: tuple[int, int, bool] | None = None
        sent_at = beat_at = time.monotonic()
        while not self.stopping.is_set():
            now = time.monotonic()
            version = self.version()
            if version != sent or now - sent_at >= REFRESH_S:
                state = await run_in_threadpool(state_view, self.agent, guard)
                yield sse("state", state)
                sent, sent_at, beat_at = version, now, now
            elif now - beat_at >= self.heartbeat_s:
                if not await run_in_threadpool(still_valid):
                    yield sse("ended", {})
                    return
                yield sse("ping", {"now": self.agent.clock().isoformat()})
                beat_at = now
            await asyncio.sleep(TICK_S)

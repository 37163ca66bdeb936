"""Server-sent events as both web apps' streams write them (console live figures, resident notices).

An event is one ``data:`` line of JSON (JSON never holds a raw newline), with an ``event:`` name
when the page listens for more than the default ``message`` and an ``id:`` when a reconnecting
browser should say where it was (``Last-Event-ID``). ``retry`` opens a stream: how long the
browser waits before it reconnects once the stream ends.
"""

from __future__ import annotations

import json
from typing import Any


def sse(data: Any, event: str | None = None, event_id: int | None = None) -> str:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    head += f"event: {event}\n" if event is not None else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def retry(ms: int) -> str:
    """The line that opens a stream: the browser's reconnect delay."""
    return f"retry: {ms}\n\n"

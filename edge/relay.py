"""The outbox relay: stored events to the broker, at least once.

One thread owns the in-flight table. It publishes settled outbox rows at
QoS 1, at most ``max_inflight`` at a time, and marks a row delivered only when
its PUBACK carries a success reason code. A refusal (0x87 not authorised, 0x97
quota exceeded...) keeps the row, raises an alarm and retries it after
``retry_refused_s``. A disconnect forgets what was in flight: those rows are
published again after the reconnect (the central service drops duplicates by
event_id). paho's in-memory queue is never the only copy of an event.

Acknowledgements arrive on paho's network thread and are only queued there,
so no lock is ever held across a paho call (paho calls ``on_publish`` under
its own message lock).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge import alarms as codes
from edge.alarms import Alarms
from edge.link import GateLink
from edge.store import Store

logger = logging.getLogger(__name__)

_STALE_S = 60.0  # an in-flight row without an answer this long is sent again


@dataclass(frozen=True, slots=True)
class _Ack:
    mid: int
    ok: bool
    reason: str


@dataclass(slots=True)
class _InFlight:
    event_id: str
    sent: float


class OutboxRelay:
    def __init__(self, store: Store, link: GateLink, alarms: Alarms, clock: Callable[[], datetime],
                 topic: str, max_inflight: int, retry_refused: timedelta) -> None:
        self.store = store
        self.link = link
        self.alarms = alarms
        self.clock = clock
        self.topic = topic
        self.max_inflight = max_inflight
        self.retry_refused = retry_refused
        self._inbox: queue.Queue[_Ack | str] = queue.Queue()
        self._inflight: dict[int, _InFlight] = {}
        self._done: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self.delivered = 0

    # -- called from other threads: only queue -------------------------------------------------

    def on_ack(self, mid: int, ok: bool, reason: str) -> None:
        self._inbox.put(_Ack(mid, ok, reason))

    def on_connection(self, up: bool) -> None:
        self._inbox.put("up" if up else "down")

    def wake(self) -> None:
        """A new row is in the outbox."""
        self._inbox.put("new")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._inbox.put("stop")
        self._thread.join(timeout=5)

    # -- the relay thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for item in self._take():
                    self._handle(item)
                self._flush_delivered()
                self._fill()
            except Exception:  # the relay must outlive a bad row or a full disk
                logger.exception("outbox relay step failed")
                time.sleep(1.0)

    def _take(self) -> list[_Ack | str]:
        """Everything queued, waiting up to a second for the first item."""
        try:
            items = [self._inbox.get(timeout=1.0)]
        except queue.Empty:
            return ["tick"]
        while True:
            try:
                items.append(self._inbox.get_nowait())
            except queue.Empty:
                return items

    def _flush_delivered(self) -> None:
        """One transaction (one fsync) for every success acknowledged since the last step."""
        if self._done:
            self.store.mark_delivered(self._done, self.clock())
            self.delivered += len(self._done)
            self._done = []

    def _handle(self, item: _Ack | str) -> None:
        if isinstance(item, _Ack):
            self._acknowledged(item)
        elif item == "down":
            if self._inflight:
                logger.info("connection lost with %s events in flight; they will be sent again",
                            len(self._inflight))
            self._inflight.clear()
        self._drop_stale()

    def _acknowledged(self, ack: _Ack) -> None:
        sent = self._inflight.pop(ack.mid, None)
        if sent is None:
            return  # a status message, or a row already forgotten at a disconnect
        if ack.ok:
            self._done.append(sent.event_id)
            self.alarms.clear(codes.PUBLISH_REFUSED)
            return
        now = self.clock()
        self.store.mark_refused(sent.event_id, ack.reason, now + self.retry_refused)
        self.alarms.raise_(codes.PUBLISH_REFUSED, f"broker refused event {sent.event_id}: {ack.reason}", now)
        logger.error("broker refused event %s: %s; kept in the outbox", sent.event_id, ack.reason)

    def _drop_stale(self) -> None:
        limit = time.monotonic() - _STALE_S
        for mid in [m for m, f in self._inflight.items() if f.sent < limit]:
            del self._inflight[mid]

    def _fill(self) -> None:
        room = self.max_inflight - len(self._inflight)
        if room <= 0 or not self.link.connected:
            return
        # acknowledged but not yet marked (the store failed under the mark): not sent again meanwhile
        busy = {f.event_id for f in self._inflight.values()} | set(self._done)
        for event_id, payload in self.store.undelivered(room, busy, self.clock()):
            mid = self.link.publish(self.topic, payload)
            if mid is None:
                return  # disconnected meanwhile; the rows stay in the outbox
            self._inflight[mid] = _InFlight(event_id, time.monotonic())

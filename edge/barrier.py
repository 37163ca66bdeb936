"""Barrier drivers behind one small interface.

A driver is told to open one lane's barrier for one recorded decision. It
returns when the command was accepted and raises ``BarrierError`` otherwise;
the agent then turns the decision into a review for the guard. Drivers are
only ever called after the decision (or the guard's override) is committed to
the store, with its event id as ``decision_ref``: the barrier never opens
without a record.

To add a driver: implement ``Barrier`` (one method, ``open``), keep it quick
(the gate waits on it; honour a timeout), raise ``BarrierError`` on any failure,
and add it to ``make_barrier``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from edge.config import EdgeSettings
from edge.errors import BarrierError

logger = logging.getLogger(__name__)


class Barrier(Protocol):
    def open(self, lane: str, decision_ref: str) -> None:
        """Pulse the lane's barrier open; raise BarrierError if that cannot be confirmed."""
        ...


@dataclass(frozen=True, slots=True)
class BarrierCommand:
    lane: str
    decision_ref: str


class SimulatedBarrier:
    """Records commands in memory (demo, tests); can be told to fail."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.commands: list[BarrierCommand] = []
        self._lock = threading.Lock()

    def open(self, lane: str, decision_ref: str) -> None:
        if self.fail:
            raise BarrierError(f"simulated barrier fault on lane {lane}")
        with self._lock:
            self.commands.append(BarrierCommand(lane, decision_ref))
        logger.info("simulated barrier opened lane=%s ref=%s", lane, decision_ref)


class HttpRelayBarrier:
    """A network relay board: POST {lane, pulse_ms, ref} to the lane's URL; any 2xx is success."""

    def __init__(self, urls: Mapping[str, str], pulse_ms: int, timeout_s: float,
                 token: str | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.urls = dict(urls)
        self.pulse_ms = pulse_ms
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    def open(self, lane: str, decision_ref: str) -> None:
        url = self.urls.get(lane)
        if url is None:
            raise BarrierError(f"no relay URL for lane {lane}")
        body = {"lane": lane, "pulse_ms": self.pulse_ms, "ref": decision_ref}
        try:
            response = self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise BarrierError(f"relay for lane {lane} unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise BarrierError(f"relay for lane {lane} answered HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()


def make_barrier(settings: EdgeSettings) -> SimulatedBarrier | HttpRelayBarrier:
    if settings.barrier.driver == "http_relay":
        urls = {lane.name: lane.relay_url for lane in settings.lanes if lane.relay_url}
        return HttpRelayBarrier(urls, settings.barrier.pulse_ms, settings.barrier.timeout_s,
                                settings.barrier_token())
    return SimulatedBarrier(fail=settings.barrier.fail)

"""Barrier drivers: the HTTP relay sends the pulse and reports every failure as a BarrierError."""

from __future__ import annotations

import json

import httpx
import pytest

from edge.barrier import HttpRelayBarrier
from edge.errors import BarrierError


def test_http_relay_posts_the_pulse_and_reports_failures() -> None:
    seen: list[httpx.Request] = []

    def relay(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if request.url.path == "/ok" else 500)

    barrier = HttpRelayBarrier({"entry": "http://relay/ok", "exit": "http://relay/broken"}, 700, 1.0,
                               token="t0ken", transport=httpx.MockTransport(relay))
    barrier.open("entry", "ref-1")
    assert json.loads(seen[0].content) == {"lane": "entry", "pulse_ms": 700, "ref": "ref-1"}
    assert seen[0].headers["Authorization"] == "Bearer t0ken"
    with pytest.raises(BarrierError, match="HTTP 500"):
        barrier.open("exit", "ref-2")
    with pytest.raises(BarrierError, match="no relay URL"):
        barrier.open("side", "ref-3")

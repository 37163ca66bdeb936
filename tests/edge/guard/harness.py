"""A running gate with its guard page, for the guard page's tests (HTTP and Chromium).

The agent is real (store, decision, desk, outbox on the session broker); the camera is a
scripted reader: ``pass_car(lane, n)`` is a vehicle whose plate reads as ``PLATES[n]``. The
page listens on a fixed port, so a test can stop and start it (or the whole agent) and a
browser's cookies and page stay valid across the restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from edge.agent import Agent
from edge.config import EdgeSettings
from edge.guard.server import GuardServer
from shared import GateEvent
from tests.edge.conftest import GUARD_PASSWORD, WEDNESDAY_EVENING, Central, SteppingClock, signed, wait_until
from tests.edge.doubles import ScriptedReader, frame_for
from tests.support.mosquitto import free_port

PLATES: list[str | None] = ["沪B99999", "沪A12345", "沪A12346", None]
NO_CONTRACT, CONTRACTED, NEAR_MISS, UNREADABLE = range(4)


class GuardPage:
    def __init__(self, settings: EdgeSettings, clock: SteppingClock) -> None:
        self.settings = settings
        self.clock = clock
        self.agent = self._agent(settings)
        self.server = GuardServer(self.agent)
        self.server.start()

    def _agent(self, settings: EdgeSettings) -> Agent:
        agent = Agent(settings, clock=self.clock, reader=ScriptedReader(PLATES),
                      vehicles={"entry": [], "exit": []})
        agent.start()
        wait_until(lambda: agent.bundles.sequence == 1, what="bundle held")
        return agent

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.guard.port}"

    def pass_car(self, lane: str, plate: int) -> GateEvent:
        """A vehicle at a lane ("entry" or "exit"), read as PLATES[plate]; returns what the gate did."""
        lane_settings = next(lane_ for lane_ in self.settings.lanes if lane_.name == lane)
        self.agent.pass_vehicle(lane_settings, [frame_for(plate)])
        return GateEvent.model_validate(self.agent.store.recent_events(1)[0].data)

    def stop_server(self) -> None:
        self.server.stop()

    def start_server(self) -> None:
        self.server = GuardServer(self.agent)
        self.server.start()

    def restart(self, settings: EdgeSettings | None = None) -> None:
        """The whole agent stops and starts again on the same data directory (and port)."""
        self.close()
        self.settings = settings or self.settings
        self.agent = self._agent(self.settings)
        self.start_server()

    def close(self) -> None:
        self.server.stop()
        self.agent.stop()


def open_guard_page(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
                    signing_key: Any, **guard: Any) -> GuardPage:
    central.publish_bundle(signed(signing_key, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    options = {"max_failures": 3, "port": free_port(), "stream_heartbeat_s": 0.5, "poll_s": 0.5, **guard}
    return GuardPage(gate_settings(guard=options), clock)


def session_token(client: httpx.Client) -> str:
    return str(client.get("/api/session").json()["csrf"])


def login(client: httpx.Client, password: str = GUARD_PASSWORD, username: str = "guard1") -> httpx.Response:
    csrf = session_token(client)
    return client.post("/api/login", json={"username": username, "password": password},
                       headers={"X-CSRF-Token": csrf})

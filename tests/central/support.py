"""Helpers for the central tests: seed rows directly, gate clients, waiting with a timeout."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central import db
from shared import Direction, GateEvent, Outcome, Reason, encode_message
from tests.support.mosquitto import Broker

T = TypeVar("T")


def seed_site(database: db.Database, site_id: str, now: datetime, gates: tuple[str, ...] = ("g1",)) -> None:
    with database.transaction() as session:
        if session.get(db.Institution, "inst1") is None:
            session.add(db.Institution(id="inst1", name="Hospital", created_at=now))
            session.flush()
        session.add(db.Site(id=site_id, institution_id="inst1", name=site_id, lat=31.2, lon=121.4,
                            shared_capacity=10, created_at=now))
        session.flush()
        for gate in gates:
            session.add(db.Gate(site_id=site_id, gate_id=gate, alarms=[]))


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 15.0) -> T:
    """Poll until ``probe`` returns something truthy (MQTT delivery takes a moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def event(site: str, gate: str, direction: Direction, plate: str | None, at: datetime,
          outcome: Outcome = Outcome.OPEN, **extra: Any) -> GateEvent:
    reason = Reason.CONTRACT_OK if direction is Direction.ENTRY else Reason.EXIT
    if outcome is not Outcome.OPEN:
        reason = Reason.NO_CONTRACT
    return GateEvent(event_id=uuid.uuid4(), site_id=site, gate_id=gate, direction=direction,
                     plate_read=plate or "", plate=plate, confidence=0.99, outcome=outcome, reason=reason,
                     at=at, deadline=at + timedelta(hours=12) if direction is Direction.ENTRY else None,
                     **extra)


class GateClient:
    """A gate's broker connection, as the edge would hold it (its own user and ACL)."""

    def __init__(self, broker: Broker, site: str, gate: str, user: str | None = None) -> None:
        user, password = broker.add_gate(site, gate) if user is None else (user, broker.passwords[user])
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}",
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set(user, password)
        self.received: list[mqtt.MQTTMessage] = []
        self._connected = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p: self._connected.set() if not rc.is_failure else None
        self.client.on_message = lambda c, u, m: self.received.append(m)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self._connected.wait(5), "gate could not connect"

    def publish(self, topic: str, payload: bytes | GateEvent, retain: bool = False) -> None:
        data = encode_message(payload) if isinstance(payload, GateEvent) else payload
        info = self.client.publish(topic, data, qos=1, retain=retain)
        info.wait_for_publish(5)

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

"""Helpers for the central tests: seed rows directly, gate clients, waiting with a timeout."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from central import db
from central.contracts.service import ContractRules, SignRequest, change_status, sign_contract
from central.core.security import Principal, Role
from central.db.migrate import upgrade_to_head
from central.distribution.bundles import Signer
from shared import (
    ContractBundle,
    Direction,
    GateEvent,
    Outcome,
    Reason,
    contracts_topic,
    encode_message,
    generate_private_key,
    verify_bundle,
)
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


# -- a site with two products, signed through the services (contracts, capacity, calendar tests) -----

NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Monday
ADMIN = Principal(Role.ADMIN)
NIGHT_WINDOWS = [{"day_type": "working", "start": "19:00", "end": "07:30"},
                 {"day_type": "rest", "start": "00:00", "end": "07:30", "end_day_offset": 1}]


@dataclass
class World:
    """A migrated database with institution ``inst1``, site ``s1`` (``shared`` shared spaces) and the
    products ``nights`` and ``weekends`` (quota ``quota`` each), residents r0..r9, a signer."""

    database: db.Database
    signer: Signer
    rules: ContractRules
    now: datetime = NOW

    def request(self, plate: str, resident: str = "r0", product: str = "nights", days: int = 30,
                start: date | None = None) -> SignRequest:
        first = start or self.now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        return SignRequest(product, (plate,), first, first + timedelta(days=days), resident)

    def sign(self, plate: str, resident: str = "r0", product: str = "nights", **kwargs: Any) -> db.Contract:
        with self.database.transaction() as session:
            request = self.request(plate, resident, product, **kwargs)
            return sign_contract(session, ADMIN, request, self.signer, self.rules, self.now)

    def change(self, contract_id: str, action: str, principal: Principal = ADMIN,
               effective_on: date | None = None) -> db.Contract:
        with self.database.transaction() as session:
            return change_status(session, principal, contract_id, action, self.signer, self.rules, self.now,
                                 effective_on)

    def bundle(self, site_id: str = "s1") -> ContractBundle:
        """The newest bundle queued for the site, verified."""
        with self.database.transaction() as session:
            payload = session.scalars(select(db.MqttOutbox.payload).where(
                db.MqttOutbox.topic == contracts_topic(site_id)).order_by(db.MqttOutbox.id.desc())).first()
        assert payload is not None
        return verify_bundle(payload, {self.signer.key_id: self.signer.key.public_key()}, self.now)


def build_world(url: str, shared: int = 4, quota: int = 3, oversubscription: float = 1.0,
                reserved: int = 0) -> World:
    upgrade_to_head(url)
    database = db.Database(url, pool_size=10)
    world = World(database, Signer("test-1", generate_private_key(), timedelta(days=7), timedelta(days=2)),
                  ContractRules(oversubscription=oversubscription))
    with database.transaction() as session:
        session.add(db.Institution(id="inst1", name="Hospital", created_at=NOW))
        session.flush()
        session.add(db.Site(id="s1", institution_id="inst1", name="Site 1", lat=31.2, lon=121.4,
                            shared_capacity=shared, reserved_spaces=reserved,
                            total_spaces=shared + reserved + 5, created_at=NOW))
        session.flush()
        for product in ("nights", "weekends"):
            session.add(db.Product(id=product, site_id="s1", name=product, windows=NIGHT_WINDOWS, quota=quota,
                                   monthly_fee_fen=30000, created_at=NOW))
        session.add_all(db.Resident(id=f"r{i}", display_name=f"r{i}", created_at=NOW) for i in range(10))
    return world


def race_signings(database: db.Database, requests: list[SignRequest], signer: Signer, rules: ContractRules,
                  now: datetime) -> tuple[list[str], list[Exception]]:
    """Sign every request at once, one thread and transaction each (released together by a barrier):
    the ids of the contracts signed and the errors of the signings refused."""
    start = threading.Barrier(len(requests))
    won: list[str] = []
    lost: list[Exception] = []

    def attempt(request: SignRequest) -> None:
        start.wait()
        try:
            with database.transaction() as session:
                won.append(sign_contract(session, ADMIN, request, signer, rules, now).id)
        except Exception as exc:  # collected and checked by the test
            lost.append(exc)

    threads = [threading.Thread(target=attempt, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return won, lost

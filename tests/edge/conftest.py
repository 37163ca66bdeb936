"""Edge fixtures: signing keys, a gate's settings on the session broker, a central stand-in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.config import EdgeSettings, load_settings
from shared import (
    ContractBundle,
    GateEvent,
    GateStatus,
    generate_private_key,
    parse_message,
    public_key_to_text,
    sign_bundle,
)
from shared.topics import ALL_EVENTS, ALL_STATUS, contracts_topic
from tests.shared.factories import bundle as make_bundle
from tests.shared.factories import contract
from tests.support.mosquitto import Broker

# One argon2 hash for every test account (password "guard-password-1"), computed once.
GUARD_PASSWORD = "guard-password-1"
_HASH: list[str] = []


def guard_hash() -> str:
    if not _HASH:
        from argon2 import PasswordHasher

        _HASH.append(PasswordHasher(time_cost=1, memory_cost=8192).hash(GUARD_PASSWORD))
    return _HASH[0]


@pytest.fixture(scope="session")
def signing_key() -> Any:
    return generate_private_key()


@pytest.fixture(scope="session")
def public_keys(signing_key: Any) -> dict[str, str]:
    return {"k1": public_key_to_text(signing_key.public_key())}


# A key for the tests that build a gate without the broker, from settings_data().
KEY = generate_private_key()
KEYS = {"k1": public_key_to_text(KEY.public_key())}


def settings_data(tmp_path: Path, **overrides: object) -> dict[str, object]:
    """Settings of a gate at site s1 with an entry and an exit lane and no broker; keywords replace."""
    data: dict[str, object] = {
        "environment": "development", "site_id": "s1", "gate_id": "g1", "data_dir": str(tmp_path / "gate"),
        "lanes": [{"name": "entry", "direction": "entry", "camera": "0"},
                  {"name": "exit", "direction": "exit", "camera": "1"}],
        "public_keys": KEYS, "guard": {"accounts": {"guard1": guard_hash()}},
    }
    return {**data, **overrides}


_gate_numbers = iter(range(1, 10_000))


@pytest.fixture
def gate_settings(broker: Broker, tmp_path: Path, public_keys: dict[str, str]) -> Callable[..., EdgeSettings]:
    """Settings of a fresh gate (its own broker account) at site s1; keywords override."""

    def build(**overrides: Any) -> EdgeSettings:
        gate_id = overrides.pop("gate_id", f"g{next(_gate_numbers)}")
        _, password = broker.add_gate("s1", gate_id)
        data: dict[str, Any] = {
            "environment": "development", "site_id": "s1", "gate_id": gate_id,
            "data_dir": str(tmp_path / gate_id),
            "lanes": [{"name": "entry", "direction": "entry", "camera": str(tmp_path), "trigger": "every"},
                      {"name": "exit", "direction": "exit", "camera": str(tmp_path), "trigger": "every"}],
            "broker": {"url": broker.url, "password": password, "reconnect_min_s": 0.2,
                       "reconnect_max_s": 1, "heartbeat_s": 0.5},
            "public_keys": public_keys,
            "guard": {"port": 0, "accounts": {"guard1": guard_hash()}},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return load_settings(None, **data)

    return build


class Central:
    """Plays the central service on the broker (as admin): publishes bundles, collects events."""

    def __init__(self, broker: Broker) -> None:
        self.events: list[GateEvent] = []
        self.statuses: list[GateStatus] = []
        self._lock = threading.Lock()
        # A persistent session: what gates publish while this client is away is queued for it.
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"central-{id(self)}",
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set("admin", broker.passwords["admin"])
        self.client.on_connect = lambda c, *_: c.subscribe([(ALL_EVENTS, 1), (ALL_STATUS, 1)])
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 1)
        session = Properties(PacketTypes.CONNECT)
        session.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", broker.port, clean_start=False, properties=session)
        self.client.loop_start()
        wait_until(self.client.is_connected, what="central connected")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            if message.topic.endswith("/events"):
                self.events.append(parse_message(GateEvent, bytes(message.payload)))
            elif message.payload:
                self.statuses.append(parse_message(GateStatus, bytes(message.payload)))

    def event_ids(self) -> set[str]:
        with self._lock:
            return {str(e.event_id) for e in self.events}

    def publish_bundle(self, payload: bytes, site: str = "s1") -> None:
        self.client.publish(contracts_topic(site), payload, qos=1, retain=True).wait_for_publish(5)

    def clear_bundle(self, site: str = "s1") -> None:
        self.client.publish(contracts_topic(site), b"", qos=1, retain=True).wait_for_publish(5)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def central(broker: Broker) -> Iterator[Central]:
    c = Central(broker)
    yield c
    c.clear_bundle()
    c.stop()


def signed(key: Any, plates: tuple[str, ...] = ("沪A12345",), sequence: int = 1,
           issued_at: datetime | None = None, ttl: timedelta = timedelta(days=7),
           one_per_plate: bool = False) -> bytes:
    """A signed bundle: one contract holding ``plates``, or (``one_per_plate``) a contract each."""
    contracts = tuple(contract(plates=(p,), contract_id=f"c{n}") for n, p in enumerate(plates, 1)) \
        if one_per_plate else (contract(plates=plates),)
    b: ContractBundle = make_bundle(contracts, sequence=sequence,
                                    issued_at=issued_at or datetime.now(UTC) - timedelta(hours=1), ttl=ttl)
    return sign_bundle(b, key).to_bytes()


def wait_until(check: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    """Bounded polling for things that cross the broker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class SteppingClock:
    """Gate time: starts at a fixed moment and moves with the real clock (retries need time to pass)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._t0 = time.monotonic()
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.start + self.offset + timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


# Wednesday 15 October 2025, 20:00 in Shanghai: inside the working-day window 19:00-07:30.
WEDNESDAY_EVENING = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(WEDNESDAY_EVENING)

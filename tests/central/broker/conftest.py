"""A Mosquitto with the dynamic-security plugin, and clients that report what the broker answered."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from central.broker import DynsecAccounts
from central.broker.control import DynsecControl
from demo.brokers import dynsec_installed, mosquitto_installed
from tests.support.mosquitto import Broker


@pytest.fixture
def dynsec_broker(tmp_path: Path) -> Iterator[Broker]:
    """Accounts in the plugin's file, written before the first start, as production's ``broker init``."""
    if not (mosquitto_installed() and dynsec_installed()):
        pytest.skip("mosquitto with its dynamic-security plugin not installed")
    server = Broker(tmp_path / "dynsec", dynsec=True).start()
    yield server
    server.stop()


@pytest.fixture
def accounts(dynsec_broker: Broker) -> DynsecAccounts:
    return DynsecAccounts(DynsecControl(*dynsec_broker.admin_settings()))


class Probe:
    """One client login: the CONNACK's reason code, then PUBACK codes and messages received."""

    def __init__(self, port: int, user: str, password: str,
                 will: tuple[str, bytes] | None = None) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set(user, password)
        if will is not None:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        self.connack: int | None = None
        self.acks: dict[int, int] = {}
        self.messages: list[mqtt.MQTTMessage] = []
        self.disconnected = threading.Event()
        self._answered = threading.Event()
        self._changed = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.disconnected.set()
        self.client.on_publish = self._on_publish
        self.client.on_message = lambda c, u, m: self._add(m)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._answered.wait(5), "no CONNACK"

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason_code: object,
                    properties: object) -> None:
        self.connack = reason_code.value  # type: ignore[attr-defined]
        self._answered.set()

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, reason_code: object,
                    properties: object) -> None:
        with self._changed:
            self.acks[mid] = reason_code.value  # type: ignore[attr-defined]
            self._changed.notify_all()

    def _add(self, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def publish(self, topic: str, payload: bytes = b"{}", timeout: float = 5,
                retain: bool = False) -> int | None:
        """The PUBACK's reason code (None if none came: the connection was dropped)."""
        mid = self.client.publish(topic, payload, qos=1, retain=retain).mid
        with self._changed:
            self._changed.wait_for(lambda: mid in self.acks or self.disconnected.is_set(), timeout)
            return self.acks.get(mid)

    def subscribe(self, topic: str) -> int:
        """The SUBACK's reason code: 1 (granted QoS 1) or 0x87 (not authorised)."""
        codes: list[int] = []
        done = threading.Event()

        def on_subscribe(client: mqtt.Client, userdata: object, mid: int, reason_codes: list[Any],
                         properties: object) -> None:
            codes.extend(code.value for code in reason_codes)
            done.set()

        self.client.on_subscribe = on_subscribe
        self.client.subscribe(topic, qos=1)
        assert done.wait(5), "no SUBACK"
        return codes[0]

    def received(self, topic: str, count: int = 1, timeout: float = 5) -> list[bytes]:
        with self._changed:
            self._changed.wait_for(lambda: len(self._on(topic)) >= count, timeout)
            return self._on(topic)

    def _on(self, topic: str) -> list[bytes]:
        return [bytes(m.payload) for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connack(port: int, user: str, password: str) -> int | None:
    """Log in once and out; the broker's answer (0 success, 0x86/0x87 refused)."""
    probe = Probe(port, user, password)
    probe.close()
    return probe.connack


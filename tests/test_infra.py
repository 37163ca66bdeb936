"""The test tier's own services behave like production ones: no anonymous access, ACLs hold."""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker


def _connect(broker: Broker, user: str | None, password: str | None) -> tuple[mqtt.Client, int]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if user is not None:
        client.username_pw_set(user, password)
    done = threading.Event()
    result: list[int] = []

    def on_connect(c, userdata, flags, reason_code, properties):  # type: ignore[no-untyped-def]
        result.append(reason_code.value)
        done.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    assert done.wait(5), "no CONNACK"
    return client, result[0]


def test_anonymous_and_wrong_password_are_refused(broker: Broker) -> None:
    client, code = _connect(broker, None, None)
    client.loop_stop()
    assert code == 0x87  # not authorised
    user, _ = broker.add_gate("s1", "g1")
    client, code = _connect(broker, user, "wrong")
    client.loop_stop()
    assert code in (0x86, 0x87)  # bad user name or password / not authorised


def test_gate_cannot_publish_as_another_gate(broker: Broker) -> None:
    user, password = broker.add_gate("s1", "g1")
    client, code = _connect(broker, user, password)
    assert code == 0
    acks: dict[int, int] = {}
    got = threading.Event()

    def on_publish(c, userdata, mid, reason_code, properties):  # type: ignore[no-untyped-def]
        acks[mid] = reason_code.value
        got.set()

    client.on_publish = on_publish
    props = Properties(PacketTypes.PUBLISH)
    mid = client.publish("parking/v1/sites/s1/gates/g2/events", b"{}", qos=1, properties=props).mid
    assert got.wait(5)
    assert acks[mid] == 0x87
    got.clear()
    mid = client.publish("parking/v1/sites/s1/gates/g1/events", b"{}", qos=1).mid
    assert got.wait(5)
    assert acks[mid] < 0x80  # success, or 0x10 "no matching subscribers"
    client.loop_stop()
    client.disconnect()


def test_a_message_over_the_brokers_size_limit_never_reaches_a_subscriber(broker: Broker) -> None:
    """message_size_limit (the compose, demo and test brokers alike): a 10 MB 'event' goes nowhere."""
    from central.core.config import MESSAGE_SIZE_LIMIT

    user, password = broker.add_gate("s1", "big")
    watcher, _ = _connect(broker, "admin", broker.passwords["admin"])
    received: list[int] = []
    subscribed = threading.Event()
    watcher.on_message = lambda c, u, m: received.append(len(m.payload))
    watcher.on_subscribe = lambda *_: subscribed.set()
    watcher.subscribe("parking/v1/sites/s1/gates/big/events", qos=1)
    assert subscribed.wait(5)
    gate, _ = _connect(broker, user, password)
    gate.publish("parking/v1/sites/s1/gates/big/events", b"x" * (MESSAGE_SIZE_LIMIT + 1), qos=1)
    gate.publish("parking/v1/sites/s1/gates/big/events", b"x" * 1000, qos=1)  # after it, on a new session
    deadline = time.monotonic() + 10
    while 1000 not in received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received == [1000]
    for client in (gate, watcher):
        client.loop_stop()
        client.disconnect()


def test_the_broker_configs_set_the_size_limit_central_keeps_to() -> None:
    from pathlib import Path

    from central.core.config import MESSAGE_SIZE_LIMIT, MqttSettings

    conf = (Path(__file__).resolve().parents[1] / "config/mosquitto/mosquitto.conf").read_text()
    assert f"\nmessage_size_limit {MESSAGE_SIZE_LIMIT}\n" in conf
    assert MqttSettings().message_size_limit == MESSAGE_SIZE_LIMIT


@pytest.mark.postgres
def test_postgres_fixture_gives_empty_databases(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_server.new_database())
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from pg_tables where schemaname='public'")).scalar() == 0
    engine.dispose()

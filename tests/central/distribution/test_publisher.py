"""Contract bundles reach the broker retained, signed, with a growing sequence; nothing lost offline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from central import db
from central.api import create_app
from central.distribution.bundles import Signer
from central.distribution.publisher import OutboxPublisher
from central.mqtt import MqttClient
from shared import ContractStatus, SignedBundle, private_key_from_text, verify_bundle
from shared.topics import contracts_topic
from tests.central.conftest import Api, Clock, TestClient, admin_headers, make_settings
from tests.central.support import GateClient, wait_for
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker


@pytest.fixture
def served(tmp_path: object, broker: Broker, clock: Clock) -> Iterator[tuple[Api, OutboxPublisher]]:
    settings = make_settings(f"sqlite:///{tmp_path}/central.db", broker)
    with TestClient(create_app(settings, clock=clock)) as client:
        state = client.app.state.central  # type: ignore[attr-defined]
        link = MqttClient(settings.mqtt, "central-test-publisher")
        link.start()
        assert link.wait_connected(10)
        publisher = OutboxPublisher(state.database, link, state.signer, clock)
        yield Api(client, admin_headers(settings, clock), clock), publisher
        link.stop()


def _bundle(gate: GateClient, signer: Signer, now: object) -> object:
    if not gate.received:
        return None
    return verify_bundle(gate.received[-1].payload, {signer.key_id: signer.key.public_key()}, now)


def test_each_change_publishes_a_signed_retained_bundle(served: tuple[Api, OutboxPublisher],
                                                        broker: Broker) -> None:
    api, publisher = served
    api.seed_site("bundles1", quota=3)
    holder = api.resident()
    contract = api.sign(["沪A12345"], holder, product="bundles1-nights").json()
    assert publisher.publish_pending() == 1  # site creation and signing: only the newest is sent
    api.post(f"/contracts/{contract['id']}/suspend", None)
    assert publisher.publish_pending() == 1
    # a gate connecting later gets the retained copy
    gate = GateClient(broker, "bundles1", "g1")
    gate.subscribe(contracts_topic("bundles1"))
    signer = api.client.app.state.central.signer  # type: ignore[attr-defined]
    bundle = wait_for("the retained bundle", lambda: _bundle(gate, signer, api.clock()))
    assert gate.received[-1].retain
    assert bundle.sequence == 3  # type: ignore[attr-defined]
    [held] = bundle.contracts  # type: ignore[attr-defined]
    assert held.plates == ("沪A12345",) and held.status is ContractStatus.SUSPENDED
    assert held.windows[0].label() == "working 19:00-07:30 (+1)"
    api.post(f"/contracts/{contract['id']}/cancel", None)
    publisher.publish_pending()
    newer = wait_for("the next bundle",
                     lambda: len(gate.received) == 2 and _bundle(gate, signer, api.clock()))
    assert newer.sequence == 4 and newer.contracts == ()  # type: ignore[attr-defined]
    assert bundle.expires_at - bundle.issued_at == timedelta(days=7)  # type: ignore[attr-defined]
    gate.close()


def test_outbox_keeps_messages_while_the_broker_is_down(served: tuple[Api, OutboxPublisher],
                                                        broker: Broker) -> None:
    api, publisher = served
    api.seed_site("bundles2")
    broker.stop()
    try:
        api.sign(["沪B12345"], api.resident(), product="bundles2-nights")
        assert publisher.publish_pending() == 0
    finally:
        broker.start()
    state = api.client.app.state.central  # type: ignore[attr-defined]
    with state.database.transaction() as session:
        # the site's first bundle was superseded by the newer one; that one waits for the broker
        assert session.scalar(select(func.count()).select_from(db.MqttOutbox)
                              .where(db.MqttOutbox.sent_at.is_(None))) == 1
    wait_for("the publisher to reconnect", lambda: publisher.publish_pending() == 1, timeout=20)
    gate = GateClient(broker, "bundles2", "g1")
    gate.subscribe(contracts_topic("bundles2"))
    wait_for("the bundle", lambda: gate.received)
    envelope = SignedBundle.model_validate_json(gate.received[-1].payload)
    assert envelope.bundle["sequence"] == 2 and len(envelope.bundle["contracts"]) == 1
    gate.close()


def test_bundles_are_reissued_before_they_expire(served: tuple[Api, OutboxPublisher]) -> None:
    api, publisher = served
    api.seed_site("bundles3")
    assert publisher.refresh_bundles() == []
    api.clock.advance(days=5, hours=1)  # within refresh_before (2 days) of the 7-day expiry
    assert publisher.refresh_bundles() == ["bundles3"]
    assert publisher.refresh_bundles() == []


def test_the_development_key_is_refused_outside_development() -> None:
    from central.core.config import load_settings
    from central.errors import ConfigError

    with pytest.raises(ConfigError, match="signing.key"):
        load_settings(None, environment="production", mqtt={"password": "s3cret-broker"})
    key = "4h6o8M0mS0X0c1n4s2a0CnE0Qm3Y6r4QhQ6G4v8ZQxA="
    settings = load_settings(None, environment="production", mqtt={"password": "s3cret-broker"},
                             signing={"key": key, "key_id": "prod-1"})
    assert Signer.from_settings(settings.signing).key_id == "prod-1"
    assert private_key_from_text(key)
    with pytest.raises(ConfigError, match="ingest.batch_max"):
        load_settings(None, ingest={"batch_max": 0})


def test_a_message_the_broker_would_drop_is_given_up_and_does_not_block_the_rest(
        tmp_path: object, broker: Broker, clock: Clock) -> None:
    """A site's bundle beyond message_size_limit: named in the outbox and the log; the others still go."""
    settings = make_settings(f"sqlite:///{tmp_path}/central.db", broker)
    mqtt = settings.mqtt.model_copy(update={"message_size_limit": 2048})
    small = settings.model_copy(update={"mqtt": mqtt})
    with TestClient(create_app(small, clock=clock)) as client:
        state = client.app.state.central  # type: ignore[attr-defined]
        with state.database.transaction() as session:
            session.add(db.MqttOutbox(topic=contracts_topic("huge"), payload=b"x" * 4096, qos=1, retain=True,
                                      created_at=clock()))
        api = Api(client, admin_headers(small, clock), clock)
        api.seed_site("bundles4")
        link = MqttClient(small.mqtt, "central-test-size")
        link.start()
        assert link.wait_connected(10)
        publisher = OutboxPublisher(state.database, link, state.signer, clock)
        assert publisher.publish_pending() == 1  # the site's bundle, behind the huge one
        link.stop()
        with state.database.transaction() as session:
            huge = session.scalars(select(db.MqttOutbox).where(
                db.MqttOutbox.topic == contracts_topic("huge"))).one()
            assert huge.sent_at is not None and "message_size_limit (2048)" in (huge.last_error or "")

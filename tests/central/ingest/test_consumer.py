"""Ingestion through a real Mosquitto into both backends: dedup, order, dead letters, gate status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from central import db
from central.db import StayStatus
from central.db.migrate import upgrade_to_head
from central.ingest.consumer import Ingestor
from shared import Direction, GateState, GateStatus, Outcome, encode_message
from shared.topics import events_topic, status_topic
from tests.central.conftest import Clock, make_settings
from tests.central.support import GateClient, event, seed_site, wait_for
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker


@dataclass
class Rig:
    database: db.Database
    ingestor: Ingestor
    gate: GateClient
    clock: Clock
    site: str

    def count(self, model: type[db.Base], *where: object) -> int:
        with self.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def stays(self, plate: str) -> list[db.Stay]:
        with self.database.transaction() as session:
            return list(session.scalars(select(db.Stay).where(db.Stay.plate == plate)
                                        .order_by(db.Stay.entered_at)))


@pytest.fixture
def rig(database_url: str, broker: Broker, clock: Clock, request: pytest.FixtureRequest) -> Iterator[Rig]:
    site = f"s{abs(hash(request.node.name)) % 10**8}"
    broker.clear_retained()  # gate statuses other tests left would reach this consumer
    # each test its own group, and no session left behind: an absent member of a shared
    # subscription still gets its share of the messages, queued until it returns
    settings = make_settings(database_url, broker, ingest={"group": site, "session_expiry_s": 0})
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    seed_site(database, site, clock())
    ingestor = Ingestor(database, settings.mqtt, settings.ingest, clock)
    ingestor.start()
    assert ingestor.mqtt.wait_connected(10), ingestor.mqtt.last_refusal
    gate = GateClient(broker, site, "g1")
    yield Rig(database, ingestor, gate, clock, site)
    gate.close()
    ingestor.stop()
    database.dispose()


def test_events_are_stored_once_and_paired_into_stays(rig: Rig) -> None:
    topic = events_topic(rig.site, "g1")
    entry = event(rig.site, "g1", Direction.ENTRY, "沪A12345", rig.clock.now)
    leave = event(rig.site, "g1", Direction.EXIT, "沪A12345", rig.clock.now + timedelta(hours=3))
    for message in (entry, entry, leave, entry, leave):  # at-least-once delivery: repeats
        rig.gate.publish(topic, message)
    wait_for("two events", lambda: rig.ingestor.stats.stored + rig.ingestor.stats.duplicates >= 5)
    assert rig.count(db.GateEventRecord) == 2
    assert rig.ingestor.stats.duplicates == 3
    [stay] = rig.stays("沪A12345")
    assert stay.status is StayStatus.CLOSED and stay.entry_event_id == entry.event_id
    assert stay.exited_at == leave.at and stay.deadline == entry.deadline


def test_an_exit_arriving_before_its_entry_still_pairs(rig: Rig) -> None:
    topic = events_topic(rig.site, "g1")
    entry = event(rig.site, "g1", Direction.ENTRY, "沪B12345", rig.clock.now)
    leave = event(rig.site, "g1", Direction.EXIT, "沪B12345", rig.clock.now + timedelta(hours=2))
    rig.gate.publish(topic, leave)
    wait_for("the exit", lambda: rig.count(db.Stay) == 1)
    assert [s.status for s in rig.stays("沪B12345")] == [StayStatus.ANOMALY]
    rig.gate.publish(topic, entry)
    wait_for("the pairing", lambda: [s.status for s in rig.stays("沪B12345")] == [StayStatus.CLOSED])
    [stay] = rig.stays("沪B12345")
    assert (stay.entered_at, stay.exited_at) == (entry.at, leave.at)


def test_denied_events_are_stored_but_make_no_stay_and_open_stays_stay_open(rig: Rig) -> None:
    topic = events_topic(rig.site, "g1")
    rig.gate.publish(topic, event(rig.site, "g1", Direction.ENTRY, "沪C12345", rig.clock.now, Outcome.DENY))
    rig.gate.publish(topic, event(rig.site, "g1", Direction.ENTRY, "沪D12345", rig.clock.now))
    wait_for("both events", lambda: rig.count(db.GateEventRecord) == 2)
    assert rig.stays("沪C12345") == []
    assert [s.status for s in rig.stays("沪D12345")] == [StayStatus.OPEN]


def test_a_gate_lying_about_its_site_is_dead_lettered(rig: Rig, broker: Broker) -> None:
    foreign = event("other-site", "g1", Direction.ENTRY, "沪E12345", rig.clock.now)
    rig.gate.publish(events_topic(rig.site, "g1"), foreign)
    rig.gate.publish(events_topic(rig.site, "g1"), b"\xff\xfe not json")
    rig.gate.publish(events_topic(rig.site, "g1"), b'{"v": 1}')
    wait_for("three dead letters", lambda: rig.count(db.DeadLetter) == 3)
    assert rig.count(db.GateEventRecord) == 0
    with rig.database.transaction() as session:
        letters = session.scalars(select(db.DeadLetter).order_by(db.DeadLetter.id)).all()
        assert "site_id" in letters[0].error and letters[1].payload == b"\xff\xfe not json"
        assert letters[0].topic == events_topic(rig.site, "g1")
    # the consumer still works
    rig.gate.publish(events_topic(rig.site, "g1"), event(rig.site, "g1", Direction.ENTRY, "沪E12345",
                                                         rig.clock.now))
    wait_for("a good event after bad ones", lambda: rig.count(db.GateEventRecord) == 1)


def test_gate_status_alarms_on_old_bundle_and_clock_skew(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    with rig.database.transaction() as session:
        session.add(db.BundleState(site_id=rig.site, sequence=5))
    topic = status_topic(rig.site, "g1")
    skewed = GateStatus(site_id=rig.site, gate_id="g1", state=GateState.ONLINE, outbox_depth=3,
                        bundle_sequence=4, at=rig.clock.now + timedelta(minutes=10))
    rig.gate.publish(topic, encode_message(skewed), retain=True)
    wait_for("two alarms", lambda: rig.count(db.Alarm, db.Alarm.cleared_at.is_(None)) == 2)
    # logged where it was stored (the store process), and through this process's log handlers
    logged = [r.getMessage() for r in caplog.records if r.name == "central.ingest.gates"]
    assert f"alarm stale_bundle at {rig.site}/g1: gate runs bundle 4, the site's current one is 5" in logged
    with rig.database.transaction() as session:
        gate = session.scalars(select(db.Gate).where(db.Gate.site_id == rig.site)).one()
        assert (gate.state, gate.outbox_depth, gate.bundle_sequence) == ("online", 3, 4)
        assert gate.clock_skew_s == 600 and gate.last_seen == rig.clock.now
    fine = skewed.model_copy(update={"bundle_sequence": 5, "at": rig.clock.now})
    rig.gate.publish(topic, encode_message(fine), retain=True)
    wait_for("alarms cleared", lambda: rig.count(db.Alarm, db.Alarm.cleared_at.is_(None)) == 0)
    will = GateStatus(site_id=rig.site, gate_id="g1", state=GateState.OFFLINE)
    rig.gate.publish(topic, encode_message(will), retain=True)
    wait_for("offline", lambda: rig.count(db.Gate, db.Gate.state == "offline") == 1)
    rig.gate.publish(topic, b"", retain=True)  # clear the retained status


def test_a_message_is_acknowledged_only_after_it_is_committed(tmp_path: object, broker: Broker,
                                                              clock: Clock) -> None:
    """A consumer whose database fails never acks; the broker gives the message to its successor."""
    good_url = f"sqlite:///{tmp_path}/good.db"
    upgrade_to_head(good_url)
    good = db.Database(good_url)
    seed_site(good, "acks", clock())
    settings = make_settings(good_url, broker, ingest={"group": "acks", "session_expiry_s": 300})
    broken = db.Database(f"sqlite:///{tmp_path}/no-tables.db")
    failing = Ingestor(broken, settings.mqtt, settings.ingest, clock, client_id="ingest-acks")
    failing.start()
    assert failing.mqtt.wait_connected(10)
    gate = GateClient(broker, "acks", "g1")
    gate.publish(events_topic("acks", "g1"), event("acks", "g1", Direction.ENTRY, "沪F12345", clock.now))
    wait_for("the failing consumer to get it", lambda: failing.stats.received == 1)
    assert failing.stats.stored == 0 and failing.stats.dead_letters == 0
    failing.stop()
    successor = Ingestor(good, settings.mqtt, settings.ingest, clock, client_id="ingest-acks")
    successor.start()
    try:
        wait_for("redelivery", lambda: successor.stats.stored == 1)
    finally:
        successor.stop()
        gate.close()
        good.dispose()
        broken.dispose()


def test_a_batch_interrupted_by_stop_is_not_acknowledged(tmp_path: object, broker: Broker,
                                                         clock: Clock) -> None:
    """stop() while a failed batch waits for the database: nothing was committed, so nothing is acked."""
    settings = make_settings(f"sqlite:///{tmp_path}/x.db", broker,
                             ingest={"group": "stopped", "session_expiry_s": 0})
    broken = db.Database(f"sqlite:///{tmp_path}/no-tables.db")
    ingestor = Ingestor(broken, settings.mqtt, settings.ingest, clock, client_id="ingest-stopped")
    acked: list[int] = []
    ingestor.mqtt.ack = lambda mid, qos, generation: acked.append(mid)  # type: ignore[method-assign]
    ingestor.start()
    gate = GateClient(broker, "stopped", "g1")
    try:
        assert ingestor.mqtt.wait_connected(10)
        entry = event("stopped", "g1", Direction.ENTRY, "沪F12345", clock.now)
        gate.publish(events_topic("stopped", "g1"), entry)
        wait_for("the batch held", lambda: ingestor.lag_s(clock() + timedelta(seconds=1)) > 0)
    finally:
        gate.close()
        ingestor.stop()
        broken.dispose()
    assert ingestor.stats.received == 1 and ingestor.stats.stored == 0
    assert acked == []

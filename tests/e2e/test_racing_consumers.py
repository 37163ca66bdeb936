"""Three ``parking-central ingest`` processes in one shared-subscription group, on PostgreSQL,
store the stays one consumer would.

Each plate's entries and exits are published back to back, so the broker hands them to
different consumers, which store them at the same moment: without the per-(site, plate) lock
an exit would not see the entry committed beside it. The stays must equal those a single
consumer makes from the same events (in time order, one batch), in a database of their own.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from central import db
from central.db.migrate import upgrade_to_head
from central.ingest.store import Received, ingest_batch
from shared import Direction, GateEvent, Outcome, Reason, encode_message, events_topic
from shared.topics import CENTRAL_USER
from tests.central.support import seed_site
from tests.e2e.stack import Process, _command, wait_for
from tests.support.mosquitto import Broker, free_port
from tests.support.postgres import PostgresServer

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.slow]

SITE, GATES = "race", ("g1", "g2")
PLATES, VISITS = 40, 3  # 40 plates, each entering and leaving three times: 240 events
CONSUMERS = 3
METRICS_PORT = free_port()

Stays = list[tuple[str, str | None, str | None, str]]


def _events(now: datetime) -> list[GateEvent]:
    """Each plate's passages back to back (in and out a minute later, three times), plates in turn;
    a few exits sent before their entry, as a gate's outbox may replay them."""
    rng, events = random.Random(7), []
    for n in range(PLATES):
        plate, start = f"沪B{n:05d}", now - timedelta(hours=3) + timedelta(seconds=n)
        passages = []
        for visit in range(VISITS):
            for step, direction in enumerate((Direction.ENTRY, Direction.EXIT)):
                at = start + timedelta(minutes=2 * visit + step)
                passages.append(GateEvent(
                    event_id=uuid.uuid4(), site_id=SITE, gate_id=GATES[(visit + step) % 2],
                    direction=direction, plate_read=plate, plate=plate, confidence=0.98, outcome=Outcome.OPEN,
                    reason=Reason.CONTRACT_OK if direction is Direction.ENTRY else Reason.EXIT, at=at,
                    deadline=at + timedelta(hours=8) if direction is Direction.ENTRY else None))
        if rng.random() < 0.3:
            passages[0], passages[1] = passages[1], passages[0]
        events += passages
    return events


def _stays(database: db.Database) -> Stays:
    with database.transaction() as session:
        return sorted((s.plate, str(s.entry_event_id) if s.entry_event_id else None,
                       str(s.exit_event_id) if s.exit_event_id else None, s.status.value)
                      for s in session.scalars(select(db.Stay)))


def _count(database: db.Database) -> int:
    with database.transaction() as session:
        return len(session.scalars(select(db.GateEventRecord.event_id)).all())


@pytest.fixture
def consumers(tmp_path: Path, e2e_broker: Broker, postgres_server: PostgresServer) -> Iterator[
        tuple[db.Database, list[Process]]]:
    url = postgres_server.new_database()
    upgrade_to_head(url)
    database = db.Database(url)
    seed_site(database, SITE, datetime.now(UTC), GATES)
    config = tmp_path / "ingest.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": url, "pool_size": 2},
        "mqtt": {"host": "127.0.0.1", "port": e2e_broker.port, "username": CENTRAL_USER},
        "ingest": {"group": "race", "batch_max": 8, "linger_ms": 2, "session_expiry_s": 0}}))
    env = {"PARKING_CENTRAL_MQTT__PASSWORD": e2e_broker.passwords[CENTRAL_USER]}
    command = [*_command("parking-central", "central.cli"), "ingest", "--config", str(config)]
    metrics = {"PARKING_CENTRAL_METRICS__INGEST_PORT": str(METRICS_PORT)}  # the first serves /metrics
    processes = [Process(f"ingest {n}", [*command, "--client-id", f"race-{n}"],
                         {**env, **(metrics if n == 0 else {})}, tmp_path / f"ingest-{n}.log")
                 for n in range(CONSUMERS)]
    for process in processes:
        process.start()
    yield database, processes
    for process in processes:
        process.stop()
    database.dispose()


def _publish(broker: Broker, events: list[GateEvent]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="race-gates", protocol=mqtt.MQTTv5)
    client.username_pw_set("admin", broker.passwords["admin"])
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        for info in [client.publish(events_topic(e.site_id, e.gate_id), encode_message(e), qos=1)
                     for e in events]:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()


def test_three_racing_consumers_store_the_stays_of_one(
        consumers: tuple[db.Database, list[Process]], e2e_broker: Broker,
        postgres_server: PostgresServer) -> None:
    database, processes = consumers
    for process in processes:
        wait_for(f"{process.name} connected",
                 lambda p=process: "connected to the broker" in p.log.read_text(), timeout=60,
                 alive=process.check_alive)
    events = _events(datetime.now(UTC))
    _publish(e2e_broker, events)
    wait_for("every event stored", lambda: _count(database) == len(events), timeout=120)
    raced = _stays(database)
    scraped = httpx.get(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=10).text  # a consumer's own
    assert 'parking_central_broker_connected{link="ingest"} 1.0' in scraped
    assert re.search(r"^parking_central_ingest_received_total [1-9]", scraped, re.MULTILINE)

    stored = []
    for process in processes:
        process.stop()
        found = re.search(r"stored (\d+) events", process.log.read_text())
        stored.append(int(found.group(1)) if found else 0)
    assert sum(stored) == len(events) and all(n > 0 for n in stored), stored  # all three took part

    alone = db.Database(postgres_server.new_database())
    upgrade_to_head(alone.url)
    seed_site(alone, SITE, datetime.now(UTC), GATES)
    with alone.transaction() as session:
        ingest_batch(session, [Received(events_topic(e.site_id, e.gate_id), encode_message(e))
                               for e in sorted(events, key=lambda e: e.at)], datetime.now(UTC), 120)
    single = _stays(alone)
    alone.dispose()
    assert len(single) == PLATES * VISITS and {s[3] for s in single} == {"closed"}
    assert raced == single

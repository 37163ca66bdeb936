"""Ingest throughput: gate events through Mosquitto into SQLite and PostgreSQL, with deduplication.

    python -m benchmarks.ingest [--events N] [--duplicates FRACTION] [--backend sqlite|postgresql]

Starts a throwaway Mosquitto and PostgreSQL (tests/support helpers). For each
backend: the consumer connects once to create its persistent session, goes away,
the gates publish N events (entry/exit pairs) plus re-sent copies while it is away,
then the consumer comes back and the time to drain the backlog into the database
is measured (one JSON line per backend). Publishing while the consumer runs would
measure the publisher as much as the consumer on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from central import db
from central.core.config import load_settings
from central.db.migrate import upgrade_to_head
from central.ingest.consumer import Ingestor
from shared import Direction, GateEvent, Outcome, Reason, encode_message
from shared.topics import events_topic
from tests.support.mosquitto import Broker
from tests.support.postgres import PostgresServer

SITE, GATES = "bench", ("g1", "g2", "g3", "g4")
START = datetime(2025, 3, 3, 11, 0, tzinfo=UTC)


def make_events(n: int) -> list[GateEvent]:
    events = []
    for i in range(n // 2):
        plate = f"沪A{i:05d}"
        at = START + timedelta(seconds=i)
        gate = GATES[i % len(GATES)]
        for direction, when in ((Direction.ENTRY, at), (Direction.EXIT, at + timedelta(hours=2))):
            events.append(GateEvent(
                event_id=uuid.uuid4(), site_id=SITE, gate_id=gate, direction=direction, plate_read=plate,
                plate=plate, confidence=0.98, outcome=Outcome.OPEN,
                reason=Reason.CONTRACT_OK if direction is Direction.ENTRY else Reason.EXIT, at=when,
                deadline=when + timedelta(hours=10) if direction is Direction.ENTRY else None))
    return events


def publish_all(broker: Broker, messages: list[tuple[str, bytes]]) -> float:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-gates", protocol=mqtt.MQTTv5)
    client.username_pw_set("admin", broker.passwords["admin"])
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    started = time.perf_counter()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return elapsed


def run_backend(name: str, url: str, broker: Broker, n: int, dup_fraction: float) -> dict[str, object]:
    upgrade_to_head(url)
    database = db.Database(url, pool_size=4)
    with database.transaction() as session:
        session.add(db.Institution(id="bench", name="bench", created_at=START))
        session.flush()
        session.add(db.Site(id=SITE, institution_id="bench", name="bench", lat=31.2, lon=121.4,
                            shared_capacity=n, created_at=START))
    settings = load_settings(None, database={"url": url}, mqtt={"port": broker.port},
                             ingest={"group": f"bench-{name}", "session_expiry_s": 600})
    client_id = f"bench-ingest-{name}"
    first = Ingestor(database, settings.mqtt, settings.ingest, datetime.now, client_id)
    first.start()
    first.mqtt.wait_connected(10)
    time.sleep(0.5)  # let the SUBACK arrive before going away
    first.stop()
    events = make_events(n)
    dups = random.Random(1).sample(events, int(len(events) * dup_fraction))
    messages = [(events_topic(e.site_id, e.gate_id), encode_message(e)) for e in events + dups]
    publish_s = publish_all(broker, messages)
    consumer = Ingestor(database, settings.mqtt, settings.ingest, lambda: datetime.now(UTC), client_id)
    started = time.perf_counter()
    consumer.start()
    while consumer.stats.stored + consumer.stats.duplicates < len(messages):
        time.sleep(0.01)
        if time.perf_counter() - started > 600:
            raise TimeoutError("the consumer did not drain the backlog in 10 minutes")
    elapsed = time.perf_counter() - started
    consumer.stop()
    with database.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(db.GateEventRecord))
        closed = db.Stay.status == db.StayStatus.CLOSED
        stays = session.scalar(select(func.count()).select_from(db.Stay).where(closed))
    database.dispose()
    assert stored == len(events) and stays == len(events) // 2, (stored, stays)
    return {"backend": name, "events": len(events), "messages": len(messages),
            "events_per_s": round(len(messages) / elapsed), "duplicates_dropped": consumer.stats.duplicates,
            "stays_closed": stays, "drain_s": round(elapsed, 2), "publish_s": round(publish_s, 2),
            "batches": consumer.stats.batches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="distinct events (default 20000)")
    parser.add_argument("--duplicates", type=float, default=0.05, help="fraction re-sent (default 0.05)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    broker = Broker(Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))).start()
    postgres = PostgresServer().start() if "postgresql" in backends else None
    try:
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-sqlite-')}/central.db"
            else:
                assert postgres is not None
                url = postgres.new_database()
            print(json.dumps(run_backend(backend, url, broker, args.events, args.duplicates)), flush=True)
    finally:
        broker.stop()
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()

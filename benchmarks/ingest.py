"""Ingest throughput: gate events through Mosquitto into SQLite and PostgreSQL, against what a
parse-only consumer drains from the same broker in the same run.

    python -m benchmarks.ingest [--events N] [--duplicates FRACTION] [--backend sqlite|postgresql]
                                [--consumers N]

Starts a throwaway Mosquitto and PostgreSQL (tests/support helpers). For each backend:
every consumer connects once to make its persistent session and goes away; the gates publish
N events (entry/exit pairs two hours apart, gate times within the last hours, in time order) plus
re-sent copies; then

1. a parse-only consumer (paho, MQTT 5, ``shared.parse_message`` on each message, acked) drains
   its copy of the backlog: what the broker and the parser allow on this machine (twice: before
   and after ours);
2. our consumer (``Ingestor``: batches, one transaction each, stays paired) drains its copy,
   timed from ``start()`` returning (its store process is then up: ``start_s``, paid once a
   start) to the last message stored;
3. on PostgreSQL, ``--consumers`` (default 3) consumers in one shared-subscription group, each
   in its own process, drain a third copy into a fresh database (timed from the go, their
   store processes up before it).

One JSON line per measure. The parse-only consumer drains its copy right before and right after
ours; ``ratio`` is our drain rate over the mean of the two: the figure to compare across
machines (the development machine is small and shared, so absolute rates move).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from central import db
from central.core.config import Settings, load_settings
from central.db.migrate import upgrade_to_head
from central.ingest.consumer import Ingestor
from central.ingest.storing import store_for
from shared import (
    ALL_EVENTS,
    Direction,
    GateEvent,
    Outcome,
    Reason,
    encode_message,
    events_topic,
    parse_message,
    shared_subscription,
    utc_now,
)
from tests.support.mosquitto import Broker
from tests.support.postgres import PostgresServer

SITE, GATES = "bench", ("g1", "g2", "g3", "g4")


def make_events(n: int, start: datetime) -> list[GateEvent]:
    events = []
    for i in range(n // 2):
        plate = f"沪A{i:05d}"
        at = start + timedelta(seconds=i / 10)
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


class ParseOnly:
    """The yardstick: a consumer that only parses each message (and acks it), nothing stored."""

    def __init__(self, broker: Broker, group: str, client_id: str) -> None:
        self.parsed = 0
        self._done = threading.Event()
        self._expected = 0
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.username_pw_set("admin", broker.passwords["admin"])
        topic = shared_subscription(group, ALL_EVENTS)
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_message = self._on_message
        self._port = broker.port

    def connect(self, expected: int = 0) -> None:
        self._expected = expected
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 600
        props.ReceiveMaximum = 1000
        self.client.connect("127.0.0.1", self._port, clean_start=False, properties=props)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        parse_message(GateEvent, bytes(message.payload))
        self.parsed += 1
        if self.parsed >= self._expected > 0:
            self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def leave(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _settings(url: str, broker: Broker, group: str, client: str) -> Settings:
    return load_settings(None, database={"url": url}, mqtt={"port": broker.port, "client_id": client},
                         ingest={"group": group, "session_expiry_s": 600})


def _seed(url: str, capacity: int) -> db.Database:
    upgrade_to_head(url)
    database = db.Database(url, pool_size=4)
    now = utc_now()
    with database.transaction() as session:
        session.add(db.Institution(id="bench", name="bench", created_at=now))
        session.flush()
        session.add(db.Site(id=SITE, institution_id="bench", name="bench", lat=31.2, lon=121.4,
                            shared_capacity=capacity, created_at=now))
    return database


def _counts(database: db.Database) -> tuple[int, int]:
    with database.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(db.GateEventRecord)) or 0
        closed = db.Stay.status == db.StayStatus.CLOSED
        stays = session.scalar(select(func.count()).select_from(db.Stay).where(closed)) or 0
    return stored, stays


def _ingest_child(url: str, port: int, password: str, group: str, client_id: str,
                  ready: Any, go: Any, stop: Any, taken: Any) -> None:
    """One of several consumers, in its own process (forked: nothing to import again); ``taken``
    shows the parent how many messages it has stored or dropped as repeats."""
    settings = load_settings(None, database={"url": url, "pool_size": 2},
                             mqtt={"port": port, "password": password, "client_id": client_id},
                             ingest={"group": group, "session_expiry_s": 600})
    database = db.Database(url, pool_size=2)
    store = store_for(database, settings.ingest)
    store.start()  # its store process up before the clock starts, as for the single consumer
    consumer = Ingestor(database, settings.mqtt, settings.ingest, utc_now, client_id, store=store)
    ready.release()
    go.wait()
    consumer.start()
    while not stop.wait(0.01):
        taken.value = consumer.stats.stored + consumer.stats.duplicates
    consumer.stop()
    database.dispose()


def drain_parse_only(broker: Broker, name: str, total: int) -> dict[str, Any]:
    parser = ParseOnly(broker, name, f"bench-{name}")
    started = time.perf_counter()
    parser.connect(expected=total)
    if not parser.wait(600):
        raise TimeoutError(f"the parse-only consumer got {parser.parsed} of {total}")
    elapsed = time.perf_counter() - started
    parser.leave()
    return {"measure": "parse_only", "group": name, "messages": total,
            "events_per_s": round(total / elapsed), "drain_s": round(elapsed, 2)}


def drain_ours(database: db.Database, settings: Settings, client_id: str, name: str,
               events: int, total: int) -> dict[str, Any]:
    consumer = Ingestor(database, settings.mqtt, settings.ingest, utc_now, client_id)
    began = time.perf_counter()
    consumer.start()  # returns once its store process is ready; paho connects in the timed part
    started = time.perf_counter()
    while consumer.stats.stored + consumer.stats.duplicates < total:
        time.sleep(0.01)
        if time.perf_counter() - started > 600:
            raise TimeoutError("the consumer did not drain the backlog in 10 minutes")
    elapsed = time.perf_counter() - started
    consumer.stop()
    stored, stays = _counts(database)
    assert stored == events and stays == events // 2, (stored, stays)
    return {"measure": "ingest", "backend": name, "consumers": 1, "events": events, "messages": total,
            "events_per_s": round(total / elapsed), "drain_s": round(elapsed, 2),
            "duplicates_dropped": consumer.stats.duplicates, "stays_closed": stays,
            "batches": consumer.stats.batches, "start_s": round(started - began, 2),
            "events_per_s_with_start": round(total / (elapsed + started - began))}


def drain_several(url: str, broker: Broker, n: int, events: int, total: int,
                  started_sessions: list[str]) -> dict[str, Any]:
    database = db.Database(url, pool_size=2)
    context = multiprocessing.get_context("fork")
    ready, go, stop = context.Semaphore(0), context.Event(), context.Event()
    taken = [context.Value("l", 0) for _ in range(n)]
    password = broker.passwords["central"]
    children = [context.Process(target=_ingest_child, args=(url, broker.port, password, "bench-many",
                                                              client_id, ready, go, stop, counter))
                for client_id, counter in zip(started_sessions[:n], taken, strict=True)]
    for child in children:
        child.start()
    for _ in children:  # each forked, its store process up, waiting for go; nothing is timed yet
        if not ready.acquire(timeout=60):
            raise TimeoutError("a consumer was not ready in a minute")
    started = time.perf_counter()
    go.set()
    while sum(counter.value for counter in taken) < total:
        time.sleep(0.01)
        if time.perf_counter() - started > 600:
            raise TimeoutError("the consumers did not drain the backlog in 10 minutes")
    elapsed = time.perf_counter() - started
    stop.set()
    for child in children:
        child.join(30)
    stored, stays = _counts(database)
    database.dispose()
    assert stored == events and stays == events // 2, (stored, stays)
    return {"measure": "ingest", "backend": "postgresql", "consumers": n, "events": events, "messages": total,
            "events_per_s": round(total / elapsed), "drain_s": round(elapsed, 2), "stays_closed": stays}


def make_sessions(broker: Broker, clients: list[tuple[Settings, str]], parse_groups: list[str]) -> None:
    """Connect every consumer once (persistent sessions, subscribed), then leave."""
    for settings, client_id in clients:
        link = Ingestor(db.Database("sqlite://"), settings.mqtt, settings.ingest, utc_now, client_id)
        link.start()
        link.mqtt.wait_connected(10)
        time.sleep(0.3)  # let the SUBACK arrive before going away
        link.stop()
    for group in parse_groups:
        parser = ParseOnly(broker, group, f"bench-{group}")
        parser.connect()
        time.sleep(0.3)
        parser.leave()


def run_backend(name: str, url: str, broker: Broker, n: int, dup_fraction: float, consumers: int,
                postgres: PostgresServer | None) -> list[dict[str, Any]]:
    database = _seed(url, n)
    ours = _settings(url, broker, f"bench-{name}", f"bench-{name}")
    many_url = postgres.new_database() if postgres is not None and consumers > 1 else None
    many_ids = [f"bench-many-{i}" for i in range(consumers)] if many_url else []
    clients = [(ours, f"bench-ingest-{name}")]
    clients += [(_settings(many_url or url, broker, "bench-many", cid), cid) for cid in many_ids]
    yardsticks = [f"parse-{name}-before", f"parse-{name}-after"]
    make_sessions(broker, clients, yardsticks)
    events = make_events(n, utc_now() - timedelta(hours=3))
    dups = random.Random(1).sample(events, int(len(events) * dup_fraction))
    # in gate-time order, as gates send them (each re-sent copy right after its first)
    resent = sorted(events + dups, key=lambda e: e.at)
    messages = [(events_topic(e.site_id, e.gate_id), encode_message(e)) for e in resent]
    publish_s = publish_all(broker, messages)
    # the yardstick drains its copy right before and right after ours: the machine's load moves
    results = [drain_parse_only(broker, yardsticks[0], len(messages))]
    results.append(drain_ours(database, ours, f"bench-ingest-{name}", name, len(events), len(messages)))
    results.append(drain_parse_only(broker, yardsticks[1], len(messages)))
    yardstick = (results[0]["events_per_s"] + results[2]["events_per_s"]) / 2
    results[1].update(publish_s=round(publish_s, 2), parse_only_events_per_s=round(yardstick),
                      ratio=round(results[1]["events_per_s"] / yardstick, 2))
    database.dispose()
    if many_url is not None:
        _seed(many_url, n).dispose()
        results.append(drain_several(many_url, broker, consumers, len(events), len(messages), many_ids))
        results[-1].update(parse_only_events_per_s=round(yardstick),
                           ratio=round(results[-1]["events_per_s"] / yardstick, 2))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="distinct events (default 20000)")
    parser.add_argument("--duplicates", type=float, default=0.05, help="fraction re-sent (default 0.05)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--consumers", type=int, default=3, help="consumers on PostgreSQL (default 3)")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    broker = Broker(Path(tempfile.mkdtemp(prefix="bench-mosquitto-")))
    broker.start()
    postgres = PostgresServer().start() if "postgresql" in backends else None
    try:
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-sqlite-')}/central.db"
            else:
                assert postgres is not None
                url = postgres.new_database()
            for result in run_backend(backend, url, broker, args.events, args.duplicates, args.consumers,
                                      postgres if backend == "postgresql" else None):
                print(json.dumps(result), flush=True)
    finally:
        broker.stop()
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()

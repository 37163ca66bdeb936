"""A city's gates for one compressed day: 753 gates through Mosquitto into the central ingest consumer.

    python -m benchmarks.city [--day-s 60] [--cars-per-gate 16] [--workers 3] [--postgres]

What is real: Mosquitto with a password and the ACL from ``shared.topics`` for
every gate account; 753 MQTT 5 connections, one per gate, each logged in as its
own gate (``gate.<site>.<gate>``) and publishing only on its own topic at QoS 1;
the central service's ingest consumer (``central.ingest.Ingestor``, shared
subscription, batches, acks after commit) in this process, writing events and
stays into SQLite (default, a temporary file) or PostgreSQL (``--postgres``, a
throwaway server from tests/support/postgres.py), schema from the migrations.

What is simulated: the gates themselves. No camera, reader, decision or outbox
runs; ``--workers`` processes hold the connections (one paho network thread
per gate) and publish ready-made ``GateEvent`` messages on a schedule. The day
(12:00 to 12:00, Shanghai) is compressed into ``--day-s`` seconds: residents'
cars enter between 17:00 and 23:00 and leave between 06:00 and 09:00, and one
unknown car in ten is turned away at a random hour. An event's ``at`` is the
simulated time of day at the gate; its lag is measured on the wall clock from
the moment its gate published it to the moment the consumer stored it
(``received_at``). 251 sites of 3 gates each make the 753.

Prints one JSON line: gates, events_sent, events_stored, lost, lag_p50_s,
lag_p99_s, plus the backend and how long the day took.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SITES, GATES_PER_SITE = 251, 3
DAY_START = datetime(2025, 10, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Wednesday


@dataclass(frozen=True)
class GateAccount:
    site: str
    gate: str
    password: str


def site_ids() -> list[str]:
    return [f"site-{n:03d}" for n in range(SITES)]


def schedule(account: GateAccount, cars: int, rng: random.Random) -> list[tuple[float, bytes, str]]:
    """(fraction of the day, payload, event id) for one gate's day, in time order."""
    from shared import Direction, GateEvent, Outcome, Reason, encode_message

    site_no = int(account.site.split("-")[1])
    gate_no = int(account.gate[1:])
    rows: list[tuple[float, bytes, str]] = []

    def add(fraction: float, plate: str, direction: Direction, outcome: Outcome, reason: Reason) -> None:
        at = DAY_START + timedelta(days=fraction)
        event = GateEvent(event_id=uuid.uuid4(), site_id=account.site, gate_id=account.gate,
                          direction=direction, plate_read=plate, plate=plate, confidence=0.97,
                          outcome=outcome, reason=reason, at=at,
                          deadline=DAY_START + timedelta(hours=19, minutes=30)
                          if direction is Direction.ENTRY and outcome is Outcome.OPEN else None)
        rows.append((fraction, encode_message(event), str(event.event_id)))

    letter = "ABCDEFGHJK"[site_no % 10]
    for car in range(cars):
        plate = f"沪{letter}{(site_no * 300 + gate_no * 100 + car) % 100_000:05d}"
        add(rng.uniform(5, 11) / 24, plate, Direction.ENTRY, Outcome.OPEN, Reason.CONTRACT_OK)
        add(rng.uniform(18, 21) / 24, plate, Direction.EXIT, Outcome.OPEN, Reason.EXIT)
    for unknown in range(max(1, cars // 10)):
        plate = f"苏E{(site_no * 10 + gate_no * 3 + unknown) % 100_000:05d}"
        add(rng.random(), plate, Direction.ENTRY, Outcome.DENY, Reason.NO_CONTRACT)
    return sorted(rows)


def run_gates(port: int, accounts: list[GateAccount], cars: int, day_s: float, seed: int,
              ready: Any, go: Any, start_at: Any, results: Any) -> None:
    """One worker process: a client per gate, then the day's events at their (compressed) times."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from shared.topics import events_topic

    rng = random.Random(seed)
    refused: list[str] = []
    clients: dict[tuple[str, str], mqtt.Client] = {}
    connected = threading.Semaphore(0)
    for account in accounts:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gate-{account.site}-{account.gate}",
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(f"gate.{account.site}.{account.gate}", account.password)
        client.on_connect = lambda c, u, f, rc, p: connected.release() if not rc.is_failure else None
        client.on_publish = lambda c, u, mid, rc, p: refused.append(str(rc)) if rc.value >= 0x10 else None
        client.connect_async("127.0.0.1", port, keepalive=60)
        client.loop_start()
        clients[(account.site, account.gate)] = client
    for _ in accounts:
        connected.acquire(timeout=60)
    plan = sorted((fraction, account, payload, eid) for account in accounts
                  for fraction, payload, eid in schedule(account, cars, rng))
    ready.put(len(plan))
    go.wait()
    t0 = start_at.value
    sent: list[tuple[str, float]] = []
    infos = []
    for fraction, account, payload, eid in plan:
        delay = t0 + fraction * day_s - time.time()
        if delay > 0:
            time.sleep(delay)
        infos.append(clients[(account.site, account.gate)].publish(
            events_topic(account.site, account.gate), payload, qos=1))
        sent.append((eid, time.time()))
    for info in infos:
        info.wait_for_publish(60)
    for client in clients.values():
        client.disconnect()
        client.loop_stop()
    results.put({"sent": sent, "refused": refused})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day-s", type=float, default=60.0, help="wall-clock seconds for the whole day")
    parser.add_argument("--cars-per-gate", type=int, default=16, help="residents' cars per gate per day")
    parser.add_argument("--workers", type=int, default=3, help="processes holding the gates' connections")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="city-") as tmp:
        print(json.dumps(run(Path(tmp), args)))  # noqa: T201  (the benchmark's one line of output)


def run(tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    from central import db
    from central.core.config import load_settings
    from central.db.migrate import upgrade_to_head
    from central.ingest.consumer import Ingestor
    from demo.brokers import MosquittoBroker
    from shared.topics import CENTRAL_USER, central_rules, gate_rules, gate_username

    broker = MosquittoBroker(tmp / "mosquitto")
    central_password = secrets.token_urlsafe(16)
    broker.add_user(CENTRAL_USER, central_password, central_rules())
    accounts = [GateAccount(site, f"g{n}", secrets.token_urlsafe(12)) for site in site_ids()
                for n in range(1, GATES_PER_SITE + 1)]
    for a in accounts:
        broker.add_user(gate_username(a.site, a.gate), a.password, gate_rules(a.site, a.gate))
    broker.start()
    postgres = None
    try:
        if args.postgres:
            from tests.support.postgres import PostgresServer

            postgres = PostgresServer().start()
            url = postgres.new_database()
        else:
            url = f"sqlite:///{tmp / 'central.db'}"
        upgrade_to_head(url)
        database = db.Database(url)
        _seed(database, accounts)
        settings = load_settings(None, database={"url": url}, mqtt={
            "port": broker.port, "password": central_password, "client_id": "city"},
            ingest={"event_max_age_days": 3650})  # the simulated day is a fixed date, maybe long past
        ingestor = Ingestor(database, settings.mqtt, settings.ingest, lambda: datetime.now(UTC),
                            "city-ingest")
        ingestor.start()
        if not ingestor.mqtt.wait_connected(20):
            raise RuntimeError(f"ingest could not connect: {ingestor.mqtt.last_refusal}")
        try:
            return _day(args, broker.port, accounts, database) | {
                "backend": "postgresql" if args.postgres else "sqlite"}
        finally:
            ingestor.stop()
            database.dispose()
    finally:
        broker.stop()
        if postgres is not None:
            postgres.stop()


def _seed(database: Any, accounts: list[GateAccount]) -> None:
    from central import db

    now = datetime.now(UTC)
    with database.transaction() as session:
        session.add(db.Institution(id="city", name="Shanghai institutions", created_at=now))
        session.flush()
        for n, site in enumerate(site_ids()):
            session.add(db.Site(id=site, institution_id="city", name=site, lat=31.0 + n / 1000,
                                lon=121.3 + n / 1000, shared_capacity=60, created_at=now))
        session.flush()
        for a in accounts:
            session.add(db.Gate(site_id=a.site, gate_id=a.gate, alarms=[]))


def _day(args: argparse.Namespace, port: int, accounts: list[GateAccount], database: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    go, start_at = ctx.Event(), ctx.Value("d", 0.0)
    slices = [accounts[i::args.workers] for i in range(args.workers)]
    workers = [ctx.Process(target=run_gates, args=(port, part, args.cars_per_gate, args.day_s,
                                                   args.seed + i, ready, go, start_at, results))
               for i, part in enumerate(slices)]
    for worker in workers:
        worker.start()
    planned = sum(ready.get(timeout=300) for _ in workers)
    start_at.value = time.time() + 1.0
    go.set()
    outcomes = [results.get(timeout=args.day_s + 300) for _ in workers]
    for worker in workers:
        worker.join(60)
    sent = dict(pair for outcome in outcomes for pair in outcome["sent"])
    stored = _wait_stored(database, set(sent))
    lags = sorted(stored[eid] - sent[eid] for eid in stored)
    return {"gates": len(accounts), "events_sent": len(sent), "events_stored": len(stored),
            "lost": len(sent) - len(stored), "lag_p50_s": round(statistics.median(lags), 3) if lags else None,
            "lag_p99_s": round(lags[int(len(lags) * 0.99)], 3) if lags else None,
            "planned": planned, "refused": sum(len(o["refused"]) for o in outcomes),
            "day_s": args.day_s, "wall_s": round(time.time() - start_at.value, 1)}


def _wait_stored(database: Any, sent: set[str], quiet_s: float = 30.0) -> dict[str, float]:
    """event id -> stored at (epoch seconds), once all are in or nothing new came for ``quiet_s``."""
    from sqlalchemy import select

    from central import db

    stored: dict[str, float] = {}
    last_change = time.monotonic()
    while len(stored) < len(sent) and time.monotonic() - last_change < quiet_s:
        with database.transaction() as session:
            rows = session.execute(select(db.GateEventRecord.event_id, db.GateEventRecord.received_at)).all()
        found = {str(eid): _epoch(at) for eid, at in rows if str(eid) in sent}
        if len(found) > len(stored):
            last_change = time.monotonic()
        stored = found
        time.sleep(0.5)
    return stored


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


if __name__ == "__main__":
    main()

"""Events per second written to the outbox and drained through a real Mosquitto, and events per MB.

Starts a throwaway broker (tests/support/mosquitto.py). Writing is the gate's
path for one vehicle: the event recorded, then settled (two transactions,
WAL, synchronous=FULL). Draining is the relay publishing at QoS 1 and marking
rows delivered on PUBACK.

    python -m benchmarks.outbox [--events 5000]

Last line: {"written_per_s": ..., "drained_per_s": ..., "events_per_mb": ...}
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.agent import Agent
from edge.config import load_settings
from edge.reader import make_reader
from shared import Direction, GateEvent, Outcome, Reason
from shared.topics import ALL_EVENTS, CENTRAL_USER
from tests.support.mosquitto import Broker

NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)


def _event(i: int) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="bench", gate_id="g1", direction=Direction.ENTRY,
                     plate=f"沪A{i % 100000:05d}", plate_read=f"沪A{i % 100000:05d}", confidence=0.987,
                     outcome=Outcome.OPEN, reason=Reason.CONTRACT_OK, contract_id=f"c-{i % 5000}",
                     at=NOW + timedelta(seconds=i), deadline=NOW + timedelta(hours=12),
                     snapshot_sha256="ab" * 32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(Path(tmp) / "mosquitto")
        broker.start()
        try:
            _, password = broker.add_gate("bench", "g1")
            sink = _subscriber(broker)  # a PUBACK counts only when someone subscribes (0x10 otherwise)
            settings = load_settings(None, environment="development", site_id="bench", gate_id="g1",
                                     data_dir=str(Path(tmp) / "gate"), guard={"enabled": False},
                                     lanes=[{"name": "entry", "direction": "entry", "camera": "0"}],
                                     broker={"url": broker.url, "password": password, "max_inflight": 100})
            # the reader is built here, not in agent.start(), so loading its model is not timed as draining
            agent = Agent(settings, reader=make_reader(), vehicles={"entry": []})
            events = [_event(i) for i in range(args.events)]
            start = time.perf_counter()
            for event in events:
                agent.store.record(event, "entry")
                agent.store.settle(event)
            written = args.events / (time.perf_counter() - start)
            size = _checkpointed_size(settings.data_dir / "gate.db")
            start = time.perf_counter()
            agent.start()
            while agent.store.outbox_depth():
                time.sleep(0.01)
            drained = args.events / (time.perf_counter() - start)
            agent.stop()
            sink.disconnect()
            sink.loop_stop()
        finally:
            broker.stop()
    per_event = size / args.events
    print(f"{args.events} events; {per_event:.0f} bytes each in the database (indexes included)")
    print(json.dumps({"written_per_s": round(written), "drained_per_s": round(drained),
                      "events_per_mb": int(1_000_000 / per_event)}))


def _subscriber(broker: Broker) -> mqtt.Client:
    """The central account subscribed to every gate's events, as the ingest consumer would be."""
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-central", protocol=mqtt.MQTTv5)
    client.username_pw_set(CENTRAL_USER, broker.passwords[CENTRAL_USER])
    client.on_connect = lambda c, *_: c.subscribe(ALL_EVENTS, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    if not subscribed.wait(10):
        raise RuntimeError("the benchmark's subscriber could not subscribe")
    return client


def _checkpointed_size(db: Path) -> int:
    """The database file once the WAL is folded in (the WAL itself is bounded by auto-checkpoints)."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


if __name__ == "__main__":
    main()

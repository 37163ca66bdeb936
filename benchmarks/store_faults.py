"""What the gate store's fault handling costs at a given size: the start-up check for corruption,
the copy into memory when the disk fails, the copy written back when it takes writes again.

The store holds every event for ever (plates hashed): a busy gate writes about 500 events a day,
so 100,000 events is about half a year. The lanes wait for the write-back (it holds the store's
lock), once, when the disk comes back.

    python -m benchmarks.store_faults [--events 100000]

Last line: {"events": ..., "file_mb": ..., "open_ms": ..., "open_checked_ms": ..., "to_memory_ms": ...,
"write_back_ms": ...}
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from edge import dbfile
from edge.store import SCHEMA, Store
from shared import Direction, GateEvent, Outcome, Reason, encode_message

NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)


def _fill(path: Path, count: int) -> None:
    """``count`` delivered events, written in one transaction (the gate's path is not measured here)."""
    Store(path).close()
    db = sqlite3.connect(path)
    with db:
        for i in range(count):
            event = GateEvent(event_id=uuid4(), site_id="bench", gate_id="g1", direction=Direction.ENTRY,
                              plate=f"沪A{i % 100000:05d}", plate_read=f"沪A{i % 100000:05d}",
                              confidence=0.987, outcome=Outcome.OPEN, reason=Reason.CONTRACT_OK,
                              contract_id=f"c-{i % 5000}", at=NOW + timedelta(seconds=i),
                              snapshot_sha256="ab" * 32)
            db.execute("INSERT INTO events (event_id, lane, at, payload, ready, delivered_at) "
                       "VALUES (?, 'entry', ?, ?, 1, ?)", (str(event.event_id), event.at.isoformat(),
                                                          encode_message(event).decode(), NOW.isoformat()))
    db.close()


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gate.db"
        _fill(path, args.events)
        start = time.perf_counter()
        Store(path, check=False).close()
        opened = _ms(start)
        start = time.perf_counter()
        Store(path, check=True).close()
        checked = _ms(start)
        disk = dbfile.open_disk(path, SCHEMA, check=False)
        start = time.perf_counter()
        memory = dbfile.copy_to_memory(disk, SCHEMA)
        to_memory = _ms(start)
        start = time.perf_counter()
        dbfile.write_back(memory, Path(tmp) / "back.db", SCHEMA).close()
        back = _ms(start)
        result = {"events": args.events, "file_mb": round(path.stat().st_size / 1e6, 1), "open_ms": opened,
                  "open_checked_ms": checked, "to_memory_ms": to_memory, "write_back_ms": back}
    print(f"store of {result['events']} events, {result['file_mb']} MB: open {opened} ms, "
          f"with quick_check {checked} ms; disk fails: copy to memory {to_memory} ms; "
          f"disk back: write-back {back} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

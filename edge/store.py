"""The gate's local state in one SQLite file: bundle, vehicles inside, event outbox, audit, snapshots,
and the guard page's sessions and failed logins (their methods are in edge/logins.py).

Durability: WAL journal with ``synchronous=FULL``. In WAL mode NORMAL keeps the
database consistent after a power cut but may lose the last transactions; FULL
syncs the WAL on every commit, so an event whose barrier command was sent is on
disk first. Our priority after "nobody enters who should not" is "no event
lost", and one fsync per vehicle is cheap (see benchmarks/outbox.py).

An event is written in one transaction, with its decision, before the barrier
command (``ready = 0``). ``settle`` then records what the barrier did and
applies the passage to the vehicles inside. Only settled rows are relayed.
After a crash between the two, ``release_pending`` settles the rows as recorded.

Schema changes are upgrades in place, numbered in ``PRAGMA user_version``: a gate keeps its
events, audit and vehicles inside across a new release (``_MIGRATIONS``).

Storage faults (docs/edge.md, "Storage faults"): when the disk refuses a write (read-only, full,
I/O error) the store copies the database into memory and makes the write there, so the gate goes on
deciding, recording and sending; ``fault`` says why until ``try_disk`` has written the copy back.
A corrupt file found at start is moved aside and its readable rows carried over (``recovery``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.database import Database, retried
from edge.decision import Inside
from edge.errors import StoreError
from edge.logins import LOGIN_SCHEMA, LoginTables
from edge.sqltime import from_ts, ts
from shared import Clock, ContractBundle, GateEvent, Reason, SiteAlert, encode_message, utc_now

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS bundle (
    id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL, expires_at TEXT NOT NULL,
    payload BLOB NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inside (
    plate TEXT PRIMARY KEY, entered_at TEXT NOT NULL, contract_id TEXT, deadline TEXT,
    event_id TEXT NOT NULL, own_vehicle INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL,
    at TEXT NOT NULL, payload TEXT NOT NULL, ready INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT, retry_after TEXT, last_error TEXT,
    plate_hashed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS events_outbox ON events (seq) WHERE delivered_at IS NULL;
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, guard TEXT NOT NULL,
    action TEXT NOT NULL, event_id TEXT, before TEXT NOT NULL, after TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_event ON audit (event_id);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS snapshots (
    sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    alert_id TEXT PRIMARY KEY, at TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, topic TEXT NOT NULL,
    payload BLOB NOT NULL, error TEXT NOT NULL);
"""


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


# Upgrades of a database made by an older release: (the schema version it leads to, whether this
# file still needs it, the statement). Version 1 is the first release (user_version 0); SCHEMA
# above is always the newest, so a new file needs none of them.
_UPGRADES: tuple[tuple[int, Callable[[sqlite3.Connection], bool], str], ...] = (
    (2, lambda db: "own_vehicle" not in _columns(db, "inside"),
     "ALTER TABLE inside ADD COLUMN own_vehicle INTEGER NOT NULL DEFAULT 0"),
)
SCHEMA_VERSION = max(version for version, _, _ in _UPGRADES)


@dataclass(frozen=True, slots=True)
class HeldBundle:
    sequence: int
    expires_at: datetime
    payload: bytes


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as stored, for the guard page (plates may be hashed by now)."""

    seq: int
    lane: str
    data: dict[str, Any]
    ready: bool
    delivered: bool

    @property
    def event_id(self) -> str:
        return str(self.data["event_id"])


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    guard: str
    action: str
    event_id: str | None
    before: dict[str, Any]
    after: dict[str, Any]


class Store(Database, LoginTables):
    """Thread-safe: one connection, one lock; every public method is one transaction.

    ``version`` grows with every committed write, so the guard page can tell it has news
    without asking the database. Writes marked ``@retried`` are made again in memory when the disk
    fails under them (``edge.database``).
    """

    def __init__(self, path: Path, clock: Clock = utc_now, *, check: bool = False,
                 recover: bool = False) -> None:
        """The agent opens its store with ``check`` (``PRAGMA quick_check`` at start) and ``recover`` (a
        corrupt file is moved aside); a tool reading the file leaves it where it is."""
        super().__init__(path, SCHEMA + LOGIN_SCHEMA, clock, check, recover)
        try:
            self._upgrade()
        except BaseException:
            self.close()
            raise

    @retried
    def _upgrade(self) -> None:
        """Bring a database made by an older release up to this one's schema, in place."""
        with self._tx(news=False) as db:
            stored = int(db.execute("PRAGMA user_version").fetchone()[0])
            if stored > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: schema {stored} is newer than this release's "
                                 f"({SCHEMA_VERSION})")
            for version, needed, statement in _UPGRADES:
                if needed(db):
                    db.execute(statement)
                    logger.info("gate database %s upgraded to schema %s", self.path, version)
            if stored != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- bundle ----------------------------------------------------------------------------------

    def held_bundle(self) -> HeldBundle | None:
        rows = self._all("SELECT sequence, expires_at, payload FROM bundle WHERE id = 1")
        if not rows:
            return None
        sequence, expires_at, payload = rows[0]
        return HeldBundle(sequence, from_ts(expires_at) or datetime.min.replace(tzinfo=UTC), payload)

    @retried
    def replace_bundle(self, payload: bytes, bundle: ContractBundle, now: datetime) -> None:
        """Only ever called with a verified bundle."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO bundle VALUES (1, ?, ?, ?, ?)",
                       (bundle.sequence, ts(bundle.expires_at), payload, ts(now)))

    # -- vehicles inside -------------------------------------------------------------------------

    def inside(self) -> dict[str, Inside]:
        rows = self._all("SELECT plate, entered_at, contract_id, deadline, own_vehicle FROM inside")
        return {plate: Inside(plate, from_ts(entered) or datetime.now(UTC), contract, from_ts(deadline),
                              bool(own))
                for plate, entered, contract, deadline, own in rows}

    # -- events and outbox -----------------------------------------------------------------------

    @retried
    def record(self, event: GateEvent, lane: str, audit: AuditEntry | None = None) -> None:
        """The event and its decision, in one transaction, before any barrier command."""
        with self._tx() as db:
            try:
                db.execute("INSERT INTO events (event_id, lane, at, payload) VALUES (?, ?, ?, ?)",
                           (str(event.event_id), lane, ts(event.at), encode_message(event).decode()))
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"event {event.event_id} already recorded") from exc
            if audit is not None:
                _insert_audit(db, audit)

    @retried
    def settle(self, event: GateEvent, own_vehicle: bool = False) -> None:
        """What the barrier did (the event as finally decided) and the passage it makes.

        ``own_vehicle``: an entry of the institution's own vehicle (the gate knows it from the
        bundle, also when a guard let it in); an event with reason own_vehicle always is one.
        """
        with self._tx() as db:
            db.execute("UPDATE events SET payload = ?, ready = 1 WHERE event_id = ?",
                       (encode_message(event).decode(), str(event.event_id)))
            _apply_passage(db, event, own_vehicle or event.reason is Reason.OWN_VEHICLE)

    def release_pending(self) -> int:
        """After a crash: settle rows whose barrier outcome was never recorded, as decided."""
        rows = self._all("SELECT payload FROM events WHERE ready = 0 ORDER BY seq")
        for (payload,) in rows:
            self.settle(GateEvent.model_validate_json(payload))
        return len(rows)

    def event(self, event_id: str) -> EventRow | None:
        rows = self._all(f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = ?", (event_id,))
        return _event_row(rows[0]) if rows else None

    def recent_events(self, limit: int) -> list[EventRow]:
        rows = self._all(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq DESC LIMIT ?", (limit,))
        return [_event_row(row) for row in rows]

    def undelivered(self, limit: int, skip: set[str], now: datetime) -> list[tuple[str, bytes]]:
        """Settled rows awaiting delivery, oldest first, not in flight and not waiting after a refusal."""
        rows = self._all(
            "SELECT event_id, payload FROM events WHERE delivered_at IS NULL AND ready = 1 "
            "AND (retry_after IS NULL OR retry_after <= ?) ORDER BY seq LIMIT ?",
            (ts(now), limit + len(skip)))
        return [(eid, payload.encode()) for eid, payload in rows if eid not in skip][:limit]

    @retried
    def mark_delivered(self, event_ids: list[str], now: datetime) -> None:
        with self._tx() as db:
            db.executemany("UPDATE events SET delivered_at = ?, last_error = NULL WHERE event_id = ?",
                           [(ts(now), eid) for eid in event_ids])

    @retried
    def mark_refused(self, event_id: str, error: str, retry_after: datetime) -> None:
        with self._tx() as db:
            db.execute("UPDATE events SET last_error = ?, retry_after = ? WHERE event_id = ?",
                       (error, ts(retry_after), event_id))

    def outbox_depth(self) -> int:
        return int(self._all("SELECT count(*) FROM events WHERE delivered_at IS NULL")[0][0])

    # -- audit, alerts, dead letters, snapshots ---------------------------------------------------

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._all(f"SELECT {_AUDIT_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [_audit_entry(row) for row in rows]

    def decisions(self, event_ids: list[str]) -> dict[str, AuditEntry]:
        """The latest guard decision on each of these reads, by read (a handled read has one)."""
        marks = ",".join("?" * len(event_ids))
        rows = self._all(f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE id IN (SELECT max(id) FROM audit "
                         f"WHERE event_id IN ({marks}) GROUP BY event_id)", tuple(event_ids))
        return {str(entry.event_id): entry for entry in map(_audit_entry, rows)}

    def open_reviews(self, since: datetime, limit: int) -> list[EventRow]:
        """Settled reads since ``since`` that went to the guard and no guard has decided, newest first."""
        rows = self._all(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE at >= ? AND ready = 1 "
                         "AND json_extract(payload, '$.outcome') = 'review' "
                         "AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.event_id = e.event_id) "
                         "ORDER BY seq DESC LIMIT ?", (ts(since), limit))
        return [_event_row(row) for row in rows]

    @retried
    def add_alert(self, alert: SiteAlert) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO alerts VALUES (?, ?, ?)",
                       (str(alert.alert_id), ts(alert.at), encode_message(alert).decode()))

    def alerts(self, since: datetime) -> list[SiteAlert]:
        rows = self._all("SELECT payload FROM alerts WHERE at >= ? ORDER BY at DESC", (ts(since),))
        return [SiteAlert.model_validate_json(payload) for (payload,) in rows]

    @retried
    def dead_letter(self, topic: str, payload: bytes, error: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO dead_letters (at, topic, payload, error) VALUES (?, ?, ?, ?)",
                       (ts(now), topic, payload, error[:500]))

    @retried
    def add_snapshot(self, sha256: str, path: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO snapshots VALUES (?, ?, ?)", (sha256, path, ts(now)))

    def snapshot_path(self, sha256: str) -> str | None:
        rows = self._all("SELECT path FROM snapshots WHERE sha256 = ?", (sha256,))
        return str(rows[0][0]) if rows else None

    @retried
    def forget_snapshots(self, before: datetime) -> list[str]:
        """Drop index rows older than ``before``; return their paths for deletion."""
        with self._tx() as db:
            paths = [p for (p,) in db.execute("SELECT path FROM snapshots WHERE at < ?", (ts(before),))]
            db.execute("DELETE FROM snapshots WHERE at < ?", (ts(before),))
        return paths

    @retried
    def hash_unknown_plates(self, before: datetime, salt: str) -> int:
        """Replace plates of delivered events without a contract by a salted hash.

        Rows still in the outbox keep their plate until delivered (the central
        service needs it); the next sweep hashes them. Vehicles still inside keep it.
        """
        with self._tx() as db:
            inside = {p for (p,) in db.execute("SELECT plate FROM inside")}
            # Contracted rows are left out in SQL: they keep their plate for ever, and parsing each of
            # them on every sweep, under the lock the gate records with, grew with the event table.
            rows = db.execute("SELECT event_id, payload FROM events WHERE plate_hashed = 0 AND at < ? "
                              "AND delivered_at IS NOT NULL "
                              "AND json_extract(payload, '$.contract_id') IS NULL", (ts(before),)).fetchall()
            count = 0
            for event_id, payload in rows:
                data = json.loads(payload)
                if data.get("plate") in inside:
                    continue
                for key in ("plate", "plate_read"):
                    if data.get(key):
                        data[key] = plate_hash(data[key], salt)
                db.execute("UPDATE events SET payload = ?, plate_hashed = 1 WHERE event_id = ?",
                           (json.dumps(data, ensure_ascii=False), event_id))
                count += 1
        return count


def plate_hash(plate: str, salt: str) -> str:
    return "h:" + hashlib.sha256(f"{salt}:{plate}".encode()).hexdigest()[:16]


_EVENT_COLUMNS = "seq, lane, payload, ready, delivered_at"


def _event_row(row: tuple[Any, ...]) -> EventRow:
    seq, lane, payload, ready, delivered_at = row
    return EventRow(seq, lane, json.loads(payload), bool(ready), delivered_at is not None)


_AUDIT_COLUMNS = "at, guard, action, event_id, before, after"


def _audit_entry(row: tuple[Any, ...]) -> AuditEntry:
    at, guard, action, event_id, before, after = row
    return AuditEntry(from_ts(at) or datetime.now(UTC), guard, action, event_id, json.loads(before),
                      json.loads(after))


def _insert_audit(db: sqlite3.Connection, entry: AuditEntry) -> None:
    db.execute("INSERT INTO audit (at, guard, action, event_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
               (ts(entry.at), entry.guard, entry.action, entry.event_id,
                json.dumps(entry.before, ensure_ascii=False, default=str),
                json.dumps(entry.after, ensure_ascii=False, default=str)))


def _apply_passage(db: sqlite3.Connection, event: GateEvent, own_vehicle: bool) -> None:
    """An opened entry puts the vehicle inside; an opened exit takes it out."""
    if not event.opened or not event.plate:
        return
    if event.direction == "entry":
        db.execute("INSERT OR REPLACE INTO inside (plate, entered_at, contract_id, deadline, event_id, "
                   "own_vehicle) VALUES (?, ?, ?, ?, ?, ?)",
                   (event.plate, ts(event.at), event.contract_id,
                    ts(event.deadline) if event.deadline else None, str(event.event_id),
                    int(own_vehicle and event.contract_id is None)))
    else:
        db.execute("DELETE FROM inside WHERE plate = ?", (event.plate,))

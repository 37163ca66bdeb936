"""One batch of broker messages into the database, in one transaction.

Events are inserted with ``INSERT ... ON CONFLICT (event_id) DO NOTHING``, so a
message delivered twice is stored once; stays are updated for the events that
were new. Anything that does not validate goes to the dead-letter table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from central import db
from central.ingest.gates import GateStatusUpdate, apply_status
from central.ingest.stays import pair_stays
from shared import GateEvent, GateStatus, MessageError, parse_gate_topic, parse_message

logger = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Received:
    """A message as it came off the broker."""

    topic: str
    payload: bytes
    retained: bool = False


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    statuses: int = 0
    errors: list[str] = field(default_factory=list)


def ingest_batch(session: Session, messages: Sequence[Received], now: datetime,
                 clock_skew_limit_s: float) -> BatchResult:
    result = BatchResult()
    events: dict[Any, GateEvent] = {}
    for message in messages:
        try:
            parsed = _parse(message)
        except MessageError as exc:
            _dead_letter(session, message, str(exc), now, result)
            continue
        if isinstance(parsed, GateEvent):
            if parsed.event_id in events:
                result.duplicates += 1
            events[parsed.event_id] = parsed
        elif not apply_status(session, GateStatusUpdate(parsed, message.retained), now, clock_skew_limit_s):
            _dead_letter(session, message, f"site_id: unknown site (got {parsed.site_id!r})", now, result)
        else:
            result.statuses += 1
    new = insert_events(session, list(events.values()), now)
    result.stored = len(new)
    result.duplicates += len(events) - len(new)
    pair_stays(session, new)
    return result


def _parse(message: Received) -> GateEvent | GateStatus:
    where = parse_gate_topic(message.topic)
    model: type[GateEvent] | type[GateStatus] = GateEvent if where.kind == "events" else GateStatus
    parsed = parse_message(model, message.payload)
    if parsed.site_id != where.site:
        raise MessageError("site_id", parsed.site_id, f"differs from the topic's site {where.site!r}")
    if parsed.gate_id != where.gate:
        raise MessageError("gate_id", parsed.gate_id, f"differs from the topic's gate {where.gate!r}")
    return parsed


def _dead_letter(session: Session, message: Received, error: str, now: datetime, result: BatchResult) -> None:
    session.add(db.DeadLetter(topic=message.topic[:300], payload=message.payload, error=error,
                              received_at=now))
    result.dead_letters += 1
    result.errors.append(error)
    logger.warning("dead-lettered a message on %s: %s", message.topic[:300], error)


def insert_events(session: Session, events: list[GateEvent], now: datetime) -> list[GateEvent]:
    """Insert, skipping event ids already stored; returns the events that were new."""
    if not events:
        return []
    by_id = {e.event_id: e for e in events}
    if session.get_bind().dialect.name == "postgresql":
        new_ids = _insert_postgresql(session, events, now)
    else:
        table = db.GateEventRecord.__table__
        # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues")
        statement = (sqlite.insert(db.GateEventRecord).on_conflict_do_nothing(index_elements=["event_id"])
                     .returning(table.c.event_id))
        new_ids = set(session.connection().execute(statement, [_row(e, now) for e in events]).scalars())
    return [by_id[event_id] for event_id in by_id if event_id in new_ids]


# One statement per batch, whatever its size: columns travel as arrays and unnest() makes rows.
# (A multi-row VALUES list costs more to build and parse than to run.)
_PG_COLUMNS = (("event_id", "uuid"), ("site_id", "text"), ("gate_id", "text"), ("direction", "text"),
               ("plate_read", "text"), ("plate", "text"), ("confidence", "float8"), ("outcome", "text"),
               ("reason", "text"), ("contract_id", "text"), ("at", "timestamptz"),
               ("deadline", "timestamptz"), ("snapshot_sha256", "text"), ("override", "json"),
               ("original_event_id", "uuid"))
_PG_INSERT = (
    f"INSERT INTO gate_events ({', '.join(c for c, _ in _PG_COLUMNS)}, received_at) "
    f"SELECT *, %s FROM unnest({', '.join(f'%s::{t}[]' for _, t in _PG_COLUMNS)}) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")


def _insert_postgresql(session: Session, events: list[GateEvent], now: datetime) -> set[Any]:
    rows = [_row(e, now) for e in events]
    arrays = [[json.dumps(r[c]) if c == "override" and r[c] is not None else r[c] for r in rows]
              for c, _ in _PG_COLUMNS]
    result = session.connection().exec_driver_sql(_PG_INSERT, (now, *arrays))
    return {row[0] for row in result}


def _row(event: GateEvent, now: datetime) -> dict[str, Any]:
    override = event.override
    return {
        "event_id": event.event_id, "site_id": event.site_id, "gate_id": event.gate_id,
        "direction": event.direction.value, "plate_read": event.plate_read, "plate": event.plate,
        "confidence": event.confidence, "outcome": event.outcome.value, "reason": event.reason.value,
        "contract_id": event.contract_id, "at": event.at, "deadline": event.deadline,
        "snapshot_sha256": event.snapshot_sha256,
        "override": override.model_dump(mode="json") if override else None,
        "original_event_id": override.original_event_id if override else None,
        "received_at": now,
    }

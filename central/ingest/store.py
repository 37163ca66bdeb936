"""One batch of broker messages into the database, in one transaction.

Events are inserted with ``INSERT ... ON CONFLICT DO NOTHING``, so a
message delivered twice is stored once; stays are updated for the events that
were new. Anything that does not validate goes to the dead-letter table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from central import db
from central.db.bulk import insert_rows
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
    new_ids = set(insert_rows(session.connection(), db.GateEventRecord, _COLUMNS,
                              [_row(e, now) for e in events], skip_duplicates=True, returning="event_id"))
    return [event for event in {e.event_id: e for e in events}.values() if event.event_id in new_ids]


_COLUMNS = ("event_id", "site_id", "gate_id", "direction", "plate_read", "plate", "confidence", "outcome",
            "reason", "contract_id", "at", "deadline", "snapshot_sha256", "override", "original_event_id",
            "received_at")


def _row(event: GateEvent, now: datetime) -> tuple[Any, ...]:
    """The event's values in ``_COLUMNS`` order."""
    override = event.override
    return (event.event_id, event.site_id, event.gate_id, event.direction.value, event.plate_read,
            event.plate, event.confidence, event.outcome.value, event.reason.value, event.contract_id,
            event.at, event.deadline, event.snapshot_sha256,
            override.model_dump(mode="json") if override else None,
            override.original_event_id if override else None, now)

"""One batch of broker messages into the database, in one transaction.

Each message is taken apart first (``_take``): an event, a gate status, an empty status to
ignore (a removed gate's cleared retained status), or a refusal with its cause. Events are
inserted with ``INSERT ... ON CONFLICT DO NOTHING``, so a message delivered twice is stored
once; a repeat whose content differs from what is stored under its event_id is not a repeat
but a conflict: dead-lettered, with an alarm. Stays are updated for the events that were new,
under a lock per (site, plate) (``stay_rows.lock_plates``), so several consumers store what one
would. Anything refused goes to the dead-letter table (``letters``), never to the floor.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.core.config import IngestSettings
from central.db import DeadLetterCause
from central.db.bulk import insert_rows, sqlite_one_of
from central.ingest.gates import EVENT_CONFLICT, GateStatusUpdate, apply_status, raise_alarm
from central.ingest.letters import dead_letter
from central.ingest.stay_rows import lock_plates
from central.ingest.stays import StayChanges, pair_stays
from shared import (
    MAX_PAYLOAD_BYTES,
    GateEvent,
    GateStatus,
    MessageError,
    parse_gate_topic,
    parse_message,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Received:
    """A message as it came off the broker."""

    topic: str
    payload: bytes
    retained: bool = False


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """What ingest refuses besides a bad message: a gate time outside the horizon; how much of a
    refused payload is kept."""

    max_age: timedelta
    max_ahead: timedelta
    dead_letter_bytes: int

    @classmethod
    def from_settings(cls, settings: IngestSettings) -> IngestLimits:
        return cls(timedelta(days=settings.event_max_age_days),
                   timedelta(hours=settings.event_max_ahead_hours), settings.dead_letter_payload_bytes)


DEFAULT_LIMITS = IngestLimits.from_settings(IngestSettings())


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    statuses: int = 0
    ignored: int = 0
    errors: list[str] = field(default_factory=list)
    causes: Counter[DeadLetterCause] = field(default_factory=Counter)
    new_events: list[GateEvent] = field(default_factory=list)
    stays: StayChanges = field(default_factory=StayChanges)


@dataclass(frozen=True, slots=True)
class _Event:
    message: Received
    event: GateEvent
    sha256: str  # of the payload as received: a repeat with another payload is compared field by field


@dataclass(frozen=True, slots=True)
class _Refusal:
    """A message we refuse (no error of ours): why, for its dead letter."""

    cause: DeadLetterCause
    error: str


IGNORED = None  # what _take gives for an empty status: a removed gate's retained status being cleared


def ingest_batch(session: Session, messages: Sequence[Received], now: datetime, clock_skew_limit_s: float,
                 limits: IngestLimits = DEFAULT_LIMITS) -> BatchResult:
    result = BatchResult()
    events: dict[uuid.UUID, _Event] = {}
    statuses: list[tuple[Received, GateStatus]] = []
    horizon = _Horizon(now, now - limits.max_age, now + limits.max_ahead)
    for message in messages:
        taken = _take(message, horizon, limits)
        if isinstance(taken, _Refusal):
            _refuse(session, message, taken, now, limits, result)
        elif isinstance(taken, GateStatus):
            statuses.append((message, taken))
        elif isinstance(taken, _Event):
            _keep_first(session, events, taken, now, limits, result)
        else:
            result.ignored += 1
    lock_plates(session, [(item.event.site_id, item.event.plate) for item in events.values()
                          if item.event.opened and item.event.plate])
    for message, status in sorted(statuses, key=lambda pair: (pair[1].site_id, pair[1].gate_id)):
        _status(session, message, status, now, clock_skew_limit_s, limits, result)
    new = insert_events(session, [events[key].event for key in sorted(events, key=_UUID_ORDER)], now,
                        {key: item.sha256 for key, item in events.items()})
    new_ids = {event.event_id for event in new}
    _repeats(session, [item for key, item in events.items() if key not in new_ids], now, limits, result)
    result.stored, result.new_events = len(new), new
    result.stays = pair_stays(session, new)
    return result


@dataclass(frozen=True, slots=True)
class _Horizon:
    """The gate times ingest takes, from ``IngestLimits`` and our clock (``now``), once a batch."""

    now: datetime
    earliest: datetime
    latest: datetime


_UUID_ORDER = attrgetter("int")  # the order events are written in: the same in every consumer


def _take(message: Received, horizon: _Horizon,
          limits: IngestLimits) -> _Event | GateStatus | _Refusal | None:
    """What the message is: an event, a status, a refusal, or ``IGNORED``."""
    if len(message.payload) > MAX_PAYLOAD_BYTES:
        return _Refusal(DeadLetterCause.TOO_LARGE, f"payload: {len(message.payload)} bytes, more than "
                                                   f"{MAX_PAYLOAD_BYTES}")
    try:
        where = _gate_topic(message.topic)
        if where.kind == "status" and not message.payload:
            return IGNORED
        model: type[GateEvent] | type[GateStatus] = GateEvent if where.kind == "events" else GateStatus
        parsed = parse_message(model, message.payload)
    except MessageError as exc:
        return _Refusal(DeadLetterCause.INVALID, str(exc))
    for name, got, expected in (("site_id", parsed.site_id, where.site),
                                ("gate_id", parsed.gate_id, where.gate)):
        if got != expected:
            return _Refusal(DeadLetterCause.TOPIC_MISMATCH,
                            f"{name}: differs from the topic's {expected!r} (got {got!r})")
    if isinstance(parsed, GateStatus):
        return parsed
    if not horizon.earliest <= parsed.at <= horizon.latest:
        return _beyond_horizon(parsed, horizon, limits)
    return _Event(message, parsed, hashlib.sha256(message.payload).hexdigest())


# a site's few gates send on the same topics all day; a topic it refuses raises and is not kept
_gate_topic = functools.lru_cache(maxsize=10_000)(parse_gate_topic)


def _beyond_horizon(event: GateEvent, horizon: _Horizon, limits: IngestLimits) -> _Refusal:
    """A gate time far from ours (a clock reset to 1970, a year typed as 2036) would open a stay
    that never closes: refused, whichever side it lies."""
    if event.at < horizon.earliest:
        why = f"more than {limits.max_age.days} days before ours"
    else:
        why = f"more than {limits.max_ahead.total_seconds() / 3600:.0f} hours after ours"
    return _Refusal(DeadLetterCause.OUT_OF_HORIZON,
                    f"at: gate time {event.at.isoformat()} is {why} ({horizon.now.isoformat()})")


def _keep_first(session: Session, events: dict[uuid.UUID, _Event], item: _Event, now: datetime,
                limits: IngestLimits, result: BatchResult) -> None:
    """The first copy of an event in the batch is kept; a later one is a repeat or a conflict."""
    first = events.setdefault(item.event.event_id, item)
    if first is item:
        return
    if first.sha256 == item.sha256 or _content(first.event) == _content(item.event):
        result.duplicates += 1
    else:
        _conflict(session, item, first.sha256, now, limits, result)


def _repeats(session: Session, repeated: list[_Event], now: datetime, limits: IngestLimits,
             result: BatchResult) -> None:
    """Events whose id was stored already: repeats, unless what is stored differs. The same payload
    is a repeat at once; another payload (the same event written another way, or a forgery) is
    compared with the stored columns."""
    if not repeated:
        return
    record = db.GateEventRecord
    columns = [getattr(record, name) for name in (*_CONTENT, "content_sha256")]
    stored = {row.event_id: row for row in session.execute(select(*columns).where(
        record.event_id.in_([item.event.event_id for item in repeated])))}
    for item in repeated:
        row = stored.get(item.event.event_id)
        if row is None or row.content_sha256 == item.sha256 or tuple(row[:-1]) == _content(item.event):
            result.duplicates += 1
        else:
            _conflict(session, item, row.content_sha256 or "(not kept)", now, limits, result)


def _conflict(session: Session, item: _Event, known: str, now: datetime, limits: IngestLimits,
              result: BatchResult) -> None:
    event = item.event
    error = (f"event_id: {event.event_id} is known with other content (sha256 {known[:12]}..., "
             f"this one {item.sha256[:12]}...)")
    _refuse(session, item.message, _Refusal(DeadLetterCause.CONFLICT, error), now, limits, result)
    raise_alarm(session, event.site_id, event.gate_id, EVENT_CONFLICT, now,
                f"event {event.event_id} sent again with other content (dead letter kept)")


def _status(session: Session, message: Received, status: GateStatus, now: datetime, clock_skew_limit_s: float,
            limits: IngestLimits, result: BatchResult) -> None:
    if apply_status(session, GateStatusUpdate(status, message.retained), now, clock_skew_limit_s):
        result.statuses += 1
    else:
        refusal = _Refusal(DeadLetterCause.UNKNOWN_SITE, f"site_id: unknown site (got {status.site_id!r})")
        _refuse(session, message, refusal, now, limits, result)


def _refuse(session: Session, message: Received, refusal: _Refusal, now: datetime, limits: IngestLimits,
            result: BatchResult) -> None:
    dead_letter(session, message.topic, message.payload, refusal.cause, refusal.error, now,
                limits.dead_letter_bytes)
    result.dead_letters += 1
    result.causes[refusal.cause] += 1
    result.errors.append(refusal.error)


def insert_events(session: Session, events: list[GateEvent], now: datetime,
                  hashes: Mapping[uuid.UUID, str] | None = None) -> list[GateEvent]:
    """Insert, skipping event ids already stored; returns the events that were new."""
    hashes = hashes or {}
    unique = list({e.event_id: e for e in events}.values())
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # one statement, RETURNING what was new
        new_ids = set(insert_rows(connection, db.GateEventRecord, _COLUMNS,
                                  [_row(e, now, hashes.get(e.event_id)) for e in unique],
                                  skip_duplicates=True, returning="event_id"))
        new = [event for event in unique if event.event_id in new_ids]
    else:  # SQLite: one writer at a time, so what is stored cannot change under us: look, then append
        known = _known_ids(session, [event.event_id for event in unique])
        new = [event for event in unique if event.event_id not in known]
        insert_rows(connection, db.GateEventRecord, _COLUMNS,
                    [_row(e, now, hashes.get(e.event_id)) for e in new], skip_duplicates=True)
    return new


def _known_ids(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    record = db.GateEventRecord
    query = select(record.event_id).where(sqlite_one_of(record.event_id, [i.hex for i in ids]))
    return set(session.connection().scalars(query))


_COLUMNS = ("event_id", "site_id", "gate_id", "direction", "plate_read", "plate", "confidence", "outcome",
            "reason", "contract_id", "at", "deadline", "snapshot_sha256", "override", "original_event_id",
            "received_at", "content_sha256")
_CONTENT = _COLUMNS[:-2]  # what the gate said (not when it reached us, nor the payload's hash)


def _content(event: GateEvent) -> tuple[Any, ...]:
    return _row(event, None, None)[:-2]


def _row(event: GateEvent, now: datetime | None, sha256: str | None) -> tuple[Any, ...]:
    """The event's values in ``_COLUMNS`` order."""
    override = event.override
    return (event.event_id, event.site_id, event.gate_id, event.direction.value, event.plate_read,
            event.plate, event.confidence, event.outcome.value, event.reason.value, event.contract_id,
            event.at, event.deadline, event.snapshot_sha256,
            override.model_dump(mode="json") if override else None,
            override.original_event_id if override else None, now, sha256)

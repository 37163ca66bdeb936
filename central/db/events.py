"""What the gates report: events, the stays built from them, gate alarms and dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Float, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class GateEventRecord(Base):
    """One shared.GateEvent, stored once (event_id is the key), with when it reached us."""

    __tablename__ = "gate_events"
    __table_args__ = (
        Index("ix_gate_events_site_at", "site_id", "at"),
        Index("ix_gate_events_plate_at", "plate", "at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    gate_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    plate_read: Mapped[str] = mapped_column(String(32), default="")
    plate: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    contract_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
    deadline: Mapped[datetime | None]
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    override: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # shared.GuardOverride
    original_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime]
    # SHA-256 of the payload as received: a repeat of the same bytes is known at once; another
    # payload under the same event_id is compared field by field (ingest.store). None for events
    # stored before it was kept.
    content_sha256: Mapped[str | None] = mapped_column(String(64))


class StayStatus(StrEnum):
    """Where a stay stands; ingest sets it, billing, enforcement and occupancy read it."""

    OPEN = "open"  # entered, no exit yet: the car is inside
    CLOSED = "closed"  # entered and left
    ANOMALY = "anomaly"  # an exit with no entry before it


class Stay(Base):
    """A vehicle inside: opened by an entry that opened the barrier, closed by an exit."""

    __tablename__ = "stays"
    __table_args__ = (
        Index("ix_stays_site_plate_entered", "site_id", "plate", "entered_at"),
        Index("ix_stays_site_status", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    plate: Mapped[str] = mapped_column(String(16))
    contract_id: Mapped[str | None] = mapped_column(String(64))
    entry_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    exit_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    entered_at: Mapped[datetime | None]
    exited_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    status: Mapped[StayStatus] = mapped_column(
        Enum(StayStatus, native_enum=False, length=8, validate_strings=True,
             values_callable=lambda kind: [member.value for member in kind]))


class DeadLetterCause(StrEnum):
    """Why a message was not taken; the ``parking_ingest_dead_letters_total`` label too."""

    INVALID = "invalid"  # not JSON, not the schema, not a gate topic
    TOO_LARGE = "too_large"  # larger than shared.messages.MAX_PAYLOAD_BYTES
    TOPIC_MISMATCH = "topic_mismatch"  # site_id or gate_id differ from the topic's
    UNKNOWN_SITE = "unknown_site"  # a status from a site we do not know
    CONFLICT = "conflict"  # an event_id already stored with other content (alarmed)
    OUT_OF_HORIZON = "out_of_horizon"  # gate time too far in the past or the future
    DATABASE = "database"  # the database refused it, alone, after its batch failed


class DeadLetter(Base):
    """A message that could not be taken: at most a prefix of it, with its whole size and SHA-256."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(300))
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # ingest.dead_letter_payload_bytes at most
    payload_size: Mapped[int] = mapped_column(Integer)  # the whole payload's
    payload_sha256: Mapped[str] = mapped_column(String(64))  # the whole payload's
    cause: Mapped[DeadLetterCause] = mapped_column(
        Enum(DeadLetterCause, native_enum=False, length=16, validate_strings=True,
             values_callable=lambda kind: [member.value for member in kind]))
    error: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(index=True)


class Alarm(Base):
    """Something an operator must look at; cleared when the condition goes away."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_site_gate_kind", "site_id", "gate_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    gate_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # stale_bundle, clock_skew, event_conflict
    message: Mapped[str] = mapped_column(String(500))
    raised_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]

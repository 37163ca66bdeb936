"""What enforcement did: actions taken (its memory), violations, suspensions, resident notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class EnforcementAction(Base):
    """One reminder, overstay or suspension done; the key makes every tick idempotent."""

    __tablename__ = "enforcement_actions"
    __table_args__ = (Index("ix_enforcement_actions_done_at", "done_at"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder, overstay, suspension
    site_id: Mapped[str] = mapped_column(String(64))
    contract_id: Mapped[str | None] = mapped_column(String(64))
    stay_id: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime]


class Violation(Base):
    """An overstay: the car was inside after deadline + grace (``at``)."""

    __tablename__ = "violations"
    __table_args__ = (
        Index("ix_violations_contract_at", "contract_id", "at"),
        Index("ix_violations_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stay_id: Mapped[int] = mapped_column(Integer, unique=True)
    site_id: Mapped[str] = mapped_column(String(64))
    contract_id: Mapped[str | None] = mapped_column(String(64))
    plate: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[datetime]
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]


class Suspension(Base):
    """An automatic suspension, and the operator's reinstatement when it comes."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    violations: Mapped[int] = mapped_column(Integer)
    suspended_at: Mapped[datetime]
    reinstated_at: Mapped[datetime | None]
    reinstated_by: Mapped[str | None] = mapped_column(String(64))


class Notification(Base):
    """A message to a resident through an adapter (webhook, SMS, app push): the resident outbox.

    Alerts to a site go through the MQTT outbox (``mqtt_outbox``) in the same transaction.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("action_key", "channel"),
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_key: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(16))  # webhook, sms, push
    resident_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

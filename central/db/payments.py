"""Payments: one row per (provider, order), its refunds, and the audit of everything that happened.

Money is integer fen. A provider's transaction id is unique per provider, so a callback
delivered twice finds the payment it already paid. ``payment_audit`` keeps every payment
created, every callback received (verified or not: body bounded, headers as a digest), every
query and refund, so a refused or disputed payment can be inspected afterwards.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


def _enum(kind: type[StrEnum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


class PaymentStatus(StrEnum):
    """Where a payment stands, as we know it (a provider's query may say more)."""

    PENDING = "pending"  # created at the provider; the resident has not paid (yet)
    PAID = "paid"  # a verified callback or query said paid, for the right amount
    FAILED = "failed"  # the provider said the payment failed
    CLOSED = "closed"  # closed unpaid: cancelled or expired
    REFUNDED = "refunded"  # (a provider's query only) paid, then refunded


class RefundStatus(StrEnum):
    PROCESSING = "processing"  # accepted by the provider, money on its way back
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused or not answered: nothing was refunded


class AuditKind(StrEnum):
    CREATE = "create"
    CALLBACK = "callback"
    QUERY = "query"
    REFUND = "refund"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("provider", "order_id", name="uq_payments_provider_order"),
        UniqueConstraint("provider", "provider_transaction_id", name="uq_payments_provider_transaction"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[str] = mapped_column(String(32), index=True)  # the providers' out_trade_no
    amount_fen: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(128))
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus, 16))
    provider_transaction_id: Mapped[str | None] = mapped_column(String(64))
    checkout_url: Mapped[str | None] = mapped_column(Text)  # where the resident pays (resume)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)  # refunds not failed
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]


class PaymentRefund(Base):
    __tablename__ = "payment_refunds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # our out_refund_no
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(80))
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus, 16))
    provider_refund_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentAudit(Base):
    """One thing that happened to a payment, or one callback, whatever became of it."""

    __tablename__ = "payment_audit"
    __table_args__ = (Index("ix_payment_audit_provider_at", "provider", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind, 16))
    provider: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))  # central.payments.Outcome
    detail: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payment_id: Mapped[str | None] = mapped_column(String(40))
    provider_transaction_id: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(8))
    verified: Mapped[bool | None] = mapped_column(Boolean)  # callbacks: did the signature hold
    headers_sha256: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)  # callbacks: the first BODY_KEPT bytes
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    body_bytes: Mapped[int | None] = mapped_column(Integer)

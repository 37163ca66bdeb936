"""The payment audit trail (``payment_audit``) and the alarms an operator must look at.

Every payment created, every callback (verified or not), every query and every refund leaves
one row. A callback's body is kept up to ``BODY_KEPT`` bytes with the SHA-256 and size of all
of it; its headers (which hold signatures, never our secrets) as a digest.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import Alarm
from central.db.payments import AuditKind, Payment, PaymentAudit
from central.payments.model import PaymentNotice

logger = logging.getLogger(__name__)

BODY_KEPT = 16 * 1024


class Outcome(StrEnum):
    """What became of a payment step; ``payment_audit.outcome``."""

    CREATED = "created"  # the provider took the payment; the resident was sent to it
    PROVIDER_ERROR = "provider_error"  # the provider refused or did not answer
    ACTIVATED = "activated"  # paid, right amount: the order was marked paid
    DUPLICATE = "duplicate"  # the same transaction again: nothing more was done
    UNVERIFIED = "unverified"  # signature, key, timestamp or format refused
    UNKNOWN_PAYMENT = "unknown_payment"  # verified, but we made no such payment
    AMOUNT_MISMATCH = "amount_mismatch"  # verified, but not the order's amount: refused
    CURRENCY_MISMATCH = "currency_mismatch"  # verified, but not the order's currency: refused
    NOT_AWAITING = "not_awaiting"  # paid, but the order no longer waits for it: refund by hand
    PAID_TWICE = "paid_twice"  # a second transaction for a paid payment: refund by hand
    FAILED = "failed"  # the provider says the payment failed
    CLOSED = "closed"  # the provider says it closed unpaid
    IGNORED = "ignored"  # nothing to do (still pending; closed after it was paid)
    ORDER_ERROR = "order_error"  # the order book refused: the provider is asked to call again
    PENDING = "pending"  # a query: not paid yet
    REFUND_PROCESSING = "refund_processing"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"


class AlarmKind(StrEnum):
    UNVERIFIED = "payment_unverified"  # one open alarm however many arrive; each is in the audit
    MISMATCH = "payment_mismatch"
    UNMATCHED = "payment_unmatched"  # money taken for an order that does not wait for it
    ORDER_ERROR = "payment_order_error"


@dataclass(frozen=True, slots=True)
class ReceivedCallback:
    provider: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def record(session: Session, now: datetime, kind: AuditKind, provider: str, outcome: Outcome,
           detail: str = "", *, payment: Payment | None = None, notice: PaymentNotice | None = None,
           received: ReceivedCallback | None = None, verified: bool | None = None) -> PaymentAudit:
    row = PaymentAudit(at=now, kind=kind, provider=provider, outcome=outcome.value, detail=detail[:500],
                       verified=verified)
    if payment is not None:
        row.payment_id, row.order_id = payment.id, payment.order_id
        row.amount_fen, row.currency = payment.amount_fen, payment.currency
        row.provider_transaction_id = payment.provider_transaction_id
    if notice is not None:  # what the provider said wins over what we expected
        row.order_id = notice.order_id[:64]
        row.provider_transaction_id = (notice.transaction_id or "")[:64] or None
        row.amount_fen, row.currency = notice.amount_fen, notice.currency[:8]
    if received is not None:
        row.headers_sha256 = headers_digest(received.headers)
        row.body = received.body[:BODY_KEPT].decode("utf-8", errors="replace")
        row.body_sha256 = hashlib.sha256(received.body).hexdigest()
        row.body_bytes = len(received.body)
    session.add(row)
    return row


def headers_digest(headers: Mapping[str, str]) -> str:
    lines = "\n".join(f"{name.lower()}: {value}" for name, value in sorted(headers.items()))
    return hashlib.sha256(lines.encode("utf-8", errors="replace")).hexdigest()


def raise_alarm(session: Session, now: datetime, kind: AlarmKind, message: str, site_id: str = "",
                *, once: bool = False) -> None:
    """An alarm in the operators' list (``site_id`` "": for admins). ``once``: not while one of this
    kind is open already."""
    if once and session.scalars(select(Alarm.id).where(
            Alarm.kind == kind.value, Alarm.site_id == site_id, Alarm.cleared_at.is_(None))).first():
        return
    session.add(Alarm(site_id=site_id, gate_id=None, kind=kind.value, message=message[:500], raised_at=now))
    logger.warning("payment alarm %s: %s", kind.value, message)

"""``PaymentService``: start a payment, take a provider's callback, reconcile, refund.

Every call runs in the caller's transaction (``session``) and leaves its rows in
``payment_audit``. A provider that refuses or does not answer raises ``ProviderError`` from
``start`` (after the audit row is added: a page that catches it and answers keeps the row);
``refund`` answers a FAILED result instead.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db.payments import AuditKind, Payment, PaymentRefund, PaymentStatus, RefundStatus
from central.errors import (
    CallbackRefused,
    ConfigError,
    ConflictError,
    NotFoundError,
    PaymentError,
    ProviderError,
)
from central.payments.audit import AlarmKind, Outcome, ReceivedCallback, raise_alarm, record
from central.payments.model import (
    Acknowledgement,
    CallbackAnswer,
    Channel,
    Checkout,
    PaymentProvider,
    PaymentRequest,
    RefundRequest,
    RefundResult,
)
from central.payments.notices import ACKNOWLEDGEMENT, NoticeContext, apply_notice, locked_payment
from central.payments.orders import OrderBook

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/api/v1/payments/{provider}/notify"  # central/api/routes/payments.py serves it
MAX_CALLBACK_BYTES = 64 * 1024
ORDER_ID = re.compile(r"[A-Za-z0-9_-]{6,32}")  # what WeChat Pay and Alipay both take as out_trade_no
CURRENCIES = ("CNY",)
_BEST_FIRST = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.PENDING, PaymentStatus.FAILED,
               PaymentStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """What the orders package asks to be paid."""

    order_id: str  # 6-32 letters, digits, _ or -: the providers' out_trade_no
    amount_fen: int
    description: str  # what the resident sees at the provider, at most 127 bytes
    expires_at: datetime  # the end of the order's hold: the provider closes the payment then
    return_url: str  # a path on our site (or an absolute URL) the resident comes back to
    currency: str = "CNY"


class PaymentService:
    """One per process: the enabled providers, and the order book that payments activate."""

    def __init__(self, providers: Mapping[str, PaymentProvider], *, public_url: str | None,
                 clock: Callable[[], datetime], orders: OrderBook | None = None) -> None:
        self._providers = dict(providers)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._clock = clock
        self.orders = orders  # set by the orders package when the app is made

    @property
    def provider_names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def provider(self, name: str) -> PaymentProvider:
        found = self._providers.get(name)
        if found is None:
            raise NotFoundError("payment provider", name)
        return found

    def start(self, session: Session, order: PaymentOrder, provider: str, *,
              channel: Channel = Channel.MOBILE, client_ip: str = "127.0.0.1",
              base_url: str | None = None) -> Checkout:
        """Create (or create again) the order's payment at ``provider``; where to send the resident."""
        chosen, now = self.provider(provider), self._clock()
        _check_order(order, now)
        payment = self._payment_for(session, provider, order, now)
        base = self._base(base_url)
        request = PaymentRequest(order.order_id, order.amount_fen, order.currency, order.description,
                                 base + CALLBACK_PATH.format(provider=provider),
                                 order.return_url if "://" in order.return_url else base + order.return_url,
                                 order.expires_at, channel, client_ip)
        try:
            checkout = chosen.create(request, now)
        except ProviderError as exc:
            record(session, now, AuditKind.CREATE, provider, Outcome.PROVIDER_ERROR, str(exc),
                   payment=payment)
            raise
        payment.checkout_url, payment.updated_at = checkout.url, now
        record(session, now, AuditKind.CREATE, provider, Outcome.CREATED, f"{channel} {checkout.kind}",
               payment=payment)
        return checkout

    def _payment_for(self, session: Session, provider: str, order: PaymentOrder, now: datetime) -> Payment:
        payment = locked_payment(session, provider, order.order_id)
        if payment is not None and payment.status is PaymentStatus.PAID:
            raise ConflictError(f"order {order.order_id} is paid already")
        if payment is None:
            payment = Payment(id=uuid.uuid4().hex, provider=provider, order_id=order.order_id, refunded_fen=0,
                              created_at=now)
            session.add(payment)
        payment.amount_fen, payment.currency = order.amount_fen, order.currency
        payment.description, payment.status = order.description, PaymentStatus.PENDING
        payment.updated_at = now
        return payment

    def _base(self, base_url: str | None) -> str:
        base = self._public_url or (base_url.rstrip("/") if base_url else None)
        if base is None:
            raise ConfigError("payments.public_url is not set and no request address was given")
        return base

    def handle_callback(self, session: Session, provider: str, headers: Mapping[str, str],
                        body: bytes) -> CallbackAnswer:
        """Verify, audit and apply a provider's callback; the answer the provider expects."""
        chosen, now = self.provider(provider), self._clock()
        received = ReceivedCallback(provider, {k.lower(): v for k, v in headers.items()}, body)
        try:
            if len(body) > MAX_CALLBACK_BYTES:
                raise CallbackRefused(f"body larger than {MAX_CALLBACK_BYTES} bytes")
            notice = chosen.verify_callback(received.headers, body, now)
        except CallbackRefused as exc:
            record(session, now, AuditKind.CALLBACK, provider, Outcome.UNVERIFIED, exc.reason,
                   received=received, verified=False)
            raise_alarm(session, now, AlarmKind.UNVERIFIED, f"{provider} callback refused: {exc.reason}",
                        once=True)
            return chosen.answer(Acknowledgement.UNVERIFIED, exc.reason)
        if self.orders is None:
            record(session, now, AuditKind.CALLBACK, provider, Outcome.ORDER_ERROR, "no order book",
                   notice=notice, received=received, verified=True)
            return chosen.answer(Acknowledgement.RETRY, "orders are not connected")
        applied = apply_notice(NoticeContext(session, self.orders, now, AuditKind.CALLBACK, received), notice)
        logger.info("%s callback for order %s: %s", provider, notice.order_id[:32], applied.outcome.value)
        return chosen.answer(ACKNOWLEDGEMENT.get(applied.outcome, Acknowledgement.ACCEPTED), applied.detail)

    def reconcile(self, session: Session, order_id: str) -> PaymentStatus | None:
        """Ask the providers about the order's unpaid payments (a callback may have been lost) and
        apply what they say. Call it before an order lapses. The best status found; None: no payment."""
        now, payments = self._clock(), self.payments_of(session, order_id)
        for payment in payments:
            if payment.status is not PaymentStatus.PENDING or self.orders is None:
                continue
            try:
                notice = self.provider(payment.provider).query(order_id, now)
            except (ProviderError, NotFoundError) as exc:
                record(session, now, AuditKind.QUERY, payment.provider, Outcome.PROVIDER_ERROR, str(exc),
                       payment=payment)
                continue
            if notice is None or notice.status is PaymentStatus.PENDING:
                record(session, now, AuditKind.QUERY, payment.provider, Outcome.PENDING, "not paid yet",
                       payment=payment)
                continue
            apply_notice(NoticeContext(session, self.orders, now, AuditKind.QUERY), notice)
        statuses = {payment.status for payment in payments}  # as the notices left them (same rows)
        return next((s for s in _BEST_FIRST if s in statuses), None)

    def payments_of(self, session: Session, order_id: str) -> list[Payment]:
        """The order's payments, one per provider it was started with, newest first."""
        return list(session.scalars(select(Payment).where(Payment.order_id == order_id)
                                    .order_by(Payment.created_at.desc(), Payment.id)))

    def refund(self, session: Session, order_id: str, amount_fen: int, reason: str) -> RefundResult:
        """Refund part or all of the order's paid payment; a FAILED result if the provider refused."""
        now = self._clock()
        paid = [p for p in self.payments_of(session, order_id) if p.status is PaymentStatus.PAID]
        payment = paid[0] if paid else None
        if payment is None:
            raise NotFoundError("paid payment of order", order_id)
        payment = locked_payment(session, payment.provider, order_id) or payment
        left = payment.amount_fen - payment.refunded_fen
        if not 0 < amount_fen <= left:
            raise ConflictError(f"amount_fen: {amount_fen} is not between 1 and the {left} fen left")
        refund = PaymentRefund(id=f"rf{uuid.uuid4().hex}", payment_id=payment.id, amount_fen=amount_fen,
                               reason=reason[:80], status=RefundStatus.PROCESSING, created_at=now,
                               updated_at=now)
        session.add(refund)
        request = RefundRequest(refund.id, order_id, payment.provider_transaction_id or "", amount_fen,
                                payment.amount_fen, payment.currency, refund.reason)
        try:
            result = self.provider(payment.provider).refund(request, now)
        except ProviderError as exc:
            result = RefundResult(refund.id, None, amount_fen, RefundStatus.FAILED, str(exc))
        refund.status, refund.provider_refund_id = result.status, result.provider_refund_id
        if result.status is not RefundStatus.FAILED:
            payment.refunded_fen += amount_fen
            payment.updated_at = now
        outcome = Outcome(f"refund_{result.status.value}")
        record(session, now, AuditKind.REFUND, payment.provider, outcome,
               f"{refund.id}: {amount_fen} fen, {result.detail or reason}"[:500], payment=payment)
        return result


def _check_order(order: PaymentOrder, now: datetime) -> None:
    problems = [
        (ORDER_ID.fullmatch(order.order_id) is None, "order_id", order.order_id),
        (not 0 < order.amount_fen <= 100_000_000, "amount_fen", order.amount_fen),
        (order.currency not in CURRENCIES, "currency", order.currency),
        (not order.description.strip() or len(order.description.encode()) > 127, "description",
         order.description),
        (order.expires_at.tzinfo is None or order.expires_at <= now, "expires_at", order.expires_at),
        (not order.return_url.startswith(("/", "https://", "http://")), "return_url", order.return_url),
    ]
    for wrong, field, value in problems:
        if wrong:
            raise PaymentError(f"payment order {field}: cannot be paid (got {value!r:.80})")

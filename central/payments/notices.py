"""What a verified provider notice does to a payment and its order: the one place that decides.

A notice (from a callback or a query) is applied under a lock on the payment's row, so a
callback delivered twice, or a callback racing a query, marks the order paid once. Money that
arrives for the wrong amount or currency never activates anything; money that arrives for an
order that no longer waits for it is recorded and alarmed, to be refunded by an operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db.payments import AuditKind, Payment, PaymentStatus
from central.payments.audit import AlarmKind, Outcome, ReceivedCallback, raise_alarm, record
from central.payments.model import Acknowledgement, PaymentNotice
from central.payments.orders import ExpectedPayment, OrderBook, OrderState

ACKNOWLEDGEMENT = {
    Outcome.UNVERIFIED: Acknowledgement.UNVERIFIED,
    Outcome.UNKNOWN_PAYMENT: Acknowledgement.REFUSED,
    Outcome.AMOUNT_MISMATCH: Acknowledgement.REFUSED,
    Outcome.CURRENCY_MISMATCH: Acknowledgement.REFUSED,
    Outcome.ORDER_ERROR: Acknowledgement.RETRY,
}  # every other outcome: ACCEPTED (the provider need not call again)


@dataclass(frozen=True, slots=True)
class Applied:
    outcome: Outcome
    detail: str


@dataclass
class NoticeContext:
    session: Session
    orders: OrderBook
    now: datetime
    kind: AuditKind  # CALLBACK or QUERY
    received: ReceivedCallback | None = None

    def done(self, outcome: Outcome, detail: str, notice: PaymentNotice, payment: Payment | None) -> Applied:
        record(self.session, self.now, self.kind, notice.provider, outcome, detail, payment=payment,
               notice=notice, received=self.received, verified=True if self.received else None)
        return Applied(outcome, detail)


def locked_payment(session: Session, provider: str, order_id: str) -> Payment | None:
    return session.scalars(select(Payment).where(Payment.provider == provider, Payment.order_id == order_id)
                           .with_for_update()).first()


def apply_notice(context: NoticeContext, notice: PaymentNotice) -> Applied:
    payment = locked_payment(context.session, notice.provider, notice.order_id)
    if payment is None:
        raise_alarm(context.session, context.now, AlarmKind.MISMATCH, f"{notice.provider} reports order "
                    f"{notice.order_id[:32]!r} {notice.status}: no such payment")
        return context.done(Outcome.UNKNOWN_PAYMENT, "we made no such payment", notice, None)
    if notice.status is PaymentStatus.PAID:
        return _apply_paid(context, notice, payment)
    unpaid = notice.status in (PaymentStatus.FAILED, PaymentStatus.CLOSED)
    if unpaid and payment.status is PaymentStatus.PENDING:
        return _apply_unpaid(context, notice, payment)
    detail = f"{notice.status} while the payment is {payment.status}"
    return context.done(Outcome.IGNORED, detail, notice, payment)


def _apply_paid(context: NoticeContext, notice: PaymentNotice, payment: Payment) -> Applied:
    if payment.status is PaymentStatus.PAID:
        if payment.provider_transaction_id == notice.transaction_id:
            return context.done(Outcome.DUPLICATE, "already paid by this transaction", notice, payment)
        _alarm_unmatched(context, payment, f"paid again by transaction {notice.transaction_id}")
        return context.done(Outcome.PAID_TWICE, "a second transaction: refund it", notice, payment)
    expected = context.orders.expected(context.session, payment.order_id)
    mismatch = _mismatch(notice, payment, expected)
    if mismatch is not None:
        outcome, detail = mismatch
        raise_alarm(context.session, context.now, AlarmKind.MISMATCH, f"{notice.provider} order "
                    f"{payment.order_id}: {detail}; not activated", expected.site_id if expected else "")
        return context.done(outcome, detail, notice, payment)
    if expected is None or expected.state is not OrderState.AWAITING_PAYMENT:
        _mark(payment, notice, context.now)
        state = expected.state if expected else "missing"
        _alarm_unmatched(context, payment, f"paid while the order is {state}", expected)
        return context.done(Outcome.NOT_AWAITING, f"the order is {state}: refund it", notice, payment)
    try:
        with context.session.begin_nested():
            _mark(payment, notice, context.now)
            context.orders.mark_paid(context.session, payment.order_id, notice)
    except Exception as exc:  # the order book is another package's code: keep the audit, retry later
        raise_alarm(context.session, context.now, AlarmKind.ORDER_ERROR,
                    f"order {payment.order_id} paid but not activated: {type(exc).__name__}: {exc}",
                    expected.site_id)
        return context.done(Outcome.ORDER_ERROR, f"{type(exc).__name__}: {exc}", notice, payment)
    return context.done(Outcome.ACTIVATED, "order marked paid", notice, payment)


def _mismatch(notice: PaymentNotice, payment: Payment,
              expected: ExpectedPayment | None) -> tuple[Outcome, str] | None:
    if not notice.transaction_id:
        return Outcome.UNVERIFIED, "paid without a transaction id"
    amounts = {payment.amount_fen} | ({expected.amount_fen} if expected else set())
    if amounts != {notice.amount_fen}:
        return Outcome.AMOUNT_MISMATCH, f"paid {notice.amount_fen} fen, the order is {sorted(amounts)} fen"
    currencies = {payment.currency} | ({expected.currency} if expected else set())
    if currencies != {notice.currency}:
        paid_in = notice.currency[:8]
        return Outcome.CURRENCY_MISMATCH, f"paid in {paid_in!r}, the order in {sorted(currencies)}"
    return None


def _mark(payment: Payment, notice: PaymentNotice, now: datetime) -> None:
    payment.status = PaymentStatus.PAID
    payment.provider_transaction_id = notice.transaction_id
    payment.paid_at = notice.paid_at or now
    payment.updated_at = now


def _apply_unpaid(context: NoticeContext, notice: PaymentNotice, payment: Payment) -> Applied:
    outcome = Outcome.FAILED if notice.status is PaymentStatus.FAILED else Outcome.CLOSED
    try:
        with context.session.begin_nested():
            payment.status, payment.updated_at = notice.status, context.now
            context.orders.mark_failed(context.session, payment.order_id, notice)
    except Exception as exc:  # as above: keep the audit, the provider calls again
        return context.done(Outcome.ORDER_ERROR, f"{type(exc).__name__}: {exc}", notice, payment)
    return context.done(outcome, f"payment {notice.status}", notice, payment)


def _alarm_unmatched(context: NoticeContext, payment: Payment, why: str,
                     expected: ExpectedPayment | None = None) -> None:
    raise_alarm(context.session, context.now, AlarmKind.UNMATCHED,
                f"{payment.provider} order {payment.order_id}: {why}; {payment.amount_fen} fen to refund",
                expected.site_id if expected else "")

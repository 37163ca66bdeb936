"""``OrderLedger``: the orders as the payment layer sees them (``central.payments.OrderBook``).

The payment service asks what an order waits for and, for a verified payment of the right
amount while the order awaits it, calls ``mark_paid`` once, in its own transaction: the order's
contract becomes active (or runs to the renewed term's end) and a new bundle goes to the gate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from central import db
from central.distribution.bundles import Signer
from central.errors import ConflictError, NotFoundError
from central.orders.service import activate_order, locked_order
from central.payments import ExpectedPayment, OrderState, PaymentNotice

logger = logging.getLogger(__name__)

_CONTRACT_TAKES_RENEWAL = (db.ContractState.ACTIVE.value, db.ContractState.SUSPENDED.value)


def order_state(session: Session, order: db.Order) -> OrderState:
    """Paid; awaiting payment (unpaid, and a renewal's contract still running); else closed."""
    if order.status is db.OrderStatus.PAID:
        return OrderState.PAID
    if order.status is not db.OrderStatus.PENDING_PAYMENT:
        return OrderState.CLOSED
    if order.kind is db.OrderKind.RENEWAL:
        contract = session.get_one(db.Contract, order.contract_id)
        if contract.status not in _CONTRACT_TAKES_RENEWAL:
            return OrderState.CLOSED
    return OrderState.AWAITING_PAYMENT


class OrderLedger:
    """The ``OrderBook`` set on ``app.state.payments.orders`` when the app is made."""

    def __init__(self, signer: Signer, clock: Callable[[], datetime]) -> None:
        self._signer = signer
        self._clock = clock

    def expected(self, session: Session, order_id: str) -> ExpectedPayment | None:
        order = session.get(db.Order, order_id)
        if order is None:
            return None
        return ExpectedPayment(order.amount_fen, order.currency, order_state(session, order), order.site_id)

    def mark_paid(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        order = _locked(session, order_id)
        state = order_state(session, order)
        if state is not OrderState.AWAITING_PAYMENT:
            raise ConflictError(f"order {order_id} is {state.value}: it takes no payment")
        now = self._clock()
        activate_order(session, order, payment.provider, payment.paid_at or now, self._signer, now)
        logger.info("order %s paid through %s", order_id, payment.provider)

    def mark_failed(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        """The attempt failed; the order keeps its place until its hold ends and may be paid again."""
        order = _locked(session, order_id)
        if order.status is db.OrderStatus.PENDING_PAYMENT:
            order.updated_at = self._clock()
        logger.info("order %s: payment %s at %s", order_id, payment.status.value, payment.provider)


def _locked(session: Session, order_id: str) -> db.Order:
    order = locked_order(session, order_id)
    if order is None:
        raise NotFoundError("order", order_id)
    return order

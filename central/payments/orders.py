"""How the payment layer talks to orders: the ``OrderBook`` protocol the orders package implements.

The payment service never changes an order itself. For a verified callback it asks
``expected(order_id)`` what the order waits for, and only when the order is awaiting payment
and the amount and currency match, calls ``mark_paid`` (once per provider transaction, however
often the provider calls back). All calls run inside the service's transaction (``session``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from central.payments.model import PaymentNotice


class OrderState(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # pending_payment, still holding its place
    PAID = "paid"  # paid already (its contract is active)
    CLOSED = "closed"  # lapsed or cancelled: takes no money


@dataclass(frozen=True, slots=True)
class ExpectedPayment:
    amount_fen: int
    currency: str
    state: OrderState
    site_id: str = ""  # the alarm about this order goes to this site's operators


class OrderBook(Protocol):
    def expected(self, session: Session, order_id: str) -> ExpectedPayment | None:
        """What the order waits for; None if there is no such order."""

    def mark_paid(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        """The order is paid: activate it. Called once per payment; raise to refuse (the provider
        is then told to call again later, and an alarm is raised)."""

    def mark_failed(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        """A payment attempt failed or was closed unpaid; the order may still be paid another way."""

"""Unpaid orders lapse when their hold ends, and free the place their contract held.

Before an order lapses the providers are asked once more (``PaymentService.reconcile``): a
payment whose callback was lost activates the order instead. Each order lapses in its own
transaction, under a lock on its row, so a payment confirmed at the same moment either
activates it first or finds it lapsed (then the money is recorded and an operator alarmed to
refund it: ``central.payments``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.orders.service import close_order
from central.payments import PaymentService

logger = logging.getLogger(__name__)


def due_orders(session: Session, now: datetime, limit: int = 100) -> list[str]:
    """Unpaid orders whose hold has ended, oldest hold first."""
    return list(session.scalars(
        select(db.Order.id).where(db.Order.status == db.OrderStatus.PENDING_PAYMENT,
                                  db.Order.hold_until <= now)
        .order_by(db.Order.hold_until, db.Order.id).limit(limit)))


def lapse_order(session: Session, payments: PaymentService, order_id: str, now: datetime) -> bool:
    """Lapse the order if its hold has ended and no provider says it was paid; True if it lapsed."""
    payments.reconcile(session, order_id)  # takes the payment row's lock before the order's, as callbacks do
    order = session.scalars(select(db.Order).where(db.Order.id == order_id).with_for_update()
                            .execution_options(populate_existing=True)).first()
    if order is None or order.status is not db.OrderStatus.PENDING_PAYMENT or order.hold_until > now:
        return False
    close_order(session, order, db.OrderStatus.LAPSED, now)
    return True

"""Cancelling a contract bought through orders: the contract rules' cancellation, then the
prepaid part of each paid term given back through the provider it was paid with.

The day the cancellation takes effect is the contract's last and is not refunded; the days
of a term after it come back pro rata (``terms.refund_due``), nothing if the product or the
site says "no refund". Each paid order is settled once (``settled_at``): a contract cancelled
elsewhere (by staff through the API or the console) is settled by the orders ticker.
A refund the provider refuses is kept in the payment audit and raises an alarm for an
operator; it is not tried again by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.billing.refunds import refunds_allowed
from central.contracts.service import change_status, local_today, visible_contract
from central.core.security import Principal
from central.errors import ConflictError, NotFoundError
from central.orders.service import FREE, OrderContext, close_order
from central.orders.terms import refund_due
from central.payments import PaymentService, RefundStatus

logger = logging.getLogger(__name__)

REFUND_FAILED_ALARM = "order_refund_failed"


@dataclass(frozen=True, slots=True)
class Refund:
    """What one paid order gave back when its contract ended early."""

    order_id: str
    amount_fen: int  # 0: nothing was due
    status: RefundStatus | None  # None: nothing to refund
    detail: str = ""


def refund_preview(session: Session, principal: Principal, contract_id: str, now: datetime) -> int:
    """What cancelling the contract today would give back, in fen (shown before the resident confirms)."""
    contract, site = visible_contract(session, principal, contract_id)
    today, allowed = local_today(site, now), refunds_allowed(session, contract)
    return sum(_due(order, today, allowed) for order in _paid_orders(session, contract.id))


def cancel_contract(session: Session, principal: Principal, contract_id: str, context: OrderContext,
                    now: datetime, effective_on: date | None = None) -> tuple[db.Contract, list[Refund]]:
    """Cancel (``contracts.service.change_status``: the day it takes effect, the new bundle), close
    its unpaid renewals, and refund the prepaid part of its paid terms."""
    contract = change_status(session, principal, contract_id, "cancel", context.signer, context.rules, now,
                             effective_on)
    renewals = session.scalars(select(db.Order).where(
        db.Order.contract_id == contract.id, db.Order.status == db.OrderStatus.PENDING_PAYMENT))
    for order in renewals:
        close_order(session, order, db.OrderStatus.CANCELLED, now)
    return contract, settle_contract(session, context.payments, contract, now)


def settle_contract(session: Session, payments: PaymentService, contract: db.Contract,
                    now: datetime) -> list[Refund]:
    """Refund what the cancelled contract's paid, unsettled orders have left after its last day."""
    if contract.status != db.ContractState.CANCELLED.value:
        raise ConflictError(f"contract {contract.id} is {contract.status}: only a cancelled one is settled")
    allowed = refunds_allowed(session, contract)
    refunds = []
    for order in _paid_orders(session, contract.id, lock=True):
        refunds.append(_refund(session, payments, order, _due(order, contract.last_day, allowed), now))
        order.settled_at, order.updated_at = now, now
    return refunds


def _due(order: db.Order, last_day: date, allowed: bool) -> int:
    allowed = allowed and order.paid_with != FREE
    return refund_due(order.amount_fen, order.starts_on, order.ends_on, last_day, allowed)


def _paid_orders(session: Session, contract_id: str, lock: bool = False) -> list[db.Order]:
    query = select(db.Order).where(
        db.Order.contract_id == contract_id, db.Order.status == db.OrderStatus.PAID,
        db.Order.settled_at.is_(None)).order_by(db.Order.starts_on)
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def _refund(session: Session, payments: PaymentService, order: db.Order, due: int, now: datetime) -> Refund:
    if due <= 0:
        return Refund(order.id, 0, None)
    try:
        result = payments.refund(session, order.id, due, "contract cancelled early")
    except (NotFoundError, ConflictError) as exc:  # no paid payment, or less left than is due
        _alarm(session, order, due, str(exc), now)
        return Refund(order.id, due, RefundStatus.FAILED, str(exc))
    if result.status is RefundStatus.FAILED:
        _alarm(session, order, due, result.detail, now)
    else:
        order.refunded_fen += due
    logger.info("order %s: refund of %s fen %s", order.id, due, result.status.value)
    return Refund(order.id, due, result.status, result.detail)


def _alarm(session: Session, order: db.Order, due: int, why: str, now: datetime) -> None:
    message = f"order {order.id}: refund of {due} fen failed ({why}); refund it by hand"
    session.add(db.Alarm(site_id=order.site_id, gate_id=None, kind=REFUND_FAILED_ALARM, raised_at=now,
                         message=message[:500]))
    logger.warning("order %s: refund of %s fen failed: %s", order.id, due, why)


def unsettled_contracts(session: Session, limit: int = 100) -> list[str]:
    """Cancelled contracts with a paid order not yet settled (cancelled elsewhere than here)."""
    return list(session.scalars(
        select(db.Order.contract_id).join(db.Contract, db.Contract.id == db.Order.contract_id)
        .where(db.Order.status == db.OrderStatus.PAID, db.Order.settled_at.is_(None),
               db.Contract.status == db.ContractState.CANCELLED.value)
        .group_by(db.Order.contract_id).order_by(db.Order.contract_id).limit(limit)))

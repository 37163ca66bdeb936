"""Residents' orders: order a term of a product for a plate, renew a contract, cancel, pay, list.

An order for a new contract signs it ``pending_payment`` (``contracts.service``, under the site
lock): it holds its place and its plate for ``orders.hold_minutes`` while the resident pays.
A confirmed payment (``book.OrderLedger.mark_paid``) activates it and sends it to the gate. A
renewal extends its contract by a term once paid. Each order keeps the price it was made at, in
fen. Every function takes the caller's ``Principal``: another resident's order is not found
(404), never refused (403).

An unpaid order lapses when its hold ends (``lapse_order``, run by ``ticker.OrderTicker``) and
frees its place. The providers are asked once more first (``PaymentService.reconcile``): a
payment whose callback was lost activates the order instead. Each order lapses under a lock on
its row, taken after the payment row's (as a callback takes them), so a payment confirmed at the
same moment either activates it first or finds it lapsed (then the money is recorded and an
operator alarmed to refund it: ``central.payments``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.service import (
    ContractRules,
    SignRequest,
    activate_paid,
    check_extension,
    extend_paid,
    lapse_unpaid,
    local_today,
    sign_contract,
    visible_contract,
)
from central.core.order_settings import OrderSettings
from central.core.security import Principal, Role
from central.distribution.bundles import Signer
from central.errors import ConflictError, NotFoundError
from central.orders.terms import term_end, term_price
from central.payments import Channel, Checkout, PaymentOrder, PaymentService

logger = logging.getLogger(__name__)

CURRENCY = "CNY"
FREE = "free"  # ``paid_with`` of a term that costs nothing: active at once, no payment
ORDER_PAGE = "/app/orders/{order_id}"  # where the resident comes back to from the provider


@dataclass(frozen=True)
class OrderContext:
    """What ordering needs besides the session: the bundle signer, the contract rules, the order
    settings and the payment service (the process's ``app.state.payments``)."""

    signer: Signer
    rules: ContractRules
    settings: OrderSettings
    payments: PaymentService


@dataclass(frozen=True)
class OrderRequest:
    product_id: str
    plate: str  # normalised (shared.parse_plate)
    months: int
    starts_on: date | None = None  # the first day, site-local; None: today


def place_order(session: Session, principal: Principal, request: OrderRequest, context: OrderContext,
                now: datetime) -> db.Order:
    """A new contract for a term, awaiting payment. The resident's own unpaid order for the same
    product, plate, term and first day is answered again (a second tap makes no second order);
    one for another term or day is cancelled first (the newest choice holds the place)."""
    principal.require(Role.RESIDENT)
    _check_months(request.months, context.settings)
    product = session.get(db.Product, request.product_id)
    if product is None:
        raise NotFoundError("product", request.product_id)
    site = session.get_one(db.Site, product.site_id)
    first = _first_day(request.starts_on, local_today(site, now), context.settings)
    again = _pending_new_order(session, principal, request)
    if _still_wanted(session, again, (request.months, first), context, now):
        assert again is not None
        return again
    sign = SignRequest(product.id, (request.plate,), first, term_end(first, request.months), prepaid=True)
    contract = sign_contract(session, principal, sign, context.signer, context.rules, now)
    order = _new_order(contract, db.OrderKind.NEW, request.months, product.monthly_fee_fen, now,
                       context.settings)
    order.starts_on, order.ends_on = contract.valid_from, contract.valid_to
    return _add(session, order, context, now)


def renew_contract(session: Session, principal: Principal, contract_id: str, months: int,
                   context: OrderContext, now: datetime) -> db.Order:
    """An order for the term after the contract's last day; paid, it extends the contract."""
    principal.require(Role.RESIDENT)
    _check_months(months, context.settings)
    contract, site = visible_contract(session, principal, contract_id, lock=True)
    again = session.scalars(select(db.Order).where(
        db.Order.contract_id == contract.id, db.Order.status == db.OrderStatus.PENDING_PAYMENT)).first()
    if _still_wanted(session, again, (months, contract.valid_to + timedelta(days=1)), context, now):
        assert again is not None
        return again
    _check_renewable(contract, local_today(site, now), context.settings)
    product = session.get_one(db.Product, contract.product_id)
    if site.closed_at is not None or not product.on_sale:
        raise ConflictError(f"product {product.id} is no longer sold: it cannot be renewed")
    first = contract.valid_to + timedelta(days=1)
    last = term_end(first, months)
    check_extension(session, contract, last, context.rules, now)
    order = _new_order(contract, db.OrderKind.RENEWAL, months, product.monthly_fee_fen, now, context.settings)
    order.starts_on, order.ends_on = first, last
    return _add(session, order, context, now)


def _still_wanted(session: Session, again: db.Order | None, term: tuple[int, date], context: OrderContext,
                  now: datetime) -> bool:
    """Whether the resident's earlier unpaid order for the same thing is the answer again: yes while it
    holds and is for the same term (months, first day); else it is closed, lapsed when its hold has
    ended (after asking the provider once more) or cancelled when another term is chosen."""
    if again is None:
        return False
    if again.hold_until <= now:
        lapse_order(session, context.payments, again.id, now)
        return False
    if (again.months, again.starts_on) == term:
        return True
    close_order(session, again, db.OrderStatus.CANCELLED, now)
    return False


def _check_months(months: int, settings: OrderSettings) -> None:
    if months not in settings.terms_months:
        raise ConflictError(f"months: {months} is not a term on offer {list(settings.terms_months)}")


def _first_day(asked: date | None, today: date, settings: OrderSettings) -> date:
    first = asked or today
    latest = today + timedelta(days=settings.start_within_days)
    if not today <= first <= latest:
        raise ConflictError(f"starts_on: {first} is not between today ({today}) and {latest}")
    return first


def _check_renewable(contract: db.Contract, today: date, settings: OrderSettings) -> None:
    if contract.status != db.ContractState.ACTIVE.value:
        raise ConflictError(f"contract {contract.id} is {contract.status}: only an active one is renewed")
    if contract.valid_to < today:
        raise ConflictError(f"contract {contract.id} ended on {contract.valid_to}")
    opens = contract.valid_to - timedelta(days=settings.renew_within_days - 1)
    if today < opens:
        raise ConflictError(f"contract {contract.id} can be renewed from {opens}")


def _pending_new_order(session: Session, principal: Principal, request: OrderRequest) -> db.Order | None:
    return session.scalars(select(db.Order).where(
        db.Order.resident_id == principal.resident_id, db.Order.product_id == request.product_id,
        db.Order.plate == request.plate, db.Order.kind == db.OrderKind.NEW,
        db.Order.status == db.OrderStatus.PENDING_PAYMENT)).first()


def _new_order(contract: db.Contract, kind: db.OrderKind, months: int, monthly_fee_fen: int, now: datetime,
               settings: OrderSettings) -> db.Order:
    return db.Order(
        id=f"od{uuid.uuid4().hex[:24]}", kind=kind, status=db.OrderStatus.PENDING_PAYMENT,
        resident_id=contract.resident_id, site_id=contract.site_id, product_id=contract.product_id,
        contract_id=contract.id, plate=contract.plate_list[0], months=months, monthly_fee_fen=monthly_fee_fen,
        amount_fen=term_price(monthly_fee_fen, months), currency=CURRENCY,
        hold_until=now + timedelta(minutes=settings.hold_minutes), created_at=now, updated_at=now,
        refunded_fen=0)


def _add(session: Session, order: db.Order, context: OrderContext, now: datetime) -> db.Order:
    session.add(order)
    session.flush()
    if order.amount_fen == 0:  # nothing to pay: in force at once
        activate_order(session, order, FREE, now, context.signer, now)
    logger.info("order %s (%s) for contract %s: %s fen", order.id, order.kind.value, order.contract_id,
                order.amount_fen)
    return order


def activate_order(session: Session, order: db.Order, paid_with: str, paid_at: datetime, signer: Signer,
                   now: datetime) -> None:
    """The order is paid: its new contract becomes active, or its contract runs to the term's end."""
    if order.kind is db.OrderKind.NEW:
        activate_paid(session, order.contract_id, signer, now)
    else:
        extend_paid(session, order.contract_id, order.ends_on, signer, now)
    order.status, order.paid_at, order.paid_with = db.OrderStatus.PAID, paid_at, paid_with
    order.updated_at = now


def close_order(session: Session, order: db.Order, status: db.OrderStatus, now: datetime) -> None:
    """An unpaid order ends (lapsed or cancelled); a new contract's place and plate are freed."""
    if order.status is not db.OrderStatus.PENDING_PAYMENT:
        raise ConflictError(f"order {order.id} is {order.status.value}: only an unpaid order closes")
    if order.kind is db.OrderKind.NEW:
        lapse_unpaid(session, order.contract_id, now)
    order.status, order.closed_at, order.updated_at = status, now, now
    logger.info("order %s %s", order.id, status.value)


def due_orders(session: Session, now: datetime, limit: int = 100) -> list[str]:
    """Unpaid orders whose hold has ended, oldest hold first."""
    return list(session.scalars(
        select(db.Order.id).where(db.Order.status == db.OrderStatus.PENDING_PAYMENT,
                                  db.Order.hold_until <= now)
        .order_by(db.Order.hold_until, db.Order.id).limit(limit)))


def lapse_order(session: Session, payments: PaymentService, order_id: str, now: datetime) -> bool:
    """Lapse the order if its hold has ended and no provider says it was paid; True if it lapsed."""
    payments.reconcile(session, order_id)  # takes the payment row's lock before the order's, as callbacks do
    order = locked_order(session, order_id)
    if order is None or order.status is not db.OrderStatus.PENDING_PAYMENT or order.hold_until > now:
        return False
    close_order(session, order, db.OrderStatus.LAPSED, now)
    return True


def locked_order(session: Session, order_id: str) -> db.Order | None:
    """The order with its row locked and read afresh (a callback or the ticker may have changed it)."""
    return session.scalars(select(db.Order).where(db.Order.id == order_id).with_for_update()
                           .execution_options(populate_existing=True)).first()


def cancel_order(session: Session, principal: Principal, order_id: str, now: datetime) -> db.Order:
    """The resident closes an unpaid order (a paid one ends by cancelling its contract)."""
    order = visible_order(session, principal, order_id, lock=True)
    close_order(session, order, db.OrderStatus.CANCELLED, now)
    return order


def visible_order(session: Session, principal: Principal, order_id: str, lock: bool = False) -> db.Order:
    """The order if the caller may see it (its resident, staff of its site); else NotFoundError."""
    order = locked_order(session, order_id) if lock else session.get(db.Order, order_id)
    if order is None or not _may_see(session, principal, order):
        raise NotFoundError("order", order_id)
    return order


def _may_see(session: Session, principal: Principal, order: db.Order) -> bool:
    if principal.role is Role.RESIDENT:
        return order.resident_id == principal.resident_id
    return principal.may_manage_site(session.get_one(db.Site, order.site_id))


def start_payment(session: Session, principal: Principal, order_id: str, context: OrderContext,
                  provider: str, now: datetime, *, channel: Channel = Channel.MOBILE,
                  client_ip: str = "127.0.0.1", base_url: str | None = None) -> Checkout:
    """Where the resident pays the order (again: the same payment, a fresh checkout). Raises
    ``ProviderError`` when the provider refuses or does not answer (its audit row is added)."""
    order = visible_order(session, principal, order_id)
    if order.status is not db.OrderStatus.PENDING_PAYMENT or order.hold_until <= now:
        raise ConflictError(f"order {order.id} is {order.status.value}: it takes no payment")
    payment = PaymentOrder(order.id, order.amount_fen, payment_description(session, order), order.hold_until,
                           ORDER_PAGE.format(order_id=order.id), order.currency)
    return context.payments.start(session, payment, provider, channel=channel, client_ip=client_ip,
                                  base_url=base_url)


def payment_description(session: Session, order: db.Order) -> str:
    """What the resident sees at the provider: site, product and term, at most 127 bytes."""
    site = session.get_one(db.Site, order.site_id)
    product = session.get_one(db.Product, order.product_id)
    text = f"错峰停车 {site.name} {product.name} {order.months}个月"
    while len(text.encode()) > 127:
        text = text[:-1]
    return text

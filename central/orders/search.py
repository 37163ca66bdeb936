"""Finding orders: the one query behind every list of them (the API's, the resident's page, the
console's) and the totals of what a search finds.

Residents find their own orders; staff their sites' (``visible_site_ids``: an operator's
institution, every site for the admin). A range of paid days is read in each order's site's
own timezone: 10 March is midnight to midnight where the car park is, whatever the server's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal, Role, visible_site_ids
from central.listing import Page, PageRequest, page_of


@dataclass(frozen=True, slots=True)
class PaidDays:
    """Days an order was paid on, in its site's timezone, both inclusive; None: open-ended."""

    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class OrderFilter:
    contract_id: str | None = None
    status: db.OrderStatus | None = None
    site_id: str | None = None
    plate: str | None = None  # normalised (shared.parse_plate)
    paid_on: PaidDays | None = None  # only orders paid on these days


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """What a search found: how many orders, and the money kept (paid minus refunded, fen)."""

    count: int
    net_fen: int


def list_orders(session: Session, principal: Principal, page: PageRequest,
                where: OrderFilter = OrderFilter()) -> Page[db.Order]:
    """Orders the caller may see (residents: their own; operators: their sites'), newest first."""
    return page_of(session, order_query(session, principal, where), page)


def order_query(session: Session, principal: Principal, where: OrderFilter = OrderFilter()) -> Select[Any]:
    """Every order ``list_orders`` finds, newest first, unpaged (an export reads it row by row)."""
    query = select(db.Order).where(_matching(session, principal, where))
    return query.order_by(db.Order.created_at.desc(), db.Order.id)


def order_totals(session: Session, principal: Principal, where: OrderFilter = OrderFilter()) -> OrderTotals:
    """The count of the orders ``list_orders`` finds (every page), and what paid ones brought in less
    what was refunded."""
    order = db.Order
    paid = func.coalesce(func.sum(order.amount_fen).filter(order.paid_at.is_not(None)), 0)
    row = session.execute(select(func.count().label("orders"), paid.label("paid_fen"),
                                 func.coalesce(func.sum(order.refunded_fen), 0).label("refunded_fen"))
                          .where(_matching(session, principal, where))).one()
    return OrderTotals(int(row.orders), int(row.paid_fen) - int(row.refunded_fen))


def _matching(session: Session, principal: Principal, where: OrderFilter) -> ColumnElement[bool]:
    order = db.Order
    conditions: list[ColumnElement[bool]] = []
    if principal.role is Role.RESIDENT:
        conditions.append(order.resident_id == principal.resident_id)
    elif (sites := visible_site_ids(principal)) is not None:
        conditions.append(order.site_id.in_(sites))
    for column, value in ((order.contract_id, where.contract_id), (order.site_id, where.site_id),
                          (order.plate, where.plate)):
        if value is not None:
            conditions.append(column == value)
    if where.status is not None:
        conditions.append(order.status == where.status)
    if where.paid_on is not None:
        conditions.append(_paid_on(session, where.paid_on))
    return and_(*conditions) if conditions else true()


def _paid_on(session: Session, days: PaidDays) -> ColumnElement[bool]:
    """Paid on ``days`` where the order's site is: one set of UTC bounds per timezone the sites use."""
    zones = session.scalars(select(db.Site.timezone).distinct()).all()
    return or_(false(), *(and_(db.Order.site_id.in_(_sites_in(zone)), *_bounds(days, ZoneInfo(zone)))
                          for zone in zones))


def _sites_in(zone: str) -> Select[Any]:
    return select(db.Site.id).where(db.Site.timezone == zone)


def _bounds(days: PaidDays, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    paid_at = db.Order.paid_at
    bounds: list[ColumnElement[bool]] = [paid_at.is_not(None)]
    if days.first is not None:
        bounds.append(paid_at >= _midnight(days.first, tz))
    if days.last is not None:
        bounds.append(paid_at < _midnight(days.last + timedelta(days=1), tz))
    return bounds


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)

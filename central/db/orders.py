"""Orders: what a resident bought (a term of a product for a plate) and whether it was paid.

An order for a new contract makes the contract ``pending_payment`` at once, so it holds its
place while the resident pays; a renewal order extends a contract once paid. Each order keeps
the price it was made at (integer fen): a later price change applies to new orders only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


def _enum(kind: type[StrEnum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # made, holding its place until ``hold_until``
    PAID = "paid"  # a confirmed payment activated (or extended) its contract
    LAPSED = "lapsed"  # the hold ran out unpaid: its place is free again
    CANCELLED = "cancelled"  # closed unpaid by the resident, or with its contract


class OrderKind(StrEnum):
    NEW = "new"  # signs a new contract (pending_payment until paid)
    RENEWAL = "renewal"  # extends a contract's valid_to by its term once paid


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_hold_until", "status", "hold_until"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the providers' out_trade_no
    kind: Mapped[OrderKind] = mapped_column(_enum(OrderKind, 8))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, 16))
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16))  # normalised
    months: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)  # the term's first day (site-local)
    ends_on: Mapped[date] = mapped_column(Date)  # its last day, inclusive
    monthly_fee_fen: Mapped[int] = mapped_column(Integer)  # the product's price when ordered
    amount_fen: Mapped[int] = mapped_column(Integer)  # what the term costs: fee x months
    currency: Mapped[str] = mapped_column(String(3))
    hold_until: Mapped[datetime]  # unpaid by then: it lapses
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    paid_with: Mapped[str | None] = mapped_column(String(16))  # the provider; "free" for a 0-fen term
    closed_at: Mapped[datetime | None]  # lapsed or cancelled
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)  # given back when its contract ended early
    settled_at: Mapped[datetime | None]  # its contract was cancelled and the refund (if any) decided

"""Who offers places: institutions, their sites, the sites' gates and the products sold there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base
from central.overstay import DEFAULT_GRACE_MINUTES, DEFAULT_OVERSTAY_PERIOD_MINUTES


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


def _all_spaces(context: DefaultExecutionContext) -> int:
    """A site inserted without its total: its shared and reserved spaces are all it has."""
    values: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return int(values["shared_capacity"]) + int(values.get("reserved_spaces") or 0)


class Site(Base):
    """A car park. Spaces: ``total_spaces`` >= ``shared_capacity`` (open to contract holders
    off-peak) + ``reserved_spaces`` (kept for the institution's own vehicles at night)."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # also in MQTT topics
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    shared_capacity: Mapped[int] = mapped_column(Integer)  # the shared spaces
    total_spaces: Mapped[int] = mapped_column(Integer, default=_all_spaces)
    reserved_spaces: Mapped[int] = mapped_column(Integer, default=0)
    hourly_rate_fen: Mapped[int] = mapped_column(Integer, default=0)  # a product's default overstay rate
    refund_unused: Mapped[bool] = mapped_column(Boolean, default=True)  # docs/billing.md, cancellation
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # closed: nothing sold here, hidden from residents


class Gate(Base):
    """A barrier; the status columns mirror the gate's retained status message."""

    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("site_id", "gate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    gate_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="unknown")  # online, offline, unknown
    last_seen: Mapped[datetime | None]
    outbox_depth: Mapped[int] = mapped_column(Integer, default=0)
    bundle_sequence: Mapped[int] = mapped_column(Integer, default=0)
    clock_skew_s: Mapped[float | None] = mapped_column(Float)
    alarms: Mapped[list[str]] = mapped_column(JSON, default=list)  # as the gate reports them


class Product(Base):
    """What a site sells: windows, stay rules, quota and prices (money in integer fen).

    The prices are those of new orders: a contract keeps the tariff it was signed at
    (``Contract``'s tariff columns)."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # shared.TimeWindow, mode="json"
    min_stay_minutes: Mapped[int] = mapped_column(Integer, default=60)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_GRACE_MINUTES)
    quota: Mapped[int] = mapped_column(Integer)
    monthly_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    usage_rate_fen: Mapped[int] = mapped_column(Integer, default=0)
    usage_period_minutes: Mapped[int] = mapped_column(Integer, default=60)
    daily_cap_fen: Mapped[int | None] = mapped_column(Integer)
    overstay_rate_fen: Mapped[int] = mapped_column(Integer, default=0)
    overstay_period_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_OVERSTAY_PERIOD_MINUTES)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=True)
    refund_unused: Mapped[bool] = mapped_column(Boolean, default=True)  # docs/billing.md, cancellation
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # closed for good: never on sale again

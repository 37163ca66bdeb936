"""Who offers places: institutions, their sites, the sites' gates and the products sold there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base
from central.overstay import DEFAULT_GRACE_MINUTES, DEFAULT_OVERSTAY_PERIOD_MINUTES


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # also in MQTT topics
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    shared_capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


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
    """What a site sells: windows, stay rules, quota and prices (money in integer fen)."""

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
    created_at: Mapped[datetime]

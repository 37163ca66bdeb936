"""A site's own vehicles (the institution's staff cars) and its blacklist; both go into the site's bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class OwnVehicle(Base):
    """A car of the institution: opens without a contract and without using a shared space."""

    __tablename__ = "own_vehicles"
    __table_args__ = (UniqueConstraint("site_id", "plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16))  # normalised
    holder: Mapped[str] = mapped_column(String(100), default="")
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # empty: at any time
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BlacklistEntry(Base):
    """A plate the site refuses, with the reason the guard sees, until a time or until lifted (None)."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (UniqueConstraint("site_id", "plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16))  # normalised
    reason: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

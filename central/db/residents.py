"""What a resident keeps in the app: the plates they bound, and the notices shown to them in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class ResidentVehicle(Base):
    """A plate a resident bound to their account (at most ``residents.vehicles.MAX_VEHICLES``)."""

    __tablename__ = "resident_vehicles"
    __table_args__ = (UniqueConstraint("resident_id", "plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16))  # normalised, valid by shared.plates
    kind: Mapped[str] = mapped_column(String(16))  # shared.PlateKind: standard, new_energy...
    created_at: Mapped[datetime]


class ResidentNotice(Base):
    """A departure reminder, overstay notice or suspension, as the app shows it to its resident.

    Written by the in-app notifier from enforcement's alert (``alert_id`` once per resident)."""

    __tablename__ = "resident_notices"
    __table_args__ = (UniqueConstraint("resident_id", "alert_id"),
                      Index("ix_resident_notices_resident_id_id", "resident_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"))
    alert_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))  # shared.AlertKind: reminder, overstay, suspension
    site_id: Mapped[str] = mapped_column(String(64))
    contract_id: Mapped[str | None] = mapped_column(String(64))
    plate: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[datetime | None]
    minutes_left: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]  # when enforcement raised it
    created_at: Mapped[datetime]  # when it reached the app
    read_at: Mapped[datetime | None]

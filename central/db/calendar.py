"""The official calendar as the admin keeps it: one row per published year, one per listed day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class CalendarYear(Base):
    """A year whose official schedule is published; a year without a row follows the week alone."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))  # the notice or package it comes from
    imported_at: Mapped[datetime]


class CalendarDay(Base):
    """A day off the week's rule: a rest day (休) on a weekday or a make-up working day (班)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # shared.DayType: rest or working

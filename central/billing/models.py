"""Issued statements and their lines. Rows are written once and never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class StatementRecord(Base):
    """One contract's statement for one month; ``id`` is ``<contract>/<YYYY-MM>``."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("contract_id", "month"), Index("ix_statements_month", "month"))

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    site_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, site-local
    issued_at: Mapped[datetime]
    lines: Mapped[int] = mapped_column(Integer)
    overstay_fen: Mapped[int] = mapped_column(BigInteger)
    adjustments_fen: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)


class StatementLineRecord(Base):
    """A fee, a stay or an adjustment, with the stay's times as they were when charged.

    A stay has at most one line per statement; its latest line is the one with the
    greatest ``statement_id`` (``<contract>/<YYYY-MM>`` sorts by month).
    """

    __tablename__ = "statement_lines"
    __table_args__ = (Index("ix_statement_lines_stay_id", "stay_id"),)

    statement_id: Mapped[str] = mapped_column(ForeignKey("statements.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # billing.LineKind
    stay_id: Mapped[int | None] = mapped_column(Integer)
    plate: Mapped[str | None] = mapped_column(String(16))
    entered: Mapped[int | None] = mapped_column(BigInteger)  # POSIX seconds, UTC
    exited: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[int | None] = mapped_column(BigInteger)
    usage_periods: Mapped[int] = mapped_column(Integer)
    usage_fen: Mapped[int] = mapped_column(BigInteger)
    overstay_periods: Mapped[int] = mapped_column(Integer)
    overstay_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(200))


"""Writing issued statements in bulk, and reading them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Connection, MetaData, Select, Table, func, insert, select

from central.billing.models import StatementLineRecord, StatementRecord
from central.billing.statement import Statement
from central.db.bulk import insert_rows
from central.listing import Page, PageRequest

FLUSH_EVERY = 5_000  # statements per batch of INSERTs

_LINE_COLUMNS = list(StatementLineRecord.__table__.columns)
_LINE_NAMES = [c.name for c in _LINE_COLUMNS]


def _line_buffer() -> Table:
    # On SQLite, lines wait in a temporary table while the stays are still being read (the
    # stream joins statement_lines, and SQLite must not scan a table while rows are added
    # to it), then move in one INSERT ... SELECT. PostgreSQL's cursor reads a snapshot, so
    # lines go straight in.
    return Table("billing_line_buffer", MetaData(),
                 *(Column(c.name, c.type) for c in _LINE_COLUMNS), prefixes=["TEMPORARY"])


class StatementWriter:
    """Buffers statements and lines; ``finish`` writes what is left and moves the lines in."""

    def __init__(self, conn: Connection, issued_at: datetime) -> None:
        self.conn = conn
        self.issued_at = issued_at
        self.buffered = conn.dialect.name != "postgresql"
        self.buffer: Table = _line_buffer() if self.buffered else cast(Table, StatementLineRecord.__table__)
        if self.buffered:
            self.buffer.create(conn)
        self._statements: list[dict[str, Any]] = []
        self._lines: list[tuple[Any, ...]] = []
        self.statements = self.lines = self.total_fen = 0

    def add(self, site_id: str, statement: Statement) -> None:
        statement_id = f"{statement.contract_id}/{statement.month}"
        self._statements.append({
            "id": statement_id, "contract_id": statement.contract_id, "site_id": site_id,
            "month": str(statement.month), "issued_at": self.issued_at, "lines": len(statement.lines),
            "overstay_fen": statement.overstay_fen, "adjustments_fen": statement.adjustments_fen,
            "total_fen": statement.total_fen,
        })
        self._lines.extend(  # in the order of _LINE_COLUMNS
            (statement_id, n, line.kind.value, line.stay_id, line.plate, line.entered, line.exited,
             line.deadline, line.usage_periods, line.usage_fen, line.overstay_periods, line.overstay_fen,
             line.amount_fen, line.note)
            for n, line in enumerate(statement.lines)
        )
        self.statements += 1
        self.lines += len(statement.lines)
        self.total_fen += statement.total_fen
        if len(self._statements) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._statements:
            self.conn.execute(insert(StatementRecord), self._statements)
        if self._lines:
            insert_rows(self.conn, self.buffer, _LINE_NAMES, self._lines)
        self._statements, self._lines = [], []

    def finish(self) -> None:
        self._flush()
        if not self.buffered:
            return
        moved = select(*(self.buffer.c[n] for n in _LINE_NAMES)).order_by(
            self.buffer.c.statement_id, self.buffer.c.position)
        self.conn.execute(insert(StatementLineRecord).from_select(_LINE_NAMES, moved))
        self.buffer.drop(self.conn)


def statement_rows(conn: Connection, month: str, contract_id: str | None = None,
                   with_lines: bool = True) -> list[dict[str, Any]]:
    """Issued statements of ``month`` with their lines, as plain data (the API's JSON)."""
    query = select(StatementRecord).where(StatementRecord.month == month).order_by(StatementRecord.id)
    if contract_id is not None:
        query = query.where(StatementRecord.contract_id == contract_id)
    statements = {row.id: {**row._asdict(), "line_items": []} for row in conn.execute(query)}
    if not statements or not with_lines:
        return list(statements.values())
    lines = (select(StatementLineRecord).where(StatementLineRecord.statement_id.in_(list(statements)))
             .order_by(StatementLineRecord.statement_id, StatementLineRecord.position))
    for line in conn.execute(lines):
        statements[line.statement_id]["line_items"].append(
            {k: v for k, v in line._asdict().items() if k != "statement_id"})
    return list(statements.values())


def statement_page(conn: Connection, page: PageRequest, sites: Select[Any] | None, month: str | None = None,
                   site_id: str | None = None, contract_id: str | None = None) -> Page[dict[str, Any]]:
    """Issued statements (without lines) at ``sites`` (a subquery of site ids; None: all), newest month
    first, and their total."""
    query = select(StatementRecord)
    for column, value in ((StatementRecord.month, month), (StatementRecord.site_id, site_id),
                          (StatementRecord.contract_id, contract_id)):
        if value is not None:
            query = query.where(column == value)
    if sites is not None:
        query = query.where(StatementRecord.site_id.in_(sites))
    total = conn.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = conn.execute(query.order_by(StatementRecord.month.desc(), StatementRecord.id)
                        .limit(page.limit).offset(page.offset))
    return Page([{**row._asdict(), "line_items": []} for row in rows], total, page.limit, page.offset)

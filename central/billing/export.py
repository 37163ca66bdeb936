"""CSV export of a month's statements: one row per line, amounts in fen and in yuan."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from central.billing.models import StatementLineRecord, StatementRecord
from central.db import Site

_UTC = ZoneInfo("UTC")
_FORMULA_STARTS = frozenset("=+-@\t\r")

HEADER = ("statement_id", "contract_id", "site_id", "month", "position", "kind", "stay_id", "plate",
          "entered_at", "exited_at", "duration_minutes", "usage_periods", "usage_fen",
          "overstay_periods", "overstay_fen", "amount_fen", "amount_yuan", "note")


def yuan(fen: int) -> str:
    """Integer fen as a yuan string with two decimals: 1250 -> '12.50', -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def text_cell(text: str | None) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula (``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return; a plate comes from a camera's read) gets a leading ``'``."""
    if not text:
        return ""
    return f"'{text}" if text[0] in _FORMULA_STARTS else text


def export_csv(conn: Connection, month: str, path: Path) -> int:
    """Write every line of ``month``'s statements to ``path``; returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        return write_csv(conn, month, handle)


def write_csv(conn: Connection, month: str, handle: TextIO, site_id: str | None = None) -> int:
    """Write every line of ``month``'s statements (of one site, if given) to an open text stream;
    returns the rows written."""
    zones = {site: ZoneInfo(tz) for site, tz in conn.execute(select(Site.id, Site.timezone))}
    s, ln = StatementRecord, StatementLineRecord
    query = (select(s.id, s.contract_id, s.site_id, s.month, ln.position, ln.kind, ln.stay_id, ln.plate,
                    ln.entered, ln.exited, ln.usage_periods, ln.usage_fen, ln.overstay_periods,
                    ln.overstay_fen, ln.amount_fen, ln.note)
             .join(ln, ln.statement_id == s.id).where(s.month == month).order_by(s.id, ln.position))
    if site_id is not None:
        query = query.where(s.site_id == site_id)
    count = 0
    out = csv.writer(handle)
    out.writerow(HEADER)
    for row in conn.execute(query).yield_per(10_000):
        tz = zones.get(row.site_id, _UTC)
        duration = "" if row.entered is None else (row.exited - row.entered) // 60
        out.writerow((*row[:7], text_cell(row.plate), _local(row.entered, tz), _local(row.exited, tz),
                      duration, *row[10:15], yuan(row.amount_fen), text_cell(row.note)))
        count += 1
    return count


def _local(seconds: int | None, tz: ZoneInfo) -> str:
    return "" if seconds is None else datetime.fromtimestamp(seconds, tz).isoformat()

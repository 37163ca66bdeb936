"""A resident's issued statements: the list, one statement with its lines, and the same as a table
for the CSV and PDF downloads (in the page's language, times in the site's zone).

Statements are billing's (``central.billing.store``), issued once after each month; residents see
those of their own contracts only: another's is not found.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.billing.export import yuan
from central.billing.models import StatementRecord
from central.billing.month import Month
from central.billing.statement import LineKind
from central.billing.store import statement_rows
from central.contracts.service import visible_contract
from central.core.security import Principal
from central.errors import NotFoundError
from central.residents.caller import resident_of

Translate = Callable[..., str]  # PageRequest.t


@dataclass(frozen=True, slots=True)
class StatementSummary:
    contract_id: str
    month: str  # YYYY-MM
    site_name: str
    product_name: str
    plates: str
    total_fen: int


@dataclass(frozen=True, slots=True)
class StatementLineView:
    kind: LineKind
    amount_fen: int
    plate: str | None
    entered_at: datetime | None
    exited_at: datetime | None
    minutes: int | None
    usage_periods: int
    usage_fen: int
    overstay_periods: int
    overstay_fen: int
    pro_rata: bool  # a monthly fee for part of the month


@dataclass(frozen=True, slots=True)
class StatementView:
    contract: db.Contract
    site: db.Site
    product: db.Product
    month: Month
    issued_at: datetime
    lines: tuple[StatementLineView, ...]
    overstay_fen: int
    adjustments_fen: int
    total_fen: int

    @property
    def fee_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines if line.kind is LineKind.MONTHLY_FEE)

    @property
    def stays_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines if line.kind is LineKind.STAY)


def my_statements(session: Session, principal: Principal) -> list[StatementSummary]:
    """Every issued statement of the caller's contracts, newest month first."""
    query = (select(StatementRecord.contract_id, StatementRecord.month, StatementRecord.total_fen,
                    db.Site.name.label("site_name"), db.Product.name.label("product_name"),
                    db.Contract.plates)
             .join(db.Contract, db.Contract.id == StatementRecord.contract_id)
             .join(db.Site, db.Site.id == db.Contract.site_id)
             .join(db.Product, db.Product.id == db.Contract.product_id)
             .where(db.Contract.resident_id == resident_of(principal))
             .order_by(StatementRecord.month.desc(), StatementRecord.contract_id))
    return [StatementSummary(row.contract_id, row.month, row.site_name, row.product_name,
                             " ".join(p for p in row.plates.split("|") if p), row.total_fen)
            for row in session.execute(query)]


def statement_view(session: Session, principal: Principal, contract_id: str,
                   month_text: str) -> StatementView:
    """One of the caller's statements with its lines; NotFoundError for any other."""
    month = Month.parse(month_text)
    contract, site = visible_contract(session, principal, contract_id)
    found = statement_rows(session.connection(), str(month), contract.id)
    if not found:
        raise NotFoundError("statement", f"{contract_id}/{month}")
    row = found[0]
    product = session.get_one(db.Product, contract.product_id)
    return StatementView(contract, site, product, month, row["issued_at"],
                         tuple(_line(item) for item in row["line_items"]), row["overstay_fen"],
                         row["adjustments_fen"], row["total_fen"])


def _line(item: dict[str, Any]) -> StatementLineView:
    entered, exited = _instant(item["entered"]), _instant(item["exited"])
    minutes = None if entered is None or exited is None else int((exited - entered).total_seconds()) // 60
    kind = LineKind(item["kind"])
    return StatementLineView(kind, item["amount_fen"], item["plate"], entered, exited, minutes,
                             item["usage_periods"], item["usage_fen"], item["overstay_periods"],
                             item["overstay_fen"], kind is LineKind.MONTHLY_FEE and bool(item["note"]))


def _instant(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def line_label(line: StatementLineView, t: Translate) -> str:
    """What a line is, in the page's language (billing's notes are for staff, in English)."""
    if line.kind is LineKind.MONTHLY_FEE:
        return t("statement.kind.fee_pro_rata" if line.pro_rata else "statement.kind.fee")
    return t(f"statement.kind.{line.kind.value}")


def statement_table(view: StatementView, t: Translate) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the downloads: local times as ``2025-03-03 20:05``, money in yuan."""
    tz = ZoneInfo(view.site.timezone)

    def local(moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"

    header = [t(f"statement.col.{name}") for name in (
        "item", "plate", "entered", "exited", "minutes", "usage_fen", "overstay_fen", "amount")]
    rows = [[line_label(line, t), line.plate or "", local(line.entered_at), local(line.exited_at),
             "" if line.minutes is None else str(line.minutes), yuan(line.usage_fen), yuan(line.overstay_fen),
             yuan(line.amount_fen)] for line in view.lines]
    rows.append([t("statement.total"), "", "", "", "", "", yuan(view.overstay_fen), yuan(view.total_fen)])
    return header, rows


def statement_csv(view: StatementView, t: Translate) -> str:
    """The statement as CSV with a byte-order mark, so that a spreadsheet reads the Chinese right."""
    header, rows = statement_table(view, t)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def download_name(view: StatementView, suffix: str) -> str:
    return f"statement-{view.contract.id}-{view.month}.{suffix}"

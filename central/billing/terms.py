"""What the bill run needs of each contract: the tariff it was signed at, its hours, its refund rule.

Two queries whatever the number of contracts: the contracts (with their product's windows
and their site's zone), and the fee already billed to cancelled contracts that may get a
refund. The calendar comes from the database (``central.calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, func, select

from central.billing.models import StatementLineRecord, StatementRecord
from central.billing.month import Month
from central.billing.statement import LineKind, StatementLine, refund_line
from central.billing.tariff import ContractHours, Tariff
from central.calendar import load_calendar
from central.db import TARIFF_COLUMNS, UNPAID, Contract, Product, Site
from shared import OfficialCalendar, TimeWindow


@dataclass(frozen=True, slots=True)
class Terms:
    """What billing needs of one contract."""

    contract_id: str
    site_id: str
    tariff: Tariff
    hours: ContractHours
    cancelled_on: date | None = None  # the day a cancellation took effect
    refunds: bool = True  # neither the product nor the site said "no refund"

    def valid_in(self, month: Month) -> bool:
        return (self.hours.valid_from or month.first_day) <= month.last_day and \
            (self.hours.valid_to or month.last_day) >= month.first_day

    def refund(self, fee_billed: dict[Month, int]) -> StatementLine | None:
        if self.cancelled_on is None or not self.refunds or not fee_billed:
            return None
        return refund_line(self.tariff, self.hours, fee_billed, self.cancelled_on)


def load_terms(conn: Connection, month: Month) -> dict[str, Terms]:
    """Every contract that may have something to bill for ``month``."""
    query = (
        select(Contract.id.label("contract_id"), Contract.site_id, Contract.valid_from, Contract.valid_to,
               Contract.ends_on, *(getattr(Contract, name) for name in TARIFF_COLUMNS),
               Product.id.label("product_id"), Product.windows, Site.timezone,
               (Product.refund_unused & Site.refund_unused).label("refunds"))
        .join(Product, Product.id == Contract.product_id)
        .join(Site, Site.id == Contract.site_id)
        .where(Contract.valid_from <= month.last_day, Contract.status.not_in(UNPAID))
    )
    calendar = load_calendar(conn, month.year - 1, month.year + 1)
    products: dict[str, tuple[tuple[TimeWindow, ...], ZoneInfo]] = {}
    tariffs: dict[tuple[Any, ...], Tariff] = {}
    terms = {}
    for row in conn.execute(query):
        if row.product_id not in products:
            products[row.product_id] = _product(row)
        windows, tz = products[row.product_id]
        terms[row.contract_id] = _terms(row, windows, tz, calendar, tariffs)
    return terms


def _terms(row: Row[Any], windows: tuple[TimeWindow, ...], tz: ZoneInfo, calendar: OfficialCalendar,
           tariffs: dict[tuple[Any, ...], Tariff]) -> Terms:
    prices = tuple(getattr(row, name) for name in TARIFF_COLUMNS)
    tariff = tariffs.get(prices)
    if tariff is None:
        tariff = tariffs[prices] = Tariff(**dict(zip(TARIFF_COLUMNS, prices, strict=True)))
    last = row.valid_to if row.ends_on is None else min(row.valid_to, row.ends_on)
    hours = ContractHours(windows, tz, calendar, row.valid_from, last)
    return Terms(row.contract_id, row.site_id, tariff, hours, row.ends_on, bool(row.refunds))


def _product(row: Row[Any]) -> tuple[tuple[TimeWindow, ...], ZoneInfo]:
    return tuple(TimeWindow.model_validate(w) for w in row.windows), ZoneInfo(row.timezone)


def fee_billed(conn: Connection, month: Month) -> dict[str, dict[Month, int]]:
    """Per cancelled contract, the fee and refund lines of each statement issued before ``month``."""
    s, line = StatementRecord, StatementLineRecord
    query = (select(s.contract_id, s.month, func.sum(line.amount_fen).label("fen"))
             .join(line, line.statement_id == s.id)
             .join(Contract, Contract.id == s.contract_id)
             .where(Contract.ends_on.is_not(None), s.month < str(month),
                    line.kind.in_((LineKind.MONTHLY_FEE.value, LineKind.REFUND.value)))
             .group_by(s.contract_id, s.month))
    found: dict[str, dict[Month, int]] = {}
    for row in conn.execute(query):
        found.setdefault(row.contract_id, {})[Month.parse(row.month)] = int(row.fen)
    return found

"""The monthly bill run: every contract's statement, set-based, in one transaction.

Three queries whatever the number of contracts: the contracts with their
product's tariff and windows, the statements already issued for the month,
and one stream of the stays to charge (closed by the end of the month and
never billed, or billed with times that changed since), ordered by contract.
A contract whose statement for the month exists is skipped, so running the
month again changes nothing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Connection, Row, and_, cast, func, or_, select
from tqdm import tqdm

from central.billing.models import StatementLineRecord, StatementRecord
from central.billing.month import Month
from central.billing.sql import epoch
from central.billing.statement import StayRecord, build_statement
from central.billing.store import StatementWriter
from central.billing.tariff import ContractHours, Tariff
from central.calendar import official_calendar
from central.db import Contract, Database, Product, Site, Stay
from shared import TimeWindow

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Terms:
    """What billing needs of one contract."""

    contract_id: str
    site_id: str
    tariff: Tariff
    hours: ContractHours

    def valid_in(self, month: Month) -> bool:
        return (self.hours.valid_from or month.first_day) <= month.last_day and \
            (self.hours.valid_to or month.last_day) >= month.first_day


@dataclass(frozen=True, slots=True)
class BillSummary:
    month: str
    statements: int
    already_issued: int
    lines: int
    total_fen: int


def bill_month(database: Database, month: Month, now: datetime, progress: bool = False) -> BillSummary:
    """Issue every missing statement of ``month``; ``progress`` shows a bar on stderr."""
    with database.transaction() as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql":  # sort the month's stays in memory, not on disk
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        terms = load_terms(conn, month)
        issued = issued_contracts(conn, month)
        pending = {cid: t for cid, t in terms.items() if cid not in issued}
        writer = StatementWriter(conn, now)
        with tqdm(total=len(pending), disable=not progress, unit="contract", desc=str(month)) as bar:
            for contract_id, stays, billed in stays_by_contract(conn, month):
                found = pending.pop(contract_id, None)
                if found is not None:
                    writer.add(found.site_id, build_statement(
                        contract_id, month, found.tariff, found.hours, stays, billed))
                    bar.update()
            for found in pending.values():
                if found.valid_in(month):
                    writer.add(found.site_id, build_statement(
                        found.contract_id, month, found.tariff, found.hours, ()))
                bar.update()
        writer.finish()
    summary = BillSummary(str(month), writer.statements, len(issued), writer.lines, writer.total_fen)
    logger.info("billed %s: %s statements, %s lines, %s fen; %s already issued", month,
                summary.statements, summary.lines, summary.total_fen, summary.already_issued)
    return summary


def load_terms(conn: Connection, month: Month) -> dict[str, Terms]:
    """Every contract that may have something to bill for ``month``."""
    query = (
        select(Contract.id.label("contract_id"), Contract.site_id, Contract.valid_from, Contract.valid_to,
               Product.id.label("product_id"), Product.windows, Product.monthly_fee_fen,
               Product.usage_rate_fen, Product.usage_period_minutes, Product.daily_cap_fen,
               Product.overstay_rate_fen, Product.overstay_period_minutes, Product.grace_minutes,
               Site.timezone)
        .join(Product, Product.id == Contract.product_id)
        .join(Site, Site.id == Contract.site_id)
        .where(Contract.valid_from <= month.last_day)
    )
    products: dict[str, tuple[Tariff, tuple[TimeWindow, ...], ZoneInfo]] = {}
    calendar = official_calendar(month.year - 1, month.year + 1)
    terms = {}
    for row in conn.execute(query):
        if row.product_id not in products:
            products[row.product_id] = _product(row)
        tariff, windows, tz = products[row.product_id]
        terms[row.contract_id] = Terms(row.contract_id, row.site_id, tariff,
                                       ContractHours(windows, tz, calendar, row.valid_from, row.valid_to))
    return terms



def _product(row: Row[Any]) -> tuple[Tariff, tuple[TimeWindow, ...], ZoneInfo]:
    tariff = Tariff(monthly_fee_fen=row.monthly_fee_fen, usage_rate_fen=row.usage_rate_fen,
                    usage_period_minutes=row.usage_period_minutes, daily_cap_fen=row.daily_cap_fen,
                    overstay_rate_fen=row.overstay_rate_fen,
                    overstay_period_minutes=row.overstay_period_minutes, grace_minutes=row.grace_minutes)
    return tariff, tuple(TimeWindow.model_validate(w) for w in row.windows), ZoneInfo(row.timezone)


def issued_contracts(conn: Connection, month: Month) -> set[str]:
    return set(conn.scalars(select(StatementRecord.contract_id).where(StatementRecord.month == str(month))))


class StayToCharge(NamedTuple):
    """One row of the stays stream. The query labels its columns with these names, in this
    order; a million rows a month are read through this tuple rather than by SQLAlchemy's
    slower attribute lookup on each row."""

    contract_id: str
    stay_id: int
    plate: str
    entered: int  # POSIX seconds, floored, computed by the database
    exited: int
    deadline: int | None
    billed: int | None  # fen already billed for this stay, None when never billed


def stays_by_contract(
    conn: Connection, month: Month,
) -> Iterator[tuple[str, list[StayRecord], dict[int, int]]]:
    """Stays to charge, one contract at a time: (contract id, stays, what was billed for them)."""
    streamed = {"stream_results": True, "yield_per": 20_000}
    rows = map(StayToCharge._make, conn.execute(_stays_query(month), execution_options=streamed))
    for contract_id, group in itertools.groupby(rows, key=lambda r: r.contract_id):
        stays, billed = [], {}
        for row in group:
            if row.exited < row.entered:
                logger.warning("stay %s of contract %s exits before it enters: not charged", row.stay_id,
                               contract_id)
                continue
            stays.append(StayRecord(row.stay_id, row.plate, row.entered, row.exited, row.deadline))
            if row.billed is not None:
                billed[row.stay_id] = row.billed
        yield contract_id, stays, billed


def _stays_query(month: Month) -> Any:
    # Loose in UTC: every timezone's month ends before this; the statement keeps the exact bound.
    loose_end = datetime.combine(month.next().first_day, time(), tzinfo=UTC) + timedelta(hours=12)
    lines = StatementLineRecord
    billed = (select(lines.stay_id, func.max(lines.statement_id).label("last_statement"),
                     cast(func.sum(lines.amount_fen), BigInteger).label("billed"))  # int, not numeric
              .where(lines.stay_id.is_not(None)).group_by(lines.stay_id).subquery())
    last = select(lines).subquery()
    entered, exited, deadline = epoch(Stay.entered_at), epoch(Stay.exited_at), epoch(Stay.deadline)
    changed = or_(last.c.entered.is_distinct_from(entered), last.c.exited.is_distinct_from(exited),
                  last.c.deadline.is_distinct_from(deadline))
    columns = {"contract_id": Stay.contract_id, "stay_id": Stay.id, "plate": Stay.plate, "entered": entered,
               "exited": exited, "deadline": deadline, "billed": billed.c.billed}
    return (
        select(*(columns[name].label(name) for name in StayToCharge._fields))
        .outerjoin(billed, billed.c.stay_id == Stay.id)
        .outerjoin(last, (last.c.statement_id == billed.c.last_statement) & (last.c.stay_id == Stay.id))
        .where(and_(Stay.contract_id.is_not(None), Stay.entered_at.is_not(None),
                    Stay.exited_at.is_not(None), Stay.exited_at < loose_end))
        .where(or_(billed.c.stay_id.is_(None), changed))
        .order_by(Stay.contract_id, Stay.id)
    )


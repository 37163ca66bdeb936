"""The monthly bill run: every contract's statement, set-based, in one transaction.

A handful of queries whatever the number of contracts: the contracts with the tariff
they were signed at (``terms``), the statements already issued for the month, the fee
billed to cancelled contracts (their refunds), the stays billed earlier around the
month's first nights, and one stream of the stays to charge, ordered by contract
(``stays``). A contract whose statement for the month exists is skipped, so running the
month again changes nothing.

A month is billed only once it has ended in every site's timezone (an early run would
freeze a month before its last nights); ``preview_month`` shows any month that has
started, without storing anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from tqdm import tqdm

from central.billing.export import write_csv
from central.billing.models import StatementRecord
from central.billing.month import Month
from central.billing.statement import Statement, StayRecord, build_statement
from central.billing.stays import SHARED_NIGHT_S, ContractStays, earlier_stays, month_edges, stays_by_contract
from central.billing.store import StatementWriter
from central.billing.terms import Terms, fee_billed, load_terms
from central.db import Database, Site
from central.errors import MonthError

logger = logging.getLogger(__name__)

DEFAULT_ZONE = "Asia/Shanghai"  # whose month counts while there is no site yet


@dataclass(frozen=True, slots=True)
class BillSummary:
    month: str
    statements: int
    already_issued: int
    lines: int
    total_fen: int


def bill_month(database: Database, month: Month, now: datetime, progress: bool = False) -> BillSummary:
    """Issue every missing statement of ``month``; MonthError unless it has ended in every site's zone."""
    with database.transaction() as session:
        conn = session.connection()
        check_month_ended(conn, month, now)
        summary = issue_statements(conn, month, now, progress)
    logger.info("billed %s: %s statements, %s lines, %s fen; %s already issued", month,
                summary.statements, summary.lines, summary.total_fen, summary.already_issued)
    return summary


def preview_month(database: Database, month: Month, now: datetime, out: TextIO) -> BillSummary:
    """What ``bill_month`` would issue now, as CSV on ``out``; nothing is stored (the run is rolled back).

    Any month that has started may be previewed, the current one too.
    """
    with database.session_factory() as session:
        transaction = session.begin()
        try:
            conn = session.connection()
            if all(month.first_day > now.astimezone(zone).date() for zone in _zones(conn)):
                raise MonthError(f"month {month} has not started")
            summary = issue_statements(conn, month, now, progress=False)
            write_csv(conn, str(month), out)
        finally:
            transaction.rollback()
    return summary


def check_month_ended(conn: Connection, month: Month, now: datetime) -> None:
    """MonthError naming the zone and the end, unless ``month`` has ended in every site's timezone."""
    for zone in _zones(conn):
        end = month.bounds(zone)[1]
        if now < end:
            raise MonthError(f"month {month} has not ended: it ends at {end.isoformat()} ({zone.key}); "
                             "bill it after that, or look at it with --preview")


def _zones(conn: Connection) -> list[ZoneInfo]:
    names = set(conn.scalars(select(Site.timezone).distinct())) or {DEFAULT_ZONE}
    return [ZoneInfo(name) for name in sorted(names)]


def issue_statements(conn: Connection, month: Month, now: datetime, progress: bool = False) -> BillSummary:
    """Build and store every missing statement of ``month`` in the caller's transaction."""
    if conn.dialect.name == "postgresql":  # sort the month's stays in memory, not on disk
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    terms = load_terms(conn, month)
    issued = issued_contracts(conn, month)
    pending = {cid: t for cid, t in terms.items() if cid not in issued}
    fees = fee_billed(conn, month)
    since = month_edges(month)[0]
    earlier = earlier_stays(conn, month, since)
    writer = StatementWriter(conn, now)
    deferred: list[tuple[Terms, ContractStays]] = []
    with tqdm(total=len(pending), disable=not progress, unit="contract", desc=str(month)) as bar:
        for contract_id, stays, billed in stays_by_contract(conn, month):
            found = pending.pop(contract_id, None)
            if found is None:
                continue
            if stays and min(s.entered for s in stays) - SHARED_NIGHT_S < since.timestamp():
                deferred.append((found, (contract_id, stays, billed)))  # a late stay: read its nights below
                continue
            writer.add(found.site_id, _statement(month, found, stays, billed, earlier.get(contract_id), fees))
            bar.update()
        _add_deferred(conn, month, writer, deferred, fees)
        bar.update(len(deferred))
        for found in pending.values():
            if found.valid_in(month) or found.refund(fees.get(found.contract_id, {})) is not None:
                writer.add(found.site_id, _statement(month, found, [], {}, None, fees))
            bar.update()
    writer.finish()
    return BillSummary(str(month), writer.statements, len(issued), writer.lines, writer.total_fen)


def _add_deferred(conn: Connection, month: Month, writer: StatementWriter,
                  deferred: list[tuple[Terms, ContractStays]], fees: dict[str, dict[Month, int]]) -> None:
    """The contracts with a stay that entered before the month's first nights, with their earlier stays."""
    if not deferred:
        return
    first = min(s.entered for _, (_, stays, _) in deferred for s in stays) - SHARED_NIGHT_S
    since = datetime.fromtimestamp(first, month_edges(month)[0].tzinfo)
    earlier = earlier_stays(conn, month, since, {terms.contract_id for terms, _ in deferred})
    for terms, (contract_id, stays, billed) in deferred:
        writer.add(terms.site_id, _statement(month, terms, stays, billed, earlier.get(contract_id), fees))


def _statement(month: Month, terms: Terms, stays: list[StayRecord], billed: dict[int, int],
               earlier: ContractStays | None, fees: dict[str, dict[Month, int]]) -> Statement:
    before, before_billed = ([], {}) if earlier is None else (earlier[1], earlier[2])
    return build_statement(terms.contract_id, month, terms.tariff, terms.hours, stays,
                           {**before_billed, **billed}, before, terms.refund(fees.get(terms.contract_id, {})))


def issued_contracts(conn: Connection, month: Month) -> set[str]:
    return set(conn.scalars(select(StatementRecord.contract_id).where(StatementRecord.month == str(month))))

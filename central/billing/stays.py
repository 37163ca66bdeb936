"""The stays a bill run reads: one stream of those to charge, and those billed earlier that share a night.

The stream holds the stays closed by the end of the month and never billed, or billed
with times that changed since, ordered by contract. A billing day is rounded and capped
over all the contract's stays of that day, so the run also reads the unchanged stays
billed on earlier statements that may share a day with the ones it charges: a stay shares
a billing day only with stays that left less than two days before it entered (a window
occurrence lasts two local days at most). For the nights around the start of the month
that is one query by time; a late or corrected stay further back asks for its contract.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Connection, and_, cast, func, or_, select

from central.billing.models import StatementLineRecord
from central.billing.month import Month
from central.billing.sql import epoch
from central.billing.statement import StayRecord
from central.db import Stay

logger = logging.getLogger(__name__)

SHARED_NIGHT_S = 2 * 86400  # a stay shares billing days only with stays that left this long before it entered


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


ContractStays = tuple[str, list[StayRecord], dict[int, int]]


def month_edges(month: Month) -> tuple[datetime, datetime]:
    """Loose UTC bounds around every timezone's month: earlier stays from the first, stays to charge
    before the second (the statement keeps the exact bounds)."""
    first = datetime.combine(month.first_day, time(), tzinfo=UTC)
    loose_end = datetime.combine(month.next().first_day, time(), tzinfo=UTC) + timedelta(hours=12)
    return first - timedelta(hours=14) - timedelta(seconds=SHARED_NIGHT_S), loose_end


def stays_by_contract(conn: Connection, month: Month) -> Iterator[ContractStays]:
    """Stays to charge, one contract at a time: (contract id, stays, what was billed for them)."""
    streamed = {"stream_results": True, "yield_per": 20_000}
    rows = map(StayToCharge._make, conn.execute(_to_charge(month), execution_options=streamed))
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


def earlier_stays(conn: Connection, month: Month, since: datetime,
                  contracts: Collection[str] | None = None) -> dict[str, ContractStays]:
    """Stays billed before, closed from ``since`` to the month's loose end, by contract (or ``contracts``)."""
    query = _billed(month).where(Stay.exited_at >= since)
    if contracts is None:
        return _grouped(conn.execute(query))
    ids = sorted(contracts)
    found: dict[str, ContractStays] = {}
    for at in range(0, len(ids), 500):
        found.update(_grouped(conn.execute(query.where(Stay.contract_id.in_(ids[at:at + 500])))))
    return found


def _grouped(rows: Any) -> dict[str, ContractStays]:
    found: dict[str, ContractStays] = {}
    for row in map(StayToCharge._make, rows):
        _, stays, billed = found.setdefault(row.contract_id, (row.contract_id, [], {}))
        stays.append(StayRecord(row.stay_id, row.plate, row.entered, row.exited, row.deadline))
        billed[row.stay_id] = row.billed or 0
    return found


def _billed_sums() -> Any:
    lines = StatementLineRecord
    return (select(lines.stay_id, func.max(lines.statement_id).label("last_statement"),
                   cast(func.sum(lines.amount_fen), BigInteger).label("billed"))  # int, not numeric
            .where(lines.stay_id.is_not(None)).group_by(lines.stay_id).subquery())


def _columns(billed: Any) -> list[Any]:
    columns = {"contract_id": Stay.contract_id, "stay_id": Stay.id, "plate": Stay.plate,
               "entered": epoch(Stay.entered_at), "exited": epoch(Stay.exited_at),
               "deadline": epoch(Stay.deadline), "billed": billed.c.billed}
    return [columns[name].label(name) for name in StayToCharge._fields]


def _closed_with_contract(month: Month) -> Any:
    return and_(Stay.contract_id.is_not(None), Stay.entered_at.is_not(None), Stay.exited_at.is_not(None),
                Stay.exited_at < month_edges(month)[1])


def _to_charge(month: Month) -> Any:
    billed = _billed_sums()
    last = select(StatementLineRecord).subquery()
    entered, exited, deadline = epoch(Stay.entered_at), epoch(Stay.exited_at), epoch(Stay.deadline)
    changed = or_(last.c.entered.is_distinct_from(entered), last.c.exited.is_distinct_from(exited),
                  last.c.deadline.is_distinct_from(deadline))
    return (
        select(*_columns(billed))
        .outerjoin(billed, billed.c.stay_id == Stay.id)
        .outerjoin(last, (last.c.statement_id == billed.c.last_statement) & (last.c.stay_id == Stay.id))
        .where(_closed_with_contract(month))
        .where(or_(billed.c.stay_id.is_(None), changed))
        .order_by(Stay.contract_id, Stay.id)
    )


def _billed(month: Month) -> Any:
    billed = _billed_sums()
    return (select(*_columns(billed)).join(billed, billed.c.stay_id == Stay.id)
            .where(_closed_with_contract(month)).order_by(Stay.contract_id, Stay.entered_at))

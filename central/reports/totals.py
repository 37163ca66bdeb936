"""A site's totals by period: revenue by month (issued statements) and violations by week.

Both are counted in SQL, one grouped query each: the months are the statements' own ``month``
column (site-local, as billing writes it); the weeks are site-local Monday-to-Sunday spans,
turned into UTC bounds here and bucketed by a ``CASE`` in the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central import db
from central.billing.models import StatementRecord
from central.billing.month import Month
from central.enforcement.models import Violation


def months_before(now: datetime, tz: ZoneInfo, count: int) -> list[Month]:
    """The last ``count`` months that have ended (site-local), oldest first: issued months only."""
    current = Month.of(now, tz)
    found: list[Month] = []
    year, month = current.year, current.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        found.append(Month(year, month))
    return found[::-1]


def revenue_by_month(session: Session, site_id: str, months: Sequence[Month]) -> list[int]:
    """Fen on the issued statements of the site, per month of ``months`` (0 where none)."""
    names = [str(month) for month in months]
    totals = {month: int(fen or 0) for month, fen in session.execute(
        select(StatementRecord.month, func.sum(StatementRecord.total_fen))
        .where(StatementRecord.site_id == site_id, StatementRecord.month.in_(names))
        .group_by(StatementRecord.month))}
    return [totals.get(name, 0) for name in names]


def violations_by_week(session: Session, site: db.Site, mondays: Sequence[date]) -> list[int]:
    """Violations (overstays, dated when they began) at the site in each week starting on ``mondays``."""
    tz = ZoneInfo(site.timezone)
    bounds = [datetime.combine(day, datetime.min.time(), tzinfo=tz)
              for day in [*mondays, mondays[-1] + timedelta(weeks=1)]]
    counts = {int(bucket): int(n) for bucket, n in
              session.execute(_bucketed(Violation.at, bounds, Violation.site_id == site.id))}
    return [counts.get(index, 0) for index in range(len(mondays))]


def _bucketed(column: Any, bounds: Sequence[datetime], *where: Any) -> Any:
    """``(bucket index, rows)`` of ``column`` within ``bounds`` (bucket i: bounds[i] <= value < bounds[i+1]).

    The CASE is computed in a subquery and grouped by its label: PostgreSQL could not tell that
    the same CASE in SELECT and GROUP BY, each with its own parameters, is one expression."""
    index = case(*((column < bound, n) for n, bound in enumerate(bounds[1:])), else_=len(bounds) - 1)
    inner = select(index.label("bucket")).where(column >= bounds[0], column < bounds[-1], *where).subquery()
    return select(inner.c.bucket, func.count()).group_by(inner.c.bucket)

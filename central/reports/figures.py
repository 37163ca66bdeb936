"""The figures operators look at, computed from stays, statements and violations.

- occupancy: cars inside a site at each bucket start (the institution's night curve);
- utilisation: mean occupancy over the period divided by the site's shared spaces;
- revenue: issued statements' totals per site for a month, in fen;
- violations: overstays per site per site-local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import db
from central.billing.models import StatementRecord
from central.enforcement.models import Violation
from central.errors import NotFoundError
from central.occupancy import inside_at

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Occupancy:
    site_id: str
    shared_capacity: int
    times: tuple[datetime, ...]
    inside: tuple[int, ...]

    @property
    def utilisation(self) -> float:
        """Mean share of the shared spaces in use; a ratio for display, never money."""
        if not self.inside or self.shared_capacity == 0:
            return 0.0
        return sum(self.inside) / len(self.inside) / self.shared_capacity


def occupancy(session: Session, site_id: str, start: datetime, end: datetime,
              bucket: timedelta = timedelta(minutes=30)) -> Occupancy:
    site = session.get(db.Site, site_id)
    if site is None:
        raise NotFoundError("site", site_id)
    series = inside_at(session, site_id, start, end, bucket)
    return Occupancy(site_id, site.shared_capacity, tuple(t for t, _ in series), tuple(n for _, n in series))


def revenue(session: Session, month: str) -> dict[str, int]:
    """Total fen on the month's issued statements, per site."""
    rows = session.execute(select(StatementRecord.site_id, func.sum(StatementRecord.total_fen))
                           .where(StatementRecord.month == month).group_by(StatementRecord.site_id))
    return {site: int(total) for site, total in rows}


def violations_by_day(session: Session, start: datetime, end: datetime,
                      tz: ZoneInfo = SHANGHAI) -> dict[str, dict[str, int]]:
    """Overstays per site per site-local day, between start and end."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(select(Violation.site_id, Violation.at)
                           .where(Violation.at >= start, Violation.at < end))
    for site_id, at in rows:
        day = at.astimezone(tz).date().isoformat()
        per_site = counts.setdefault(site_id, {})
        per_site[day] = per_site.get(day, 0) + 1
    return counts

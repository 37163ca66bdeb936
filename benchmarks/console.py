"""The console's live and report figures on a city-sized database, on SQLite and on PostgreSQL.

    python -m benchmarks.console [--contracts N] [--stays N] [--backend sqlite|postgresql]

The data is billing's benchmark data (benchmarks/billing.py: 50 sites of 1,000 shared spaces,
35,000 contracts, 1,000,000 night stays in November 2026, billed), plus one open stay for every
tenth contract (the cars inside "now", some past their deadline) and the violations enforcement
would have written for the stays that left late. Loading is not timed; the tables are then
analysed (ANALYZE), as autovacuum keeps a live database. Then each figure a page
asks for is timed (best of three, milliseconds): the live figures of the overview's 50 sites,
one site's night curve, its shared use over 12 weeks, revenue over 12 months, violations over
12 weeks, the first page of the violations list (an operator's), tonight's expected arrivals,
and one site-month of stays and of statements as CSV. One JSON line per backend.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from benchmarks.billing import BILLED_AT, MONTH, SITES, STAY_COLUMNS, each_backend, load_stays, seed_reference
from central import db as tables
from central.billing.run import bill_month
from central.core.security import Principal, Role
from central.db import Database, StayStatus
from central.db.bulk import insert_rows
from central.db.migrate import upgrade_to_head
from central.enforcement.models import Violation
from central.listing import PageRequest
from central.occupancy import live_figures
from central.overstay import DEFAULT_GRACE_MINUTES
from central.reports import arrivals, exports, nights, totals, violations

NOW = datetime(2026, 11, 30, 14, tzinfo=UTC)  # 22:00 on Monday 30 November in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
VIOLATION_COLUMNS = ("stay_id", "site_id", "contract_id", "plate", "deadline", "at", "recorded_at")


def load_inside(db: Database, contracts: int) -> None:
    """One car inside for every tenth contract; one in five of them past its deadline."""
    rows = [(f"site-{c % SITES}", f"沪B{c:05d}", f"c{c:06d}", NOW - timedelta(hours=3),
             None, NOW - timedelta(hours=1) if c % 50 == 0 else NOW + timedelta(hours=9), StayStatus.OPEN)
            for c in range(0, contracts, 10)]
    with db.transaction() as session:
        insert_rows(session.connection(), tables.Stay, STAY_COLUMNS, rows)


def load_violations(db: Database) -> int:
    """What enforcement writes for the stays that left after deadline + grace."""
    grace = timedelta(minutes=DEFAULT_GRACE_MINUTES)
    with db.transaction() as session:
        stay = tables.Stay
        late = [(row.id, row.site_id, row.contract_id, row.plate, row.deadline, row.deadline + grace,
                 row.deadline + grace)
                for row in session.execute(select(stay.id, stay.site_id, stay.contract_id, stay.plate,
                                                  stay.deadline, stay.exited_at)
                                           .where(stay.exited_at > stay.deadline))
                if row.exited_at > row.deadline + grace]
        insert_rows(session.connection(), Violation, VIOLATION_COLUMNS, late)
    return len(late)


def best_ms(work: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 1)


def figures(db: Database) -> dict[str, float]:
    operator = Principal(Role.OPERATOR, "inst")
    with db.transaction() as session:
        sites = list(session.scalars(select(tables.Site).order_by(tables.Site.id)))
        one = sites[0]
        mondays = nights.mondays(NOW, SHANGHAI, 12)
        months = totals.months_before(NOW, SHANGHAI, 12)
        work: dict[str, Callable[[], object]] = {
            "live_figures_50_sites": lambda: live_figures(session, sites, NOW),
            "night_curve": lambda: nights.night_curve(session, one, date(2026, 11, 20), NOW),
            "shared_use_12_weeks": lambda: nights.shared_use_by_week(session, one, 12, NOW),
            "revenue_12_months": lambda: totals.revenue_by_month(session, one.id, months),
            "violations_12_weeks": lambda: totals.violations_by_week(session, one, mondays),
            "violations_list_page": lambda: violations.list_violations(session, operator, PageRequest(50, 0),
                                                                       NOW),
            "arrivals_page": lambda: arrivals.expected_arrivals(session, one, date(2026, 11, 30),
                                                                PageRequest(50, 0)),
            "stays_csv_site_month": lambda: exports.write_stays_csv(session, one, MONTH, NOW, io.StringIO()),
            "statements_csv_site_month": lambda: exports.write_statements_csv(session.connection(), one.id,
                                                                              MONTH, io.StringIO()),
        }
        return {name: best_ms(run) for name, run in work.items()}


def run_backend(url: str, backend: str, contracts: int, stays: int) -> dict[str, Any]:
    upgrade_to_head(url)
    db = Database(url)
    try:
        seed_reference(db, contracts)
        load_stays(db, contracts, stays)
        bill_month(db, MONTH, BILLED_AT)
        load_inside(db, contracts)
        late = load_violations(db)
        with db.engine.connect() as conn:  # the statistics a live database has (autovacuum, or by hand)
            conn.execute(text("ANALYZE"))
            conn.commit()
        timed = figures(db)
    finally:
        db.dispose()
    return {"backend": backend, "sites": SITES, "contracts": contracts, "stays": stays, "violations": late,
            "ms": timed}


def main(argv: list[str] | None = None) -> None:
    each_backend(__doc__, run_backend, argv)


if __name__ == "__main__":
    main()

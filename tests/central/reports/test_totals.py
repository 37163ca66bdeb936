"""Revenue by month (the issued statements) and violations by week, counted in grouped SQL."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from central import db as tables
from central.billing import Month
from central.billing.models import StatementRecord
from central.db import Database
from central.reports.totals import months_before, revenue_by_month, violations_by_week
from tests.central.console.seed import (
    NIGHT_STAYS,
    PLATES,
    add_stays,
    add_violation,
    bill_february,
    local,
    seed_site,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_months_before_are_the_months_that_have_ended() -> None:
    # 1 March 00:30 in Shanghai is still 28 February in UTC: the zone decides, February has ended.
    assert months_before(local("2025-03-01 00:30"), SHANGHAI, 3) == [Month(2024, 12), Month(2025, 1),
                                                                    Month(2025, 2)]


def test_revenue_is_the_sum_of_the_site_s_issued_statements(db: Database) -> None:
    seed_site(db)
    seed_site(db, "west", "城西院区")  # another site's statements are not this one's
    add_stays(db, NIGHT_STAYS[:1])
    bill_february(db)
    with db.transaction() as session:
        issued = session.scalar(select(func.sum(StatementRecord.total_fen)).where(
            StatementRecord.site_id == "east", StatementRecord.month == "2025-02"))
        figures = revenue_by_month(session, "east", [Month(2025, 1), Month(2025, 2)])
    # Four contracts of ¥300 a month, billed in full for February (valid all month).
    assert issued == 4 * 30000
    assert figures == [0, 4 * 30000]


def test_violations_fall_in_the_site_local_week_they_began(db: Database) -> None:
    seed_site(db)
    stays = add_stays(db, NIGHT_STAYS[:3])
    # Deadlines of Sunday 23:40 and Monday 00:05 local: the violations (deadline + 15 min) are dated
    # Sunday 23:55 and Monday 00:20. In UTC both are on Sunday: the week is the site's.
    add_violation(db, stays[0], PLATES["c1"], "c1", "2025-03-02 23:40")
    add_violation(db, stays[1], PLATES["c2"], "c2", "2025-03-03 00:05")
    add_violation(db, stays[2], PLATES["c3"], "c3", "2025-03-10 07:30")
    with db.transaction() as session:
        site = session.get_one(tables.Site, "east")
        counts = violations_by_week(session, site, [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)])
    assert counts == [1, 1, 1]

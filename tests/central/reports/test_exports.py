"""A site's month as CSV: stays by the month they entered, in the site's zone; statements' lines."""

from __future__ import annotations

import csv
import io

from central import db as tables
from central.billing import Month
from central.db import Database
from central.reports.exports import STAY_HEADER, write_statements_csv, write_stays_csv
from tests.central.console.seed import (
    NIGHT_STAYS,
    PLATES,
    StaySpec,
    add_stays,
    bill_february,
    local,
    seed_site,
)


def _stays(db: Database, month: Month, now: str = "2025-04-02 12:00") -> list[dict[str, str]]:
    out = io.StringIO()
    with db.transaction() as session:
        count = write_stays_csv(session, session.get_one(tables.Site, "east"), month, local(now), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == count
    return rows


def test_a_stay_is_in_the_month_it_entered_in_the_site_s_zone(db: Database) -> None:
    seed_site(db)
    add_stays(db, (
        # 1 April 00:30 in Shanghai is 31 March in UTC: April's.
        StaySpec(PLATES["c1"], "c1", "2025-04-01 00:30", "2025-04-01 07:00", "2025-04-01 07:30"),
        # In on 31 March, out on 1 April: March's (its statement is April's).
        StaySpec(PLATES["c2"], "c2", "2025-03-31 21:00", "2025-04-01 08:20", "2025-04-01 07:30"),
    ))
    march = _stays(db, Month(2025, 3))
    assert [row["plate"] for row in march] == [PLATES["c2"]]
    assert march[0]["entered_at"] == "2025-03-31T21:00:00+08:00"
    assert march[0]["duration_minutes"] == str(11 * 60 + 20)
    assert march[0]["overstay_minutes"] == "50"  # past deadline + grace: the whole time from the deadline
    assert [row["plate"] for row in _stays(db, Month(2025, 4))] == [PLATES["c1"]]


def test_a_car_still_inside_counts_its_overstay_to_now_and_has_no_duration(db: Database) -> None:
    seed_site(db)
    add_stays(db, (StaySpec(PLATES["c1"], "c1", "2025-03-03 19:00", None, "2025-03-04 07:30"),
                   *NIGHT_STAYS[3:]))
    rows = _stays(db, Month(2025, 3), now="2025-03-04 07:40")
    assert list(rows[0]) == list(STAY_HEADER)
    inside = next(row for row in rows if row["plate"] == PLATES["c1"])
    assert (inside["status"], inside["exited_at"], inside["duration_minutes"]) == ("open", "", "")
    assert inside["overstay_minutes"] == "0"  # 10 minutes past the deadline: within grace
    visitor = next(row for row in rows if row["contract_id"] == "")
    assert visitor["deadline"] == "" and visitor["overstay_minutes"] == ""


def test_the_statements_file_holds_this_site_s_lines_only(db: Database) -> None:
    seed_site(db)
    seed_site(db, "west", "城西院区")
    bill_february(db)
    out = io.StringIO()
    with db.transaction() as session:
        count = write_statements_csv(session.connection(), "east", Month(2025, 2), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == 4  # the monthly fee line of each of the four contracts
    assert {row["site_id"] for row in rows} == {"east"}
    assert {row["amount_yuan"] for row in rows} == {"300.00"}


def test_a_plate_that_would_start_a_spreadsheet_formula_stays_text(db: Database) -> None:
    seed_site(db)
    add_stays(db, (StaySpec("=HYPERLINK(1)", None, "2025-03-02 21:00", "2025-03-02 22:00"),))
    assert [row["plate"] for row in _stays(db, Month(2025, 3))] == ["'=HYPERLINK(1)"]

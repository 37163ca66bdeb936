"""The bill run against a real database (SQLite and PostgreSQL): stored, idempotent, late events adjusted."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from central.billing import Month
from central.billing.export import export_csv, yuan
from central.billing.models import StatementLineRecord
from central.billing.run import bill_month
from central.billing.store import statement_rows
from central.db import Database, Stay
from tests.billing.helpers import local
from tests.support.seeded import Seeded, add_stay

NOV, DEC = Month(2026, 11), Month(2026, 12)
NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)  # November has ended in Shanghai
LATER = datetime(2027, 2, 1, 2, tzinfo=UTC)  # December and January too


def test_bill_stores_statements_and_a_second_run_changes_nothing(db: Database, seeded: Seeded) -> None:
    add_stay(db, seeded, "2026-10-31 20:00", "2026-11-01 07:00", "2026-11-01 07:30")  # crosses months
    add_stay(db, seeded, "2026-11-03 20:00", "2026-11-04 08:00", "2026-11-04 07:30")  # overstay
    add_stay(db, seeded, "2026-11-30 20:00", None, "2026-12-01 07:30")  # still inside
    first = bill_month(db, NOV, NOW)
    assert (first.statements, first.lines) == (1, 3)
    assert first.total_fen == 30000 + 3000 + (3000 + 1000)
    again = bill_month(db, NOV, NOW)
    assert (again.statements, again.already_issued) == (0, 1)
    with db.transaction() as session:
        (statement,) = statement_rows(session.connection(), "2026-11", seeded.contract_id)
        assert session.scalar(select(func.count()).select_from(StatementLineRecord)) == 3
    assert statement["total_fen"] == first.total_fen
    assert [item["kind"] for item in statement["line_items"]] == ["monthly_fee", "stay", "stay"]
    assert statement["line_items"][2]["overstay_fen"] == 1000


def test_late_stay_and_corrected_exit_become_adjustments_next_month(db: Database, seeded: Seeded) -> None:
    corrected = add_stay(db, seeded, "2026-11-03 20:00", "2026-11-04 08:00", "2026-11-04 07:30")
    bill_month(db, NOV, NOW)
    add_stay(db, seeded, "2026-11-20 19:00", "2026-11-20 20:30", "2026-11-21 07:30")  # arrives late
    with db.transaction() as session:
        session.get_one(Stay, corrected).exited_at = local("2026-11-04 07:00")
    assert bill_month(db, NOV, NOW).statements == 0  # November is never rewritten
    december = bill_month(db, DEC, LATER)
    with db.transaction() as session:
        (statement,) = statement_rows(session.connection(), "2026-12")
    adjustments = [i for i in statement["line_items"] if i["kind"] == "adjustment"]
    assert sorted(i["amount_fen"] for i in adjustments) == [-(3000 + 1000) + 3000, 1000]
    assert december.total_fen == 30000 + 1000 - 1000
    assert bill_month(db, Month(2027, 1), LATER).lines == 0  # nothing billed twice


def test_csv_export(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    add_stay(db, seeded, "2026-11-03 20:00", "2026-11-03 21:30", "2026-11-04 07:30")
    bill_month(db, NOV, NOW)
    with db.transaction() as session:
        count = export_csv(session.connection(), "2026-11", tmp_path / "nov.csv")
    rows = list(csv.DictReader((tmp_path / "nov.csv").read_text(encoding="utf-8").splitlines()))
    assert count == len(rows) == 2
    assert rows[1]["entered_at"] == "2026-11-03T20:00:00+08:00"
    assert (rows[1]["duration_minutes"], rows[1]["amount_yuan"]) == ("90", "10.00")


def test_yuan_formats_integer_fen() -> None:
    assert [yuan(v) for v in (0, 5, 1250, -5, -1250)] == ["0.00", "0.05", "12.50", "-0.05", "-12.50"]

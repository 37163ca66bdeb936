"""``bill`` refuses a month that has not ended in the site's zone (and future months); ``--preview``
prints what would be issued, for the current month too, and stores nothing. Billing counts the days by
the calendar in the database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from central import calendar
from central.billing import Month, MonthError
from central.billing.models import StatementRecord
from central.billing.run import bill_month, preview_month
from central.billing.store import statement_rows
from central.cli import main
from central.db import Database, Product
from shared import YearSchedule
from tests.billing.helpers import REST_DAYTIME, local
from tests.support.seeded import Seeded, add_stay

NOV = Month(2026, 11)


@pytest.mark.parametrize(("now", "billed"), [
    (datetime(2026, 11, 20, 4, tzinfo=UTC), False),  # the current month
    (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), False),  # 23:59:59 on the 30th in Shanghai
    (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), True),  # midnight in Shanghai: November has ended
    (datetime(2026, 10, 2, tzinfo=UTC), False),  # a future month
])
def test_a_month_is_billed_only_once_it_has_ended_in_the_sites_zone(db: Database, seeded: Seeded,
                                                                    now: datetime, billed: bool) -> None:
    if billed:
        assert bill_month(db, NOV, now).statements == 1
        return
    with pytest.raises(MonthError, match=r"2026-11 has not ended: it ends at 2026-12-01T00:00:00\+08:00"):
        bill_month(db, NOV, now)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(StatementRecord)) == 0  # nothing frozen


def test_preview_shows_the_current_month_and_stores_nothing(db: Database, seeded: Seeded) -> None:
    add_stay(db, seeded, "2026-11-03 20:00", "2026-11-03 21:30", "2026-11-04 07:30")
    out = io.StringIO()
    summary = preview_month(db, NOV, datetime(2026, 11, 20, 4, tzinfo=UTC), out)
    rows = list(csv.DictReader(out.getvalue().splitlines()))
    assert [(r["kind"], r["amount_fen"]) for r in rows] == [("monthly_fee", "30000"), ("stay", "1000")]
    assert summary.total_fen == 31000
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(StatementRecord)) == 0
    with pytest.raises(MonthError, match="has not started"):
        preview_month(db, Month(2026, 12), datetime(2026, 11, 20, 4, tzinfo=UTC), io.StringIO())


def test_the_cli_refuses_an_unfinished_month_and_previews_it(db: Database, seeded: Seeded, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PARKING_CENTRAL_DATABASE__URL", db.url)
    monkeypatch.chdir(tmp_path)
    assert main(["bill", "--month", "2099-01"]) == 2
    assert "month 2099-01 has not ended" in capsys.readouterr().err
    assert main(["bill", "--month", "2026-13"]) == 2
    assert main(["bill", "--month", "2026-11", "--preview"]) == 0  # November 2026 has started
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("statement_id,contract_id")
    assert "preview, nothing stored" in captured.err
    assert not list(tmp_path.glob("statements-*.csv"))


def test_billing_counts_days_by_the_calendar_in_the_database(db: Database, seeded: Seeded) -> None:
    with db.transaction() as session:  # daytime on rest days only
        windows = [w.model_dump(mode="json") for w in REST_DAYTIME]
        session.get_one(Product, seeded.product_id).windows = windows
    stay = add_stay(db, seeded, "2026-11-11 10:00", "2026-11-11 12:00", "2026-11-11 20:00")
    assert local("2026-11-11 10:00").weekday() == 2  # a Wednesday: the week says it works
    with db.transaction() as session:
        official = calendar.load_calendar(session, 2026, 2026).schedule(2026)
        assert official is not None
        changed = YearSchedule(year=2026, rest_days=(*official.rest_days, date(2026, 11, 11)),
                               working_days=official.working_days, source="a made-up extra holiday")
        calendar.save_schedules(session, [changed], datetime(2026, 11, 1, tzinfo=UTC))
    bill_month(db, NOV, datetime(2026, 12, 1, tzinfo=UTC))
    with db.transaction() as session:
        (statement,) = statement_rows(session.connection(), "2026-11")
    [line] = [i for i in statement["line_items"] if i["stay_id"] == stay]
    assert (line["usage_periods"], line["usage_fen"]) == (2, 1000)  # a rest day by the database

"""Migration 0003 on a database that has data (both backends): contracts keep their product's tariff,
sites get their spaces, old cancellations a date, and the calendar its 2019-2026 schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import select, text

from central import db
from central.db.migrate import alembic_config, upgrade_to_head

ROWS_AT_0002 = [
    "INSERT INTO institutions (id, name, created_at) VALUES ('i', 'I', '2026-01-01 00:00:00+00')",
    "INSERT INTO sites (id, institution_id, name, address, lat, lon, timezone, shared_capacity, created_at) "
    "VALUES ('s', 'i', 'S', '', 31.2, 121.4, 'Asia/Shanghai', 12, '2026-01-01 00:00:00+00')",
    "INSERT INTO products (id, site_id, name, windows, min_stay_minutes, grace_minutes, quota, "
    "monthly_fee_fen, usage_rate_fen, usage_period_minutes, daily_cap_fen, overstay_rate_fen, "
    "overstay_period_minutes, on_sale, created_at) "
    "VALUES ('p', 's', 'P', '[]', 60, 20, 5, 30000, 300, 30, 2500, 800, 15, true, '2026-01-01 00:00:00+00')",
    "INSERT INTO residents (id, display_name, created_at) VALUES ('r', 'R', '2026-01-01 00:00:00+00')",
    *(f"INSERT INTO contracts (id, site_id, product_id, resident_id, plates, valid_from, valid_to, status, "
      f"version, created_at, updated_at) VALUES ('{cid}', 's', 'p', 'r', '|{plate}|', '2026-01-01', "
      f"'2026-12-31', '{status}', 1, '2026-01-01 00:00:00+00', '{changed}')"
      for cid, plate, status, changed in (("c1", "沪A12345", "active", "2026-01-01 00:00:00+00"),
                                          ("c2", "沪B12345", "cancelled", "2026-11-09 17:00:00+00"))),
]
TARIFF = "monthly_fee_fen, usage_rate_fen, usage_period_minutes, daily_cap_fen, overstay_rate_fen, " \
    "overstay_period_minutes, grace_minutes"


def test_0003_fills_what_the_rules_need_from_the_rows_there(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "0002")
    engine = db.make_engine(database_url)
    try:
        with engine.begin() as conn:
            for statement in ROWS_AT_0002:  # SQLite keeps UTC as naive text
                naive = conn.dialect.name == "sqlite"
                conn.execute(text(statement.replace("+00'", "'") if naive else statement))
        upgrade_to_head(database_url)
        with engine.begin() as conn:
            site = conn.execute(text("SELECT total_spaces, reserved_spaces, refund_unused FROM sites")).one()
            tariffs = conn.execute(text(f"SELECT id, {TARIFF}, ends_on FROM contracts ORDER BY id")).all()
            years = conn.execute(text("SELECT year FROM calendar_years ORDER BY year")).scalars().all()
    finally:
        engine.dispose()
    assert (site.total_spaces, site.reserved_spaces, bool(site.refund_unused)) == (12, 0, True)
    assert [tuple(t[1:8]) for t in tariffs] == [(30000, 300, 30, 2500, 800, 15, 20)] * 2
    ends = [str(t.ends_on) if t.ends_on else None for t in tariffs]
    assert ends == [None, str(date(2026, 11, 10))]  # the Shanghai date of its last change
    assert years == list(range(2019, 2027))


def test_0009_a_stay_stored_on_a_whole_second_is_found_from_that_second(database_url: str) -> None:
    """Before 0009, SQLite kept bulk-written times on a whole second without their fraction."""
    command.upgrade(alembic_config(database_url), "0008")
    engine = db.make_engine(database_url)
    try:
        with engine.begin() as conn:
            naive = conn.dialect.name == "sqlite"
            at = "'2026-03-03 12:00:00'" if naive else "'2026-03-03 12:00:00+00'"
            conn.execute(text(f"INSERT INTO stays (site_id, plate, entered_at, status) "
                              f"VALUES ('s', '沪A12345', {at}, 'open')"))
    finally:
        engine.dispose()
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    try:
        whole = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
        with database.transaction() as session:
            found = session.scalars(select(db.Stay.plate).where(db.Stay.entered_at >= whole)).all()
        assert found == ["沪A12345"]
    finally:
        database.dispose()

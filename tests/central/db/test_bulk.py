"""The one bulk insert, on both backends: values go through the column types, duplicates are skipped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from central import db
from central.db import StayStatus
from central.db.bulk import insert_rows, sqlite_one_of
from central.db.migrate import upgrade_to_head

AT = datetime(2025, 3, 3, 11, 30, 15, 250_000, tzinfo=UTC)
STAY = ("site_id", "plate", "entered_at", "exited_at", "status")
EVENT = ("event_id", "site_id", "gate_id", "direction", "plate_read", "confidence", "outcome", "reason", "at",
         "override", "received_at")


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    yield database
    database.dispose()


def _event(event_id: uuid.UUID) -> tuple[Any, ...]:
    return (event_id, "s1", "g1", "entry", "沪A1234", 0.9, "open", "contract_ok", AT,
            {"guard": "王", "action": "open"}, AT)


def test_rows_come_back_as_the_orm_wrote_them(database: db.Database) -> None:
    rows = [("s1", f"沪A{n:05d}", AT + timedelta(hours=n), None if n else AT + timedelta(days=1),
             StayStatus.OPEN if n else StayStatus.CLOSED) for n in range(3)]
    with database.transaction() as session:
        assert insert_rows(session.connection(), db.Stay, STAY, rows) == []
    with database.transaction() as session:
        found = [(s.site_id, s.plate, s.entered_at, s.exited_at, s.status)
                 for s in session.scalars(select(db.Stay).order_by(db.Stay.plate))]
    assert found == rows
    assert isinstance(found[0][4], StayStatus)


def test_duplicates_are_skipped_and_only_new_keys_come_back(database: db.Database) -> None:
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    table = db.GateEventRecord.__table__
    with database.transaction() as session:
        new = insert_rows(session.connection(), table, EVENT, [_event(first), _event(second)],
                          skip_duplicates=True, returning="event_id")
        assert sorted(new) == sorted([first, second])
        again = insert_rows(session.connection(), table, EVENT, [_event(second), _event(third)],
                            skip_duplicates=True, returning="event_id")
        assert again == [third]
        assert insert_rows(session.connection(), table, EVENT, [_event(first)], skip_duplicates=True) == []
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(table)) == 3
        stored = session.get(db.GateEventRecord, first)
        assert stored is not None and stored.override == {"guard": "王", "action": "open"}


def test_one_of_a_list_finds_plates_and_event_ids_on_sqlite(database: db.Database) -> None:
    if database.dialect != "sqlite":
        pytest.skip("SQLite's json_each list; PostgreSQL joins unnest()")
    ids = [uuid.uuid4() for _ in range(3)]
    table = db.GateEventRecord.__table__
    with database.transaction() as session:
        insert_rows(session.connection(), table, EVENT, [_event(i) for i in ids])
        insert_rows(session.connection(), db.Stay, STAY, [("s1", plate, AT, None, StayStatus.OPEN)
                                                          for plate in ("沪A12345", "京B00001", "粤Z9999港")])
    with database.transaction() as session:
        wanted = [ids[0].hex, ids[2].hex, uuid.uuid4().hex]
        found = session.scalars(select(db.GateEventRecord.event_id).where(
            sqlite_one_of(db.GateEventRecord.event_id, wanted)))
        assert sorted(found) == sorted([ids[0], ids[2]])
        plates = select(db.Stay.plate).where(sqlite_one_of(db.Stay.plate, ["粤Z9999港", "沪A12345"]))
        assert sorted(session.scalars(plates)) == sorted(["粤Z9999港", "沪A12345"])
        assert list(session.scalars(select(db.Stay.plate).where(sqlite_one_of(db.Stay.plate, [])))) == []


def test_a_row_written_in_bulk_on_a_whole_second_is_found_from_that_second(database: db.Database) -> None:
    """A stay entered at exactly 20:00:00 is in a query for stays from 20:00:00 (on SQLite, bulk and
    ORM writes must store one text form, or a whole second sorts before itself)."""
    whole = datetime(2025, 3, 3, 12, 0, 0, tzinfo=UTC)
    with database.transaction() as session:
        insert_rows(session.connection(), db.Stay, STAY, [("s1", "沪A00001", whole, None, StayStatus.OPEN)])
        session.add(db.Stay(site_id="s1", plate="沪A00002", entered_at=whole, status=StayStatus.OPEN))
    with database.transaction() as session:
        found = session.scalars(select(db.Stay.plate).where(db.Stay.entered_at >= whole)
                                .order_by(db.Stay.plate)).all()
        on_the_second = session.scalars(select(db.Stay.plate).where(db.Stay.entered_at == whole)).all()
    assert found == ["沪A00001", "沪A00002"]
    assert sorted(on_the_second) == ["沪A00001", "沪A00002"]

"""The gate's SQLite store: nothing recorded is lost across a crash; unknown plates are hashed later."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from edge.errors import StoreError
from edge.store import SCHEMA_VERSION, Store
from shared import GateEvent, Outcome, Reason
from tests.edge.conftest import WEDNESDAY_EVENING


def _event(plate: str | None, contract_id: str | None = None, at: datetime = WEDNESDAY_EVENING) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="s1", gate_id="g1", direction="entry", plate=plate,
                     plate_read=plate or "", confidence=0.99, outcome=Outcome.DENY, reason=Reason.NO_CONTRACT,
                     contract_id=contract_id, at=at)


def test_pending_events_are_settled_after_a_crash_and_plates_hashed_later(tmp_path: Path) -> None:
    store = Store(tmp_path / "gate.db")
    unknown, contracted = _event("沪B99999"), _event("沪A12345", "c1")
    store.record(unknown, "entry")
    store.record(contracted, "entry")
    assert store.undelivered(10, set(), WEDNESDAY_EVENING) == []  # not settled: not sent yet
    store.close()
    store = Store(tmp_path / "gate.db")  # the "restart"
    assert store.release_pending() == 2
    assert len(store.undelivered(10, set(), WEDNESDAY_EVENING)) == 2
    later = WEDNESDAY_EVENING + timedelta(hours=25)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 0  # undelivered rows keep plates
    store.mark_delivered([str(unknown.event_id), str(contracted.event_id)], later)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 1
    assert store.event(str(unknown.event_id)).data["plate"].startswith("h:")  # type: ignore[union-attr]
    assert store.event(str(contracted.event_id)).data["plate"] == "沪A12345"  # type: ignore[union-attr]


# The gate database as the first release made it (schema 1, user_version 0), for the upgrade test.
_SCHEMA_1 = """
CREATE TABLE bundle (
    id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL, expires_at TEXT NOT NULL,
    payload BLOB NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE inside (
    plate TEXT PRIMARY KEY, entered_at TEXT NOT NULL, contract_id TEXT, deadline TEXT,
    event_id TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL,
    at TEXT NOT NULL, payload TEXT NOT NULL, ready INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT, retry_after TEXT, last_error TEXT,
    plate_hashed INTEGER NOT NULL DEFAULT 0);
INSERT INTO inside VALUES ('沪A12345', '2025-10-15T11:00:00.000000Z', 'c1',
                           '2025-10-15T23:30:00.000000Z', 'e1');
INSERT INTO inside VALUES ('京B99999', '2025-10-15T11:05:00.000000Z', NULL, NULL, 'e2');
"""


def _opened(plate: str, reason: Reason, contract_id: str | None = None) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="s1", gate_id="g1", direction="entry", plate=plate,
                     plate_read=plate, confidence=0.99, outcome=Outcome.OPEN, reason=reason,
                     contract_id=contract_id, at=WEDNESDAY_EVENING)


def test_an_existing_gate_database_is_upgraded_in_place_keeping_the_vehicles_inside(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "gate.db") as old:
        old.executescript(_SCHEMA_1)
    old.close()
    store = Store(tmp_path / "gate.db")
    inside = store.inside()
    assert set(inside) == {"沪A12345", "京B99999"}  # nobody inside is forgotten across the upgrade
    assert inside["沪A12345"].contract_id == "c1" and not inside["沪A12345"].own_vehicle
    assert inside["沪A12345"].deadline is not None
    own = _opened("沪C00001", Reason.OWN_VEHICLE)
    store.record(own, "entry")
    store.settle(own)
    assert store.inside()["沪C00001"].own_vehicle
    store.close()
    reopened = Store(tmp_path / "gate.db")  # a second start does not upgrade again
    assert len(reopened.inside()) == 3 and reopened.inside()["沪C00001"].own_vehicle
    reopened.close()
    with sqlite3.connect(tmp_path / "gate.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_a_database_from_a_newer_release_is_refused_not_downgraded(tmp_path: Path) -> None:
    Store(tmp_path / "gate.db").close()
    with sqlite3.connect(tmp_path / "gate.db") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this release"):
        Store(tmp_path / "gate.db")


def test_inside_knows_own_vehicles_and_the_contract_each_car_uses(tmp_path: Path) -> None:
    store = Store(tmp_path / "gate.db")
    for event, own in [(_opened("沪C00001", Reason.OWN_VEHICLE), False),  # known from the reason
                       (_opened("沪C00002", Reason.GUARD_OPEN), True),  # a guard let an own car in
                       (_opened("沪A12345", Reason.CONTRACT_OK, "c1"), False),
                       (_opened("沪B22222", Reason.GUARD_OPEN, "c1"), True)]:  # a contract is no own car
        store.record(event, "entry")
        store.settle(event, own_vehicle=own)
    inside = store.inside()
    assert {p: (v.contract_id, v.own_vehicle) for p, v in inside.items()} == {
        "沪C00001": (None, True), "沪C00002": (None, True), "沪A12345": ("c1", False),
        "沪B22222": ("c1", False)}
    store.close()

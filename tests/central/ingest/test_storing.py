"""The consumer's store process: a killed one is replaced and loses nothing; a fault of ours is a
dead letter, not a stopped consumer; storing stays in the consumer's process when it must."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central import db
from central.db import DeadLetterCause
from central.db.migrate import upgrade_to_head
from central.ingest import storing
from central.ingest.consumer import Ingestor
from central.ingest.store import DEFAULT_LIMITS, Received
from central.ingest.storing import LocalStore, StoreFailure, StoreProcess, store_for
from shared import Direction
from shared.topics import events_topic
from tests.central.conftest import Clock, make_settings
from tests.central.support import GateClient, event, seed_site, wait_for
from tests.support.mosquitto import Broker


def _count(database: db.Database, model: type[db.Base]) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.broker
def test_a_killed_store_process_is_replaced_and_nothing_is_lost(database_url: str, broker: Broker,
                                                                 clock: Clock) -> None:
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    seed_site(database, "kill", clock())
    settings = make_settings(database_url, broker, ingest={"group": "kill", "session_expiry_s": 0})
    store = store_for(database, settings.ingest)
    ingestor = Ingestor(database, settings.mqtt, settings.ingest, clock, client_id="ingest-kill", store=store)
    ingestor.start()
    gate = GateClient(broker, "kill", "g1")
    assert isinstance(store, StoreProcess) and store.pid is not None
    first = store.pid
    try:
        assert ingestor.mqtt.wait_connected(10)
        for plate in ("沪A10001", "沪A10002", "沪A10003"):
            gate.publish(events_topic("kill", "g1"), event("kill", "g1", Direction.ENTRY, plate, clock.now))
        wait_for("the first events stored", lambda: ingestor.stats.stored == 3)
        os.kill(first, signal.SIGKILL)
        for plate in ("沪A10001", "沪A10002", "沪A10003"):
            gate.publish(events_topic("kill", "g1"), event("kill", "g1", Direction.EXIT, plate, clock.now))
        wait_for("the exits stored by a new store process", lambda: ingestor.stats.stored == 6, timeout=30)
        assert store.pid not in (None, first)
    finally:
        gate.close()
        ingestor.stop()
    assert _count(database, db.GateEventRecord) == 6
    with database.transaction() as session:
        statuses = session.scalars(select(db.Stay.status)).all()
    database.dispose()
    assert statuses == [db.StayStatus.CLOSED] * 3
    assert ingestor.stats.dead_letters == 0


@pytest.mark.broker
def test_with_store_process_off_no_child_is_started(tmp_path: Path, broker: Broker, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade_to_head(url)
    database = db.Database(url)
    settings = make_settings(url, broker,
                             ingest={"group": "here", "session_expiry_s": 0, "store_process": False})
    ingestor = Ingestor(database, settings.mqtt, settings.ingest, clock, client_id="ingest-here")
    before = set(multiprocessing.active_children())
    ingestor.start()
    try:
        assert set(multiprocessing.active_children()) == before
    finally:
        ingestor.stop()
        database.dispose()


def test_an_in_memory_database_is_stored_in_the_consumers_process() -> None:
    """A child could not see this process's memory: storing stays here."""
    settings = make_settings("sqlite://")
    assert isinstance(store_for(db.Database("sqlite://"), settings.ingest), LocalStore)


def test_a_fault_of_ours_is_answered_with_its_traceback_not_raised(tmp_path: Path, clock: Clock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(storing, "ingest_batch", broken)
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade_to_head(url)
    store = LocalStore(db.Database(url), 120, DEFAULT_LIMITS)
    store.submit([Received("parking/v1/sites/s/gates/g1/events", b"{}")], clock())
    answer = store.answer()
    assert isinstance(answer, StoreFailure) and not answer.away
    assert answer.error == "ZeroDivisionError: a bug" and "Traceback" in answer.detail


@pytest.mark.broker
def test_a_message_that_trips_a_fault_of_ours_is_dead_lettered_and_the_rest_stored(
        tmp_path: Path, broker: Broker, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    real = storing.ingest_batch

    def trips_on_one(session: Any, messages: list[Received], *args: Any) -> Any:
        if any("沪B99999".encode() in m.payload for m in messages):
            raise ZeroDivisionError("a bug")
        return real(session, messages, *args)

    monkeypatch.setattr(storing, "ingest_batch", trips_on_one)
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade_to_head(url)
    database = db.Database(url)
    seed_site(database, "bug", clock())
    settings = make_settings(url, broker, ingest={"group": "bug", "session_expiry_s": 0,
                                                  "store_process": False, "linger_ms": 300})
    ingestor = Ingestor(database, settings.mqtt, settings.ingest, clock, client_id="ingest-bug")
    ingestor.start()
    gate = GateClient(broker, "bug", "g1")
    try:
        assert ingestor.mqtt.wait_connected(10)
        for plate in ("沪A10001", "沪B99999", "沪A10003"):
            gate.publish(events_topic("bug", "g1"), event("bug", "g1", Direction.ENTRY, plate, clock.now))
        wait_for("two stored and one dead-lettered",
                 lambda: (ingestor.stats.stored, ingestor.stats.dead_letters) == (2, 1))
    finally:
        gate.close()
        ingestor.stop()
    with database.transaction() as session:
        [letter] = session.scalars(select(db.DeadLetter)).all()
    database.dispose()
    assert letter.cause is DeadLetterCause.DATABASE and letter.error == "database: ZeroDivisionError: a bug"
    assert "沪B99999".encode() in letter.payload


def test_a_closed_store_process_answers_away_and_starts_no_other(tmp_path: Path, clock: Clock) -> None:
    """After stop: a batch still handed over is answered "away" (so never acknowledged)."""
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade_to_head(url)
    store = StoreProcess(url, 120, DEFAULT_LIMITS)
    store.start()
    store.submit([], clock())
    assert isinstance(store.answer(), storing.BatchCounts)
    before = set(multiprocessing.active_children())
    store.close()
    store.submit([Received("parking/v1/sites/s/gates/g1/events", b"{}")], clock())
    assert store.answer() == StoreFailure(away=True, error="the ingest store process is stopped")
    assert store.pid is None and set(multiprocessing.active_children()) <= before

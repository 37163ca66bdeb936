"""A gate whose disk fails, on real filesystems: full, gone read-only under it, read-only at start,
and a corrupt database file. Exits always open; contract holders still get in; the alarm is in the
heartbeat and on the guard page; no event is lost that could be kept (docs/edge.md, "Storage faults").
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge import alarms as codes
from edge.agent import Agent
from edge.config import EdgeSettings, load_settings
from edge.errors import StoreError
from edge.guard.server import GuardServer
from edge.store import Store
from shared import Direction, GateEvent, Outcome, OverrideReason, Reason
from tests.edge.conftest import (
    KEY,
    WEDNESDAY_EVENING,
    Central,
    SteppingClock,
    settings_data,
    signed,
    wait_until,
)
from tests.edge.doubles import ScriptedReader, frame_for
from tests.edge.filesystems import ext4_image, fail_ext4, fill, read_only_dir, tiny_tmpfs
from tests.edge.guard.harness import login

PLATES: list[str | None] = ["沪A12345", "沪A67890", "沪B99999", "沪A55555"]
HOLDER, SECOND_HOLDER, NO_CONTRACT, THIRD_HOLDER = range(4)
CONTRACTED = ("沪A12345", "沪A67890", "沪A55555")  # three residents, a contract each
BEFORE = WEDNESDAY_EVENING - timedelta(hours=1)


def _agent(settings: EdgeSettings, clock: Callable[[], Any] = lambda: WEDNESDAY_EVENING) -> Agent:
    return Agent(settings, clock=clock, reader=ScriptedReader(PLATES), vehicles={"entry": [], "exit": []})


def _pass(agent: Agent, lane: str, plate: int) -> GateEvent:
    agent.pass_vehicle(next(x for x in agent.settings.lanes if x.name == lane), [frame_for(plate)])
    return GateEvent.model_validate(agent.store.recent_events(1)[0].data)


def _on_file(path: Path) -> list[tuple[str, str, str]]:
    """The events in the database file, read by SQLite itself: (direction, outcome, reason)."""
    db = sqlite3.connect(path)
    try:
        return [tuple(row) for row in db.execute(  # type: ignore[misc]
            "SELECT json_extract(payload, '$.direction'), json_extract(payload, '$.outcome'), "
            "json_extract(payload, '$.reason') FROM events ORDER BY seq")]
    finally:
        db.close()


def test_a_full_disk_lets_cars_through_with_an_alarm_and_the_events_reach_the_disk_later(
        tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "disk") as disk:
        settings = load_settings(None, **settings_data(tmp_path, data_dir=str(disk / "gate")))
        agent = _agent(settings)
        try:
            assert agent.bundles.offer(signed(KEY, CONTRACTED, issued_at=BEFORE, one_per_plate=True))
            _pass(agent, "entry", HOLDER)
            filler = fill(disk)
            out = _pass(agent, "exit", HOLDER)
            enters = _pass(agent, "entry", SECOND_HOLDER)
            assert (out.outcome, enters.outcome, enters.reason) == (
                Outcome.OPEN, Outcome.OPEN, Reason.CONTRACT_OK)
            assert [c.lane for c in agent.barrier.commands] == ["entry", "exit", "entry"]  # type: ignore[attr-defined]
            assert codes.STORAGE_FAULT in agent.status().alarms  # what the heartbeat sends
            assert "database or disk is full" in next(a.detail for a in agent.alarms.active()
                                                       if a.kind == codes.STORAGE_FAULT)
            assert set(agent.store.inside()) == {"沪A67890"}  # anti-passback goes on in memory
            os.remove(filler)
            assert agent.store.probe()  # what the heartbeat does: the copy goes back on the disk
            assert codes.STORAGE_FAULT not in agent.status().alarms
        finally:
            agent.store.close()
        assert _on_file(disk / "gate" / "gate.db") == [
            ("entry", "open", "contract_ok"), ("exit", "open", "exit"), ("entry", "open", "contract_ok")]


def test_with_the_outbox_in_memory_full_entries_go_to_the_guard_and_exits_still_open(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "disk") as disk:
        data = settings_data(tmp_path, data_dir=str(disk / "gate"), storage={"memory_outbox_max": 2})
        agent = _agent(load_settings(None, **data))
        try:
            assert agent.bundles.offer(signed(KEY, CONTRACTED, issued_at=BEFORE, one_per_plate=True))
            fill(disk)
            first = _pass(agent, "entry", HOLDER)  # room in memory: opened as decided
            refused = _pass(agent, "entry", NO_CONTRACT)
            held = _pass(agent, "entry", SECOND_HOLDER)  # two events wait: this one goes to the guard
            out = _pass(agent, "exit", HOLDER)
            assert [(e.outcome, e.reason) for e in (first, refused, held, out)] == [
                (Outcome.OPEN, Reason.CONTRACT_OK), (Outcome.DENY, Reason.NO_CONTRACT),
                (Outcome.REVIEW, Reason.STORAGE_FAULT), (Outcome.OPEN, Reason.EXIT)]
            assert [c.lane for c in agent.barrier.commands] == ["entry", "exit"]  # type: ignore[attr-defined]
            assert [r.event_id for r in agent.store.open_reviews(BEFORE, 10)] == [str(held.event_id)]
            opened = agent.desk.open("guard1", str(held.event_id), OverrideReason.OTHER, "disk full")
            assert opened.outcome is Outcome.OPEN  # the guard may still let the driver in
            assert [c.lane for c in agent.barrier.commands][-1] == "entry"  # type: ignore[attr-defined]
        finally:
            agent.store.close()


@pytest.fixture
def started(gate_settings: Callable[..., EdgeSettings],
            clock: SteppingClock) -> Iterator[Callable[..., Agent]]:
    agents: list[Agent] = []

    def start(settings: EdgeSettings) -> Agent:
        agent = _agent(settings, clock)
        agent.start()
        agents.append(agent)
        return agent

    yield start
    for agent in agents:
        agent.stop()


def _status_alarms(central: Central) -> tuple[str, ...]:
    return central.statuses[-1].alarms if central.statuses else ()


@pytest.mark.broker
def test_a_disk_gone_read_only_under_a_running_gate_is_alarmed_in_the_heartbeat_and_nobody_waits(
        tmp_path: Path, gate_settings: Callable[..., EdgeSettings], started: Callable[..., Agent],
        central: Central, signing_key: Any) -> None:
    with ext4_image(tmp_path / "disk") as disk:
        central.publish_bundle(signed(signing_key, CONTRACTED, issued_at=BEFORE))
        agent = started(gate_settings(data_dir=str(disk / "gate")))
        wait_until(lambda: agent.bundles.sequence == 1, what="bundle held")
        first = _pass(agent, "entry", HOLDER)
        wait_until(lambda: central.event_ids() == {str(first.event_id)}, what="first event at central")
        fail_ext4(disk)
        # the heartbeat's probe finds it before any car comes: central hears it in the gate's status
        wait_until(lambda: codes.STORAGE_FAULT in _status_alarms(central), what="storage_fault at central")
        later = [_pass(agent, "exit", HOLDER), _pass(agent, "entry", SECOND_HOLDER)]
        assert [(e.direction, e.outcome) for e in later] == [(Direction.EXIT, Outcome.OPEN),
                                                            (Direction.ENTRY, Outcome.OPEN)]
        wait_until(lambda: central.event_ids() >= {str(e.event_id) for e in later},
                   what="events sent from memory")
        assert b"parking_gate_store_in_memory 1.0" in agent.metrics.exposition()
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|unable to open"):
            sqlite3.connect(disk / "gate" / "gate.db").execute("CREATE TABLE written (x)")


@pytest.mark.broker
def test_a_gate_started_on_a_read_only_data_directory_decides_from_its_held_bundle(
        tmp_path: Path, gate_settings: Callable[..., EdgeSettings], started: Callable[..., Agent],
        central: Central, signing_key: Any) -> None:
    settings = gate_settings()
    before = _agent(settings)
    assert before.bundles.offer(signed(signing_key, CONTRACTED, issued_at=BEFORE))
    before.store.close()
    with read_only_dir(settings.data_dir, tmp_path / "read-only") as read_only:
        agent = started(settings.model_copy(update={"data_dir": read_only}))
        assert agent.bundles.sequence == 1  # no bundle on the broker: the one in the file
        assert codes.STORAGE_FAULT in agent.status().alarms
        events = [_pass(agent, "entry", HOLDER), _pass(agent, "exit", HOLDER)]
        assert [(e.outcome, e.reason) for e in events] == [(Outcome.OPEN, Reason.CONTRACT_OK),
                                                          (Outcome.OPEN, Reason.EXIT)]
        wait_until(lambda: central.event_ids() >= {str(e.event_id) for e in events}, what="events at central")
        wait_until(lambda: codes.STORAGE_FAULT in _status_alarms(central), what="storage_fault at central")
        page = GuardServer(agent)  # the guard logs in (a session row, in memory) and sees the alarm
        page.start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{page.port}") as client:
                assert login(client).status_code == 200
                state = client.get("/api/state").json()
        finally:
            page.stop()
        assert [a["code"] for a in state["alarms"]] == ["storage_fault"]  # the page labels it
        assert state["alarms"][0]["detail"].startswith("running in memory: unable to open database file")
        assert [r["event_id"] for r in state["reads"]] == [str(e.event_id) for e in reversed(events)]


def _event(gate_id: str, index: int) -> GateEvent:
    return GateEvent(event_id=uuid.uuid4(), site_id="s1", gate_id=gate_id, direction=Direction.EXIT,
                     plate="沪A12345", plate_read=f"read {index}", confidence=0.99, outcome=Outcome.OPEN,
                     reason=Reason.EXIT, at=WEDNESDAY_EVENING + timedelta(seconds=index))


def _readable_before_the_damage(path: Path, tmp_path: Path) -> list[str]:
    """Undelivered events SQLite itself reads from a copy of the damaged file, in order, until it fails."""
    copy = tmp_path / "look.db"
    shutil.copyfile(path, copy)
    db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    db.execute("PRAGMA writable_schema=ON")  # else SQLite refuses a file shorter than its header says
    found: list[str] = []
    try:
        for event_id, delivered in db.execute("SELECT event_id, delivered_at FROM events ORDER BY seq"):
            if delivered is None:
                found.append(event_id)
    except sqlite3.DatabaseError:
        pass  # the damage
    finally:
        db.close()
    return found


@pytest.mark.broker
def test_a_truncated_database_is_moved_aside_and_its_readable_undelivered_events_reach_central(
        tmp_path: Path, gate_settings: Callable[..., EdgeSettings], started: Callable[..., Agent],
        central: Central) -> None:
    settings = gate_settings()
    path = settings.data_dir / "gate.db"
    store = Store(path)
    events = [_event(settings.gate_id, index) for index in range(300)]
    for event in events:
        store.record(event, "exit")
        store.settle(event)
    store.mark_delivered([str(e.event_id) for e in events[:10]], WEDNESDAY_EVENING)
    store.close()
    damaged = path.stat().st_size * 3 // 4
    with open(path, "r+b") as handle:  # a write cut short: the last quarter of the file is gone
        handle.truncate(damaged)
    readable = _readable_before_the_damage(path, tmp_path)
    assert 0 < len(readable) < 290  # the cut lost some and left some

    agent = started(settings)
    aside = list(settings.data_dir.glob("gate.db.corrupt-*T*Z"))
    assert [p.stat().st_size for p in aside] == [damaged]  # the damaged file, kept as it was
    alarm = next(a for a in agent.alarms.active() if a.kind == codes.STORAGE_FAULT)
    assert f"moved aside to {aside[0].name}" in alarm.detail
    wait_until(lambda: central.event_ids() >= set(readable), what="the readable events at central")
    undelivered = {str(e.event_id) for e in events[10:]}
    assert central.event_ids() <= undelivered  # none that central already had, nothing made up


@pytest.mark.broker
def test_a_database_with_a_garbage_header_is_moved_aside_and_the_gate_starts_fresh_from_the_broker(
        gate_settings: Callable[..., EdgeSettings], started: Callable[..., Agent], central: Central,
        signing_key: Any) -> None:
    settings = gate_settings()
    path = settings.data_dir / "gate.db"
    store = Store(path)
    store.record(_event(settings.gate_id, 0), "exit")
    store.close()
    garbage = b"this is not SQLite, a bad sector" * 4
    with open(path, "r+b") as handle:
        handle.write(garbage)
    central.publish_bundle(signed(signing_key, CONTRACTED, issued_at=BEFORE))

    agent = started(settings)
    aside = list(settings.data_dir.glob("gate.db.corrupt-*"))
    assert [p.read_bytes()[:len(garbage)] for p in aside] == [garbage]  # kept for a person to look at
    assert codes.STORAGE_FAULT in agent.status().alarms
    wait_until(lambda: agent.bundles.sequence == 1, what="bundle read again from the retained message")
    enters = _pass(agent, "entry", HOLDER)
    assert (enters.outcome, enters.reason) == (Outcome.OPEN, Reason.CONTRACT_OK)
    wait_until(lambda: str(enters.event_id) in central.event_ids(), what="the new event at central")
    assert not agent.store.in_memory  # a fresh file on the disk


def test_a_tool_reading_a_corrupt_database_is_refused_and_leaves_the_file_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "gate.db"
    Store(path).close()
    path.write_bytes(b"not a database at all" * 300)
    with pytest.raises(StoreError, match="gate.db is corrupt: file is not a database"):
        Store(path)  # as `parking-edge explain` opens it, possibly beside the running agent
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate.db"]

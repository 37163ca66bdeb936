"""Stays are the same whatever order and batches the events of a plate arrive in.

Several consumers (or one, after a gate's outbox replays) deliver a plate's entries and exits
in any order; the stays must be those the events give in order of their time at the gate.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central import db
from central.db import StayStatus
from central.db.migrate import upgrade_to_head
from central.ingest.store import Received, ingest_batch
from shared import Direction, GateEvent, encode_message, events_topic
from tests.central.support import event, seed_site

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
SITE = "order"
_plates = (f"沪A{n:05d}" for n in itertools.count())

Stays = list[tuple[str | None, str | None, StayStatus]]  # (entry event, exit event, status)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Database]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('stays')) / 'central.db'}"
    upgrade_to_head(url)
    database = db.Database(url)
    seed_site(database, SITE, NOW)
    yield database
    database.dispose()


def _passages(plate: str, moves: list[tuple[Direction, int]]) -> list[GateEvent]:
    return [event(SITE, "g1", direction, plate, NOW - timedelta(hours=12) + timedelta(minutes=minute))
            for direction, minute in moves]


def _deliver(database: db.Database, batches: list[list[GateEvent]]) -> Stays:
    for batch in batches:
        with database.transaction() as session:
            messages = [Received(events_topic(SITE, "g1"), encode_message(e)) for e in batch]
            ingest_batch(session, messages, NOW, 120)
    plate = batches[0][0].plate
    with database.transaction() as session:
        stays = session.scalars(select(db.Stay).where(db.Stay.plate == plate)).all()
    return sorted(((str(s.entry_event_id) if s.entry_event_id else None,
                    str(s.exit_event_id) if s.exit_event_id else None, s.status) for s in stays),
                  key=lambda row: (row[0] or "", row[1] or ""))


def _same_events_another_plate(events: list[GateEvent], plate: str) -> list[GateEvent]:
    return [e.model_copy(update={"plate": plate, "plate_read": plate, "event_id": uuid.uuid4()})
            for e in events]


def _by_id(stays: Stays, names: dict[str, str]) -> Stays:
    """Event ids renamed to their position in time, so two plates' stays compare."""
    return sorted(((names.get(a or "", None), names.get(b or "", None), status) for a, b, status in stays),
                  key=lambda row: (row[0] or "", row[1] or ""))


moves = st.lists(st.tuples(st.sampled_from(list(Direction)), st.integers(0, 600)), min_size=1, max_size=8,
                 unique_by=lambda move: move[1])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves, seed=st.integers(0, 2**32 - 1))
def test_any_arrival_order_and_batching_gives_the_stays_of_time_order(
        database: db.Database, moves: list[tuple[Direction, int]], seed: int) -> None:
    in_order = _passages(next(_plates), sorted(moves, key=lambda m: m[1]))
    reference = _deliver(database, [in_order])  # one batch: taken in order of gate time
    names = {str(e.event_id): f"e{i}" for i, e in enumerate(in_order)}

    shuffled = list(in_order)
    random.Random(seed).shuffle(shuffled)
    cuts = sorted(random.Random(seed + 1).sample(range(1, len(shuffled)), k=min(len(shuffled) - 1, 3))) \
        if len(shuffled) > 1 else []
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    for variant in (batches, [[e] for e in in_order]):  # any order in batches; in order, one at a time
        copies = _same_events_another_plate([e for batch in variant for e in batch], next(_plates))
        renamed = {str(c.event_id): names[str(o.event_id)]
                   for o, c in zip([e for batch in variant for e in batch], copies, strict=True)}
        it = iter(copies)
        stays = _deliver(database, [[next(it) for _ in batch] for batch in variant])
        assert _by_id(stays, renamed) == _by_id(reference, names)


def test_a_late_entry_takes_the_exit_an_earlier_entry_had_taken(database: db.Database) -> None:
    """Entries at 1:00 and 3:00, the exit at 4:00; the 3:00 entry arrives last: the 4:00 exit is its,
    and the car that entered at 1:00 never left (as the gate times say)."""
    first, exit_, second = _passages(next(_plates), [(Direction.ENTRY, 60), (Direction.EXIT, 240),
                                                      (Direction.ENTRY, 180)])
    stays = _deliver(database, [[first], [exit_], [second]])
    assert stays == sorted([(str(first.event_id), None, StayStatus.OPEN),
                            (str(second.event_id), str(exit_.event_id), StayStatus.CLOSED)],
                           key=lambda row: (row[0] or "", row[1] or ""))

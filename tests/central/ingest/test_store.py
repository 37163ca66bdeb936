"""One batch into the database on both backends, without a broker: what ``ingest_batch`` keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from central import db
from central.db import StayStatus
from central.db.migrate import upgrade_to_head
from central.ingest.store import Received, ingest_batch
from shared import (
    Direction,
    GateEvent,
    GuardAction,
    GuardOverride,
    OverrideReason,
    encode_message,
    events_topic,
)
from tests.central.support import event, seed_site

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)
SITE, GATE, PLATE = "store", "g1", "沪A54321"


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    seed_site(database, SITE, NOW)
    yield database
    database.dispose()


def _batch(database: db.Database, *events: GateEvent) -> tuple[int, int]:
    messages = [Received(events_topic(SITE, GATE), encode_message(e)) for e in events]
    with database.transaction() as session:
        result = ingest_batch(session, messages, NOW, 120)
    return result.stored, result.duplicates


def test_a_guard_override_is_stored_whole_and_pairs_like_any_event(database: db.Database) -> None:
    """The override travels as JSON: what the guard did, and the read it acted on, are kept."""
    misread = uuid.uuid4()
    override = GuardOverride(guard="wang", action=GuardAction.OPEN, reason=OverrideReason.MISREAD,
                             comment="plate dirty", original_event_id=misread, original_plate="沪A5432")
    entry = event(SITE, GATE, Direction.ENTRY, PLATE, NOW, override=override)
    leave = event(SITE, GATE, Direction.EXIT, PLATE, NOW + timedelta(hours=2))
    assert _batch(database, entry, entry) == (1, 1)
    assert _batch(database, entry, leave) == (1, 1)  # the entry again, from an earlier batch
    with database.transaction() as session:
        stored = session.get(db.GateEventRecord, entry.event_id)
        assert stored is not None and stored.original_event_id == misread
        assert GuardOverride.model_validate(stored.override) == override
        assert stored.at == NOW and stored.received_at == NOW
        [stay] = session.scalars(select(db.Stay).where(db.Stay.plate == PLATE)).all()
    assert stay.status is StayStatus.CLOSED
    assert (stay.entry_event_id, stay.exit_event_id) == (entry.event_id, leave.event_id)
    assert (stay.entered_at, stay.exited_at, stay.deadline) == (entry.at, leave.at, entry.deadline)


def test_stays_written_in_one_batch_come_back_with_their_status(database: db.Database) -> None:
    inside = event(SITE, GATE, Direction.ENTRY, "沪B54321", NOW)
    stray = event(SITE, GATE, Direction.EXIT, "沪C54321", NOW)
    assert _batch(database, inside, stray) == (2, 0)
    with database.transaction() as session:
        found = {s.plate: s.status for s in session.scalars(select(db.Stay))}
    assert found == {"沪B54321": StayStatus.OPEN, "沪C54321": StayStatus.ANOMALY}

"""One batch into the database on both backends, without a broker: what ``ingest_batch`` keeps and
what it refuses (hostile plates, huge messages, conflicting repeats, times beyond the horizon)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from central import db
from central.db import DeadLetterCause, StayStatus
from central.db.migrate import upgrade_to_head
from central.ingest.store import DEFAULT_LIMITS, BatchResult, IngestLimits, Received, ingest_batch
from shared import (
    Direction,
    GateEvent,
    GuardAction,
    GuardOverride,
    OverrideReason,
    encode_message,
    events_topic,
    status_topic,
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


def _ingest(database: db.Database, *messages: Received, limits: IngestLimits = DEFAULT_LIMITS) -> BatchResult:
    with database.transaction() as session:
        return ingest_batch(session, list(messages), NOW, 120, limits)


def _letters(database: db.Database) -> list[db.DeadLetter]:
    with database.transaction() as session:
        return list(session.scalars(select(db.DeadLetter).order_by(db.DeadLetter.id)))


def _count(database: db.Database, model: type[db.Base]) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_plate_with_a_nul_and_an_ansi_escape_is_dead_lettered_and_opens_no_stay(
        database: db.Database) -> None:
    """The reported attack: the event was stored and opened a stay. Now the shared parser refuses it."""
    data = json.loads(encode_message(event(SITE, GATE, Direction.ENTRY, PLATE, NOW)))
    data["plate"] = "沪A\x0054321\x1b[2J"
    result = _ingest(database, Received(events_topic(SITE, GATE), json.dumps(data).encode()))
    assert (result.stored, result.dead_letters) == (0, 1)
    [letter] = _letters(database)
    assert letter.cause is DeadLetterCause.INVALID and letter.error.startswith("plate: ")
    assert "\x00" not in letter.error and "\x1b" not in letter.error  # safe to show and to log
    assert (_count(database, db.GateEventRecord), _count(database, db.Stay)) == (0, 0)


def test_a_huge_message_keeps_only_a_prefix_with_its_size_and_hash(database: db.Database) -> None:
    """A gate account's 10 MB message (the broker sets a limit now, but a message under it and over
    ours, or an older broker, still reaches us): a prefix is kept, not the whole."""
    payload = b'{"v": 1, "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    limits = IngestLimits(DEFAULT_LIMITS.max_age, DEFAULT_LIMITS.max_ahead, dead_letter_bytes=1024)
    result = _ingest(database, Received(events_topic(SITE, GATE), payload), limits=limits)
    [letter] = _letters(database)
    assert result.causes == {DeadLetterCause.TOO_LARGE: 1} and letter.cause is DeadLetterCause.TOO_LARGE
    assert letter.payload == payload[:1024]
    assert (letter.payload_size, letter.payload_sha256) == (len(payload), hashlib.sha256(payload).hexdigest())
    assert str(len(payload)) in letter.error


def test_an_event_id_sent_again_with_other_content_is_dead_lettered_with_an_alarm(
        database: db.Database) -> None:
    first = event(SITE, GATE, Direction.ENTRY, PLATE, NOW)
    forged = first.model_copy(update={"plate": "沪B54321", "plate_read": "沪B54321"})
    reordered = json.dumps(dict(reversed(json.loads(encode_message(first)).items()))).encode()
    topic = events_topic(SITE, GATE)
    result = _ingest(database, Received(topic, encode_message(first)),
                     Received(topic, encode_message(forged)))
    assert (result.stored, result.duplicates, result.causes) == (1, 0, {DeadLetterCause.CONFLICT: 1})
    # a later batch: the same content, written another way, is a repeat; other content a conflict again
    later = _ingest(database, Received(topic, reordered), Received(topic, encode_message(forged)))
    assert (later.stored, later.duplicates, later.causes) == (0, 1, {DeadLetterCause.CONFLICT: 1})
    letters = _letters(database)
    assert [letter.payload for letter in letters] == [encode_message(forged)] * 2
    assert str(first.event_id) in letters[0].error
    with database.transaction() as session:
        stored = session.get(db.GateEventRecord, first.event_id)
        alarms = session.scalars(select(db.Alarm).where(db.Alarm.cleared_at.is_(None))).all()
        stays = session.scalars(select(db.Stay)).all()
    assert stored is not None and stored.plate == PLATE  # what was stored first stays
    assert [(a.site_id, a.gate_id, a.kind) for a in alarms] == [(SITE, GATE, "event_conflict")]  # one, open
    assert [s.plate for s in stays] == [PLATE]


@pytest.mark.parametrize(("at", "kept"), [
    (datetime(1970, 1, 1, tzinfo=UTC), False),
    (datetime(2036, 2, 7, tzinfo=UTC), False),
    (NOW - timedelta(days=31), False),
    (NOW + timedelta(hours=25), False),
    (NOW - timedelta(days=29), True),  # a gate back after four weeks offline
    (NOW + timedelta(hours=23), True),
])
def test_gate_times_beyond_the_horizon_are_dead_lettered(database: db.Database, at: datetime,
                                                         kept: bool) -> None:
    result = _ingest(database, Received(events_topic(SITE, GATE), encode_message(
        event(SITE, GATE, Direction.ENTRY, PLATE, at))))
    assert (result.stored, _count(database, db.Stay)) == ((1, 1) if kept else (0, 0))
    if not kept:
        [letter] = _letters(database)
        assert letter.cause is DeadLetterCause.OUT_OF_HORIZON and letter.error.startswith("at: ")


def test_an_empty_status_a_removed_gates_cleared_retained_message_is_ignored(database: db.Database) -> None:
    result = _ingest(database, Received(status_topic(SITE, GATE), b"", retained=True),
                     Received(status_topic(SITE, "g2"), b""))  # live subscribers get it without the flag
    assert (result.ignored, result.dead_letters) == (2, 0)
    assert _letters(database) == []
    empty_event = _ingest(database, Received(events_topic(SITE, GATE), b""))
    assert empty_event.causes == {DeadLetterCause.INVALID: 1}  # an empty event is no convention

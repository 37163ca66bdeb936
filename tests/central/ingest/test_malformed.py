"""Whatever arrives on a gate topic, the consumer neither crashes nor loses it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from central import db
from central.db.migrate import upgrade_to_head
from central.ingest.store import Received, ingest_batch
from shared import Direction, encode_message
from shared.topics import events_topic, status_topic
from tests.central.support import event, seed_site

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
TOPIC = events_topic("fuzz", "g1")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Database]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'central.db'}"
    upgrade_to_head(url)
    database = db.Database(url)
    seed_site(database, "fuzz", NOW)
    yield database
    database.dispose()


def _valid() -> dict[str, Any]:
    return json.loads(encode_message(event("fuzz", "g1", Direction.ENTRY, "沪A12345", NOW)))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                           | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
broken_field = st.tuples(st.sampled_from(sorted(_valid())), json_values)
garbage = st.binary(max_size=200).filter(lambda b: not b.strip().startswith(b"{"))


def _ingest(database: db.Database, messages: list[Received]) -> tuple[int, int]:
    with database.transaction() as session:
        session.execute(delete(db.DeadLetter))
        result = ingest_batch(session, messages, NOW, 120)
        letters = session.scalar(select(func.count()).select_from(db.DeadLetter)) or 0
    return result.stored + result.duplicates, letters


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(garbage, min_size=1, max_size=5))
def test_garbage_is_all_dead_lettered(database: db.Database, payloads: list[bytes]) -> None:
    taken, letters = _ingest(database, [Received(TOPIC, p) for p in payloads])
    assert (taken, letters) == (0, len(payloads))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(broken_field, min_size=1, max_size=3), status=st.booleans())
def test_mutated_events_are_stored_or_dead_lettered(database: db.Database,
                                                   changes: list[tuple[str, Any]], status: bool) -> None:
    data = _valid()
    data["event_id"] = str(uuid.uuid4())
    for name, value in changes:
        data[name] = value
    topic = status_topic("fuzz", "g1") if status else TOPIC
    taken, letters = _ingest(database, [Received(topic, json.dumps(data).encode())])
    assert taken + letters == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topic=st.text(max_size=80))
def test_any_topic_is_dead_lettered_not_fatal(database: db.Database, topic: str) -> None:
    taken, letters = _ingest(database, [Received(topic, encode_message(event("fuzz", "g1", Direction.EXIT,
                                                                          "沪A12345", NOW)))])
    assert taken + letters == 1

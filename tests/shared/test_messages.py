"""MQTT messages: valid ones round-trip, bad ones raise one typed error naming the field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import (
    MAX_ALTERNATIVES,
    MAX_NEAR_MISSES,
    Direction,
    GateEvent,
    GateStatus,
    MessageError,
    NearMissCandidate,
    Outcome,
    Reason,
    SiteAlert,
    encode_message,
    parse_message,
)
from shared.topics import events_topic, parse_gate_topic


def _event(**changes: object) -> dict[str, object]:
    event = GateEvent(
        event_id=uuid.uuid4(), site_id="s1", gate_id="g1", direction=Direction.ENTRY,
        plate_read="沪A·12345", plate="沪A12345", confidence=0.97, outcome=Outcome.OPEN,
        reason=Reason.CONTRACT_OK, contract_id="c1", at=datetime(2025, 11, 24, 12, tzinfo=UTC),
    )
    data = json.loads(encode_message(event))
    data.update(changes)
    return data


def test_round_trip() -> None:
    data = _event()
    parsed = parse_message(GateEvent, json.dumps(data).encode())
    assert parsed.plate == "沪A12345" and parsed.at.tzinfo is not None and parsed.opened


def test_near_miss_candidates_round_trip_and_payloads_without_them_still_parse() -> None:
    candidates = [{"plate": "沪A12345", "contract_id": "c-0123456789abcdef"}]
    parsed = parse_message(GateEvent, json.dumps(_event(near_misses=candidates)).encode())
    assert parsed.near_misses == (NearMissCandidate(plate="沪A12345", contract_id="c-0123456789abcdef"),)
    older = _event()
    del older["near_misses"]  # a gate from before the field
    assert parse_message(GateEvent, json.dumps(older).encode()).near_misses == ()


def test_a_disputed_read_s_other_plates_round_trip_and_payloads_without_them_still_parse() -> None:
    parsed = parse_message(GateEvent, json.dumps(_event(alternatives=["沪A12346"])).encode())
    assert parsed.alternatives == ("沪A12346",)
    older = _event()
    del older["alternatives"]  # a gate from before the field
    assert parse_message(GateEvent, json.dumps(older).encode()).alternatives == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"direction": "sideways"}, "direction"),
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"at": "2025-11-24T12:00:00"}, "at"),  # naive time refused
        ({"site_id": "S1/#"}, "site_id"),
        ({"plate": "沪a12345"}, "plate"),  # must be normalised
        ({"extra": 1}, "extra"),
        ({"reason": "because"}, "reason"),
        ({"near_misses": [{"plate": "沪a12345", "contract_id": "c1"}]}, "near_misses.0.plate"),
        ({"near_misses": [{"plate": "XYZ", "contract_id": "c1"}]}, "near_misses.0.plate"),
        ({"near_misses": [{"plate": "沪A12345", "contract_id": "c1/#"}]}, "near_misses.0.contract_id"),
        ({"near_misses": [{"plate": "沪A12345", "contract_id": "c1"}] * (MAX_NEAR_MISSES + 1)},
         "near_misses"),
        ({"alternatives": ["沪a12346"]}, "alternatives"),  # must be normalised
        ({"alternatives": ["沪A1234"]}, "alternatives"),  # and a valid plate
        ({"alternatives": ["沪A12346"] * (MAX_ALTERNATIVES + 1)}, "alternatives"),
    ],
)
def test_bad_fields_are_named(changes: dict[str, object], field: str) -> None:
    with pytest.raises(MessageError) as caught:
        parse_message(GateEvent, json.dumps(_event(**changes)).encode())
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize("payload", [b"", b"\xff\xfe", b"[1,2]", b"null", b"{" * 5000, b"x" * 300_000])
def test_garbage_is_a_message_error(payload: bytes) -> None:
    with pytest.raises(MessageError):
        parse_message(GateEvent, payload)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                 st.dictionaries(st.text(max_size=12), st.none() | st.integers() | st.text(max_size=20))
                 .map(lambda d: json.dumps(d).encode())))
def test_the_parser_never_raises_anything_else(payload: bytes) -> None:
    try:
        parse_message(GateEvent, payload)
    except MessageError:
        pass


def test_topics_round_trip_and_refuse_wildcards() -> None:
    topic = events_topic("s1", "g1")
    assert topic == "parking/v1/sites/s1/gates/g1/events"
    parsed = parse_gate_topic(topic)
    assert (parsed.site, parsed.gate, parsed.kind) == ("s1", "g1", "events")
    with pytest.raises(MessageError, match="site"):
        events_topic("s1/#", "g1")
    with pytest.raises(MessageError, match="topic"):
        parse_gate_topic("parking/v1/sites/s1/contracts")


HOSTILE = ["\x00", "\x1b[2J", "\u202e", "\u200f", "\x07"]  # NUL, ANSI clear screen, bidi overrides, bell
_OVERRIDE = {"guard": "wang", "action": "open", "comment": "visitor", "original_plate": "沪A12345"}
_STATUS = {"v": 1, "site_id": "s1", "gate_id": "g1", "state": "online", "alarms": ["reader_fault"]}
_ALERT = {"v": 1, "alert_id": str(uuid.uuid4()), "site_id": "s1", "kind": "reminder",
          "at": "2025-11-24T12:00:00Z", "plate": "沪A12345", "contract_id": "c1", "message": "10 minutes"}


def _with(data: dict[str, object], path: str, hostile: str) -> dict[str, object]:
    """``data`` with ``hostile`` put inside the text at ``path`` (``override.comment``, ``alarms.0``)."""
    copy = json.loads(json.dumps(data))
    *parents, last = [int(key) if key.isdigit() else key for key in path.split(".")]
    target: Any = copy
    for key in parents:
        target = target[key]
    target[last] = str(target[last])[:2] + hostile + str(target[last])[2:]
    return dict(copy)


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize(
    ("model", "data", "path"),
    [
        (GateEvent, _event(), "plate"),
        (GateEvent, _event(), "plate_read"),
        (GateEvent, _event(), "contract_id"),
        (GateEvent, _event(override=_OVERRIDE), "override.guard"),
        (GateEvent, _event(override=_OVERRIDE), "override.comment"),
        (GateEvent, _event(override=_OVERRIDE), "override.original_plate"),
        (GateEvent, _event(near_misses=[{"plate": "沪A12346", "contract_id": "c1"}]), "near_misses.0.plate"),
        (GateStatus, _STATUS, "alarms.0"),
        (SiteAlert, _ALERT, "plate"),
        (SiteAlert, _ALERT, "message"),
        (SiteAlert, _ALERT, "contract_id"),
    ],
)
def test_every_text_field_refuses_control_characters(
        model: type[GateEvent | GateStatus | SiteAlert], data: dict[str, object], path: str,
        hostile: str) -> None:
    parse_message(model, json.dumps(data).encode())  # as it is, it parses
    with pytest.raises(MessageError) as caught:
        parse_message(model, json.dumps(_with(data, path, hostile)).encode())
    assert caught.value.field == path
    assert hostile not in str(caught.value)  # the error is safe to log and show: escaped


def test_a_plate_read_may_be_anything_printable_and_a_plate_need_not_be_in_the_grammar() -> None:
    """What the reader saw is kept as it was; only control characters are refused."""
    parsed = parse_message(GateEvent, json.dumps(_event(plate_read="沪A 1234?", plate="WJ12345")).encode())
    assert (parsed.plate_read, parsed.plate) == ("沪A 1234?", "WJ12345")

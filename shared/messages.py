"""Versioned MQTT message schemas and a parser that never crashes its caller.

Every text field refuses control characters (``PlainText``, plates ``PlateText``): a NUL, an
ANSI escape or a bidi override in a plate or a comment is refused here, with the field named,
before anything stores or shows it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.contracts import ID_PATTERN
from shared.errors import MessageError
from shared.plates import PlateText, parse_plate
from shared.reasons import Outcome, Reason
from shared.text import PlainText

MAX_PAYLOAD_BYTES = 256 * 1024


class Direction(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class GuardAction(StrEnum):
    OPEN = "open"
    DENY = "deny"
    CORRECT = "correct"  # the plate was corrected and the decision taken again


class OverrideReason(StrEnum):
    VISITOR = "visitor"
    MISREAD = "misread"
    EMERGENCY = "emergency"
    OTHER = "other"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GuardOverride(_Message):
    """What a guard did, carried inside the gate event it produced."""

    guard: PlainText = Field(min_length=1, max_length=64, description="guard account name")
    action: GuardAction
    reason: OverrideReason | None = None
    comment: PlainText = Field(default="", max_length=500)
    original_event_id: UUID | None = Field(default=None, description="the read the guard acted on")
    original_plate: PlateText | None = Field(default=None, max_length=16)


MAX_NEAR_MISSES = 5  # near-miss candidates an event carries at most
MAX_ALTERNATIVES = 3  # other readings of a disputed plate an event carries at most


class NearMissCandidate(_Message):
    """A contracted plate one character away from the read, and the contract that holds it."""

    plate: str = Field(max_length=16, description="the contracted plate, normalised")
    contract_id: str = Field(pattern=ID_PATTERN, description="the contract the guard may open as")

    @field_validator("plate")
    @classmethod
    def _valid_plate(cls, value: str) -> str:
        if value != parse_plate(value).text:
            raise ValueError("plate must be normalised")
        return value


class GateEvent(_Message):
    """A vehicle at a gate and what the gate did. Sent at least once."""

    v: int = Field(default=1, ge=1, le=1)
    event_id: UUID
    site_id: str = Field(pattern=ID_PATTERN)
    gate_id: str = Field(pattern=ID_PATTERN)
    direction: Direction
    plate_read: PlainText = Field(default="", max_length=32, description="the text as the reader gave it")
    plate: PlateText | None = Field(default=None, max_length=16,
                                    description="normalised; None when unreadable")
    confidence: float = Field(ge=0.0, le=1.0)
    outcome: Outcome
    reason: Reason
    contract_id: str | None = Field(default=None, pattern=ID_PATTERN)
    at: AwareDatetime = Field(description="time at the gate, UTC")
    deadline: AwareDatetime | None = Field(default=None, description="departure deadline, entries")
    snapshot_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    override: GuardOverride | None = None
    near_misses: tuple[NearMissCandidate, ...] = Field(
        default=(), max_length=MAX_NEAR_MISSES,
        description="contracted plates close to an unmatched read, for the guard (reason near_miss)")
    alternatives: tuple[str, ...] = Field(
        default=(), max_length=MAX_ALTERNATIVES,
        description="other plates the reader named for this vehicle (its recognisers disputed it)")

    @field_validator("alternatives")
    @classmethod
    def _valid_alternatives(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for plate in value:
            if plate != parse_plate(plate).text:
                raise ValueError(f"alternative {plate!r} must be a valid, normalised plate")
        return value

    @property
    def opened(self) -> bool:
        return self.outcome is Outcome.OPEN


AlarmCode = Annotated[PlainText, Field(min_length=1, max_length=64)]


class GateState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class GateStatus(_Message):
    """Retained on the gate's status topic; ``offline`` is the last will."""

    v: int = Field(default=1, ge=1, le=1)
    site_id: str = Field(pattern=ID_PATTERN)
    gate_id: str = Field(pattern=ID_PATTERN)
    state: GateState
    at: AwareDatetime | None = Field(default=None, description="gate clock, UTC; absent in the will")
    outbox_depth: int = Field(default=0, ge=0)
    bundle_sequence: int = Field(default=0, ge=0)
    alarms: tuple[AlarmCode, ...] = Field(default=(), max_length=32)


class AlertKind(StrEnum):
    REMINDER = "reminder"
    OVERSTAY = "overstay"
    SUSPENSION = "suspension"
    GATE = "gate"  # about a gate, for operators


class SiteAlert(_Message):
    """From the central service to a site's gates and guard pages."""

    v: int = Field(default=1, ge=1, le=1)
    alert_id: UUID
    site_id: str = Field(pattern=ID_PATTERN)
    kind: AlertKind
    at: AwareDatetime
    plate: PlateText | None = Field(default=None, max_length=16)
    contract_id: str | None = Field(default=None, pattern=ID_PATTERN)
    deadline: AwareDatetime | None = None
    minutes_left: int | None = None
    message: PlainText = Field(default="", max_length=500)


M = TypeVar("M", bound=BaseModel)


def parse_message(model: type[M], payload: bytes | str) -> M:
    """Parse and validate; raise MessageError naming the first bad field.

    Anything unexpected (bad UTF-8, deep nesting, a huge payload) becomes a
    MessageError too, so the caller has one thing to catch.
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise MessageError("payload", f"<{len(payload)} bytes>", f"larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MessageError("payload", _preview(payload), f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MessageError("payload", _preview(payload), "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "payload"
        raise MessageError(field, first.get("input"), first["msg"]) from exc
    except (RecursionError, TypeError, ValueError) as exc:
        raise MessageError("payload", _preview(payload), f"cannot validate: {exc}") from exc


def encode_message(message: BaseModel) -> bytes:
    return message.model_dump_json().encode()


def _preview(payload: Any) -> str:
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    return text[:80]

"""The guard's actions on a read: open, deny, correct the plate. Each is a new, audited event.

The original event stays as it was; the new one carries a ``GuardOverride``
naming it, goes to the central service like any other event, and commands the
barrier only after it is recorded, with the audit entry in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from edge.decision import Decision, Read
from edge.errors import GuardError
from edge.gate import Gate
from edge.store import AuditEntry, EventRow
from shared import (
    Direction,
    GateEvent,
    GuardAction,
    GuardOverride,
    Outcome,
    OverrideReason,
    PlateError,
    Reason,
    parse_plate,
)

logger = logging.getLogger(__name__)


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """What an audit entry keeps of an event."""
    keys = ("event_id", "direction", "plate", "confidence", "outcome", "reason", "contract_id", "at")
    return {k: data.get(k) for k in keys}


class GuardDesk:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def open(self, guard: str, event_id: str, reason: OverrideReason, comment: str = "") -> GateEvent:
        original = self._original(event_id)
        decision = Decision(Outcome.OPEN, Reason.GUARD_OPEN, original.data.get("contract_id"),
                            _deadline(original))
        return self._act(guard, original, GuardAction.OPEN, decision, reason, comment)

    def deny(self, guard: str, event_id: str, reason: OverrideReason | None = None,
             comment: str = "") -> GateEvent:
        original = self._original(event_id)
        decision = Decision(Outcome.DENY, Reason.GUARD_DENY, original.data.get("contract_id"))
        return self._act(guard, original, GuardAction.DENY, decision, reason, comment)

    def correct(self, guard: str, event_id: str, plate_text: str, comment: str = "") -> GateEvent:
        """Take the decision again on the plate the guard typed; the original read stays beside it."""
        original = self._original(event_id)
        plate = _plate(plate_text)
        read = Read(plate, 1.0, Direction(original.data["direction"]))
        decision = self.gate.decide(read, self.gate.clock())
        return self._act(guard, original, GuardAction.CORRECT, decision, OverrideReason.MISREAD, comment,
                         plate=plate)

    def open_lane(self, guard: str, lane_name: str, reason: OverrideReason, comment: str = "",
                  plate_text: str | None = None) -> GateEvent:
        """Open a lane for a car the camera never read (camera down, a car waiting at the exit).

        The plate, when the guard types one, is recorded and looked up, so a contract holder's
        stay still carries its contract and deadline; the barrier opens whatever the lookup says.
        """
        lane = self.gate.lanes.get(lane_name)
        if lane is None:
            raise GuardError(f"lane: no such lane (got {lane_name!r})")
        plate = _plate(plate_text) if plate_text else None
        now = self.gate.clock()
        found = self.gate.decide(Read(plate, 1.0, lane.direction), now) if plate else None
        decision = Decision(Outcome.OPEN, Reason.GUARD_OPEN, found.contract_id if found else None,
                            found.deadline if found else None)
        override = GuardOverride(guard=guard, action=GuardAction.OPEN, reason=reason, comment=comment[:500])
        event = self.gate.new_event(lane, decision, now, plate=plate, plate_read=plate or "",
                                    confidence=1.0 if plate else 0.0, override=override)
        after = {**summary(event.model_dump(mode="json")), "reason_given": reason, "comment": comment}
        audit = AuditEntry(now, guard, "open_lane", None, {"lane": lane.name}, after)
        logger.info("guard %s: open lane %s without a read", guard, lane.name)
        return self.gate.commit(lane, event, audit)

    def _original(self, event_id: str) -> EventRow:
        row = self.gate.store.event(event_id)
        if row is None:
            raise GuardError(f"event_id: no such read (got {event_id!r})")
        return row

    def _act(self, guard: str, original: EventRow, action: GuardAction, decision: Decision,
             reason: OverrideReason | None, comment: str, plate: str | None = None) -> GateEvent:
        lane = self.gate.lanes.get(original.lane)
        if lane is None:
            raise GuardError(f"lane: no longer configured (got {original.lane!r})")
        old_plate = original.data.get("plate")
        known_plate = old_plate if old_plate and not str(old_plate).startswith("h:") else None
        override = GuardOverride(guard=guard, action=action, reason=reason, comment=comment[:500],
                                 original_event_id=original.event_id, original_plate=known_plate)
        now = self.gate.clock()
        event = self.gate.new_event(lane, decision, now, plate=plate or known_plate,
                                    plate_read=str(original.data.get("plate_read") or ""),
                                    confidence=1.0 if plate else float(original.data.get("confidence", 0.0)),
                                    snapshot_sha256=original.data.get("snapshot_sha256"), override=override)
        after = {**summary(event.model_dump(mode="json")), "reason_given": reason, "comment": comment}
        audit = AuditEntry(now, guard, action.value, original.event_id, summary(original.data), after)
        logger.info("guard %s: %s on %s", guard, action, original.event_id)
        return self.gate.commit(lane, event, audit)


def _plate(text: str) -> str:
    try:
        return parse_plate(text).text
    except PlateError as exc:
        raise GuardError(f"plate: {exc.why} (got {text!r})") from exc


def _deadline(row: EventRow) -> datetime | None:
    text = row.data.get("deadline")
    return datetime.fromisoformat(text) if text else None

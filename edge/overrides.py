"""The guard's actions on a read: open, deny, correct the plate. Each is a new, audited event.

The original event stays as it was; the new one carries a ``GuardOverride``
naming it, goes to the central service like any other event, and commands the
barrier only after it is recorded, with the audit entry in the same transaction.
Which actions a read allows is one rule (``offered``): the page shows those and the
desk refuses the others, so two tablets cannot both decide one read.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from edge.decision import Decision, Read
from edge.errors import GuardConflict, GuardError
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


def offered(direction: Direction, outcome: Outcome, decided: bool) -> tuple[GuardAction, ...]:
    """What a guard may do with a read, in the order the page shows it.

    A read a guard has decided offers nothing (act on the newer event instead). An opened read
    offers nothing: an exit is never denied (a car is never trapped), and an entry that opened
    has let its car in. An exit held by a barrier fault may be opened again; a denied or
    reviewed entry may be opened or its plate corrected; only a review may be denied.
    """
    if decided or outcome is Outcome.OPEN:
        return ()
    if direction is Direction.EXIT:
        return (GuardAction.OPEN,)
    if outcome is Outcome.REVIEW:
        return (GuardAction.OPEN, GuardAction.DENY, GuardAction.CORRECT)
    return (GuardAction.OPEN, GuardAction.CORRECT)


class GuardDesk:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self._lock = threading.Lock()  # one decision at a time: two tablets, one read

    def offered(self, row: EventRow, decided: bool) -> tuple[GuardAction, ...]:
        return offered(Direction(row.data["direction"]), Outcome(row.data["outcome"]), decided)

    def open(self, guard: str, event_id: str, reason: OverrideReason, comment: str = "",
             confirm_inside: bool = False) -> GateEvent:
        """Open for a read; an entry whose plate is already inside must be confirmed."""
        with self._lock:
            original = self._original(event_id, GuardAction.OPEN)
            if Direction(original.data["direction"]) is Direction.ENTRY:
                self._check_inside(original.data.get("plate"), confirm_inside)
            decision = Decision(Outcome.OPEN, Reason.GUARD_OPEN, original.data.get("contract_id"),
                                _deadline(original))
            return self._act(guard, original, GuardAction.OPEN, decision, reason, comment)

    def deny(self, guard: str, event_id: str, reason: OverrideReason | None = None,
             comment: str = "") -> GateEvent:
        with self._lock:
            original = self._original(event_id, GuardAction.DENY)
            decision = Decision(Outcome.DENY, Reason.GUARD_DENY, original.data.get("contract_id"))
            return self._act(guard, original, GuardAction.DENY, decision, reason, comment)

    def correct(self, guard: str, event_id: str, plate_text: str, comment: str = "") -> GateEvent:
        """Take the decision again on the plate the guard typed (or a near miss's contracted plate
        they chose); the original read stays beside it."""
        plate = _plate(plate_text)
        with self._lock:
            original = self._original(event_id, GuardAction.CORRECT)
            read = Read(plate, 1.0, Direction(original.data["direction"]))
            decision = self.gate.decide(read, self.gate.clock())
            return self._act(guard, original, GuardAction.CORRECT, decision, OverrideReason.MISREAD,
                             comment, plate=plate)

    def open_lane(self, guard: str, lane_name: str, reason: OverrideReason, comment: str = "",
                  plate_text: str | None = None, confirm_inside: bool = False) -> GateEvent:
        """Open a lane for a car the camera never read (camera down, a car waiting at the exit).

        The plate, when the guard types one, is recorded and looked up, so a contract holder's
        stay still carries its contract and deadline; the barrier opens whatever the lookup says.
        """
        lane = self.gate.lanes.get(lane_name)
        if lane is None:
            raise GuardError(f"lane: no such lane (got {lane_name!r})", "no_such_lane")
        plate = _plate(plate_text) if plate_text else None
        if lane.direction is Direction.ENTRY:
            self._check_inside(plate, confirm_inside)
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

    def _original(self, event_id: str, action: GuardAction) -> EventRow:
        """The read acted on, if it still allows the action (no other guard decided it meanwhile)."""
        row = self.gate.store.event(event_id)
        if row is None:
            raise GuardError(f"event_id: no such read (got {event_id!r})", "no_such_read")
        decided = self.gate.store.decisions([event_id]).get(event_id)
        if decided is not None:
            raise GuardConflict(f"event_id: already decided by {decided.guard} ({decided.action})",
                                "already_decided")
        if action not in self.offered(row, decided=False):
            raise GuardConflict(f"action: {action} does not apply to this read "
                                f"({row.data['direction']}, {row.data['outcome']})", "not_offered")
        return row

    def _check_inside(self, plate: str | None, confirmed: bool) -> None:
        """Letting in a plate the gate holds as inside must be confirmed (a twin plate, a missed exit)."""
        if plate and not confirmed and plate in self.gate.store.inside():
            raise GuardConflict(f"plate: {plate} is already inside; confirm to open", "confirm_inside")

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
        raise GuardError(f"plate: {exc.why} (got {text!r})", "bad_plate") from exc


def _deadline(row: EventRow) -> datetime | None:
    text = row.data.get("deadline")
    return datetime.fromisoformat(text) if text else None

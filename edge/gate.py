"""One gate's passages: frames -> plate -> decision -> recorded event -> barrier -> snapshot.

Also the guard's actions, which go through the same path: every barrier command
follows a committed event (the decision or the guard's override). The decision
(edge.decision.decide) is final but for two I/O faults: a barrier that does not
answer turns the event into a review for the guard, and so does an entry the gate would open
while its disk fails and too many events wait in memory (docs/edge.md, "Storage faults").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import numpy as np

from edge import alarms as codes
from edge.alarms import Alarms
from edge.barrier import Barrier
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings, LaneSettings
from edge.decision import Decision, Inside, Read, SiteState, decide
from edge.errors import BarrierError, StorageFault
from edge.reader import Box, ConsensusPolicy, PlateRead, Reader, Verdict, vote
from edge.snapshots import Snapshots, encode_snapshot
from edge.store import AuditEntry, Store
from shared import MAX_ALTERNATIVES, Direction, GateEvent, NearMissCandidate, Outcome, Reason

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VehicleRead:
    """What the reader made of one vehicle's frames."""

    plate: str | None
    confidence: float
    raw_text: str
    verdict: Verdict
    frame: np.ndarray | None = None  # the frame of the best read, for the snapshot
    box: Box | None = None
    disputed: bool = False  # a second recogniser read another plate: never opens an entry
    alternatives: tuple[str, ...] = ()  # the other plates named, most often named first, for the guard


def read_vehicle(reader: Reader, frames: Iterable[np.ndarray], max_frames: int,
                 single_read_confidence: float) -> VehicleRead:
    """Read the trigger frame; a confident single read decides, otherwise vote over more frames."""
    reads: list[tuple[PlateRead, np.ndarray]] = []
    last: np.ndarray | None = None
    for count, frame in enumerate(frames, start=1):
        last = frame
        reads.extend((r, frame) for r in reader.read_frame(frame)[:1])
        if count == 1 and reads and reads[0][0].plate and reads[0][0].confidence >= single_read_confidence:
            break
        if count >= max_frames:
            break
    consensus = vote([r for r, _ in reads], ConsensusPolicy(min_agreeing=min(2, max(1, len(reads)))))
    best = max(((r, f) for r, f in reads if r.plate == consensus.plate), key=lambda rf: rf[0].confidence,
               default=(reads[0] if reads else None))
    if best is None:
        return VehicleRead(None, 0.0, "", consensus.verdict, last, None)
    read, frame = best
    return VehicleRead(consensus.plate, consensus.confidence, read.raw_text[:32], consensus.verdict,
                       frame, read.box, consensus.disputed, consensus.alternatives[:MAX_ALTERNATIVES])


def decide_at_gate(read: Read, bundles: BundleKeeper, store: Store, now: datetime,
                   min_confidence: float, inside: Mapping[str, Inside] | None = None) -> Decision:
    """Gather what the gate holds now (the verified bundle's index, the vehicles inside) and decide.

    ``inside``: the vehicles inside as the caller has just read them (the guard page's state, which
    decides every near miss of its queue), so they are not read again for each decision.
    """
    state = SiteState.of(store.inside() if inside is None else inside)
    return decide(read, bundles.index, state, now, min_confidence)


class Gate:
    def __init__(self, settings: EdgeSettings, store: Store, bundles: BundleKeeper, barrier: Barrier,
                 snapshots: Snapshots, alarms: Alarms, clock: Callable[[], datetime],
                 on_event: Callable[[str, GateEvent], None] = lambda lane, event: None) -> None:
        self.settings = settings
        self.store = store
        self.bundles = bundles
        self.barrier = barrier
        self.snapshots = snapshots
        self.alarms = alarms
        self.clock = clock
        self.on_event = on_event
        self.lanes = {lane.name: lane for lane in settings.lanes}
        # Entries are decided and carried out one at a time: two entry lanes must not both
        # admit one plate (anti-passback) or the last shared space. Exits never wait for it.
        self._entries = threading.Lock()

    def decide(self, read: Read, now: datetime, inside: Mapping[str, Inside] | None = None) -> Decision:
        return decide_at_gate(read, self.bundles, self.store, now, self.settings.reader.min_confidence,
                              inside)

    def pass_vehicle(self, lane: LaneSettings, vehicle: VehicleRead) -> GateEvent:
        if lane.direction is Direction.ENTRY:
            with self._entries:
                return self._pass(lane, vehicle)
        return self._pass(lane, vehicle)

    def _pass(self, lane: LaneSettings, vehicle: VehicleRead) -> GateEvent:
        now = self.clock()
        decision = self.decide(Read(vehicle.plate, vehicle.confidence, lane.direction, vehicle.verdict,
                                    vehicle.disputed), now)
        event = self.new_event(lane, decision, now, plate=vehicle.plate, plate_read=vehicle.raw_text,
                               confidence=vehicle.confidence, alternatives=vehicle.alternatives)
        return self.commit(lane, event, None, vehicle.frame, vehicle.box)

    def new_event(self, lane: LaneSettings, decision: Decision, now: datetime, **fields: Any) -> GateEvent:
        return GateEvent(event_id=uuid4(), site_id=self.settings.site_id, gate_id=self.settings.gate_id,
                         direction=lane.direction, outcome=decision.outcome, reason=decision.reason,
                         contract_id=decision.contract_id, at=now, deadline=decision.deadline,
                         near_misses=[NearMissCandidate(plate=c.plate, contract_id=c.contract_id)
                                      for c in decision.near_misses if c.contract_id is not None],
                         **fields)

    def commit(self, lane: LaneSettings, event: GateEvent, audit: AuditEntry | None,
                frame: np.ndarray | None = None, box: Box | None = None) -> GateEvent:
        """Record, then command the barrier, then settle with what happened."""
        event = self._held_back(event, audit)
        try:
            self.store.record(event, lane.name, audit)
        except StorageFault:  # not even in memory: a car is never trapped, recorded or not
            if event.direction is Direction.EXIT and event.opened:
                self._open(lane, event)
            raise
        if event.opened:
            event = self._open(lane, event)
        if frame is not None:
            event = self._snapshot(event, frame, box)
        self.store.settle(event, own_vehicle=self._own_vehicle(event))
        logger.info("lane %s %s: %s (%s)", lane.name, event.event_id, event.outcome, event.reason)
        self.on_event(lane.name, event)
        return event

    def _own_vehicle(self, event: GateEvent) -> bool:
        """Whether the plate is one of the institution's own vehicles in the bundle held, so that an entry
        a guard let in counts as own too (``Store.settle`` adds reason own_vehicle and keeps a car
        that uses a contract out of the own count)."""
        index = self.bundles.index
        return event.plate is not None and index is not None and event.plate in index.own

    def _held_back(self, event: GateEvent, audit: AuditEntry | None) -> GateEvent:
        """Disk failing and ``storage.memory_outbox_max`` events waiting in memory: an entry the gate
        would open by itself goes to the guard. Its event could die with the memory (and with it a stay
        and its charge); a guard may still open it. Exits and the guard's own actions are never held."""
        if (audit is not None or not event.opened or event.direction is not Direction.ENTRY
                or not self.store.in_memory
                or self.store.outbox_depth() < self.settings.storage.memory_outbox_max):
            return event
        logger.warning("entry %s held for the guard: the disk fails and the outbox in memory is full",
                       event.event_id)
        return event.model_copy(update={"outcome": Outcome.REVIEW, "reason": Reason.STORAGE_FAULT})

    def _open(self, lane: LaneSettings, event: GateEvent) -> GateEvent:
        try:
            self.barrier.open(lane.name, str(event.event_id))
        except BarrierError as exc:
            self.alarms.raise_(f"{codes.BARRIER_FAULT}:{lane.name}", str(exc), self.clock())
            logger.error("barrier fault on lane %s for %s: %s", lane.name, event.event_id, exc)
            return event.model_copy(update={"outcome": Outcome.REVIEW, "reason": Reason.BARRIER_FAULT})
        self.alarms.clear(f"{codes.BARRIER_FAULT}:{lane.name}")
        return event

    def _snapshot(self, event: GateEvent, frame: np.ndarray, box: Box | None) -> GateEvent:
        try:
            sha256, data = encode_snapshot(frame, box)
            self.snapshots.save(sha256, data, event.at)
        except (OSError, ValueError) as exc:  # a passage is never lost for want of a picture
            logger.error("snapshot of %s not saved: %s", event.event_id, exc)
            return event
        return event.model_copy(update={"snapshot_sha256": sha256})

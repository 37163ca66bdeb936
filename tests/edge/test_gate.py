"""One gate's passages without a broker: the decision carried out, recorded, and its one I/O fault."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from edge.alarms import Alarms
from edge.barrier import Barrier, SimulatedBarrier
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings, load_settings
from edge.gate import Gate, VehicleRead
from edge.reader import Verdict
from edge.snapshots import Snapshots
from edge.store import Store
from shared import NearMissCandidate, Outcome, Reason, public_key_from_text
from tests.edge.conftest import KEY, KEYS, WEDNESDAY_EVENING, settings_data, signed


def _gate(tmp_path: Path, barrier: Barrier, **overrides: Any) -> tuple[Gate, EdgeSettings]:
    """A gate at site s1 holding a bundle in which 沪A12345 has contract c1."""
    settings = load_settings(None, **settings_data(tmp_path, **overrides))
    store = Store(settings.data_dir / "gate.db")
    alarms = Alarms()
    bundles = BundleKeeper("s1", store, {"k1": public_key_from_text(KEYS["k1"])}, alarms,
                           lambda: WEDNESDAY_EVENING, timedelta(hours=1))
    assert bundles.offer(signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    gate = Gate(settings, store, bundles, barrier, Snapshots(tmp_path / "s", store), alarms,
                lambda: WEDNESDAY_EVENING)
    return gate, settings


def test_barrier_fault_turns_the_opening_into_a_review(tmp_path: Path) -> None:
    gate, settings = _gate(tmp_path, SimulatedBarrier(fail=True))
    event = gate.pass_vehicle(settings.lanes[0], VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.AGREED))
    assert (event.outcome, event.reason) == (Outcome.REVIEW, Reason.BARRIER_FAULT)
    assert gate.store.event(str(event.event_id)).data["reason"] == "barrier_fault"  # type: ignore[union-attr]
    assert gate.store.inside() == {}  # the car did not get in
    assert "barrier_fault:entry" in gate.alarms.codes()
    gate.store.close()


class _SlowBarrier(SimulatedBarrier):
    def open(self, lane: str, decision_ref: str) -> None:
        time.sleep(0.2)  # a real relay takes a moment: the window in which a second lane could decide
        super().open(lane, decision_ref)


def test_two_entry_lanes_cannot_both_admit_one_plate(tmp_path: Path) -> None:
    lanes = [{"name": "entry-1", "direction": "entry", "camera": "0"},
             {"name": "entry-2", "direction": "entry", "camera": "1"}]
    gate, settings = _gate(tmp_path, _SlowBarrier(), lanes=lanes)
    read = VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.AGREED)
    with ThreadPoolExecutor(2) as pool:
        events = list(pool.map(lambda lane: gate.pass_vehicle(lane, read), settings.lanes))
    assert sorted((e.outcome, e.reason) for e in events) == [
        (Outcome.OPEN, Reason.CONTRACT_OK), (Outcome.REVIEW, Reason.ALREADY_INSIDE)]
    gate.store.close()


def test_reads_that_disagree_send_a_contract_holder_to_the_guard(tmp_path: Path) -> None:
    barrier = SimulatedBarrier()
    gate, settings = _gate(tmp_path, barrier)
    entry, exit_lane = settings.lanes
    event = gate.pass_vehicle(entry, VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.DISAGREEMENT))
    assert (event.outcome, event.reason, event.contract_id) == (Outcome.REVIEW, Reason.READS_DISAGREE, "c1")
    assert barrier.commands == [] and gate.store.inside() == {}
    left = gate.pass_vehicle(exit_lane, VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.DISAGREEMENT))
    assert left.opened  # exits always open
    gate.store.close()


def test_a_near_miss_event_carries_the_contracted_plate_and_contract(tmp_path: Path) -> None:
    gate, settings = _gate(tmp_path, SimulatedBarrier())
    event = gate.pass_vehicle(settings.lanes[0], VehicleRead("沪A12346", 0.99, "沪A12346", Verdict.AGREED))
    assert (event.outcome, event.reason) == (Outcome.REVIEW, Reason.NEAR_MISS)
    assert event.near_misses == (NearMissCandidate(plate="沪A12345", contract_id="c1"),)
    stored = gate.store.event(str(event.event_id)).data  # type: ignore[union-attr]  # what the outbox sends
    assert stored["near_misses"] == [{"plate": "沪A12345", "contract_id": "c1"}]
    gate.store.close()

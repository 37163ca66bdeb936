"""One gate's passages without a broker: the decision carried out, recorded, and its one I/O fault."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from edge.alarms import Alarms
from edge.barrier import Barrier, SimulatedBarrier
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings, load_settings
from edge.gate import Gate, VehicleRead, read_vehicle
from edge.overrides import GuardDesk
from edge.reader import CrossCheck, PlateRead, Verdict
from edge.snapshots import Snapshots
from edge.store import Store
from shared import (
    BlacklistEntry,
    NearMissCandidate,
    Outcome,
    OverrideReason,
    OwnVehicle,
    Reason,
    public_key_from_text,
    sign_bundle,
)
from tests.edge.conftest import KEY, KEYS, WEDNESDAY_EVENING, settings_data, signed
from tests.shared.factories import bundle, contract


def _gate(tmp_path: Path, barrier: Barrier, payload: bytes | None = None,
          **overrides: Any) -> tuple[Gate, EdgeSettings]:
    """A gate at site s1 holding ``payload``, by default a bundle in which 沪A12345 has contract c1."""
    settings = load_settings(None, **settings_data(tmp_path, **overrides))
    store = Store(settings.data_dir / "gate.db")
    alarms = Alarms()
    bundles = BundleKeeper("s1", store, {"k1": public_key_from_text(KEYS["k1"])}, alarms,
                           lambda: WEDNESDAY_EVENING, timedelta(hours=1))
    assert bundles.offer(payload or signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
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


class _DisputingReader:
    """Reads 沪A12345 sure of every character; its second engine reads 沪A12346 in every frame."""

    name = "scripted"

    def __init__(self) -> None:
        self.frames_read = 0

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        self.frames_read += 1
        return [PlateRead("沪A12345", 0.97, (0.97,) * 7, (10, 10, 110, 40), "scripted", "沪A12345",
                          second_plate="沪A12346", check=CrossCheck.DISPUTED)]

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return self.read_frame(crop)

    def versions(self) -> dict[str, str]:
        return {}


def test_a_read_the_second_engine_disputes_never_opens_and_the_guard_gets_both_plates(tmp_path: Path) -> None:
    barrier = SimulatedBarrier()
    gate, settings = _gate(tmp_path, barrier)
    reader = _DisputingReader()
    frames = [np.zeros((72, 128, 3), dtype=np.uint8)] * 3
    vehicle = read_vehicle(reader, frames, max_frames=3, single_read_confidence=0.9)
    assert reader.frames_read == 1  # a confident first read ends the reading, as for any other
    assert (vehicle.plate, vehicle.disputed, vehicle.alternatives) == ("沪A12345", True, ("沪A12346",))
    event = gate.pass_vehicle(settings.lanes[0], vehicle)
    assert (event.outcome, event.reason, event.contract_id) == (Outcome.REVIEW, Reason.READS_DISAGREE, "c1")
    assert event.alternatives == ("沪A12346",)
    assert barrier.commands == [] and gate.store.inside() == {}
    stored = gate.store.event(str(event.event_id)).data  # type: ignore[union-attr]  # what the outbox sends
    assert (stored["plate"], stored["alternatives"]) == ("沪A12345", ["沪A12346"])
    gate.store.close()


def test_a_disputed_read_goes_to_the_guard_even_when_its_verdict_says_agreed(tmp_path: Path) -> None:
    barrier = SimulatedBarrier()
    gate, settings = _gate(tmp_path, barrier)
    read = VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.AGREED, disputed=True,
                       alternatives=("沪A12346",))
    event = gate.pass_vehicle(settings.lanes[0], read)
    assert (event.outcome, event.reason) == (Outcome.REVIEW, Reason.READS_DISAGREE)
    assert barrier.commands == []
    left = gate.pass_vehicle(settings.lanes[1], read)
    assert left.opened and left.alternatives == ("沪A12346",)  # exits always open, the doubt recorded
    gate.store.close()


def _rules_bundle() -> bytes:
    """One shared place and one reserved; 沪A12345 and 沪B22222 share contract c1; 沪C00001 is the
    institution's; 沪D66666 is blacklisted."""
    return sign_bundle(bundle(
        (contract(("沪A12345", "沪B22222")),), issued_at=WEDNESDAY_EVENING - timedelta(hours=1), capacity=1,
        reserved=1,
        own_vehicles=(OwnVehicle(plate="沪C00001", holder="张主任"),),
        blacklist=(BlacklistEntry(plate="沪D66666", reason="多次超时未离场"),)), KEY).to_bytes()


def _read(plate: str, confidence: float = 0.99) -> VehicleRead:
    return VehicleRead(plate, confidence, plate, Verdict.AGREED)


def test_one_car_per_contract_and_a_guard_may_still_open_audited(tmp_path: Path) -> None:
    barrier = SimulatedBarrier()
    gate, settings = _gate(tmp_path, barrier, _rules_bundle())
    entry = settings.lanes[0]
    assert gate.pass_vehicle(entry, _read("沪A12345")).reason is Reason.CONTRACT_OK
    second = gate.pass_vehicle(entry, _read("沪B22222"))
    assert (second.outcome, second.reason, second.contract_id) == (Outcome.DENY, Reason.CONTRACT_IN_USE, "c1")
    assert len(barrier.commands) == 1 and set(gate.store.inside()) == {"沪A12345"}
    opened = GuardDesk(gate).open("guard1", str(second.event_id), OverrideReason.OTHER, "family emergency")
    assert (opened.outcome, opened.reason, opened.contract_id) == (Outcome.OPEN, Reason.GUARD_OPEN, "c1")
    assert len(barrier.commands) == 2
    audit = gate.store.audit()[0]
    assert (audit.guard, audit.event_id, audit.before["reason"]) == ("guard1", str(second.event_id),
                                                                      "contract_in_use")
    gate.store.close()


def test_own_vehicles_are_inside_as_own_and_leave_the_shared_place_to_contracts(tmp_path: Path) -> None:
    gate, settings = _gate(tmp_path, SimulatedBarrier(), _rules_bundle())
    entry = settings.lanes[0]
    own = gate.pass_vehicle(entry, _read("沪C00001"))
    assert (own.outcome, own.reason, own.contract_id, own.deadline) == (Outcome.OPEN, Reason.OWN_VEHICLE,
                                                                        None, None)
    assert gate.store.inside()["沪C00001"].own_vehicle
    contracted = gate.pass_vehicle(entry, _read("沪A12345"))  # the one shared place is still free
    assert (contracted.outcome, contracted.reason) == (Outcome.OPEN, Reason.CONTRACT_OK)
    gate.store.close()


def test_a_guard_opening_an_own_vehicle_keeps_it_counted_as_own(tmp_path: Path) -> None:
    gate, settings = _gate(tmp_path, SimulatedBarrier(), _rules_bundle())
    doubtful = gate.pass_vehicle(settings.lanes[0], _read("沪C00001", confidence=0.5))
    assert (doubtful.outcome, doubtful.reason) == (Outcome.REVIEW, Reason.LOW_CONFIDENCE)
    GuardDesk(gate).open("guard1", str(doubtful.event_id), OverrideReason.MISREAD)
    assert gate.store.inside()["沪C00001"].own_vehicle
    gate.store.close()


def test_a_blacklisted_plate_is_turned_away_without_a_guard_or_a_near_miss(tmp_path: Path) -> None:
    barrier = SimulatedBarrier()
    gate, settings = _gate(tmp_path, barrier, _rules_bundle())
    for confidence in (0.99, 0.4):
        event = gate.pass_vehicle(settings.lanes[0], _read("沪D66666", confidence))
        assert (event.outcome, event.reason, event.near_misses) == (Outcome.DENY, Reason.BLACKLISTED, ())
    assert barrier.commands == [] and gate.store.inside() == {}
    gate.store.close()


def test_a_near_miss_of_an_own_vehicle_goes_to_the_guard_without_a_contract_candidate(tmp_path: Path) -> None:
    gate, settings = _gate(tmp_path, SimulatedBarrier(), _rules_bundle())
    event = gate.pass_vehicle(settings.lanes[0], _read("沪C00007"))
    assert (event.outcome, event.reason, event.near_misses) == (Outcome.REVIEW, Reason.NEAR_MISS, ())
    gate.store.close()

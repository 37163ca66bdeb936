"""Triggers: the loop detector and motion in the lane's region of interest."""

from __future__ import annotations

import numpy as np
import pytest

from edge.trigger import AnyTrigger, LoopTrigger, MotionSettings, MotionTrigger, SimulatedLoopDetector


def lane(car_at: int | None = None) -> np.ndarray:
    frame = np.full((720, 1280, 3), 100, dtype=np.uint8)
    if car_at is not None:
        frame[300:600, car_at : car_at + 400] = 30
    return frame


def test_empty_lane_never_triggers() -> None:
    trigger = MotionTrigger()
    rng = np.random.default_rng(1)
    noisy = [np.clip(lane() + rng.integers(0, 6, (720, 1280, 3)), 0, 255).astype(np.uint8) for _ in range(5)]
    assert not any(trigger.should_read(frame) for frame in noisy)


def test_car_entering_triggers_and_holds_while_it_stands() -> None:
    trigger = MotionTrigger(MotionSettings(hold_frames=2))
    frames = [lane(), lane(0), lane(300), lane(300), lane(300), lane(300)]
    assert [trigger.should_read(f) for f in frames] == [False, True, True, True, True, False]


def test_motion_outside_the_region_is_ignored() -> None:
    trigger = MotionTrigger(MotionSettings(region=(0.0, 0.0, 0.3, 1.0)))
    assert [trigger.should_read(f) for f in (lane(), lane(700), lane(800))] == [False, False, False]


def test_region_is_validated() -> None:
    with pytest.raises(ValueError, match="region"):
        MotionTrigger(MotionSettings(region=(0.5, 0.0, 0.2, 1.0)))


def test_simulated_loop_by_hand_and_by_schedule() -> None:
    loop = SimulatedLoopDetector()
    trigger = LoopTrigger(loop)
    assert not trigger.should_read(lane())
    loop.vehicle_arrives()
    assert trigger.should_read(lane())
    loop.vehicle_leaves()
    assert not trigger.should_read(lane())

    now = [0.0]
    scheduled = SimulatedLoopDetector([(10.0, 12.0)], clock=lambda: now[0])
    seen = []
    for t in (9.0, 10.0, 11.9, 12.0):
        now[0] = t
        seen.append(scheduled.occupied())
    assert seen == [False, True, True, False]


def test_any_trigger_combines() -> None:
    loop = SimulatedLoopDetector()
    trigger = AnyTrigger(LoopTrigger(loop), MotionTrigger())
    assert not trigger.should_read(lane())
    loop.vehicle_arrives()
    assert trigger.should_read(lane())

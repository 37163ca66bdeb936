"""The agent's lanes without a broker: a failing vehicle is an alarm, a missing model stops the start."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from edge.agent import Agent
from edge.config import load_settings
from edge.reader import MissingWeightsError, PlateRead
from tests.edge.conftest import WEDNESDAY_EVENING, settings_data
from tests.edge.doubles import ScriptedReader, vehicles


class _FaultOnFirstFrame(ScriptedReader):
    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        if int(frame[0, 0, 0]) == 0:
            raise RuntimeError("onnxruntime: bad input")
        return super().read_frame(frame)


def test_a_failing_vehicle_raises_an_alarm_and_the_lane_goes_on(tmp_path: Path) -> None:
    settings = load_settings(None, **settings_data(tmp_path))
    exit_lane = settings.lanes[1]
    reader = _FaultOnFirstFrame(["沪A12345", "沪B67890"])
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING, reader=reader,
                  vehicles={exit_lane.name: list(vehicles(2))})
    try:
        agent._lane_loop(exit_lane)
        assert [r.data["plate"] for r in agent.store.recent_events(10)] == ["沪B67890"]  # the next car left
        assert "reader_fault:exit" not in agent.alarms.codes()  # cleared by the vehicle that passed
    finally:
        agent.store.close()


class _NoWeights(ScriptedReader):
    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        raise MissingWeightsError("english_g2.pth", Path("/models"))


def test_a_reader_without_weights_still_lets_cars_out_and_opens_no_entry(tmp_path: Path) -> None:
    settings = load_settings(None, **settings_data(tmp_path))
    entry_lane, exit_lane = settings.lanes
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING, reader=_NoWeights([]),
                  vehicles={entry_lane.name: list(vehicles(1)), exit_lane.name: list(vehicles(1))})
    try:
        agent._lane_loop(exit_lane)
        agent._lane_loop(entry_lane)
        got = [(r.data["direction"], r.data["outcome"], r.data["reason"])
               for r in agent.store.recent_events(10)]
        # an unread entry never opens (here no bundle is held either); the exit opens all the same
        assert got == [("entry", "deny", "no_bundle"), ("exit", "open", "exit")]
        assert agent.barrier.commands[0].lane == exit_lane.name  # type: ignore[attr-defined]
        assert "reader_fault:entry" in agent.alarms.codes()
    finally:
        agent.store.close()


def test_a_missing_model_fails_the_start_before_any_lane_runs(tmp_path: Path) -> None:
    no_models = tmp_path / "models"
    no_models.mkdir()
    reader = {"engine": "ppocr", "options": {"model_dir": no_models}}
    settings = load_settings(None, **settings_data(tmp_path, reader=reader))
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING)
    try:
        with pytest.raises(MissingWeightsError, match=f"missing weights file .* put it in '{no_models}'"):
            agent.start()
        assert not [t.name for t in threading.enumerate() if t.name.startswith(("lane-", "heartbeat"))]
    finally:
        agent.store.close()

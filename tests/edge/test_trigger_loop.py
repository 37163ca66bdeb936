"""The loop-detector trigger from configuration: a car is read while the loop input says so."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.config import LaneSettings
from edge.errors import ConfigError
from edge.lanes import LaneFeed
from edge.trigger import FileLoopDetector


def test_file_loop_detector_reads_the_value_and_fails_safe(tmp_path: Path) -> None:
    value = tmp_path / "value"
    value.write_text("0\n")
    loop = FileLoopDetector(value)
    assert not loop.occupied()
    value.write_text("1\n")
    assert loop.occupied()
    value.unlink()
    assert loop.occupied()  # an input that cannot be read: read frames rather than miss a car


def test_a_loop_lane_reads_only_while_the_loop_is_occupied(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for n in range(4):
        cv2.imwrite(str(frames / f"{n}.png"), np.full((48, 64, 3), n * 40, np.uint8))
    value = tmp_path / "gpio17"
    lane = LaneSettings(name="entry", direction="entry", camera=str(frames), trigger="loop", loop_input=value)
    value.write_text("0")  # an empty lane: no frame is read
    assert list(LaneFeed(lane).vehicles()) == []
    value.write_text("1")  # a car stands on the loop: its frames are one vehicle
    runs = [[int(image[0, 0, 0]) for image in vehicle] for vehicle in LaneFeed(lane).vehicles()]
    assert runs == [[0, 40, 80, 120]]


def test_trigger_loop_without_an_input_is_refused(tmp_path: Path) -> None:
    from edge.config import load_settings
    from tests.edge.conftest import settings_data

    lanes = [{"name": "entry", "direction": "entry", "camera": "0", "trigger": "loop"}]
    with pytest.raises(ConfigError, match="loop_input"):
        load_settings(None, **settings_data(tmp_path, lanes=lanes))

"""Degraded views are repeatable, aimed at the plate, and move its box with the image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.reader.conditions import CONDITIONS, DISTANCE_WIDTH, degrade
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"
PLATE_BOX = (550, 460, 770, 530)  # where make_fixtures.py drew the plate in the frame


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return cv2.imread(str(FIXTURES / "frame_1280x720.jpg"))


@pytest.mark.parametrize("condition", CONDITIONS[1:])
def test_each_condition_changes_the_plate_and_repeats_exactly(frame: np.ndarray, condition: str) -> None:
    first, boxes = degrade(frame, [PLATE_BOX], condition, "frame_1280x720.jpg", crop=False)
    again, same_boxes = degrade(frame, [PLATE_BOX], condition, "frame_1280x720.jpg", crop=False)
    other, _ = degrade(frame, [PLATE_BOX], condition, "another.jpg", crop=False)
    assert np.array_equal(first, again) and boxes == same_boxes
    assert not np.array_equal(first, other)  # each image gets its own draw
    x1, y1, x2, y2 = boxes[0]
    if first.shape == frame.shape and condition != "tilt":
        before = frame[y1:y2, x1:x2].astype(int)
        assert np.abs(first[y1:y2, x1:x2].astype(int) - before).mean() > 2  # the plate itself is degraded


def test_distance_makes_the_plate_60_to_90_pixels_wide_in_a_720p_scene(frame: np.ndarray) -> None:
    scene, [(x1, y1, x2, y2)] = degrade(frame, [PLATE_BOX], "distance", "frame_1280x720.jpg", crop=False)
    assert scene.shape == (720, 1280, 3)
    assert DISTANCE_WIDTH[0] - 1 <= x2 - x1 <= DISTANCE_WIDTH[1] + 1
    plate_blue = scene[y1:y2, x1:x2, 0].astype(int) - scene[y1:y2, x1:x2, 2].astype(int)
    assert plate_blue.mean() > 40  # the moved box still holds the blue plate


def test_tilt_moves_the_box_around_the_turned_plate(frame: np.ndarray) -> None:
    turned, [(x1, y1, x2, y2)] = degrade(frame, [PLATE_BOX], "tilt", "frame_1280x720.jpg", crop=False)
    assert (x1, y1, x2, y2) != PLATE_BOX
    region = turned[y1:y2, x1:x2].astype(int)
    blue = (region[..., 0] - region[..., 2] > 60).sum()
    everywhere = (turned[..., 0].astype(int) - turned[..., 2].astype(int) > 60).sum()
    assert blue > 0.95 * everywhere  # the whole turned plate lies inside the moved box


def test_a_crop_stays_a_crop_and_a_frame_without_boxes_keeps_none() -> None:
    plate = cv2.imread(str(FIXTURES / "plate_blue.png"))
    small, boxes = degrade(plate, [], "distance", "plate_blue.png", crop=True)
    assert boxes == [] and DISTANCE_WIDTH[0] - 1 <= small.shape[1] <= DISTANCE_WIDTH[1] + 1
    turned, _ = degrade(plate, [], "tilt", "plate_blue.png", crop=True)
    assert turned.shape[0] > plate.shape[0]  # the canvas grew to hold the turned plate


def test_an_unknown_condition_is_refused_by_name(frame: np.ndarray) -> None:
    with pytest.raises(ValueError, match="fog"):
        degrade(frame, [], "fog", "x.jpg", crop=False)

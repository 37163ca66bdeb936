"""Degraded views are repeatable, aimed at the plate, and move its box with the image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.reader.conditions import CONDITIONS, DISTANCE_WIDTH, degrade, plate_extent
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


def test_a_loose_label_box_still_makes_the_plate_itself_60_to_90_pixels_wide(frame: np.ndarray) -> None:
    """HyperLPR's frames label a plate with a box about 1.4 times as wide: the plate is what is sized."""
    x1, y1, x2, y2 = PLATE_BOX
    loose = (x1 - 44, y1 - 14, x2 + 44, y2 + 14)
    assert plate_extent(frame, loose) == pytest.approx(PLATE_BOX, abs=6)
    for key in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg"):
        scene, [(lx1, ly1, lx2, ly2)] = degrade(frame, [loose], "distance", key, crop=False)
        region = scene[ly1:ly2, lx1:lx2].astype(int)
        blue_columns = np.flatnonzero(((region[..., 0] - region[..., 2]) > 40).mean(axis=0) > 0.3)
        assert DISTANCE_WIDTH[0] - 2 <= blue_columns[-1] - blue_columns[0] + 1 <= DISTANCE_WIDTH[1] + 2, key
        assert lx2 - lx1 > 1.3 * (blue_columns[-1] - blue_columns[0])  # the label box moved, still loose


def test_at_night_the_gate_camera_s_illuminator_lights_the_plate_and_without_it_all_is_dark(
        frame: np.ndarray) -> None:
    x1, y1, x2, y2 = PLATE_BOX
    plate, far = (slice(y1, y2), slice(x1, x2)), (slice(0, 100), slice(0, 300))  # far: from plate and glare
    lit, _ = degrade(frame, [PLATE_BOX], "night", "frame_1280x720.jpg", crop=False)
    unlit, _ = degrade(frame, [PLATE_BOX], "night_unlit", "frame_1280x720.jpg", crop=False)
    assert float(np.median(lit[plate])) > 1.8 * float(np.median(unlit[plate]))
    for dark in (lit, unlit):
        assert float(dark[far].mean()) < 0.45 * float(frame[far].mean())  # the scene is dark either way

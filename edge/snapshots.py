"""Snapshot JPEGs: the frame with the plate box, stored by SHA-256, kept a configured number of days."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from edge.reader import Box
from edge.store import Store

logger = logging.getLogger(__name__)

JPEG_QUALITY = 80
_BOX_COLOUR = (0, 200, 255)  # BGR amber


def encode_snapshot(frame: np.ndarray, box: Box | None) -> tuple[str, bytes]:
    """The JPEG bytes of the frame with the plate box drawn, and their SHA-256."""
    image = frame.copy() if box is not None else frame
    if box is not None:
        x1, y1, x2, y2 = box
        cv2.rectangle(image, (x1, y1), (x2, y2), _BOX_COLOUR, 3)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("frame cannot be encoded as JPEG")
    data = encoded.tobytes()
    return hashlib.sha256(data).hexdigest(), data


class Snapshots:
    def __init__(self, root: Path, store: Store) -> None:
        self.root = root
        self.store = store
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a read-only data directory: the gate runs, without pictures
            logger.error("snapshot folder %s cannot be made: %s", root, exc)

    def save(self, sha256: str, data: bytes, now: datetime) -> None:
        path = self.root / sha256[:2] / f"{sha256}.jpg"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        self.store.add_snapshot(sha256, str(path.relative_to(self.root)), now)

    def path(self, sha256: str) -> Path | None:
        relative = self.store.snapshot_path(sha256)
        if relative is None:
            return None
        path = self.root / relative
        return path if path.is_file() else None

    def expire(self, before: datetime) -> int:
        """Delete snapshots taken before ``before``; the events keep their hash."""
        paths = self.store.forget_snapshots(before)
        for relative in paths:
            (self.root / relative).unlink(missing_ok=True)
        if paths:
            logger.info("deleted %s expired snapshots", len(paths))
        return len(paths)

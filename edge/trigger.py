"""When to read: a vehicle on the induction loop, or motion in the lane's region of interest.

The reader is expensive; a trigger is not. An empty lane costs a crop, a resize to a
few thousand pixels and one frame difference per frame (tens of microseconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

logger = logging.getLogger(__name__)

Region = tuple[float, float, float, float]  # x1, y1, x2, y2 as fractions of the frame (0..1)


class Trigger(Protocol):
    """Decides, frame by frame, whether the reader should look at this frame."""

    def should_read(self, image: np.ndarray) -> bool: ...


class LoopDetector(Protocol):
    """An induction loop (or any presence sensor) in front of the barrier."""

    def occupied(self) -> bool: ...


class SimulatedLoopDetector:
    """A loop detector driven by hand or by a script of presence intervals (tests and demo)."""

    def __init__(
        self, intervals: Iterable[tuple[float, float]] = (), clock: Callable[[], float] | None = None
    ) -> None:
        self._intervals = list(intervals)
        self._clock = clock
        self._forced: bool | None = None

    def vehicle_arrives(self) -> None:
        self._forced = True

    def vehicle_leaves(self) -> None:
        self._forced = False

    def occupied(self) -> bool:
        if self._forced is not None:
            return self._forced
        if self._clock is None:
            return False
        now = self._clock()
        return any(start <= now < end for start, end in self._intervals)


class FileLoopDetector:
    """A loop input exposed as a value file (Linux GPIO sysfs, an I/O module's driver): '1' is occupied.

    A file that cannot be read counts as occupied, so a failed input means reading every
    frame (some cost), never missing a car.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def occupied(self) -> bool:
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()[:1] != "0"
        except OSError:
            return True


class LoopTrigger:
    """Read while the loop reports a vehicle."""

    def __init__(self, detector: LoopDetector) -> None:
        self.detector = detector

    def should_read(self, image: np.ndarray) -> bool:
        return self.detector.occupied()


@dataclass(frozen=True, slots=True)
class MotionSettings:
    region: Region = (0.0, 0.0, 1.0, 1.0)
    width: int = 64  # the region is shrunk to this many pixels across before comparing
    pixel_delta: int = 18  # grey-level change that counts a pixel as moved
    min_changed: float = 0.02  # share of moved pixels that counts as motion
    hold_frames: int = 15  # keep reading this many frames after motion stops (a car at rest)


class MotionTrigger:
    """Frame difference on a small grey copy of the region of interest."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        _check_region(self.settings.region)
        self._previous: np.ndarray | None = None
        self._hold = 0

    def should_read(self, image: np.ndarray) -> bool:
        small = self._shrink(image)
        previous, self._previous = self._previous, small
        if previous is None or previous.shape != small.shape:
            return False
        changed = np.count_nonzero(cv2.absdiff(small, previous) > self.settings.pixel_delta) / small.size
        if changed >= self.settings.min_changed:
            self._hold = self.settings.hold_frames
            return True
        if self._hold > 0:
            self._hold -= 1
            return True
        return False

    def _shrink(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        x1, y1, x2, y2 = self.settings.region
        roi = image[int(y1 * height) : max(int(y2 * height), 1), int(x1 * width) : max(int(x2 * width), 1)]
        scale = self.settings.width / max(roi.shape[1], 1)
        size = (self.settings.width, max(int(roi.shape[0] * scale), 1))
        small = cv2.resize(roi, size, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(small, (3, 3), 0)


class AnyTrigger:
    """Read when any of the triggers says so (every trigger sees every frame)."""

    def __init__(self, *triggers: Trigger) -> None:
        self.triggers = triggers

    def should_read(self, image: np.ndarray) -> bool:
        votes = [trigger.should_read(image) for trigger in self.triggers]
        return any(votes)


def _check_region(region: Region) -> None:
    x1, y1, x2, y2 = region
    if not (0.0 <= x1 < x2 <= 1.0 and 0.0 <= y1 < y2 <= 1.0):
        raise ValueError(f"region: expected 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1, got {region!r}")

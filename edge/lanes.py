"""Where a lane's vehicles come from: the configured frame source (edge.frames) and trigger (edge.trigger).

A vehicle is an iterator of frames whose first is the trigger frame; the gate
pulls as many more as it needs. With the ``motion`` trigger a vehicle is one run
of frames with motion, and the rest of the run is skipped once it is decided.
With ``every`` each frame is its own vehicle (replaying a folder of photos).
The lane also notes when it last saw a frame, for the camera-down alarm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from edge.config import LaneSettings
from edge.frames import CaptureSource, FolderSource, FrameSource, open_source
from edge.trigger import FileLoopDetector, LoopTrigger, MotionTrigger, Trigger

logger = logging.getLogger(__name__)

Vehicle = Iterable[np.ndarray]


class LaneFeed:
    """The vehicles of one lane, and the time its camera last delivered a frame."""

    def __init__(self, lane: LaneSettings) -> None:
        self.lane = lane
        self.source = _source(lane)
        self._stopped = threading.Event()
        self.live = isinstance(self.source, CaptureSource) and self.source.live  # a replay may end
        self.last_frame = time.monotonic()

    def stop(self) -> None:
        self._stopped.set()
        if isinstance(self.source, CaptureSource):
            self.source.stop()

    def silent_for(self) -> float:
        return time.monotonic() - self.last_frame if self.live else 0.0

    def _images(self) -> Iterator[np.ndarray]:
        if self._stopped.wait(self.lane.replay_delay_s if isinstance(self.source, FolderSource) else 0):
            return
        for frame in self.source:
            self.last_frame = time.monotonic()
            yield frame.image

    def vehicles(self) -> Iterator[Vehicle]:
        images = self._images()
        if self.lane.trigger == "every":
            return ([image] for image in images)
        if self.lane.trigger == "loop" and self.lane.loop_input is not None:
            return _runs(images, LoopTrigger(FileLoopDetector(self.lane.loop_input)))
        return _runs(images, MotionTrigger())


def _source(lane: LaneSettings) -> FrameSource:
    folder = Path(lane.camera)
    if folder.is_dir():
        return FolderSource(folder, interval_s=lane.replay_interval_s)
    return open_source(lane.camera)


def _runs(images: Iterator[np.ndarray], trigger: Trigger) -> Iterator[Vehicle]:
    """One vehicle per run of triggered frames; what the gate did not read of a run is skipped."""
    run = _Run(images, trigger)
    for image in images:
        if trigger.should_read(image):
            run.start(image)
            yield run
            run.skip_rest()


class _Run:
    def __init__(self, images: Iterator[np.ndarray], trigger: Trigger) -> None:
        self._images = images
        self._trigger = trigger
        self._first: np.ndarray | None = None
        self._over = False

    def start(self, first: np.ndarray) -> None:
        self._first, self._over = first, False

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._first is not None:
            yield self._first
        for image in self._images:
            if not self._trigger.should_read(image):
                self._over = True
                return
            yield image
        self._over = True

    def skip_rest(self) -> None:
        if self._over:
            return
        for image in self._images:
            if not self._trigger.should_read(image):
                return

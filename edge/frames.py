"""Frame sources: an RTSP/HTTP camera, a USB camera, a video file, or a folder of images.

Every source yields :class:`Frame` objects and never raises out of its loop because a
camera dropped: a live stream is reopened with exponential back-off. A frame that cannot
be decoded is logged and skipped. Camera URLs are shown only through :func:`redact_url`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from edge.errors import CameraError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
_SECRET_QUERY = re.compile(r"(?i)\b(password|passwd|pwd|pass|token|key|secret|auth)=[^&]*")


def redact_url(url: str) -> str:
    """The URL with any user name, password and secret-looking query values replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable camera url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True, slots=True)
class Frame:
    image: np.ndarray  # BGR
    source: str  # where it came from, safe to log


class Capture(Protocol):
    """What we use of ``cv2.VideoCapture`` (tests pass fakes)."""

    def isOpened(self) -> bool: ...  # OpenCV's spelling
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def release(self) -> None: ...


def open_capture(target: str | int) -> Capture:
    return cv2.VideoCapture(target)


@dataclass
class Backoff:
    """Exponential back-off between reconnection attempts, reset by a good frame."""

    initial_s: float = 0.5
    maximum_s: float = 30.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def next_delay(self) -> float:
        self._next = self.initial_s if self._next == 0.0 else min(self._next * self.factor, self.maximum_s)
        return self._next

    def reset(self) -> None:
        self._next = 0.0


def is_usable(image: np.ndarray | None) -> bool:
    """A decoded frame with pixels: 2-D grey or 3-channel colour, not empty."""
    return (
        isinstance(image, np.ndarray)
        and image.size > 0
        and (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4)))
    )


def as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


class CaptureSource:
    """Frames from ``cv2.VideoCapture``: a stream URL, a USB camera index or a video file.

    A live source (URL or camera) that fails to open or stops delivering is released and
    reopened after a back-off delay, for ever unless ``max_reopens`` is set. A video file
    ends at its last frame, or starts again with ``loop=True``.
    """

    def __init__(
        self,
        target: str | int,
        *,
        live: bool,
        loop: bool = False,
        opener: Callable[[str | int], Capture] = open_capture,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Backoff | None = None,
        max_reopens: int | None = None,
        max_bad_frames: int = 25,
    ) -> None:
        self._target = target
        self.name = redact_url(target) if isinstance(target, str) and "://" in target else str(target)
        self.live, self.loop = live, loop
        self._opener, self._sleep = opener, sleep
        self.backoff = backoff or Backoff()
        self._max_reopens = max_reopens
        self._max_bad_frames = max_bad_frames
        self._stopped = False
        self.reopens = 0

    def stop(self) -> None:
        self._stopped = True

    def __iter__(self) -> Iterator[Frame]:
        while not self._stopped:
            capture = self._open()
            if capture is None:
                if not self._wait_before_reopen():
                    return
                continue
            for image in self._drain(capture):
                yield Frame(image, self.name)
                if self._stopped:
                    break
            capture.release()
            if self._stopped or not (self.live or self.loop) or not self._wait_before_reopen():
                return

    def _open(self) -> Capture | None:
        try:
            capture = self._opener(self._target)
        except (cv2.error, OSError) as exc:
            logger.warning("camera %s: cannot open (%s)", self.name, type(exc).__name__)
            return None
        if not capture.isOpened():
            logger.warning("camera %s: cannot open", self.name)
            capture.release()
            return None
        logger.info("camera %s: opened", self.name)
        return capture

    def _drain(self, capture: Capture) -> Iterator[np.ndarray]:
        """Good frames until the capture fails or too many bad frames come in a row."""
        bad_in_a_row = 0
        while not self._stopped and bad_in_a_row <= self._max_bad_frames:
            try:
                ok, image = capture.read()
            except cv2.error as exc:
                logger.warning("camera %s: read failed (%s)", self.name, exc.code)
                return
            if not ok:
                if self.live:
                    logger.warning("camera %s: stream dropped", self.name)
                return
            if image is None or not is_usable(image):
                bad_in_a_row += 1
                logger.warning("camera %s: skipped an unreadable frame", self.name)
                continue
            bad_in_a_row = 0
            self.backoff.reset()
            yield as_bgr(image)
        if not self._stopped:
            logger.warning("camera %s: %s unreadable frames in a row, reopening", self.name, bad_in_a_row)

    def _wait_before_reopen(self) -> bool:
        if self._max_reopens is not None and self.reopens >= self._max_reopens:
            logger.error("camera %s: giving up after %s reopen attempts", self.name, self.reopens)
            return False
        if not self.live and not self.loop:
            return False
        delay = self.backoff.next_delay() if self.live else 0.0
        self.reopens += 1
        logger.info("camera %s: reopening in %.1f s", self.name, delay)
        self._sleep(delay)
        return not self._stopped


class FolderSource:
    """Images of a folder in name order (replay, demo, tests); ``loop=True`` replays for ever."""

    def __init__(
        self,
        folder: Path,
        *,
        loop: bool = False,
        interval_s: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not folder.is_dir():
            raise CameraError(f"frame folder {str(folder)!r} does not exist")
        self.folder = folder
        self.name = str(folder)
        self.loop = loop
        self._sleep, self._interval_s = sleep, interval_s

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            files = self.files()
            for path in files:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None or not is_usable(image):
                    logger.warning("frame folder %s: skipped unreadable image %s", self.name, path.name)
                    continue
                yield Frame(image, f"{self.name}/{path.name}")
                if self._interval_s:
                    self._sleep(self._interval_s)
            if not (self.loop and files):
                return


FrameSource = CaptureSource | FolderSource


def open_source(spec: str | int | Path, *, loop: bool = False) -> FrameSource:
    """A source from its configuration: ``0`` (USB camera), ``rtsp://…``/``http://…``,
    a video file, or a folder of images."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CaptureSource(int(spec), live=True)
    if isinstance(spec, str) and "://" in spec:
        return CaptureSource(spec, live=True)
    path = Path(spec)
    if path.is_dir():
        return FolderSource(path, loop=loop)
    if path.is_file():
        return CaptureSource(str(path), live=False, loop=loop)
    raise CameraError(f"frame source {str(spec)!r}: not a camera index, URL, video file or folder")

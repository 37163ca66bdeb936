"""Frame sources: corrupt frames are skipped, dropped streams reopen with back-off, URLs are redacted."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import CameraError
from edge.frames import Backoff, CaptureSource, FolderSource, open_source, redact_url
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"
GOOD = np.zeros((4, 6, 3), dtype=np.uint8)


class FakeCapture:
    """Plays a script: an image, ``None`` (a corrupt frame) or ``"drop"`` (the stream ends)."""

    def __init__(self, script: list[object], opened: bool = True) -> None:
        self.script = list(script)
        self.opened = opened
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        item = self.script.pop(0) if self.script else "drop"
        if isinstance(item, str):
            return False, None
        return True, item  # type: ignore[return-value]

    def release(self) -> None:
        self.released = True


class FakeCamera:
    """Opens one FakeCapture per connection attempt, in order."""

    def __init__(self, *captures: FakeCapture) -> None:
        self.captures = list(captures)
        self.targets: list[str | int] = []

    def __call__(self, target: str | int) -> FakeCapture:
        self.targets.append(target)
        return self.captures.pop(0) if self.captures else FakeCapture([], opened=False)


def test_redact_url_hides_credentials_and_secret_query_values() -> None:
    url = "rtsp://admin:s3cret@10.0.0.5:554/Streaming/101?token=abc&channel=1"
    shown = redact_url(url)
    assert "admin" not in shown and "s3cret" not in shown and "abc" not in shown
    assert shown == "rtsp://***@10.0.0.5:554/Streaming/101?token=***&channel=1"
    assert redact_url("http://cam.local/video") == "http://cam.local/video"


def test_dropped_stream_reopens_with_exponential_backoff(caplog: pytest.LogCaptureFixture) -> None:
    url = "rtsp://admin:s3cret@10.0.0.5/live"
    camera = FakeCamera(
        FakeCapture([GOOD, GOOD, "drop"]),
        FakeCapture([], opened=False),
        FakeCapture([], opened=False),
        FakeCapture([GOOD, "drop"]),
    )
    sleeps: list[float] = []
    source = CaptureSource(url, live=True, opener=camera, sleep=sleeps.append, max_reopens=4,
                           backoff=Backoff(initial_s=1.0, maximum_s=3.0))
    with caplog.at_level(logging.DEBUG, logger="edge.frames"):
        frames = list(source)
    assert len(frames) == 3
    # drop -> 1 s, open fails -> 2 s, open fails -> 3 s (capped); a good frame resets it -> 1 s
    assert sleeps == [1.0, 2.0, 3.0, 1.0]
    assert camera.targets == [url] * 5
    assert "s3cret" not in caplog.text and "admin" not in caplog.text
    assert "stream dropped" in caplog.text


def test_corrupt_frames_are_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    bad = np.zeros((0, 0, 3), dtype=np.uint8)
    camera = FakeCamera(FakeCapture([GOOD, None, bad, np.zeros((4, 6, 2), dtype=np.uint8), GOOD, "drop"]))
    source = CaptureSource("clip.mp4", live=False, opener=camera, sleep=pytest.fail)
    with caplog.at_level(logging.WARNING, logger="edge.frames"):
        frames = list(source)
    assert len(frames) == 2
    assert caplog.text.count("unreadable frame") == 3


def test_a_camera_that_raises_on_open_is_retried_not_fatal() -> None:
    def broken(target: str | int) -> FakeCapture:
        raise cv2.error("no device")

    sleeps: list[float] = []
    source = CaptureSource(0, live=True, opener=broken, sleep=sleeps.append, max_reopens=3)
    assert list(source) == []
    assert len(sleeps) == 3


def test_folder_source_replays_sorted_and_skips_corrupt_images(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "b.png"), GOOD)
    cv2.imwrite(str(tmp_path / "a.png"), GOOD + 1)
    shutil.copy(FIXTURES / "corrupt.jpg", tmp_path / "a2.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    frames = list(FolderSource(tmp_path))
    assert [f.source.rsplit("/", 1)[1] for f in frames] == ["a.png", "b.png"]
    assert frames[0].image.shape == (4, 6, 3)


def test_looping_folder_replays_until_stopped(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), GOOD)
    frames = FolderSource(tmp_path, loop=True)
    replayed = [frame.source for frame, _ in zip(frames, range(5), strict=False)]
    assert replayed == [f"{tmp_path}/a.png"] * 5


def test_open_source_picks_the_kind(tmp_path: Path) -> None:
    assert isinstance(open_source(tmp_path), FolderSource)
    assert isinstance(open_source("0"), CaptureSource) and open_source("0").live
    camera = open_source("rtsp://u:p@cam/1")
    assert isinstance(camera, CaptureSource) and camera.name == "rtsp://***@cam/1"
    with pytest.raises(CameraError, match="nowhere"):
        open_source(str(tmp_path / "nowhere"))


def test_video_file_plays_through(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (64, 48))
    for value in (10, 120, 240):
        writer.write(np.full((48, 64, 3), value, dtype=np.uint8))
    writer.release()
    frames = list(open_source(str(path)))
    assert len(frames) == 3
    assert frames[0].image.shape == (48, 64, 3)

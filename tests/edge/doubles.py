"""Test doubles for plumbing tests where the camera and reader are not under test."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from edge.reader import PlateRead


class ScriptedReader:
    """A reader that 'reads' the plate written in the frame's first pixel row index (see frame_for)."""

    name = "scripted"

    def __init__(self, plates: list[str | None]) -> None:
        self.plates = plates

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        plate = self.plates[int(frame[0, 0, 0])]
        if plate is None:
            return []
        return [PlateRead(plate, 0.99, (0.99,) * len(plate), (1, 1, 20, 10), self.name, plate)]

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return self.read_frame(crop)

    def versions(self) -> dict[str, str]:
        return {"scripted": "1"}


def frame_for(index: int) -> np.ndarray:
    frame = np.zeros((72, 128, 3), np.uint8)
    frame[0, 0, 0] = index
    return frame


def vehicles(count: int) -> Iterator[list[np.ndarray]]:
    for index in range(count):
        yield [frame_for(index)]

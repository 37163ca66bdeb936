"""What a reader returns, and the interface every engine implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One plate found in one image.

    ``plate`` is the normalised, grammar-valid text, or None when something plate-like
    was seen but could not be read as a valid plate. ``confidence`` is 0..1 (the weakest
    character's confidence for the ppocr engine). ``box`` is (x1, y1, x2, y2) in the
    coordinates of the image passed in.
    """

    plate: str | None
    confidence: float
    char_confidences: tuple[float, ...] = ()
    box: Box | None = None
    engine: str = ""
    raw_text: str = field(default="", compare=False)


@runtime_checkable
class Reader(Protocol):
    """A plate reading engine."""

    name: str

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        """Find and read every plate in a BGR camera frame."""
        ...

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        """Read a BGR image that holds one plate, without detection."""
        ...

    def versions(self) -> dict[str, str]:
        """Engine and model versions, for evaluation reports."""
        ...

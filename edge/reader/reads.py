"""What a reader returns, and the interface every engine implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

Box = tuple[int, int, int, int]


class CrossCheck(StrEnum):
    """What a second, independent recogniser made of the same plate image."""

    UNCHECKED = "unchecked"  # the reader has one engine only
    CONFIRMED = "confirmed"  # the second engine read exactly the same plate
    DISPUTED = "disputed"  # it read another plate: the gate must not open on this read


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One plate found in one image.

    ``plate`` is the normalised, grammar-valid text, or None when something plate-like
    was seen but could not be read as a valid plate. ``confidence`` is 0..1, the weakest
    character's (for a cross-checked read, both engines' probabilities combined, see
    ``edge.reader.crosscheck``). ``box`` is (x1, y1, x2, y2) in the coordinates of the image
    passed in. ``second_plate`` is what the cross-checking engine read (None when there is
    none or it read nothing valid); ``check`` says whether it confirms or disputes ``plate``.
    """

    plate: str | None
    confidence: float
    char_confidences: tuple[float, ...] = ()
    box: Box | None = None
    engine: str = ""
    raw_text: str = field(default="", compare=False)
    second_plate: str | None = None
    check: CrossCheck = CrossCheck.UNCHECKED

    @property
    def disputed(self) -> bool:
        """The engines read different plates: never a read to open the barrier on."""
        return self.check is CrossCheck.DISPUTED


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

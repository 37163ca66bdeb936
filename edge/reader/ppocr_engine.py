"""Default engine: PP-OCRv4 detection + recognition run directly with onnxruntime.

Frame: detect text on a downscaled copy, keep plate-shaped boxes, warp each from the
full-resolution frame, recognise, and decode the CTC output held to the plate grammar.
Crop: recognise directly; a squat crop (two-line yellow plate) is also tried as its two
lines side by side, and the more confident reading wins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.reader.ctc import Decoded, PlateAlphabet, decode_plate
from edge.reader.geometry import TextBox, find_text_boxes, fit_to_stride, rectify
from edge.reader.plate_boxes import plate_candidates
from edge.reader.ppocr_models import Detector, Recogniser, default_model_dir, package_versions
from edge.reader.reads import PlateRead

logger = logging.getLogger(__name__)

ENGINE = "ppocr"
TWO_LINE_MAX_ASPECT = 2.3  # single-line plates are about 3.1 wide to 1 high, two-line about 2


@dataclass(frozen=True, slots=True)
class PpocrOptions:
    """Tuning of the default engine; the defaults are what docs/reader.md measures."""

    threads: int = 1  # onnxruntime intra-op threads
    det_sizes: tuple[int, ...] = (448, 736)  # detector input's longer side: tried in turn until a read
    rec_width: int = 320  # recogniser input width (lines are right-padded to it)
    max_candidates: int = 3  # plate-shaped boxes recognised per frame, best first
    min_confidence: float = 0.05  # weakest character's confidence for a plate to be reported at all
    confident: float = 0.5  # below this, the next (finer) detection pass runs too
    model_dir: Path | None = None  # folder holding the two .onnx files; default: inside rapidocr


class PpocrReader:
    """The default plate reader."""

    name = ENGINE

    def __init__(self, options: PpocrOptions | None = None, **overrides: object) -> None:
        self.options = options or PpocrOptions(**overrides)  # type: ignore[arg-type]
        model_dir = self.options.model_dir or default_model_dir()
        self._detector = Detector(model_dir, self.options.threads)
        self._recogniser = Recogniser(model_dir, self.options.threads, self.options.rec_width)
        self._alphabet = PlateAlphabet(self._recogniser.characters)

    def versions(self) -> dict[str, str]:
        return {"engine": ENGINE, "models": "PP-OCRv4 det + rec (ch)", **package_versions()}

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        height, width = crop.shape[:2]
        box = (0, 0, width, height)
        decoded = self._best_decoding(crop)
        return [self._to_read(decoded, box)]

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        """Plates in the frame; a finer detection pass runs only when a coarser one read nothing."""
        reads: list[PlateRead] = []
        for max_side in self.options.det_sizes:
            reads = _dedupe(reads + self._read_at(frame, max_side))
            if any(r.plate and r.confidence >= self.options.confident for r in reads):
                break
        return reads

    def _read_at(self, frame: np.ndarray, max_side: int) -> list[PlateRead]:
        small, sx, sy = fit_to_stride(frame, max_side)
        boxes = [b.scaled(sx, sy) for b in find_text_boxes(self._detector(small))]
        reads = []
        for candidate in plate_candidates(boxes, frame.shape)[: self.options.max_candidates]:
            line = rectify(frame, candidate)
            read = self._to_read(self._best_decoding(line), _clip_box(candidate, frame.shape))
            if read.plate is not None:
                reads.append(read)
        return reads

    def _best_decoding(self, line: np.ndarray) -> Decoded:
        decoded = decode_plate(self._recogniser(line), self._alphabet)
        height, width = line.shape[:2]
        if width < TWO_LINE_MAX_ASPECT * height:
            two_line = decode_plate(self._recogniser(two_lines_side_by_side(line)), self._alphabet)
            if two_line.confidence > decoded.confidence:
                return two_line
        return decoded

    def _to_read(self, decoded: Decoded, box: tuple[int, int, int, int]) -> PlateRead:
        ok = bool(decoded.text) and decoded.confidence >= self.options.min_confidence
        return PlateRead(
            plate=decoded.text if ok else None,
            confidence=decoded.confidence,
            char_confidences=decoded.char_confidences,
            box=box,
            engine=ENGINE,
            raw_text=decoded.text,
        )


def two_lines_side_by_side(plate: np.ndarray) -> np.ndarray:
    """A two-line plate (province and letter above, serial below) as one line.

    The upper line takes about the top 35% of the plate, the lower line the rest.
    """
    height = plate.shape[0]
    split = int(round(height * 0.36))
    top, bottom = plate[:split], plate[split:]
    margin = top.shape[1] // 5
    top = top[:, margin : top.shape[1] - margin]  # the upper line is centred and narrower
    scale = bottom.shape[0] / max(top.shape[0], 1)
    top = cv2.resize(top, (max(int(top.shape[1] * scale), 1), bottom.shape[0]))
    return np.hstack([top, bottom])


def _clip_box(box: TextBox, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box.bounds()
    height, width = shape[:2]
    return max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)


def _dedupe(reads: list[PlateRead]) -> list[PlateRead]:
    """One read per plate text, the most confident."""
    best: dict[str, PlateRead] = {}
    unread = []
    for read in reads:
        if read.plate is None:
            unread.append(read)
        elif read.plate not in best or read.confidence > best[read.plate].confidence:
            best[read.plate] = read
    return sorted(best.values(), key=lambda r: -r.confidence) + unread

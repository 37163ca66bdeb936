"""Measure a plate reader on a labelled image set (the format of ../shared/plates/dev).

``labels.csv`` columns: ``file,plate,kind,x1,y1,x2,y2,...``; ``kind`` is ``crop`` (a plate
image, read without detection) or ``frame`` (a scene, read with detection). A frame's
plate counts as read when it is among the plates reported for that frame.

Entry points for the CLI: :func:`add_eval_parser` (argparse wiring) or :func:`run_eval`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge.reader import PlateRead, Reader, ReaderError, make_reader

logger = logging.getLogger(__name__)

KINDS = ("crop", "frame")


@dataclass(frozen=True, slots=True)
class LabelledImage:
    file: Path
    plate: str
    kind: str


@dataclass(frozen=True, slots=True)
class ImageResult:
    """What the reader reported for one labelled image."""

    label: LabelledImage
    plates: tuple[str, ...]
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class KindScore:
    n: int
    exact: float
    char_accuracy: float
    false_reads: int
    median_ms: float
    p90_ms: float


@dataclass(frozen=True, slots=True)
class EvalReport:
    engine: str
    versions: dict[str, str]
    kinds: dict[str, KindScore]
    max_rss_mb: float

    def as_dict(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "versions": self.versions,
            **{kind: asdict(score) for kind, score in self.kinds.items()},
            "max_rss_mb": round(self.max_rss_mb, 1),
        }


def load_labels(labels: Path, limit: int | None = None) -> list[LabelledImage]:
    """Rows of ``labels.csv``; ``limit`` keeps the first N of each kind."""
    with labels.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    images = [LabelledImage(labels.parent / row["file"], row["plate"], row["kind"]) for row in rows]
    if limit is None:
        return images
    return [image for kind in KINDS for image in [i for i in images if i.kind == kind][:limit]]


def read_labelled(reader: Reader, image: LabelledImage) -> ImageResult:
    """Read one labelled image; an unreadable file counts as nothing read."""
    pixels = cv2.imread(str(image.file), cv2.IMREAD_COLOR)
    if pixels is None:
        logger.warning("cannot read image %s: counted as not read", image.file)
        return ImageResult(image, (), float("nan"))
    read = reader.read_crop if image.kind == "crop" else reader.read_frame
    start = time.perf_counter()
    reads: list[PlateRead] = read(pixels)
    elapsed_ms = (time.perf_counter() - start) * 1000
    return ImageResult(image, tuple(r.plate for r in reads if r.plate), elapsed_ms)


Progress = Callable[[Iterable[LabelledImage]], Iterable[LabelledImage]]


def evaluate(reader: Reader, images: Iterable[LabelledImage], progress: Progress = iter) -> EvalReport:
    results = [read_labelled(reader, image) for image in progress(images)]
    kinds = {kind: score_kind([r for r in results if r.label.kind == kind]) for kind in KINDS}
    return EvalReport(reader.name, reader.versions(), kinds, _max_rss_mb())


def score_kind(results: list[ImageResult]) -> KindScore:
    times = [r.elapsed_ms for r in results if not np.isnan(r.elapsed_ms)]
    n = len(results)
    return KindScore(
        n=n,
        exact=round(sum(r.label.plate in r.plates for r in results) / n, 4) if n else 0.0,
        char_accuracy=round(sum(_char_accuracy(r) for r in results) / n, 4) if n else 0.0,
        false_reads=sum(plate != r.label.plate for r in results for plate in r.plates),
        median_ms=round(float(np.median(times)), 1) if times else 0.0,
        p90_ms=round(float(np.percentile(times, 90)), 1) if times else 0.0,
    )


def _char_accuracy(result: ImageResult) -> float:
    """1 - edit distance / label length for the closest reported plate (0 when none)."""
    label = result.label.plate
    if not result.plates:
        return 0.0
    distance = min(edit_distance(label, plate) for plate in result.plates)
    return max(0.0, 1.0 - distance / len(label))


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
    lines = [f"engine {report.engine}: " + ", ".join(f"{k} {v}" for k, v in report.versions.items())]
    lines.append(f"{'kind':<6} {'n':>4} {'exact':>7} {'chars':>7} {'false':>6} {'median':>8} {'p90':>8}")
    for kind, s in report.kinds.items():
        lines.append(
            f"{kind:<6} {s.n:>4} {s.exact:>7.1%} {s.char_accuracy:>7.1%} {s.false_reads:>6}"
            f" {s.median_ms:>6.1f}ms {s.p90_ms:>6.1f}ms"
        )
    lines.append(f"max RSS {report.max_rss_mb:.0f} MB")
    return "\n".join(lines)


def run_eval(labels: Path, engine: str = "ppocr", limit: int | None = None, as_json: bool = False) -> int:
    """Evaluate ``engine`` on ``labels`` and print the report; returns a process exit code."""
    if not labels.is_file():  # before the models load: a typo should not cost their start-up
        sys.stderr.write(f"error: labels file {str(labels)!r} does not exist\n")
        return 2
    try:
        reader = make_reader(engine)
    except ReaderError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    images = load_labels(labels, limit)
    report = evaluate(reader, images, _progress_bar(len(images)))
    sys.stdout.write(format_report(report) + "\n")
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    return 0


def _progress_bar(total: int) -> Progress:
    def wrap(items: Iterable[LabelledImage]) -> Iterable[LabelledImage]:
        bar: Iterable[LabelledImage] = tqdm(items, total=total, unit="img", disable=not sys.stderr.isatty(),
                                            leave=False)
        return bar

    return wrap


def add_eval_parser(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``eval`` to a CLI's subcommands; the parsed args carry ``func`` returning an exit code."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval", help="measure a plate reader on a labelled image set")
    parser.add_argument("--labels", type=Path, required=True, help="labels.csv of the image set")
    parser.add_argument("--engine", default="ppocr", help="reader engine (ppocr, easyocr)")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N images of each kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.set_defaults(func=lambda args: run_eval(args.labels, args.engine, args.limit, args.json))
    return parser

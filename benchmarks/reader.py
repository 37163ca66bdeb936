"""Every installed plate reader side by side on a labelled set, one thread each.

    python -m benchmarks.reader [--labels PATH/labels.csv] [--engines ppocr,easyocr] [--limit N]

Each engine runs in its own process (so its resident memory is its own) with OpenCV,
onnxruntime and torch limited to one thread. Prints a table, then one JSON object on the
last line. ``frame_720p_median_ms`` times the frames letterboxed to 1280x720.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from edge.eval import evaluate, load_labels
from edge.reader import ReaderError, installed_engines, make_reader

DEFAULT_LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "plates" / "dev" / "labels.csv"


def letterbox_720p(image: np.ndarray) -> np.ndarray:
    """The image scaled to fit 1280x720 and centred on grey, as a 720p camera would frame it."""
    scale = min(1280 / image.shape[1], 720 / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    canvas = np.full((720, 1280, 3), 114, dtype=np.uint8)
    top, left = (720 - resized.shape[0]) // 2, (1280 - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return canvas


def _one_thread(engine: str) -> None:
    cv2.setNumThreads(1)
    if engine == "ppocr":
        return  # onnxruntime threads are a reader option; importing torch would only cost memory
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


def bench_engine(engine: str, labels: Path, limit: int | None) -> dict[str, object]:
    """Runs in a child process: the evaluation report plus 720p frame timing."""
    _one_thread(engine)
    options: dict[str, object] = {"threads": 1} if engine == "ppocr" else {}
    try:
        reader = make_reader(engine, **options)
    except ReaderError as exc:
        return {"engine": engine, "unavailable": str(exc)}
    images = load_labels(labels, limit)
    report = evaluate(reader, images).as_dict()
    wall, cpu = [], []
    for image in (i for i in images if i.kind == "frame"):
        frame = letterbox_720p(cv2.imread(str(image.file)))
        start, start_cpu = time.perf_counter(), time.process_time()
        reader.read_frame(frame)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    report["frame_720p_median_ms"] = round(statistics.median(wall), 1) if wall else None
    # CPU time of the process: what one core costs, even when other jobs share the machine
    report["frame_720p_cpu_median_ms"] = round(statistics.median(cpu), 1) if cpu else None
    return report


def format_table(reports: list[dict]) -> str:
    head = f"{'engine':<9} {'crops':>7} {'frames':>7} {'false':>6} {'crop ms':>8} {'frame ms':>9}"
    lines = [head + f" {'p90 ms':>7} {'720p ms':>8} {'720p cpu':>9} {'RSS MB':>7}"]
    for r in reports:
        if "unavailable" in r:
            lines.append(f"{r['engine']:<9} unavailable: {r['unavailable']}")
            continue
        c, f = r["crop"], r["frame"]
        lines.append(
            f"{r['engine']:<9} {c['exact']:>7.1%} {f['exact']:>7.1%} {c['false_reads'] + f['false_reads']:>6}"
            f" {c['median_ms']:>8.1f} {f['median_ms']:>9.1f} {f['p90_ms']:>7.1f}"
            f" {r['frame_720p_median_ms'] or 0:>8.1f} {r['frame_720p_cpu_median_ms'] or 0:>9.1f}"
            f" {r['max_rss_mb']:>7.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--engines", default=",".join(installed_engines()))
    parser.add_argument("--limit", type=int, default=None, help="first N images of each kind")
    args = parser.parse_args(argv)
    reports = []
    for engine in args.engines.split(","):
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            reports.append(pool.submit(bench_engine, engine, args.labels, args.limit).result())
    print(format_table(reports))
    print(json.dumps({"labels": str(args.labels), "engines": reports}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

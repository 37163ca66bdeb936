"""Plate readers side by side on a labelled set and its degraded conditions, one thread each.

    python -m benchmarks.reader [--labels PATH/labels.csv] [--engines ppocr,clp,ppocr+clp]
                                [--conditions clean,distance,...] [--limit N] [--repeats 3]

Each engine runs in its own process (so its resident memory is its own) with OpenCV,
onnxruntime and torch limited to one thread; pin the whole run to one core with
``taskset -c 0`` for the figures in docs/reader.md. Accuracy comes from ``edge.eval`` on every
condition. Speed is measured apart, per condition, on the frames degraded as the evaluation
reads them and letterboxed to 1280x720: each frame is read ``--repeats`` times and its fastest
time kept (other jobs on a shared machine only ever add time), then the median and 90th
percentile are taken over the frames. A yardstick for the machine is timed in the same
process, just before and after each condition's frames: the networks one plate in a frame needs,
run bare (the plate detector at 640x352 and each recogniser once, fastest of 20). The machine's
speed moves by 10-20 % within the hour; the frame median over the yardstick says what the reader
adds to its networks, apart from that. Prints a table, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from edge.eval import DEFAULT_THRESHOLD, LabelledImage, LabelsError, evaluate, load_labels
from edge.reader import Reader, ReaderError, clp_models, make_reader, ppocr_models
from edge.reader.conditions import CONDITIONS, degrade
from edge.reader.engine import ReaderOptions
from edge.reader.runtime import DEFAULT_RUNTIME, Network

DEFAULT_LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "plates" / "dev" / "labels.csv"
DEFAULT_ENGINES = "ppocr,clp,ppocr+clp"


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
    if engine != "easyocr":
        return  # onnxruntime threads are a reader option; importing torch would only cost memory
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


def time_720p(reader: Reader, frames: list[np.ndarray], repeats: int) -> dict[str, float]:
    """Median and p90 over the frames of each frame's fastest read (wall and CPU, ms)."""
    wall = np.full((len(frames), repeats), np.inf)
    cpu = np.full((len(frames), repeats), np.inf)
    for r in range(repeats):
        for i, frame in enumerate(frames):
            start, start_cpu = time.perf_counter(), time.process_time()
            reader.read_frame(frame)
            wall[i, r] = (time.perf_counter() - start) * 1000
            cpu[i, r] = (time.process_time() - start_cpu) * 1000
    best, best_cpu = wall.min(axis=1), cpu.min(axis=1)
    return {"median_ms": round(float(np.median(best)), 1), "p90_ms": round(float(np.percentile(best, 90)), 1),
            "cpu_median_ms": round(float(np.median(best_cpu)), 1),
            "cpu_p90_ms": round(float(np.percentile(best_cpu, 90)), 1)}


# Each network one plate in a 720p frame needs: its file and its input's shape (the plate
# detector's first pass at 640 wide; each recogniser at the height and padded width the reader uses).
BARE_NETWORKS = {
    "plate detector": (lambda: clp_models.model_path(clp_models.default_model_dir(), "pretrained_models",
                                                     clp_models.DET_MODEL), (1, 3, 352, 640)),
    "ppocr": (lambda: ppocr_models.model_path(ppocr_models.default_model_dir(), ppocr_models.REC_MODEL),
              (1, 3, ppocr_models.REC_HEIGHT, ReaderOptions().rec_width)),
    "clp": (lambda: clp_models.model_path(clp_models.default_model_dir(), "pretrained_models",
                                          clp_models.REC_MODEL),
            (1, 3, clp_models.REC_HEIGHT, clp_models.REC_WIDTH)),
}


class Yardstick:
    """The networks one plate in a frame needs, run bare on one thread: a measure of the machine's
    speed at the moment, to time next to the frames (on the runtime the reader uses)."""

    def __init__(self, engine: str, runtime: str = DEFAULT_RUNTIME) -> None:
        names = ["plate detector", *engine.split("+")]
        self.available = all(name in BARE_NETWORKS for name in names)  # not EasyOCR
        inputs = np.random.default_rng(0)
        self._runs = []
        for path, shape in (BARE_NETWORKS[n] for n in names) if self.available else ():
            blob = inputs.uniform(-1, 1, shape).astype(np.float32)
            network = Network(path(), threads=1, runtime=runtime)
            network(blob)  # the first run allocates
            self._runs.append((network, blob))

    def __call__(self, runs: int = 20) -> float:
        """The sum of each network's fastest time over ``runs`` (ms)."""
        total = 0.0
        for network, blob in self._runs:
            fastest = np.inf
            for _ in range(runs):
                start = time.perf_counter()
                network(blob)
                fastest = min(fastest, time.perf_counter() - start)
            total += fastest * 1000
        return round(total, 1)


def bench_engine(engine: str, labels: Path, limit: int | None, conditions: tuple[str, ...],
                 repeats: int) -> dict[str, object]:
    """Runs in a child process: the evaluation report plus 720p frame timing."""
    _one_thread(engine)
    options: dict[str, object] = {} if engine == "easyocr" else {"threads": 1}
    try:
        reader = make_reader(engine, **options)
    except ReaderError as exc:
        return {"engine": engine, "unavailable": str(exc)}
    images = load_labels(labels, limit)
    report = evaluate(reader, images, conditions=conditions, threshold=DEFAULT_THRESHOLD).as_dict()
    frames = [image for image in images if image.kind == "frame"]
    yardstick = Yardstick(engine)
    timed: dict[str, dict[str, float]] = {}
    for condition in conditions if frames else ():
        views = frames_720p(frames, condition)
        before = yardstick() if yardstick.available else None
        timed[condition] = time_720p(reader, views, repeats)
        if before is not None:  # the machine's speed right around these frames
            timed[condition]["bare_networks_ms"] = min(before, yardstick())
    report["frame_720p"] = timed.get("clean") or next(iter(timed.values()), None)
    report["frame_720p_by_condition"] = timed
    return report


def frames_720p(frames: list[LabelledImage], condition: str) -> list[np.ndarray]:
    """The labelled frames under ``condition`` (as ``edge.eval`` reads them), letterboxed to 1280x720."""
    views = []
    for image in frames:
        pixels = cv2.imread(str(image.file), cv2.IMREAD_COLOR)
        if pixels is not None:
            boxes = [p.box for p in image.plates if p.box is not None]
            views.append(letterbox_720p(degrade(pixels, boxes, condition, image.file.name, crop=False)[0]))
    return views


def _conditions(report: dict) -> dict[str, dict]:
    return report.get("conditions") or {"clean": {"crop": report["crop"], "frame": report["frame"]}}


def format_table(reports: list[dict]) -> str:
    lines = [f"{'engine':<10} {'condition':<9} {'crops':>7} {'frames':>7} {'c.wrong crop':>12}"
             f" {'c.wrong frame':>13} {'opens crop':>10} {'opens frame':>11} {'other':>5}"]
    for r in reports:
        if "unavailable" in r:
            lines.append(f"{r['engine']:<10} unavailable: {r['unavailable']}")
            continue
        for condition, kinds in _conditions(r).items():
            c, f = kinds["crop"], kinds["frame"]
            lines.append(
                f"{r['engine']:<10} {condition:<9} {c['exact']:>7.1%} {f['exact']:>7.1%}"
                f" {c['confident_wrong_rate']:>12.1%} {f['confident_wrong_rate']:>13.1%}"
                f" {c['opens']:>10.1%} {f['opens']:>11.1%} {f['other']:>5}")
        for condition, t in (r.get("frame_720p_by_condition") or {}).items():
            bare = t.get("bare_networks_ms")
            ratio = f"; {t['median_ms'] / bare:.2f}x the bare networks' {bare} ms" if bare else ""
            lines.append(f"{r['engine']:<10} {condition:<9} 720p frame: median {t['median_ms']} ms,"
                         f" p90 {t['p90_ms']} ms (CPU {t['cpu_median_ms']} / {t['cpu_p90_ms']} ms{ratio})")
        lines.append(f"{r['engine']:<10} max RSS {r['max_rss_mb']:.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--engines", default=DEFAULT_ENGINES)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--limit", type=int, default=None, help="first N images of each kind")
    parser.add_argument("--repeats", type=int, default=3,
                        help="reads of each 720p frame; the fastest is kept")
    args = parser.parse_args(argv)
    conditions = tuple(c for c in args.conditions.split(",") if c)
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown:
        parser.error(f"--conditions: unknown {', '.join(unknown)}; known: {', '.join(CONDITIONS)}")
    try:  # here, not in each engine's process: a broken labels file is one clear error
        load_labels(args.labels, args.limit)
    except (OSError, LabelsError) as exc:
        parser.error(f"--labels: {exc}")
    reports = []
    for engine in args.engines.split(","):
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            job = pool.submit(bench_engine, engine, args.labels, args.limit, conditions, args.repeats)
            reports.append(job.result())
    print(format_table(reports))
    print(json.dumps({"labels": str(args.labels), "engines": reports}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""From the trigger frame to the barrier command, with the default reader on 1280x720 frames.

The path timed is the gate's own: read (consensus, single confident read
first), decision on a real bundle, event written (SQLite, WAL, synchronous=FULL),
barrier command. Frames: the real photos at ../shared/plates/dev (or
PARKING_PLATES_DIR), else demo/frames, letterboxed to 1280x720.

    python -m benchmarks.gate [--rounds 3] [--limit 30]

Last line: {"median_ms": ..., "p90_ms": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import cv2
import numpy as np

from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings, load_settings
from edge.gate import Gate, read_vehicle
from edge.reader import make_reader
from edge.snapshots import Snapshots
from edge.store import Store
from shared import (
    Contract,
    ContractBundle,
    DayType,
    SiteInfo,
    TimeWindow,
    generate_private_key,
    public_key_to_text,
    sign_bundle,
)

REPO = Path(__file__).resolve().parents[1]
PLATES = Path(os.environ.get("PARKING_PLATES_DIR", REPO.parent / "shared" / "plates" / "dev"))
NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)  # 20:00 on a Wednesday in Shanghai


class TimedBarrier:
    def __init__(self) -> None:
        self.at: float | None = None

    def open(self, lane: str, decision_ref: str) -> None:
        self.at = time.perf_counter()


def letterbox(image: np.ndarray, width: int = 1280, height: int = 720) -> np.ndarray:
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    canvas = np.zeros((height, width, 3), np.uint8)
    y, x = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    canvas[y:y + resized.shape[0], x:x + resized.shape[1]] = resized
    return canvas


def frames(limit: int) -> Iterator[np.ndarray]:
    folder = PLATES / "frames" if (PLATES / "frames").is_dir() else REPO / "demo" / "frames" / "entry"
    for path in sorted(folder.glob("*.jpg"))[:limit]:
        image = cv2.imread(str(path))
        if image is not None:
            yield letterbox(image)


def _gate(data_dir: Path, plates: list[str]) -> tuple[Gate, TimedBarrier, EdgeSettings]:
    key = generate_private_key()
    settings = load_settings(None, environment="development", site_id="bench", gate_id="g1",
                             data_dir=str(data_dir), guard={"enabled": False},
                             lanes=[{"name": "entry", "direction": "entry", "camera": "0"}],
                             public_keys={"k1": public_key_to_text(key.public_key())})
    site = SiteInfo(site_id="bench", shared_capacity=100_000)
    windows = (TimeWindow(day_type=DayType.WORKING, start=clock_time(19), end=clock_time(7, 30)),
               TimeWindow(day_type=DayType.REST, start=clock_time(0), end=clock_time(7, 30),
                          end_day_offset=1))
    contracts = tuple(
        Contract(contract_id=f"c{i}", holder_ref="r", plates=(p,), site_id="bench", product_id="p",
                 windows=windows, valid_from=date(2025, 1, 1), valid_to=date(2026, 12, 31),
                 min_stay_minutes=0)
        for i, p in enumerate(sorted(set(plates))))
    bundle = ContractBundle(site=site, sequence=1, issued_at=NOW - timedelta(hours=1),
                            expires_at=NOW + timedelta(days=7), key_id="k1", contracts=contracts)
    store = Store(data_dir / "gate.db")
    alarms = Alarms()
    keeper = BundleKeeper("bench", store, {"k1": key.public_key()}, alarms, lambda: NOW, timedelta(0))
    keeper.offer(sign_bundle(bundle, key).to_bytes())
    barrier = TimedBarrier()
    snapshots = Snapshots(data_dir / "snapshots", store)
    gate = Gate(settings, store, keeper, barrier, snapshots, alarms, lambda: NOW)
    return gate, barrier, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=30, help="frames per round")
    args = parser.parse_args()
    reader = make_reader()
    images = list(frames(args.limit))
    plates = [r.plate for image in images for r in reader.read_frame(image)[:1] if r.plate]  # warm-up too
    timings: list[float] = []
    opened = 0
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh site each round: nobody inside yet
            gate, barrier, settings = _gate(Path(tmp), plates)
            lane = settings.lanes[0]
            for image in images:
                barrier.at = None
                start = time.perf_counter()
                vehicle = read_vehicle(reader, [image, image, image], lane.frames_per_read,
                                       settings.reader.single_read_confidence)
                gate.pass_vehicle(lane, vehicle)
                if barrier.at is not None:
                    timings.append((barrier.at - start) * 1000)
                    opened += 1
            gate.store.close()
    median = statistics.median(timings)
    p90 = statistics.quantiles(timings, n=10)[-1]
    print(f"{len(images)} frames of 1280x720 x {args.rounds} rounds, {opened} barrier commands timed")
    print(json.dumps({"median_ms": round(median, 1), "p90_ms": round(p90, 1)}))


if __name__ == "__main__":
    main()

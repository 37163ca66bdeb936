"""A gate agent whose camera and reader are scripted: ``python -m tests.e2e.gate_driver --config FILE``.

Everything after the reader is the real agent (``edge.agent.Agent``): decision
from the held bundle, the event and its decision committed before the barrier,
snapshot, settling, the outbox, the relay over MQTT 5, heartbeats, bundles and
alarms. Only the frames are made up: each carries its number in its pixels and
the reader looks the plate up in ``--plates``, so a thousand passages take
seconds instead of a thousand camera reads. This process owns the outbox, so
killing it is killing the gate.

On start it counts the passages already in the gate's store (a previous run
killed half-way) and makes only the rest, so ``--total`` is the number of
events the gate records over all its runs. With ``--go-file`` it waits for that
file before the first car (a test decides when traffic begins); with ``--go-dir``
car N waits for the file ``N`` in that folder (a test lets each car in when it
is ready for it); ``--skew-s`` sets the gate's clock off by that many seconds.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from edge.agent import Agent
from edge.config import load_settings
from edge.reader import PlateRead

logger = logging.getLogger(__name__)


class PlateInFrame:
    """A reader that reads the number written in the frame's first three pixels."""

    name = "scripted"

    def __init__(self, plates: list[str]) -> None:
        self.plates = plates

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        number = int(frame[0, 0, 0]) << 16 | int(frame[0, 0, 1]) << 8 | int(frame[0, 0, 2])
        plate = self.plates[number % len(self.plates)]
        return [PlateRead(plate, 0.99, (0.99,) * len(plate), (1, 1, 20, 10), self.name, plate)]

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return self.read_frame(crop)

    def versions(self) -> dict[str, str]:
        return {"scripted": "1"}


def frame_for(number: int) -> np.ndarray:
    frame = np.full((72, 128, 3), 40, np.uint8)
    frame[0, 0] = (number >> 16 & 255, number >> 8 & 255, number & 255)
    return frame


def recorded(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def cars(start: int, total: int, pace_s: float, go_file: Path | None,
         stop: threading.Event, go_dir: Path | None = None) -> Iterator[list[np.ndarray]]:
    while go_file is not None and not go_file.exists():
        if stop.wait(0.05):
            return
    for number in range(start, total):
        while go_dir is not None and not (go_dir / str(number)).exists():
            if stop.wait(0.05):
                return
        yield [frame_for(number)]
        if pace_s and stop.wait(pace_s):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gate_driver")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--plates", default="", help="comma-separated; default 沪A00000, 沪A00001, ...")
    parser.add_argument("--total", type=int, required=True, help="passages over all runs of this gate")
    parser.add_argument("--pace-s", type=float, default=0.0, help="pause between cars")
    parser.add_argument("--go-file", type=Path, default=None, help="wait for this file before the first car")
    parser.add_argument("--go-dir", type=Path, default=None, help="car N waits for the file N in this folder")
    parser.add_argument("--skew-s", type=float, default=0.0, help="the gate's clock is off by this much")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(args.config)
    plates = args.plates.split(",") if args.plates else [f"沪A{n:05d}" for n in range(args.total)]
    skew = timedelta(seconds=args.skew_s)
    done = recorded(settings.data_dir / "gate.db")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    lane = settings.lanes[0].name
    agent = Agent(settings, clock=lambda: datetime.now(UTC) + skew, reader=PlateInFrame(plates),
                  vehicles={lane: cars(done, args.total, args.pace_s, args.go_file, stop, args.go_dir)})
    logger.info("gate driver: %s passages recorded before, %s to go", done, max(0, args.total - done))
    agent.start()
    stop.wait()
    agent.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A round run every few seconds in a daemon thread, for the service's background jobs
(the enforcement scheduler, the orders ticker): the job owns ``tick()``, this owns the loop.

A round that raises is logged and the loop goes on: the next round tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Ticker:
    def __init__(self, name: str, tick: Callable[[], object], interval_s: float) -> None:
        self.name = name
        self._tick = tick
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        logger.info("%s ticker every %s s", self.name, self._interval_s)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # the loop must outlive a bad round; the next one retries
                logger.exception("%s tick failed", self.name)
            self._stop.wait(self._interval_s)

"""The gate's Prometheus metrics, in a registry of its own (one per agent, so several agents in one
process do not collide). Listed in docs/metrics.md, "Gate metrics".

Counters and histograms are counted where things happen (``count_event``, the reader wrapper);
gauges are read from the agent when scraped (``GateReadings``), so they cannot go stale. No label
holds a plate, a secret or an id of a person: labels are lanes, directions, outcomes, reasons and
alarm codes, all from the configuration or from enums.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from wsgiref.simple_server import WSGIServer

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from edge.reader import PlateRead, Reader
from shared import GateEvent, Reason

logger = logging.getLogger(__name__)

# The reader's time per frame is tens of milliseconds on a good CPU and can reach seconds on a
# small board; a vehicle adds the frames voted on.
_FRAME_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0)
_VEHICLE_BUCKETS = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class GateReadings:
    """What the gauges show, read from the agent at each scrape."""

    now: datetime
    outbox_depth: int
    link_up: bool
    bundle_sequence: int
    bundle_issued_at: datetime | None
    bundle_expires_at: datetime | None
    store_in_memory: bool
    storage_faults: int
    delivered: int
    alarms: tuple[str, ...]


class GateMetrics:
    """One gate's metrics; ``readings`` is called at each scrape for the gauges."""

    def __init__(self, site_id: str, gate_id: str, readings: Callable[[], GateReadings]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events = Counter("parking_gate_events",
                              "Vehicles decided, by lane, direction, outcome and reason",
                              ["lane", "direction", "outcome", "reason"], registry=self.registry)
        self.barrier_faults = Counter("parking_gate_barrier_faults", "Barrier commands that failed, by lane",
                                      ["lane"], registry=self.registry)
        self.frame_seconds = Histogram("parking_gate_reader_frame_seconds", "Plate reader time per frame",
                                       buckets=_FRAME_BUCKETS, registry=self.registry)
        self.vehicle_seconds = Histogram("parking_gate_reader_vehicle_seconds",
                                         "Plate reader time per vehicle (every frame read for it), by lane",
                                         ["lane"], buckets=_VEHICLE_BUCKETS, registry=self.registry)
        self.registry.register(_Readings(site_id, gate_id, readings))
        self._server: tuple[WSGIServer, threading.Thread] | None = None
        self.port: int | None = None  # of the listener of its own, once serving

    def count_event(self, lane: str, event: GateEvent) -> None:
        self.events.labels(lane, event.direction.value, event.outcome.value, event.reason.value).inc()
        if event.reason is Reason.BARRIER_FAULT:
            self.barrier_faults.labels(lane).inc()

    def timed(self, reader: Reader) -> Reader:
        return TimedReader(reader, self.frame_seconds)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on a port of its own (``metrics.port``); the port it listens on."""
        self._server = start_http_server(port, addr=host, registry=self.registry)
        self.port = int(self._server[0].server_address[1])
        logger.info("metrics on http://%s:%s/metrics", host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            server, thread = self._server
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._server = None


class TimedReader:
    """A reader whose every frame is timed into the per-frame histogram."""

    def __init__(self, reader: Reader, frames: Histogram) -> None:
        self.reader = reader
        self.name = reader.name
        self._frames = frames

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        start = time.perf_counter()
        try:
            return self.reader.read_frame(frame)
        finally:
            self._frames.observe(time.perf_counter() - start)

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return self.reader.read_crop(crop)

    def versions(self) -> dict[str, str]:
        return self.reader.versions()


class _Readings:
    """The gauges, and the counters the agent already keeps, read at scrape time."""

    def __init__(self, site_id: str, gate_id: str, readings: Callable[[], GateReadings]) -> None:
        self.site_id = site_id
        self.gate_id = gate_id
        self.readings = readings

    def describe(self) -> Iterable[Metric]:
        return []  # gauges are read at scrape time: nothing to check against at registration

    def collect(self) -> Iterable[Metric]:
        r = self.readings()
        info = GaugeMetricFamily("parking_gate_info", "This gate (always 1)", labels=["site_id", "gate_id"])
        info.add_metric([self.site_id, self.gate_id], 1)
        yield info
        yield GaugeMetricFamily("parking_gate_outbox_depth", "Events not yet acknowledged by the broker",
                                value=r.outbox_depth)
        yield GaugeMetricFamily("parking_gate_link_up", "1 while connected to the broker",
                                value=int(r.link_up))
        yield GaugeMetricFamily("parking_gate_bundle_sequence",
                                "Sequence of the contract bundle held (0: none)", value=r.bundle_sequence)
        yield from _bundle_times(r)
        yield GaugeMetricFamily("parking_gate_store_in_memory",
                                "1 while the store runs on a copy in memory (its disk fails)",
                                value=int(r.store_in_memory))
        yield CounterMetricFamily("parking_gate_storage_faults", "Times the store's disk failed",
                                  value=r.storage_faults)
        yield CounterMetricFamily("parking_gate_events_delivered", "Events the broker acknowledged",
                                  value=r.delivered)
        alarms = GaugeMetricFamily("parking_gate_alarm", "1 for each active alarm, by code", labels=["code"])
        for code in r.alarms:
            alarms.add_metric([code], 1)
        yield alarms


def _bundle_times(r: GateReadings) -> Iterable[Metric]:
    """Age and time left of the bundle held; absent without one (no number is better than a made-up one)."""
    if r.bundle_issued_at is not None:
        yield GaugeMetricFamily("parking_gate_bundle_age_seconds", "Seconds since the held bundle was signed",
                                value=(r.now - r.bundle_issued_at).total_seconds())
    if r.bundle_expires_at is not None:
        yield GaugeMetricFamily("parking_gate_bundle_expires_in_seconds",
                                "Seconds until the held bundle expires (negative: expired)",
                                value=(r.bundle_expires_at - r.now).total_seconds())

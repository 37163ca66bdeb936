"""Prometheus metrics of the central service (every one is listed in docs/metrics.md).

Counters and histograms are counted where things happen (ingest, the broker links, the API
middleware) into ``REGISTRY``, one per process. Gauges that describe a state (the outbox, the
bundles, the links, the ingest lag) are read when Prometheus scrapes, by ``StateCollector``:
nothing to keep in step. ``registry_for`` gives one process's view: ``REGISTRY``'s metrics,
the process's own (CPU, memory, file descriptors) and the state of what runs in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

INGEST_RECEIVED = Counter("parking_central_ingest_received", "messages taken off the broker",
                          registry=REGISTRY)
INGEST_EVENTS = Counter("parking_central_ingest_events", "new gate events stored, by the gate's decision",
                        ["outcome", "reason"], registry=REGISTRY)
INGEST_DUPLICATES = Counter("parking_central_ingest_duplicates", "repeats of an event already stored",
                            registry=REGISTRY)
INGEST_STATUSES = Counter("parking_central_ingest_statuses", "gate status messages applied",
                          registry=REGISTRY)
INGEST_IGNORED = Counter("parking_central_ingest_ignored",
                         "empty status messages (a removed gate's cleared retained status)",
                         registry=REGISTRY)
DEAD_LETTERS = Counter("parking_central_ingest_dead_letters", "messages dead-lettered, by cause", ["cause"],
                       registry=REGISTRY)
INGEST_BATCH_SECONDS = Histogram(
    "parking_central_ingest_batch_seconds", "time to store one batch (one transaction)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)
INGEST_DELAY_SECONDS = Histogram(
    "parking_central_ingest_delay_seconds", "from the event at the gate to its storing here (gate clock)",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400), registry=REGISTRY)
STAYS_OPENED = Counter("parking_central_stays_opened", "entries that began a stay", registry=REGISTRY)
STAYS_CLOSED = Counter("parking_central_stays_closed", "stays that got their exit", registry=REGISTRY)
STAYS_ANOMALIES = Counter("parking_central_stays_anomalies", "exits with no entry before them",
                          registry=REGISTRY)
BROKER_DISCONNECTS = Counter("parking_central_broker_disconnects", "broker links lost (or found dead)",
                             ["link"], registry=REGISTRY)
API_SECONDS = Histogram(
    "parking_central_api_request_duration_seconds", "HTTP requests, by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)


@dataclass(frozen=True, slots=True)
class StateSample:
    """What the state collector reads at a scrape (``central.health.sample`` builds it)."""

    links: dict[str, bool]  # link name -> connected
    ingest_lag_s: dict[str, float]  # consumer -> oldest unstored message's age (0 when none)
    last_message_age_s: dict[str, float | None]  # consumer -> age of the last message (None: none yet)
    outbox_unsent: int | None  # None: the database did not answer
    outbox_oldest_age_s: float | None
    bundles: Sequence[tuple[str, int, float | None]]  # site, sequence, age since issue (s)
    database_up: bool


class StateCollector(Collector):
    """Gauges read at each scrape from ``read``; a failing read gives ``parking_central_up 0``."""

    def __init__(self, read: Callable[[], StateSample]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        sample = self._read()
        yield _gauge("parking_central_database_up", "the database answered this scrape",
                     [((), float(sample.database_up))])
        yield _gauge("parking_central_broker_connected", "broker link up (1) or down (0)",
                     [((name,), float(up)) for name, up in sorted(sample.links.items())], ["link"])
        yield _gauge("parking_central_ingest_lag_seconds", "oldest received message not yet stored",
                     [((name,), lag) for name, lag in sorted(sample.ingest_lag_s.items())], ["consumer"])
        yield _gauge("parking_central_ingest_last_message_age_seconds", "since the last message arrived",
                     [((name,), age) for name, age in sorted(sample.last_message_age_s.items())
                      if age is not None], ["consumer"])
        if sample.outbox_unsent is not None:
            yield _gauge("parking_central_outbox_unsent", "outbox rows (bundles, alerts) not yet sent",
                         [((), float(sample.outbox_unsent))])
            yield _gauge("parking_central_outbox_oldest_age_seconds", "age of the oldest unsent outbox row",
                         [((), sample.outbox_oldest_age_s or 0.0)])
        yield _gauge("parking_central_bundle_sequence", "the site's current bundle sequence",
                     [((site,), float(seq)) for site, seq, _ in sample.bundles], ["site"])
        yield _gauge("parking_central_bundle_age_seconds", "since the site's current bundle was issued",
                     [((site,), age) for site, _, age in sample.bundles if age is not None], ["site"])


def _gauge(name: str, documentation: str, samples: list[tuple[tuple[str, ...], float]],
           labels: Sequence[str] = ()) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for values, value in samples:
        family.add_metric(list(values), value)
    return family


def registry_for(read: Callable[[], StateSample]) -> CollectorRegistry:
    """One process's metrics: the counters above, the process's own, and the state ``read`` gives."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in (REGISTRY, PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR, StateCollector(read)):
        registry.register(collector)
    return registry


def age_s(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())

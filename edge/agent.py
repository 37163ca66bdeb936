"""One gate agent: builds the parts from the settings and runs lanes, relay, heartbeat and guard page.

It keeps deciding from the verified bundle in its store while the broker or
the central service is away, for as long as the disk lasts; events wait in
the outbox and go out when the broker is back. When its disk fails the store goes on in memory
(``storage_fault``; docs/edge.md, "Storage faults") and the heartbeat tries the disk again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from edge import alarms as codes
from edge.alarms import Alarms
from edge.barrier import Barrier, make_barrier
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings, LaneSettings
from edge.errors import CameraError, StorageFault
from edge.gate import Gate, VehicleRead, read_vehicle
from edge.lanes import LaneFeed, Vehicle
from edge.link import GateLink, LinkHandlers
from edge.metrics import GateMetrics, GateReadings
from edge.overrides import GuardDesk
from edge.reader import Reader, ReaderError, Verdict, make_reader
from edge.relay import OutboxRelay
from edge.snapshots import Snapshots
from edge.store import Store
from shared import (
    Clock,
    GateEvent,
    GateState,
    GateStatus,
    MessageError,
    SiteAlert,
    events_topic,
    parse_message,
    utc_now,
)

logger = logging.getLogger(__name__)

class Agent:
    def __init__(self, settings: EdgeSettings, clock: Clock = utc_now, reader: Reader | None = None,
                 barrier: Barrier | None = None,
                 vehicles: Mapping[str, Iterable[Vehicle]] | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.alarms = Alarms()
        self.metrics = GateMetrics(settings.site_id, settings.gate_id, self.readings)
        self.store = Store(settings.data_dir / "gate.db", clock, check=settings.storage.check_at_start,
                           recover=True)
        self.store.on_fault = self._on_storage
        self._on_storage()
        self.bundles = BundleKeeper(settings.site_id, self.store, settings.verification_keys(), self.alarms,
                                    clock, timedelta(hours=settings.alarms.bundle_expiry_warning_hours))
        self.snapshots = Snapshots(settings.data_dir / "snapshots", self.store)
        self.barrier = barrier or make_barrier(settings)
        self._reader = self.metrics.timed(reader) if reader is not None else None
        self._vehicles = dict(vehicles or {})
        handlers = LinkHandlers(bundle=self.bundles.offer, alert=self._on_alert, ack=self._on_ack,
                                connection=self._on_connection)
        self.link = GateLink(settings, self.alarms, clock, handlers)
        broker = settings.broker
        self.relay = OutboxRelay(self.store, self.link, self.alarms, clock,
                                 events_topic(settings.site_id, settings.gate_id), broker.max_inflight,
                                 timedelta(seconds=broker.retry_refused_s))
        self.gate = Gate(settings, self.store, self.bundles, self.barrier, self.snapshots, self.alarms,
                         clock, on_event=self._on_event)
        self.desk = GuardDesk(self.gate)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._down_since: datetime | None = clock()
        self.lanes_done = threading.Event()
        self._feeds: dict[str, LaneFeed] = {}

    def _on_event(self, lane: str, event: GateEvent) -> None:
        self.metrics.count_event(lane, event)
        self.relay.wake()

    def _on_storage(self) -> None:
        """The store moved to memory, back to its disk, or set a corrupt file aside."""
        fault, recovery = self.store.fault, self.store.recovery
        detail = "; ".join(text for text in (fault and f"running in memory: {fault}",
                                             recovery and recovery.describe()) if text)
        self.alarms.set(codes.STORAGE_FAULT, bool(detail), detail[:500], self.clock())

    # -- link handlers (paho's thread) ------------------------------------------------------------

    def _on_ack(self, mid: int, ok: bool, reason: str) -> None:
        self.relay.on_ack(mid, ok, reason)

    def _on_connection(self, up: bool) -> None:
        self._down_since = None if up else (self._down_since or self.clock())
        self.relay.on_connection(up)
        if up:
            self.link.publish_status(self.status())

    def _on_alert(self, topic: str, payload: bytes) -> None:
        try:
            alert = parse_message(SiteAlert, payload)
        except MessageError as exc:
            self.store.dead_letter(topic, payload, str(exc), self.clock())
            logger.warning("alert refused, kept as a dead letter: %s", exc)
            return
        self.store.add_alert(alert)

    # -- running --------------------------------------------------------------------------------

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            raise RuntimeError("the plate reader is built by Agent.start()")
        return self._reader

    def start(self) -> None:
        """Build the reader first: a wrong engine or a missing model stops the start, not the first car."""
        if self._reader is None:
            reader = make_reader(self.settings.reader.engine, **self.settings.reader.options)
            self._reader = self.metrics.timed(reader)
        self.store.probe()  # a read-only or full disk is known before the first car
        released = self.store.release_pending()
        if released:
            logger.warning("settled %s events left pending by the last run", released)
        self.bundles.check(self.clock())
        self.relay.start()
        self.link.start()
        if self.settings.metrics.port is not None:
            self.metrics.serve(self.settings.metrics.host, self.settings.metrics.port)
        self._spawn("heartbeat", self._heartbeat_loop)
        lanes = [self._spawn(f"lane-{lane.name}", self._lane_loop, lane) for lane in self.settings.lanes]
        self._spawn("lanes-done", self._wait_lanes, lanes)

    def _wait_lanes(self, lanes: list[threading.Thread]) -> None:
        for thread in lanes:
            thread.join()
        self.lanes_done.set()

    def _spawn(self, name: str, target: Callable[..., object], *args: object) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def stop(self) -> None:
        self._stop.set()
        for feed in list(self._feeds.values()):  # a lane thread may be adding its feed
            feed.stop()
        self.relay.stop()
        self.link.stop(self.status(GateState.OFFLINE))
        self.metrics.stop()
        self.store.close()

    def _lane_loop(self, lane: LaneSettings) -> None:
        try:
            vehicles = self._vehicles.get(lane.name) or self._feed(lane).vehicles()
            for frames in vehicles:
                if self._stop.is_set():
                    return
                self._pass_or_alarm(lane, frames)
        except CameraError as exc:  # a camera that cannot be opened at all
            self.alarms.raise_(f"{codes.CAMERA_DOWN}:{lane.name}", str(exc), self.clock())
            logger.error("lane %s stopped: %s", lane.name, exc)

    def _pass_or_alarm(self, lane: LaneSettings, frames: Vehicle) -> None:
        """One vehicle; an unexpected failure is an alarm for the guard, never the end of the lane."""
        code = f"{codes.READER_FAULT}:{lane.name}"
        try:
            self.pass_vehicle(lane, frames)
        except StorageFault as exc:  # not even memory took the event; the gate has opened an exit anyway
            self.alarms.raise_(codes.STORAGE_FAULT, f"{type(exc).__name__}: {exc}"[:200], self.clock())
            logger.error("lane %s: vehicle not recorded: %s", lane.name, exc)
            return
        except ReaderError as exc:  # the engine cannot read (no weights): the car is still a car
            self.alarms.raise_(code, f"{type(exc).__name__}: {exc}"[:200], self.clock())
            logger.error("lane %s: reader failed, vehicle passed as unread: %s", lane.name, exc)
            self.gate.pass_vehicle(lane, VehicleRead(None, 0.0, "", Verdict.NO_READ))  # exits open
            return
        except Exception as exc:  # a reader or disk fault must not leave the lane (and a car) stuck
            self.alarms.raise_(code, f"{type(exc).__name__}: {exc}"[:200], self.clock())
            logger.exception("lane %s: vehicle not passed", lane.name)
            return
        self.alarms.clear(code)

    def _feed(self, lane: LaneSettings) -> LaneFeed:
        feed = LaneFeed(lane)
        self._feeds[lane.name] = feed
        return feed

    def pass_vehicle(self, lane: LaneSettings, frames: Vehicle) -> None:
        r = self.settings.reader
        with self.metrics.vehicle_seconds.labels(lane.name).time():
            vehicle = read_vehicle(self.reader, frames, lane.frames_per_read, r.single_read_confidence)
        self.gate.pass_vehicle(lane, vehicle)

    def _heartbeat_loop(self) -> None:
        next_sweep = self.clock()
        while not self._stop.is_set():
            try:
                next_sweep = self._beat(next_sweep)
            except Exception:  # a heartbeat that stops would leave "online" retained, whatever happens
                logger.exception("heartbeat step failed")
            self._stop.wait(self.settings.broker.heartbeat_s)

    def _beat(self, next_sweep: datetime) -> datetime:
        """Probe the disk (or go back to it), check the alarms, send the status; sweep when due."""
        now = self.clock()
        self.store.probe()
        self.check_alarms(now)
        if self.link.connected:
            self.link.publish_status(self.status())
        if now >= next_sweep:
            self.sweep(now)
            next_sweep = now + timedelta(minutes=self.settings.retention.sweep_minutes)
        return next_sweep

    def check_alarms(self, now: datetime) -> None:
        self.bundles.check(now)
        depth = self.store.outbox_depth()
        self.alarms.set(codes.OUTBOX_GROWING, depth >= self.settings.alarms.outbox_depth,
                        f"{depth} events waiting", now)
        down = self._down_since
        limit = self.settings.alarms.central_unreachable_s
        unreachable = down is not None and (now - down).total_seconds() >= limit
        self.alarms.set(codes.CENTRAL_UNREACHABLE, unreachable, f"broker unreachable since {down}", now)
        for name, feed in list(self._feeds.items()):
            silent = feed.silent_for()
            self.alarms.set(f"{codes.CAMERA_DOWN}:{name}", silent >= self.settings.alarms.camera_down_s,
                            f"no frame for {silent:.0f} s", now)

    def sweep(self, now: datetime) -> None:
        """Retention: old snapshots deleted, plates without a contract hashed."""
        r = self.settings.retention
        self.snapshots.expire(now - timedelta(days=r.snapshot_days))
        hashed = self.store.hash_unknown_plates(now - timedelta(hours=r.unknown_plate_hours),
                                                self.settings.hash_salt())
        if hashed:
            logger.info("hashed the plates of %s events without a contract", hashed)

    def readings(self) -> GateReadings:
        bundle = self.bundles.bundle
        return GateReadings(now=self.clock(), outbox_depth=self.store.outbox_depth(),
                            link_up=self.link.connected, bundle_sequence=self.bundles.sequence,
                            bundle_issued_at=bundle.issued_at if bundle else None,
                            bundle_expires_at=bundle.expires_at if bundle else None,
                            store_in_memory=self.store.in_memory, storage_faults=self.store.faults,
                            delivered=self.relay.delivered, alarms=self.alarms.codes())

    def status(self, state: GateState = GateState.ONLINE) -> GateStatus:
        return GateStatus(site_id=self.settings.site_id, gate_id=self.settings.gate_id,
                          state=state, at=self.clock(), outbox_depth=self.store.outbox_depth(),
                          bundle_sequence=self.bundles.sequence, alarms=self.alarms.codes())

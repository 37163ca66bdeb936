"""The ingest consumer: shared subscriptions in, batched transactions, acks after commit.

paho delivers on its network thread; the handler only queues. A worker thread
takes what has arrived (up to ``batch_max`` messages, waiting at most
``linger_ms`` for more), stores it in one transaction and only then
acknowledges each message (paho ``manual_ack``). While the database is away
(a connection refused or lost), the batch is tried again, whole, until it
answers: nothing is acknowledged, nothing is dead-lettered. If the database
refuses a batch for its content, its messages are stored one by one, and one
that still fails is dead-lettered with the database error, so a poison message
never stops the consumer.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import paho.mqtt.client as paho
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from central import db, metrics
from central.core.config import IngestSettings, MqttSettings
from central.db import DeadLetterCause
from central.ingest.letters import dead_letter
from central.ingest.store import BatchResult, IngestLimits, Received, ingest_batch
from central.mqtt import MqttClient, Subscription
from shared import ALL_EVENTS, ALL_STATUS, Clock, shared_subscription

logger = logging.getLogger(__name__)

RETRY_DELAY_S = 1.0


@dataclass(frozen=True, slots=True)
class _Pending:
    message: Received
    mid: int
    qos: int
    generation: int
    received_at: datetime | None = None


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    statuses: int = 0
    ignored: int = 0
    batches: int = 0


class Ingestor:
    """Run with ``start()``/``stop()``, in its own process (``parking-central ingest``) or inside serve."""

    def __init__(self, database: db.Database, mqtt_settings: MqttSettings, settings: IngestSettings,
                 clock: Clock, client_id: str | None = None) -> None:
        self._db = database
        self._settings = settings
        self._limits = IngestLimits.from_settings(settings)
        self._clock = clock
        self._inbox = _Inbox()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._storing_since: datetime | None = None  # the oldest message of the batch being stored
        self.last_message_at: datetime | None = None
        self.stats = IngestStats()
        # MQTT 3.1.1 (the demo's embedded broker) has no shared subscriptions: one consumer.
        shared = mqtt_settings.protocol == "mqtt5"
        subscriptions = [Subscription(shared_subscription(settings.group, topic) if shared else topic)
                         for topic in (ALL_EVENTS, ALL_STATUS)]
        self.name = client_id or f"{mqtt_settings.client_id}-ingest-{uuid.uuid4().hex[:8]}"
        self.mqtt = MqttClient(
            mqtt_settings, self.name, subscriptions=subscriptions, on_message=self._on_message,
            manual_ack=True, receive_maximum=settings.receive_maximum,
            session_expiry_s=settings.session_expiry_s, name="ingest", clock=clock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-worker", daemon=True)
        self._thread.start()
        self.mqtt.start()

    def stop(self) -> None:
        self.mqtt.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def lag_s(self, now: datetime) -> float:
        """How long the oldest message received but not yet stored has waited (0 when none)."""
        since = self._storing_since
        return max(0.0, (now - since).total_seconds()) if since is not None else 0.0

    def _on_message(self, message: paho.MQTTMessage, generation: int) -> None:
        now = self._clock()
        received = Received(message.topic, bytes(message.payload), bool(message.retain))
        self.stats.received += 1
        self.last_message_at = now
        self._inbox.put(_Pending(received, message.mid, message.qos, generation, now))

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                metrics.INGEST_RECEIVED.inc(len(batch))  # here, not on paho's thread: it is the bottleneck
                self._storing_since = batch[0].received_at
                self._process(batch)
                self._storing_since = None

    def _next_batch(self) -> list[_Pending]:
        return self._inbox.take(self._settings.batch_max, 0.2, self._settings.linger_ms / 1000)

    def _process(self, batch: list[_Pending]) -> None:
        try:
            kept = batch if self._store_waiting([p.message for p in batch]) else []
        except SQLAlchemyError:
            logger.exception("a batch of %s messages failed; storing them one by one", len(batch))
            kept = [pending for pending in batch if self._store_alone(pending.message)]
        for pending in kept:  # never ack what stop() interrupted: the broker re-sends it
            self.mqtt.ack(pending.mid, pending.qos, pending.generation)

    def _store_waiting(self, messages: list[Received]) -> bool:
        """Store, waiting for a database that is away; False when stopped first. Raises what the
        database refuses for the content."""
        away_since: float | None = None
        while not self._stop.is_set():
            try:
                self._store(messages)
            except (OperationalError, InterfaceError) as exc:
                if not _away(exc):
                    raise
                if away_since is None:
                    away_since = time.monotonic()
                    logger.warning("database unavailable (%s); holding %s messages, retrying every %s s",
                                   _summary(exc), len(messages), RETRY_DELAY_S)
                self._stop.wait(RETRY_DELAY_S)
                continue
            if away_since is not None:
                logger.warning("database back after %.0f s", time.monotonic() - away_since)
            return True
        return False

    def _store(self, messages: list[Received]) -> None:
        started = time.perf_counter()
        with self._db.transaction() as session:
            result = ingest_batch(session, messages, self._clock(), self._settings.clock_skew_limit_s,
                                  self._limits)
        metrics.INGEST_BATCH_SECONDS.observe(time.perf_counter() - started)
        self._count(result)

    def _store_alone(self, message: Received) -> bool:
        """Store or dead-letter one message; False when stopped before either was committed."""
        while not self._stop.is_set():
            try:
                return self._store_waiting([message])
            except SQLAlchemyError as exc:
                error = f"database: {_summary(exc)}"
            try:
                with self._db.transaction() as session:
                    dead_letter(session, message.topic, message.payload, DeadLetterCause.DATABASE, error,
                                self._clock(), self._limits.dead_letter_bytes)
                self._count(BatchResult(dead_letters=1, causes=Counter([DeadLetterCause.DATABASE])))
                return True
            except SQLAlchemyError:
                logger.exception("cannot store the dead letter; retrying in %s s", RETRY_DELAY_S)
                self._stop.wait(RETRY_DELAY_S)
        return False

    def _count(self, result: BatchResult) -> None:
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.dead_letters += result.dead_letters
        self.stats.statuses += result.statuses
        self.stats.ignored += result.ignored
        self.stats.batches += 1
        _observe(result, self._clock())


class _Inbox:
    """What paho handed over and the worker has not taken: one lock a batch, not a message, and
    the worker woken only when it has something to do (the first message, or a full batch)."""

    def __init__(self) -> None:
        self._items: list[_Pending] = []
        self._changed = threading.Condition()
        self._wake_at = 1

    def put(self, item: _Pending) -> None:
        with self._changed:
            self._items.append(item)
            if len(self._items) >= self._wake_at:
                self._changed.notify()

    def take(self, most: int, wait_s: float, linger_s: float) -> list[_Pending]:
        """Up to ``most`` items: wait ``wait_s`` for the first, then ``linger_s`` for more."""
        with self._changed:
            if not self._items:
                self._changed.wait(wait_s)
            deadline = time.monotonic() + linger_s
            self._wake_at = most
            while self._items and len(self._items) < most and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            self._wake_at = 1
            batch, self._items = self._items[:most], self._items[most:]
        return batch


def _observe(result: BatchResult, now: datetime) -> None:
    decisions = Counter((event.outcome, event.reason) for event in result.new_events)
    for (outcome, reason), count in decisions.items():
        metrics.INGEST_EVENTS.labels(outcome.value, reason.value).inc(count)
    for event in result.new_events:
        metrics.INGEST_DELAY_SECONDS.observe(max(0.0, (now - event.at).total_seconds()))
    for cause, count in result.causes.items():
        metrics.DEAD_LETTERS.labels(cause.value).inc(count)
    metrics.INGEST_DUPLICATES.inc(result.duplicates)
    metrics.INGEST_STATUSES.inc(result.statuses)
    metrics.INGEST_IGNORED.inc(result.ignored)
    metrics.STAYS_OPENED.inc(result.stays.opened)
    metrics.STAYS_CLOSED.inc(result.stays.closed)
    metrics.STAYS_ANOMALIES.inc(result.stays.anomalies)


def _away(exc: DBAPIError) -> bool:
    """The database is away or busy (connection refused or lost, shutting down, a deadlock or
    a lock to wait out: DB-API's OperationalError and InterfaceError), not refusing this
    content: worth waiting for, never a dead letter."""
    return bool(exc.connection_invalidated) or isinstance(exc, OperationalError | InterfaceError)


def _summary(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"

"""The ingest consumer: shared subscriptions in, batched transactions, acks after commit.

paho delivers on its network thread; the handler only queues. A worker thread
takes what has arrived (up to ``batch_max`` messages, waiting at most
``linger_ms`` for more), stores it in one transaction and only then
acknowledges each message (paho ``manual_ack``). If a batch cannot be stored,
its messages are retried one by one, and one that still fails is dead-lettered
with the database error, so a poison message never stops the consumer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass

import paho.mqtt.client as paho
from sqlalchemy.exc import SQLAlchemyError

from central import db
from central.core.config import IngestSettings, MqttSettings
from central.ingest.store import BatchResult, Received, ingest_batch
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


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    statuses: int = 0
    batches: int = 0


class Ingestor:
    """Run with ``start()``/``stop()``, in its own process (``parking-central ingest``) or inside serve."""

    def __init__(self, database: db.Database, mqtt_settings: MqttSettings, settings: IngestSettings,
                 clock: Clock, client_id: str | None = None) -> None:
        self._db = database
        self._settings = settings
        self._clock = clock
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats = IngestStats()
        # MQTT 3.1.1 (the demo's embedded broker) has no shared subscriptions: one consumer.
        shared = mqtt_settings.protocol == "mqtt5"
        subscriptions = [Subscription(shared_subscription(settings.group, topic) if shared else topic)
                         for topic in (ALL_EVENTS, ALL_STATUS)]
        self.mqtt = MqttClient(
            mqtt_settings, client_id or f"{mqtt_settings.client_id}-ingest-{uuid.uuid4().hex[:8]}",
            subscriptions=subscriptions, on_message=self._on_message, manual_ack=True,
            receive_maximum=settings.receive_maximum, session_expiry_s=settings.session_expiry_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-worker", daemon=True)
        self._thread.start()
        self.mqtt.start()

    def stop(self) -> None:
        self.mqtt.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _on_message(self, message: paho.MQTTMessage, generation: int) -> None:
        received = Received(message.topic, bytes(message.payload), bool(message.retain))
        self.stats.received += 1
        self._queue.put(_Pending(received, message.mid, message.qos, generation))

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                self._process(batch)

    def _next_batch(self) -> list[_Pending]:
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self._settings.linger_ms / 1000
        while len(batch) < self._settings.batch_max:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _process(self, batch: list[_Pending]) -> None:
        try:
            self._store([p.message for p in batch])
            kept = batch
        except SQLAlchemyError:
            logger.exception("a batch of %s messages failed; storing them one by one", len(batch))
            kept = [pending for pending in batch if self._store_alone(pending.message)]
        for pending in kept:  # never ack what stop() interrupted: the broker re-sends it
            self.mqtt.ack(pending.mid, pending.qos, pending.generation)

    def _store(self, messages: list[Received]) -> None:
        with self._db.transaction() as session:
            result = ingest_batch(session, messages, self._clock(), self._settings.clock_skew_limit_s)
        self._count(result)

    def _store_alone(self, message: Received) -> bool:
        """Store or dead-letter one message; False when stopped before either was committed."""
        while not self._stop.is_set():
            try:
                self._store([message])
                return True
            except SQLAlchemyError as exc:
                error = f"database: {type(exc).__name__}: {str(exc)[:400]}"
            try:
                with self._db.transaction() as session:
                    session.add(db.DeadLetter(topic=message.topic[:300], payload=message.payload,
                                              error=error, received_at=self._clock()))
                self._count(BatchResult(dead_letters=1))
                return True
            except SQLAlchemyError:
                logger.exception("database unavailable; retrying in %s s", RETRY_DELAY_S)
                self._stop.wait(RETRY_DELAY_S)
        return False

    def _count(self, result: BatchResult) -> None:
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.dead_letters += result.dead_letters
        self.stats.statuses += result.statuses
        self.stats.batches += 1

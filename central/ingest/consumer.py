"""The ingest consumer: shared subscriptions in, batched transactions, acks after commit.

paho delivers on its network thread; the handler only queues. A worker thread
takes what has arrived (up to ``batch_max`` messages, waiting at most
``linger_ms`` for more) and hands it to the store (``storing``: a child process
of its own unless ``ingest.store_process`` is off), which stores it in one
transaction; the worker hands over the next batch while one is being stored,
and acknowledges each message (paho ``manual_ack``) only once the store says
its batch was committed. While the database is away (a connection refused or
lost), the batch is tried again, whole, until it answers: nothing is
acknowledged, nothing is dead-lettered. If the database refuses a batch for its
content, its messages are stored one by one, and one that still fails is
dead-lettered with the database error, so a poison message never stops the
consumer.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime

import paho.mqtt.client as paho
from sqlalchemy.exc import SQLAlchemyError

from central import db, metrics
from central.core.config import IngestSettings, MqttSettings
from central.db import DeadLetterCause
from central.ingest.letters import dead_letter
from central.ingest.store import IngestLimits, Received
from central.ingest.storing import Answer, BatchCounts, BatchStore, StoreFailure, store_for
from central.mqtt import MqttClient, Subscription
from shared import ALL_EVENTS, ALL_STATUS, Clock, shared_subscription

logger = logging.getLogger(__name__)

RETRY_DELAY_S = 1.0
PIPELINE = 2  # batches the store holds at once: the next is handed over while one is being stored


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
                 clock: Clock, client_id: str | None = None, store: BatchStore | None = None) -> None:
        self._db = database
        self._settings = settings
        self._limits = IngestLimits.from_settings(settings)
        self._store = store or store_for(database, settings)
        self._clock = clock
        self._inbox = _Inbox()
        self._flight: deque[list[_Pending]] = deque()  # handed to the store, not yet answered
        self._failed: deque[tuple[list[_Pending], StoreFailure]] = deque()  # answered: not committed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._storing_since: datetime | None = None  # the oldest message handed to the store, not stored
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
        self._store.start()
        self._thread = threading.Thread(target=self._run, name="ingest-worker", daemon=True)
        self._thread.start()
        self.mqtt.start()

    def stop(self) -> None:
        self.mqtt.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._store.close()

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
            if self._failed and not self._flight:  # the store holds nothing: its answers are ours
                self._recover(*self._failed.popleft())
            elif not self._failed and len(self._flight) < PIPELINE and (batch := self._next_batch()):
                self._submit(batch)
            elif self._flight:
                self._settle(self._flight.popleft())
            self._storing_since = self._oldest_held()
        while self._flight:  # stopping: what the store committed is acknowledged, the rest comes again
            self._settle(self._flight.popleft())

    def _next_batch(self) -> list[_Pending]:
        wait_s = 0.0 if self._flight else 0.2  # with a batch being stored, its answer is next to wait for
        return self._inbox.take(self._settings.batch_max, wait_s, self._settings.linger_ms / 1000)

    def _submit(self, batch: list[_Pending]) -> None:
        metrics.INGEST_RECEIVED.inc(len(batch))  # here, not on paho's thread: it is the bottleneck
        self._store.submit([pending.message for pending in batch], self._clock())
        self._flight.append(batch)

    def _settle(self, batch: list[_Pending]) -> None:
        answer = self._store.answer()
        if isinstance(answer, StoreFailure):
            self._failed.append((batch, answer))
        else:
            self._count(answer)
            self._ack(batch)

    def _recover(self, batch: list[_Pending], failure: StoreFailure) -> None:
        """A batch that was not committed: held while the database is away, else stored one by one."""
        messages = [pending.message for pending in batch]
        answer = self._store_waiting(messages, failure)
        if isinstance(answer, BatchCounts):
            self._count(answer)
            self._ack(batch)
        elif answer is not None:
            logger.error("a batch of %s messages failed (%s); storing them one by one%s", len(batch),
                         answer.error, f"\n{answer.detail}" if answer.detail else "")
            self._ack([pending for pending in batch if self._store_alone(pending.message)])

    def _ack(self, batch: list[_Pending]) -> None:
        for pending in batch:
            self.mqtt.ack(pending.mid, pending.qos, pending.generation)

    def _oldest_held(self) -> datetime | None:
        batches = [self._failed[0][0]] if self._failed else []
        batches += [self._flight[0]] if self._flight else []
        return min((at for batch in batches if (at := batch[0].received_at) is not None), default=None)

    def _store_now(self, messages: list[Received]) -> Answer:
        """Store with nothing else in the store's hands (its next answer is this one)."""
        self._store.submit(messages, self._clock())
        return self._store.answer()

    def _store_waiting(self, messages: list[Received], answer: Answer) -> Answer | None:
        """``answer`` is the store's for ``messages``: while it says the database is away, wait and
        try again. The answer that is not "away"; None when stopped first."""
        away_since: float | None = None
        while isinstance(answer, StoreFailure) and answer.away:
            if away_since is None:
                away_since = time.monotonic()
                logger.warning("database unavailable (%s); holding %s messages, retrying every %s s",
                               answer.error, len(messages), RETRY_DELAY_S)
            if self._stop.wait(RETRY_DELAY_S):
                return None
            answer = self._store_now(messages)
        if away_since is not None:
            logger.warning("database back after %.0f s", time.monotonic() - away_since)
        return answer

    def _store_alone(self, message: Received) -> bool:
        """Store or dead-letter one message; False when stopped before either was committed."""
        answer = self._store_waiting([message], self._store_now([message]))
        if isinstance(answer, BatchCounts):
            self._count(answer)
            return True
        return answer is not None and self._dead_letter(message, f"database: {answer.error}")

    def _dead_letter(self, message: Received, error: str) -> bool:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                with self._db.transaction() as session:
                    dead_letter(session, message.topic, message.payload, DeadLetterCause.DATABASE, error,
                                self._clock(), self._limits.dead_letter_bytes)
            except SQLAlchemyError:
                logger.exception("cannot store the dead letter; retrying in %s s", RETRY_DELAY_S)
                self._stop.wait(RETRY_DELAY_S)
                continue
            self._count(BatchCounts(dead_letters=1, seconds=time.perf_counter() - started,
                                    causes=Counter([DeadLetterCause.DATABASE])))
            return True
        return False

    def _count(self, counts: BatchCounts) -> None:
        self.stats.stored += counts.stored
        self.stats.duplicates += counts.duplicates
        self.stats.dead_letters += counts.dead_letters
        self.stats.statuses += counts.statuses
        self.stats.ignored += counts.ignored
        self.stats.batches += 1
        _observe(counts)


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


def _observe(counts: BatchCounts) -> None:
    metrics.INGEST_BATCH_SECONDS.observe(counts.seconds)
    for (outcome, reason), count in counts.decisions.items():
        metrics.INGEST_EVENTS.labels(outcome.value, reason.value).inc(count)
    for delay_s in counts.delays_s:
        metrics.INGEST_DELAY_SECONDS.observe(delay_s)
    for cause, count in counts.causes.items():
        metrics.DEAD_LETTERS.labels(cause.value).inc(count)
    metrics.INGEST_DUPLICATES.inc(counts.duplicates)
    metrics.INGEST_STATUSES.inc(counts.statuses)
    metrics.INGEST_IGNORED.inc(counts.ignored)
    metrics.STAYS_OPENED.inc(counts.stays.opened)
    metrics.STAYS_CLOSED.inc(counts.stays.closed)
    metrics.STAYS_ANOMALIES.inc(counts.stays.anomalies)

"""Where the ingest consumer's batches are stored: in a process of their own, or in this one.

paho's network thread (about half a parse-only consumer's work per message) and the storing
(parse, checks, inserts, stays) share one interpreter lock in one process, so they take turns
on one core. ``StoreProcess`` stores in a child process while paho receives here: on a two-core
machine one consumer then drains 0.76-1.00 of what a parse-only consumer does, against about 0.5
in one process (``python -m benchmarks.ingest``, docs/central.md#benchmark). ``LocalStore``
stores in this process: for a database another process cannot open (in-memory SQLite) and for
``ingest.store_process: false``.

Both answer a batch the same way, with ``BatchCounts`` (what was stored, for the counters and
metrics) or a ``StoreFailure`` (the database away, or refusing the content), and both answer
in the order the batches were given. Nothing here acknowledges a message: the consumer does,
after a ``BatchCounts``.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import pickle
import queue
import signal
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from central import db
from central.core.config import IngestSettings
from central.db import DeadLetterCause
from central.ingest.stays import StayChanges
from central.ingest.store import BatchResult, IngestLimits, Received, ingest_batch
from shared import Outcome, Reason

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """What a committed batch did: small enough to pass between processes."""

    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    statuses: int = 0
    ignored: int = 0
    seconds: float = 0.0  # the transaction's time
    causes: Counter[DeadLetterCause] = field(default_factory=Counter)
    decisions: Counter[tuple[Outcome, Reason]] = field(default_factory=Counter)  # of the new events
    delays_s: tuple[float, ...] = ()  # each new event's time from its gate to our commit
    stays: StayChanges = field(default_factory=StayChanges)

    @classmethod
    def of(cls, result: BatchResult, committed: datetime, seconds: float) -> BatchCounts:
        new = result.new_events
        return cls(result.stored, result.duplicates, result.dead_letters, result.statuses, result.ignored,
                   seconds, result.causes, Counter((e.outcome, e.reason) for e in new),
                   tuple(max(0.0, (committed - e.at).total_seconds()) for e in new), result.stays)


@dataclass(frozen=True, slots=True)
class StoreFailure:
    """Nothing of the batch was committed. ``away``: the database is away or busy (hold the batch
    and try again); otherwise it refused the content (store the messages one by one)."""

    away: bool
    error: str
    detail: str = ""  # a fault of ours: its traceback, for the log


Answer = BatchCounts | StoreFailure
START_TIMEOUT_S = 30.0
READY = b"ready"  # what the child says once it can take batches
STOPPED = "the ingest store process is stopped"


class BatchStore(Protocol):
    def start(self) -> None:
        """Make ready to store (nothing when it is already)."""

    def submit(self, messages: list[Received], now: datetime) -> None:
        """Store ``messages`` as one transaction; ``now`` is our clock for it."""

    def answer(self) -> Answer:
        """The answer for the oldest batch submitted and not yet answered (waits for it)."""

    def close(self) -> None: ...


def store_for(database: db.Database, settings: IngestSettings) -> BatchStore:
    """A process of its own, unless turned off or the database lives in this process's memory."""
    url = make_url(database.url)
    in_memory = url.get_backend_name() == "sqlite" and (url.database or ":memory:") == ":memory:"
    limits = IngestLimits.from_settings(settings)
    if settings.store_process and not in_memory:
        return StoreProcess(database.url, settings.clock_skew_limit_s, limits)
    return LocalStore(database, settings.clock_skew_limit_s, limits)


def store_batch(database: db.Database, messages: list[Received], now: datetime, clock_skew_limit_s: float,
                limits: IngestLimits) -> Answer:
    """One transaction; a database error becomes a ``StoreFailure``, as does a fault of ours (a bug
    must not stop the consumer: the batch is then stored message by message and the one that
    fails is dead-lettered with the error)."""
    started = time.perf_counter()
    try:
        with database.transaction() as session:
            result = ingest_batch(session, messages, now, clock_skew_limit_s, limits)
    except (OperationalError, InterfaceError) as exc:
        return StoreFailure(away=_away(exc), error=_summary(exc))
    except SQLAlchemyError as exc:
        return StoreFailure(away=False, error=_summary(exc))
    except Exception as exc:  # noqa: BLE001 - a fault of ours: the consumer logs it with its traceback
        return StoreFailure(away=False, error=_summary(exc), detail=traceback.format_exc())
    seconds = time.perf_counter() - started
    return BatchCounts.of(result, now + timedelta(seconds=seconds), seconds)


class LocalStore:
    """Stores in this process, at ``submit``."""

    def __init__(self, database: db.Database, clock_skew_limit_s: float, limits: IngestLimits) -> None:
        self._db = database
        self._skew = clock_skew_limit_s
        self._limits = limits
        self._answers: deque[Answer] = deque()

    def start(self) -> None:
        pass

    def submit(self, messages: list[Received], now: datetime) -> None:
        self._answers.append(store_batch(self._db, messages, now, self._skew, self._limits))

    def answer(self) -> Answer:
        return self._answers.popleft()

    def close(self) -> None:
        self._answers.clear()


class StoreProcess:
    """Stores in a child process (started fresh, not forked: this process has threads), which
    opens its own connection to ``url`` and takes batches in order through a pipe. If the child
    dies, the batches it held are answered as "away" (nothing of them acknowledged, so the
    consumer tries them again) and a new child is started."""

    def __init__(self, url: str, clock_skew_limit_s: float, limits: IngestLimits) -> None:
        self._url = url
        self._skew = clock_skew_limit_s
        self._limits = limits
        self._context = multiprocessing.get_context("spawn")
        self._pipe: Connection | None = None
        self._child: multiprocessing.process.BaseProcess | None = None
        self._waiting = 0  # batches the child holds
        self._lost: deque[StoreFailure] = deque()  # answers for the batches of a child that died
        self._closing = False

    def start(self) -> None:
        """Start the child and wait until it is ready to store (its imports take a moment)."""
        if self._child is not None:
            return
        ours, theirs = self._context.Pipe()
        level = logging.getLogger().getEffectiveLevel()
        child = self._context.Process(target=_child_main, name="ingest-store", daemon=True,
                                      args=(theirs, self._url, self._skew, self._limits, level))
        child.start()
        theirs.close()
        self._pipe, self._child, self._waiting = ours, child, 0
        try:
            ready = ours.poll(START_TIMEOUT_S) and ours.recv_bytes() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:  # its first batch finds out again, and is held until a child stores it
            logger.error("the ingest store process did not start in %s s (exit code %s)", START_TIMEOUT_S,
                         child.exitcode)

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def submit(self, messages: list[Received], now: datetime) -> None:
        self._waiting += 1
        if self._pipe is None or self._closing:
            self._lose()
            return
        request = pickle.dumps((now, [(m.topic, m.payload, m.retained) for m in messages]),
                               pickle.HIGHEST_PROTOCOL)
        try:
            self._pipe.send_bytes(request)
        except OSError:
            self._restart()

    def answer(self) -> Answer:
        if not self._lost and self._pipe is not None:
            try:
                answer, records = pickle.loads(self._pipe.recv_bytes())
            except (EOFError, OSError):
                self._restart()
            else:
                self._waiting -= 1
                for record in records:  # what the child logged, through this process's handlers
                    logging.getLogger(record.name).handle(record)
                return answer  # type: ignore[no-any-return]
        return self._lost.popleft() if self._lost else StoreFailure(away=True, error=STOPPED)

    def close(self) -> None:
        """Let the child finish what it holds and stop (terminated after 10 s)."""
        self._closing = True
        if self._pipe is None or self._child is None:
            return
        try:
            self._pipe.send_bytes(b"")
        except OSError:
            pass
        self._child.join(10)
        if self._child.is_alive():
            logger.warning("the ingest store process did not stop in 10 s; terminating it")
            self._child.terminate()  # a worker waiting for its answer gets end-of-file
            self._child.join(5)
        self._pipe.close()
        self._pipe = self._child = None

    def _restart(self) -> None:
        """The child is gone: what it held is lost (answered "away"); another is started unless closing."""
        child = self._child
        if child is not None:
            child.join(1)
        if self._closing:
            self._lose()
            return
        code = child.exitcode if child is not None else None
        logger.error("the ingest store process exited (code %s) holding %s batches; starting another",
                     code, self._waiting)
        self._lose(f"the ingest store process exited (code {code})")
        if self._pipe is not None:
            self._pipe.close()
        self._child = None
        self.start()

    def _lose(self, why: str = "") -> None:
        self._lost.extend(StoreFailure(away=True, error=why or STOPPED) for _ in range(self._waiting))
        self._waiting = 0


def _child_main(pipe: Connection, url: str, clock_skew_limit_s: float, limits: IngestLimits,
                log_level: int) -> None:
    """The child: one batch at a time, answered in order (with what it logged meanwhile, for the
    parent to log), until the parent sends b"" or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    logged = _LogRecords()
    root = logging.getLogger()
    root.setLevel(log_level)
    root.addHandler(logged)
    database = db.Database(url, pool_size=1)
    try:
        pipe.send_bytes(READY)
        while request := pipe.recv_bytes():
            now, rows = pickle.loads(request)
            messages = [Received(topic, payload, retained) for topic, payload, retained in rows]
            answer = store_batch(database, messages, now, clock_skew_limit_s, limits)
            pipe.send_bytes(pickle.dumps((answer, logged.take()), pickle.HIGHEST_PROTOCOL))
    except (EOFError, OSError):
        pass  # the parent is gone: nothing we stored is acknowledged, the broker sends it again
    finally:
        database.dispose()


class _LogRecords(logging.handlers.QueueHandler):
    """Keeps the child's log records, each made ready to cross to the parent (message formatted
    with its arguments and traceback), until taken."""

    def __init__(self) -> None:
        self._records: list[logging.LogRecord] = []
        super().__init__(queue.SimpleQueue())

    def enqueue(self, record: logging.LogRecord) -> None:
        self._records.append(record)

    def take(self) -> list[logging.LogRecord]:
        taken, self._records = self._records, []
        return taken


def _away(exc: DBAPIError) -> bool:
    """The database is away or busy (connection refused or lost, shutting down, a deadlock or
    a lock to wait out: DB-API's OperationalError and InterfaceError), not refusing this
    content: worth waiting for, never a dead letter."""
    return bool(exc.connection_invalidated) or isinstance(exc, OperationalError | InterfaceError)


def _summary(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"

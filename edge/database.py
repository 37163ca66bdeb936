"""One SQLite connection that outlives its disk: the base of the gate's store.

When the disk refuses a statement (read-only, full, I/O error, corrupt page), the database is
copied into memory (every page still readable; if a page is not, the rows ``edge.dbfile`` can
save) and the gate goes on there: it decides, records, relays, serves the guard page. ``fault``
says why, for the ``storage_fault`` alarm, until ``try_disk`` has written the copy back over the
file in one transaction. A write that failed on the disk is made again in memory (``retried``),
so the caller sees it succeed. A file found corrupt at start is moved aside, and a fresh one
starts with the readable rows of the old (``recovery``). See docs/edge.md, "Storage faults".
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from edge import dbfile
from edge.errors import StorageFault, StoreError
from shared import Clock

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")
_D = TypeVar("_D")

# One row the heartbeat writes: a disk that went read-only or full is found without waiting for a car.
_PROBE_SCHEMA = """
CREATE TABLE IF NOT EXISTS disk_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Recovery:
    """A corrupt database moved aside (``aside``; None when the directory took no rename either)."""

    aside: Path | None
    why: str
    events: int | None  # undelivered events carried over to be sent again (None: all, in memory)
    unreadable: tuple[str, ...]  # tables not read to the end

    def describe(self) -> str:
        where = f"moved aside to {self.aside.name}" if self.aside else "left in place (read-only)"
        lost = f"; unreadable past a bad page: {', '.join(self.unreadable)}" if self.unreadable else ""
        kept = "" if self.events is None else f"; {self.events} undelivered events recovered"
        return f"database was corrupt ({self.why}), {where}{kept}{lost}"


class _MovedToMemory(StorageFault):
    """The disk failed during a write; the database is now in memory and the write may be made again."""


def retried(method: Callable[Concatenate[_D, _P], _R]) -> Callable[Concatenate[_D, _P], _R]:
    """A write (one transaction) that found the disk failing is made again, once, in memory."""

    @functools.wraps(method)
    def write(db: _D, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(db, *args, **kwargs)
        except _MovedToMemory:
            return method(db, *args, **kwargs)

    return write


class Database:
    """Thread-safe: one connection, one lock. ``version`` grows with every committed write."""

    def __init__(self, path: Path, schema: str, clock: Clock, check: bool, recover: bool) -> None:
        """``check``: read the whole file once to find corruption; ``recover``: move a corrupt file aside
        and start afresh (only the agent, which owns the file; a tool raises ``StoreError``)."""
        self.path = path
        self.clock = clock
        self._schema = schema + _PROBE_SCHEMA
        self._lock = threading.RLock()
        self.version = 0
        self.fault: str | None = None  # why the database is in memory; None while on its disk
        self.faults = 0  # times the disk failed since start
        self.recovery: Recovery | None = None  # a corrupt file, moved aside
        self.on_fault: Callable[[], None] = lambda: None  # told when ``fault`` or ``recovery`` changes
        self._corrupt = False  # the file at ``path`` is corrupt: set it aside before writing back
        self._db = self._open(check, recover)

    @property
    def in_memory(self) -> bool:
        return self.fault is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def probe(self) -> bool:
        """Write to the disk (one small row), or try to go back to it from memory; True when on disk."""
        if self.fault is not None:
            return self.try_disk()
        with contextlib.suppress(_MovedToMemory), self._tx(news=False) as db:
            db.execute("INSERT OR REPLACE INTO disk_probe VALUES (1, ?)", (self.clock().isoformat(),))
        return self.fault is None

    @contextmanager
    def _tx(self, news: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; ``news``: count it in ``version`` (the guard page's cue to push)."""
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:  # a failed COMMIT may have ended it already
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                if self._moved(exc):
                    raise _MovedToMemory(self.fault or "") from exc
                raise
            self.version += news

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                if not self._moved(exc):
                    raise
            return self._db.execute(sql, args).fetchall()

    # -- opening -----------------------------------------------------------------------------------

    def _open(self, check: bool, recover: bool) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return dbfile.open_disk(self.path, self._schema, check)
        except dbfile.Corrupt as exc:
            if not recover:
                raise StoreError(f"{self.path} is corrupt: {exc}") from exc
            return self._recover(str(exc))
        except (sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and not dbfile.is_storage_error(exc):
                raise
            source = dbfile.open_read_only(self.path) if self.path.exists() else None
            try:
                return self._in_memory(source, exc)
            finally:
                if source is not None:
                    source.close()

    def _recover(self, why: str) -> sqlite3.Connection:
        """Save what can be read, move the file aside, start a fresh one with the saved rows."""
        found = dbfile.salvage(self.path)
        try:
            aside: Path | None = dbfile.quarantine(self.path, self.clock())
            db = dbfile.open_disk(self.path, self._schema, check=False)
        except (sqlite3.DatabaseError, OSError) as exc:  # nor can the directory take a new file
            aside, db = None, dbfile.memory(self._schema)
            self._corrupt = True  # still there: set aside before the copy is written back
            self._set_fault(exc)
        dbfile.restore(db, found)
        self.recovery = Recovery(aside, why, found.count("events"), tuple(found.lost))
        logger.error("store: %s", self.recovery.describe())
        return db

    # -- to memory and back ------------------------------------------------------------------------

    def _in_memory(self, source: sqlite3.Connection | None, why: BaseException) -> sqlite3.Connection:
        """A copy in memory of the file (read through ``source``), or of the rows still readable."""
        db: sqlite3.Connection | None = None
        if source is not None:
            try:
                db = dbfile.copy_to_memory(source, self._schema)
            except sqlite3.DatabaseError as exc:
                logger.error("store: the file cannot be copied whole (%s); saving its readable rows",
                             dbfile.describe(exc))
                self._corrupt = True
        if db is None:
            db = dbfile.memory(self._schema)
            if self.path.exists():
                dbfile.restore(db, dbfile.salvage(self.path))
        self._set_fault(why)
        return db

    def _set_fault(self, exc: BaseException) -> None:
        self.fault = dbfile.describe(exc)
        self.faults += 1
        self._corrupt = self._corrupt or dbfile.is_corrupt(exc)
        logger.error("store: the disk failed (%s); running on a copy in memory until it takes writes again",
                     self.fault)
        self.on_fault()

    def _moved(self, exc: BaseException) -> bool:
        """After a failed statement: move to memory if the disk failed (True); a fault in memory raises."""
        if not dbfile.is_storage_error(exc):
            return False
        if self.fault is not None:
            raise StorageFault(f"the store in memory failed too: {dbfile.describe(exc)}") from exc
        old = self._db
        self._db = self._in_memory(old, exc)
        with contextlib.suppress(sqlite3.Error):
            old.close()
        return True

    def try_disk(self) -> bool:
        """Write the copy in memory back over the file if the disk takes writes again; True when on disk."""
        with self._lock:
            if self.fault is None:
                return True
            try:
                self._set_aside_corrupt()
                disk = dbfile.write_back(self._db, self.path, self._schema)
            except (sqlite3.DatabaseError, OSError) as exc:
                logger.debug("store: the disk still fails: %s", dbfile.describe(exc))
                return False
            self._db.close()
            self._db, self.fault = disk, None
            self.version += 1
        logger.warning("store: back on its disk, %s", self.path)
        self.on_fault()
        return True

    def _set_aside_corrupt(self) -> None:
        """A file found corrupt while running is kept, renamed, rather than written over."""
        if self._corrupt and self.path.exists():
            aside = dbfile.quarantine(self.path, self.clock())
            self.recovery = Recovery(aside, self.fault or "corrupt", None, ())
        self._corrupt = False

"""The gate's SQLite file when it fails: open and check it, move a corrupt one aside, copy it to
memory, save what is still readable, write the copy back.

``edge.store.Store`` uses these and decides when (see "Storage faults" in docs/edge.md). An error
is a storage fault when SQLite's primary result code says the file or its disk failed: read-only,
I/O error, corrupt, full, cannot open, not a database, no permission. A locked or busy database,
a constraint or a bug in our SQL is not one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

logger = logging.getLogger(__name__)

_STORAGE_CODES = frozenset({
    3,   # SQLITE_PERM
    8,   # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    26,  # SQLITE_NOTADB
})
_CORRUPT_CODES = frozenset({11, 26})
SIDE_FILES = ("-wal", "-shm")  # SQLite's companions of a WAL database, named after it

# What is saved from a corrupt file: the rows a fresh store needs to go on where the old one stopped.
# Events only while undelivered (the central service has the rest); every vehicle inside; the bundle
# (its signature is checked again when it is loaded, like any held bundle).
SALVAGED = (("events", "delivered_at IS NULL"), ("inside", "1"), ("bundle", "1"))


class Corrupt(Exception):
    """The file is not a sound SQLite database (private to the store: it moves the file aside)."""


def is_storage_error(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _STORAGE_CODES


def is_corrupt(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _CORRUPT_CODES


def describe(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", None)
    return f"{exc} ({name})" if name else f"{type(exc).__name__}: {exc}"


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=30, uri=uri)


def open_disk(path: Path, schema: str, check: bool) -> sqlite3.Connection:
    """The database at ``path`` in WAL mode with every table; ``Corrupt`` if it is not sound.

    ``check`` runs ``PRAGMA quick_check`` first (reads every page once): a truncated file
    otherwise opens and fails only when a lost page is read.
    """
    db = _connect(str(path))
    try:
        if check and (result := db.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
            raise Corrupt(f"quick_check: {result}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(schema)
    except sqlite3.DatabaseError as exc:
        db.close()
        if is_corrupt(exc):
            raise Corrupt(describe(exc)) from exc
        raise
    except Corrupt:
        db.close()
        raise
    return db


def memory(schema: str) -> sqlite3.Connection:
    db = _connect(":memory:")
    db.executescript(schema)
    return db


def copy_to_memory(source: sqlite3.Connection, schema: str) -> sqlite3.Connection:
    """Every page of ``source`` (reads only), as a database in memory; raises if a page is unreadable."""
    db = _connect(":memory:")
    try:
        source.backup(db)
        db.executescript(schema)  # a table newer than the file
    except BaseException:
        db.close()
        raise
    return db


def open_read_only(path: Path) -> sqlite3.Connection:
    """The file without writing anything beside it (a read-only directory cannot hold ``-shm``).

    ``immutable`` also skips the ``-wal`` file: commits not yet checkpointed into the file are not
    seen. A clean stop checkpoints them, so only the last moments before a crash can be missing.
    """
    try:
        db = _connect(f"file:{path}?mode=ro", uri=True)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.DatabaseError:
        return _connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def write_back(source: sqlite3.Connection, path: Path, schema: str) -> sqlite3.Connection:
    """Copy the database in memory over the file at ``path``; the open file, or the error.

    The copy is one transaction on the file: when the disk fails half-way, the file is as before.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    disk = _connect(str(path))
    try:
        disk.execute("PRAGMA journal_mode=WAL")
        disk.execute("PRAGMA synchronous=FULL")
        source.backup(disk)
        disk.executescript(schema)
    except BaseException:
        disk.close()
        raise
    return disk


def quarantine(path: Path, now: datetime) -> Path:
    """Rename the file (and its -wal and -shm, which belong to it) to ``<name>.corrupt-<UTC time>``.

    Moved aside, not deleted: what could not be read may still be worth a person's look."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for n in range(1, 1000):  # a second file moved aside in the same second does not replace the first
        if not aside.exists():
            break
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in SIDE_FILES:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside


@dataclass
class Salvage:
    """What was read from a corrupt file: rows by table; ``lost`` names the tables that failed."""

    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, []))


def salvage(path: Path) -> Salvage:
    """The readable rows of ``SALVAGED``, reading each table from both ends up to its first bad page."""
    found = Salvage()
    try:
        db = open_read_only(path)
        # A truncated file's header counts pages it no longer has; SQLite then refuses every read unless
        # the schema may be "written", which on a read-only connection only makes it read what is there.
        db.execute("PRAGMA writable_schema=ON")
    except sqlite3.DatabaseError as exc:
        logger.error("nothing can be read from %s: %s", path, describe(exc))
        found.lost = [table for table, _ in SALVAGED]
        return found
    try:
        for table, where in SALVAGED:
            rows, whole = _readable(db, table, where)
            found.rows[table] = rows
            if not whole:
                found.lost.append(table)
    finally:
        db.close()
    return found


def _readable(db: sqlite3.Connection, table: str, where: str) -> tuple[list[dict[str, object]], bool]:
    """Rows of ``table`` by rowid, forward then backward, each direction until a read fails."""
    got: dict[int, dict[str, object]] = {}
    whole = True
    for order in ("ASC", "DESC"):
        try:
            for rowid, row in _scan(db, table, where, order):
                got[rowid] = row
        except sqlite3.DatabaseError as exc:
            whole = False
            logger.warning("reading %s (%s) stopped: %s", table, order, describe(exc))
        if whole:
            break
    return [got[rowid] for rowid in sorted(got)], whole


_Row = dict[str, object]


def _scan(db: sqlite3.Connection, table: str, where: str, order: str) -> Iterator[tuple[int, _Row]]:
    cursor = db.execute(f"SELECT rowid, * FROM {table} NOT INDEXED WHERE {where} ORDER BY rowid {order}")
    names = [column[0] for column in cursor.description][1:]
    for rowid, *values in cursor:
        yield rowid, dict(zip(names, values, strict=True))


def restore(db: sqlite3.Connection, found: Salvage) -> None:
    """Insert the salvaged rows into a fresh database, by column name (one transaction)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, rows in found.rows.items():
            columns = {info[1] for info in db.execute(f"PRAGMA table_info({table})")}
            for row in rows:
                kept = {name: value for name, value in row.items() if name in columns}
                names = ", ".join(kept)
                marks = ", ".join("?" * len(kept))
                db.execute(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", tuple(kept.values()))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")

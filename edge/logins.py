"""Guard logins in the gate's store: server-side sessions and failed attempts.

Part of ``edge.store.Store`` (mixed in; same connection, lock and transactions), kept here so
the store's outbox code and the guard page's bookkeeping are read apart. A session row holds
the SHA-256 of the cookie's random token, never the token; with the fingerprint of the
password hash it was opened with, so a new hash in the config ends it. Failed logins are kept
per account and per client address so a lockout outlives a restart; an unknown account name
is never stored (people type passwords into the name field).
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from edge.database import retried
from edge.sqltime import from_ts, ts

LOGIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS guard_sessions (
    token_sha256 TEXT PRIMARY KEY, guard TEXT NOT NULL, csrf TEXT NOT NULL,
    password_fp TEXT NOT NULL, address TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, account TEXT NOT NULL,
    address TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures (at);
"""


def _when(text: str) -> datetime:
    return from_ts(text) or datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SessionRow:
    token_sha256: str
    guard: str
    csrf: str
    password_fp: str
    address: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class FailureCounts:
    account: int
    address: int


_SESSION_COLUMNS = "token_sha256, guard, csrf, password_fp, address, created_at, expires_at"


class LoginTables:
    """Sessions and failed logins; every method is one transaction of the store (a write the disk
    refuses is made again in memory, ``retried``)."""

    if TYPE_CHECKING:
        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...

    @retried
    def add_session(self, row: SessionRow) -> None:
        with self._tx() as db:
            db.execute(f"INSERT INTO guard_sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row.token_sha256, row.guard, row.csrf, row.password_fp, row.address,
                        ts(row.created_at), ts(row.expires_at)))

    def session(self, token_sha256: str, now: datetime) -> SessionRow | None:
        """The session of that token, unless it has expired."""
        rows = self._all(f"SELECT {_SESSION_COLUMNS} FROM guard_sessions "
                         "WHERE token_sha256 = ? AND expires_at > ?", (token_sha256, ts(now)))
        if not rows:
            return None
        token, guard, csrf, fingerprint, address, created, expires = rows[0]
        return SessionRow(token, guard, csrf, fingerprint, address, _when(created), _when(expires))

    @retried
    def end_session(self, token_sha256: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM guard_sessions WHERE token_sha256 = ?", (token_sha256,))

    @retried
    def end_stale_sessions(self, fingerprints: dict[str, str], now: datetime) -> int:
        """End the sessions that expired, of guards no longer configured, or of a changed password."""
        with self._tx() as db:
            rows = db.execute("SELECT token_sha256, guard, password_fp, expires_at FROM guard_sessions"
                              ).fetchall()
            stale = [(token,) for token, guard, fingerprint, expires in rows
                     if expires <= ts(now) or fingerprints.get(guard) != fingerprint]
            db.executemany("DELETE FROM guard_sessions WHERE token_sha256 = ?", stale)
        return len(stale)

    @retried
    def add_login_failure(self, at: datetime, account: str, address: str) -> None:
        """``account`` is "" for a name that is not a guard's."""
        with self._tx() as db:
            db.execute("INSERT INTO login_failures (at, account, address) VALUES (?, ?, ?)",
                       (ts(at), account, address[:64]))

    def login_failures(self, since: datetime, account: str, address: str) -> FailureCounts:
        rows = self._all("SELECT count(CASE WHEN account = ? AND account != '' THEN 1 END), "
                         "count(CASE WHEN address = ? THEN 1 END) FROM login_failures WHERE at >= ?",
                         (account, address[:64], ts(since)))
        by_account, by_address = rows[0]
        return FailureCounts(int(by_account), int(by_address))

    @retried
    def clear_login_failures(self, account: str) -> None:
        """After a good login: the account's failures go; its address's stay (one known password
        must not reset the count of guesses at the others)."""
        with self._tx() as db:
            db.execute("UPDATE login_failures SET account = '' WHERE account = ?", (account,))

    @retried
    def forget_login_failures(self, before: datetime) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM login_failures WHERE at < ?", (ts(before),))

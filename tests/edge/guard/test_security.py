"""Guard logins: sessions kept on the gate (token stored hashed), ended by logout, expiry and a
password change; lockouts per account and per address, in the store, so a restart keeps them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from edge.guard.security import Accounts, Sessions, fingerprint
from edge.store import Store

_HASHER = PasswordHasher(time_cost=1, memory_cost=8192)
HASHES = {"guard1": _HASHER.hash("right-one"), "guard2": _HASHER.hash("right-two")}
LOCKOUT = timedelta(minutes=15)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "gate.db")
    yield opened
    opened.close()


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def _accounts(store: Store, clock: Clock, hashes: dict[str, str] = HASHES) -> Accounts:
    return Accounts(hashes, store, max_failures=3, max_address_failures=5, lockout=LOCKOUT, clock=clock)


def _attempt(accounts: Accounts, name: str, password: str, address: str) -> str:
    """What the login route does: a locked pair is refused before any password is checked."""
    if accounts.locked(name, address):
        return "locked"
    return "ok" if accounts.check(name, password, address) else "wrong"


def test_guessed_account_names_are_not_kept_and_cannot_grow_the_table(store: Store) -> None:
    clock = Clock()
    accounts = _accounts(store, clock)
    results = [_attempt(accounts, f"nobody{n}", "x", "10.0.0.9") for n in range(20)]
    assert results == ["wrong"] * 5 + ["locked"] * 15  # the address is locked after 5 guesses
    assert _rows(store.path, "SELECT account, address FROM login_failures") == [("", "10.0.0.9")] * 5
    assert _attempt(accounts, "guard1", "right-one", "10.0.0.9") == "locked"  # every account, from there
    assert _attempt(accounts, "guard1", "right-one", "10.0.0.7") == "ok"  # the account itself is not


def test_an_account_is_locked_from_every_address_and_a_good_login_does_not_reset_its_address(
        store: Store) -> None:
    clock = Clock()
    accounts = _accounts(store, clock)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert _attempt(accounts, "guard2", "wrong", address) == "wrong"
    assert _attempt(accounts, "guard2", "right-two", "10.0.0.4") == "locked"
    # guard1 knows its own password; logging in with it must not wipe the guesses made from there
    assert _attempt(accounts, "guard1", "wrong", "10.0.0.5") == "wrong"
    assert _attempt(accounts, "guard1", "right-one", "10.0.0.5") == "ok"
    assert store.login_failures(clock() - LOCKOUT, "guard1", "10.0.0.5").address == 1
    clock.now += LOCKOUT + timedelta(seconds=1)
    assert _attempt(accounts, "guard2", "right-two", "10.0.0.4") == "ok"


def test_lockouts_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    first = Store(tmp_path / "gate.db")
    for n in range(5):
        _attempt(_accounts(first, clock), f"guess{n}", "x", "10.0.0.9")
    first.close()
    again = Store(tmp_path / "gate.db")
    try:
        assert _attempt(_accounts(again, clock), "guard1", "right-one", "10.0.0.9") == "locked"
    finally:
        again.close()


def test_a_session_is_kept_as_a_hash_and_ends_at_logout_and_expiry(store: Store) -> None:
    clock = Clock()
    sessions = Sessions(store, _accounts(store, clock).fingerprints, timedelta(hours=12), clock)
    token, session = sessions.open("guard1", "10.0.0.5")
    assert sessions.load(token) == session and session.guard == "guard1"
    assert token not in str(_rows(store.path, "SELECT * FROM guard_sessions"))
    sessions.close(session)
    assert sessions.load(token) is None
    later, _ = sessions.open("guard1", "10.0.0.5")
    clock.now += timedelta(hours=12, seconds=1)
    assert sessions.load(later) is None
    assert sessions.load("made-up-token") is None


def test_a_new_password_hash_ends_that_guards_sessions_at_the_next_start(store: Store) -> None:
    clock = Clock()
    before = Sessions(store, _accounts(store, clock).fingerprints, timedelta(hours=12), clock)
    token1, _ = before.open("guard1", "10.0.0.5")
    token2, _ = before.open("guard2", "10.0.0.6")
    changed = {**HASHES, "guard1": _HASHER.hash("a-new-password")}
    after = Sessions(store, _accounts(store, clock, changed).fingerprints, timedelta(hours=12), clock)
    assert after.load(token1) is None  # refused at once, and deleted at start:
    after.start()
    assert _rows(store.path, "SELECT guard, password_fp FROM guard_sessions") == [
        ("guard2", fingerprint(HASHES["guard2"]))]
    assert after.load(token2) is not None

"""Guard accounts: failed logins lock an account, and guessed names cost nothing to keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from edge.guard.security import Accounts


def test_guessed_account_names_do_not_grow_the_lockout_table() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    accounts = Accounts({"guard1": PasswordHasher().hash("right")}, max_failures=3,
                        lockout=timedelta(minutes=15), clock=lambda: now)
    for n in range(20):  # each check costs an argon2 verification (~0.1 s)
        assert not accounts.check(f"nobody{n}", "x")
        assert not accounts.locked(f"nobody{n}")
    assert len(accounts._failures) == 0
    for _ in range(3):
        assert not accounts.check("guard1", "wrong")
    assert accounts.locked("guard1") and len(accounts._failures) == 1

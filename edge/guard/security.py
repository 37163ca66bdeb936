"""Guard logins: argon2 password check, signed session cookie with a CSRF token, lockout.

The session cookie is signed (itsdangerous), httponly and SameSite=Strict. It
holds the guard's name (none before login) and a CSRF token; every POST must
send that token in the ``X-CSRF-Token`` header, the login included. After
``max_failures`` failed logins for one account within the lockout period, the
account is locked for ``lockout_minutes`` (the correct password is refused too).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

logger = logging.getLogger(__name__)

COOKIE = "guard_session"
CSRF_HEADER = "X-CSRF-Token"
_DUMMY_HASH = PasswordHasher().hash("timing-equaliser")


@dataclass(frozen=True, slots=True)
class GuardSession:
    guard: str | None
    csrf: str

    @property
    def logged_in(self) -> bool:
        return self.guard is not None


class SessionCodec:
    def __init__(self, secret: str, max_age_s: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="guard-session")
        self.max_age_s = max_age_s

    def new(self, guard: str | None = None) -> GuardSession:
        return GuardSession(guard, secrets.token_urlsafe(24))

    def dump(self, session: GuardSession) -> str:
        return self._serializer.dumps({"g": session.guard, "c": session.csrf})

    def load(self, cookie: str | None) -> GuardSession | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=int(self.max_age_s))
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        guard = data.get("g")
        return GuardSession(guard if isinstance(guard, str) else None, data["c"])


class Accounts:
    """Local guard accounts with a lockout after repeated failures."""

    def __init__(self, hashes: dict[str, str], max_failures: int, lockout: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self._hashes = dict(hashes)
        self._hasher = PasswordHasher()
        self.max_failures = max_failures
        self.lockout = lockout
        self.clock = clock
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def locked(self, name: str) -> bool:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < self.lockout]
            if recent:
                self._failures[name] = recent
            else:
                self._failures.pop(name, None)
            return len(recent) >= self.max_failures

    def check(self, name: str, password: str) -> bool:
        """True for the right password of an unlocked account; a failure counts toward the lockout."""
        hashed = self._hashes.get(name)
        try:
            ok = self._hasher.verify(hashed or _DUMMY_HASH, password) and hashed is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            if hashed is not None:  # only real accounts are counted: guessed names cannot grow the table
                with self._lock:
                    self._failures.setdefault(name, []).append(self.clock())
            logger.warning("failed guard login for account %s", name[:64])
            return False
        with self._lock:
            self._failures.pop(name, None)
        return True

"""Guard logins: argon2 password check, server-side sessions, CSRF tokens, lockout.

A login opens a session row in the gate's store; the ``guard_session`` cookie (httponly,
SameSite=Strict) holds a random token, the store only its SHA-256. Logout deletes the row, so
the old cookie is refused from then on; a session also ends when it expires, when its guard is
no longer configured, or when the guard's password hash in the config changes (each row keeps
the fingerprint of the hash it was opened with; stale rows are deleted at start).

Every POST sends the session's CSRF token in ``X-CSRF-Token``. Before login there is no
session: the login form's token comes from a signed ``guard_login`` cookie (itsdangerous).

Failed logins are counted per account and per client address, in the store: after
``max_failures`` for one account, or ``max_address_failures`` from one address, within
``lockout_minutes``, logins are refused (the right password too) until the window has passed,
and a restart does not reset them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from edge.logins import SessionRow
from edge.store import Store

logger = logging.getLogger(__name__)

COOKIE = "guard_session"
LOGIN_COOKIE = "guard_login"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_FORM_S = 24 * 3600  # a login form's CSRF token lasts a day
_DUMMY_HASH = PasswordHasher().hash("timing-equaliser")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(password_hash: str) -> str:
    """Names a password hash without repeating it: a new hash (a changed password) differs."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class GuardSession:
    guard: str | None  # None: the login form, before anyone has logged in
    csrf: str
    token_sha256: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.guard is not None


class LoginForm:
    """The signed cookie that carries the login form's CSRF token (no server state before login)."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="guard-login-form")

    def new(self) -> tuple[str, GuardSession]:
        csrf = secrets.token_urlsafe(24)
        return self._serializer.dumps({"c": csrf}), GuardSession(None, csrf)

    def load(self, cookie: str | None) -> GuardSession | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=LOGIN_FORM_S)
        except BadSignature:
            return None
        csrf = data.get("c") if isinstance(data, dict) else None
        return GuardSession(None, csrf) if isinstance(csrf, str) else None


class Sessions:
    """Server-side sessions in the gate's store."""

    def __init__(self, store: Store, fingerprints: dict[str, str], lifetime: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.fingerprints = dict(fingerprints)
        self.lifetime = lifetime
        self.clock = clock

    def start(self) -> None:
        """End what the last run left that may no longer stand (expired, password changed)."""
        ended = self.store.end_stale_sessions(self.fingerprints, self.clock())
        if ended:
            logger.info("ended %s guard sessions (expired, or the guard's password changed)", ended)

    def open(self, guard: str, address: str) -> tuple[str, GuardSession]:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.store.end_stale_sessions(self.fingerprints, now)  # expired rows go; the table stays small
        row = SessionRow(token_hash(token), guard, secrets.token_urlsafe(24), self.fingerprints[guard],
                         address, now, now + self.lifetime)
        self.store.add_session(row)
        logger.info("guard %s logged in from %s", guard, address)
        return token, GuardSession(guard, row.csrf, row.token_sha256)

    def load(self, token: str | None) -> GuardSession | None:
        if not token:
            return None
        row = self.store.session(token_hash(token), self.clock())
        if row is None or self.fingerprints.get(row.guard) != row.password_fp:
            return None
        return GuardSession(row.guard, row.csrf, row.token_sha256)

    def close(self, session: GuardSession) -> None:
        if session.token_sha256:
            self.store.end_session(session.token_sha256)
            logger.info("guard %s logged out", session.guard)


class Accounts:
    """Local guard accounts (argon2 hashes from the config) with lockouts kept in the store."""

    def __init__(self, hashes: dict[str, str], store: Store, max_failures: int, max_address_failures: int,
                 lockout: timedelta, clock: Callable[[], datetime]) -> None:
        self._hashes = dict(hashes)
        self._hasher = PasswordHasher()
        self.store = store
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.lockout = lockout
        self.clock = clock

    @property
    def fingerprints(self) -> dict[str, str]:
        return {name: fingerprint(hashed) for name, hashed in self._hashes.items()}

    def locked(self, name: str, address: str) -> bool:
        account = name if name in self._hashes else ""
        counts = self.store.login_failures(self.clock() - self.lockout, account, address)
        return counts.account >= self.max_failures or counts.address >= self.max_address_failures

    def check(self, name: str, password: str, address: str) -> bool:
        """True for the right password; a failure counts against the account (a real one) and the address."""
        hashed = self._hashes.get(name)
        try:
            ok = self._hasher.verify(hashed or _DUMMY_HASH, password) and hashed is not None
        except (VerificationError, InvalidHashError):
            ok = False
        now = self.clock()
        if ok:
            self.store.clear_login_failures(name)
            return True
        self.store.forget_login_failures(now - self.lockout)
        self.store.add_login_failure(now, name if hashed is not None else "", address)
        logger.warning("failed guard login for %s from %s", name[:64] if hashed else "an unknown account",
                       address)
        return False

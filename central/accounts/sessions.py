"""Server-side browser sessions: the cookie carries a random 256-bit token, the table its hash.

A session ends when its row is deleted (logout, password change, account disabled) or when
it has been idle too long or reached its absolute age; the old cookie is then refused.
Each session has its own CSRF token, sent back in forms and the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal, Role

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
_TOKEN_MAX = 100


class SessionKind(StrEnum):
    STAFF = "staff"  # the operator console
    RESIDENT = "resident"  # the resident app


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who is behind a session, as pages need it; ``principal`` is what the services take."""

    session_id: int
    kind: SessionKind
    principal: Principal
    csrf_token: str
    staff_account_id: int | None = None
    username: str | None = None
    resident_id: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, kind: SessionKind, limits: SessionLimits, now: datetime, *,
                  staff_account_id: int | None = None, resident_id: str | None = None) -> str:
    """Store a new session and return its token (for the cookie; the only time it exists in clear)."""
    if (kind is SessionKind.STAFF) != (staff_account_id is not None) or \
            (kind is SessionKind.RESIDENT) != (resident_id is not None):
        raise ValueError(f"a {kind} session needs exactly its own kind of account")
    token = secrets.token_urlsafe(32)
    session.add(db.WebSession(token_hash=_hash(token), kind=kind.value, staff_account_id=staff_account_id,
                              resident_id=resident_id, csrf_token=secrets.token_urlsafe(32),
                              created_at=now, last_seen_at=now, expires_at=now + limits.absolute))
    session.flush()
    return token


def session_for(session: Session, token: str | None, kind: SessionKind, limits: SessionLimits,
                now: datetime) -> SignedIn | None:
    """The signed-in user behind a cookie, or None: unknown, ended, expired, other kind, disabled."""
    if not token or len(token) > _TOKEN_MAX:
        return None
    row = session.scalars(select(db.WebSession).where(db.WebSession.token_hash == _hash(token))).first()
    if row is None or row.kind != kind.value:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= limits.idle:
        session.delete(row)
        return None
    signed_in = _staff(session, row) if kind is SessionKind.STAFF else _resident(row)
    if signed_in is None:
        session.delete(row)
    elif now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return signed_in


def _staff(session: Session, row: db.WebSession) -> SignedIn | None:
    account = session.get(db.StaffAccount, row.staff_account_id)
    if account is None or account.disabled_at is not None:
        return None
    principal = Principal(Role(account.role), account.institution_id)
    return SignedIn(row.id, SessionKind.STAFF, principal, row.csrf_token, staff_account_id=account.id,
                    username=account.username)


def _resident(row: db.WebSession) -> SignedIn:
    principal = Principal(Role.RESIDENT, resident_id=row.resident_id)
    return SignedIn(row.id, SessionKind.RESIDENT, principal, row.csrf_token, resident_id=row.resident_id)


def end_session(session: Session, session_id: int) -> None:
    """Logout: the row goes, so the cookie that named it is refused from now on."""
    session.execute(delete(db.WebSession).where(db.WebSession.id == session_id))


def end_staff_sessions(session: Session, staff_account_id: int, *, keep: int | None = None) -> int:
    """End every session of a staff account (but ``keep``); returns how many ended."""
    query = delete(db.WebSession).where(db.WebSession.staff_account_id == staff_account_id)
    if keep is not None:
        query = query.where(db.WebSession.id != keep)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def end_resident_sessions(session: Session, resident_id: str, *, keep: int | None = None) -> int:
    query = delete(db.WebSession).where(db.WebSession.resident_id == resident_id)
    if keep is not None:
        query = query.where(db.WebSession.id != keep)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def prune_sessions(session: Session, now: datetime) -> None:
    """Delete sessions past their absolute expiry (idle ones are deleted when next presented)."""
    session.execute(delete(db.WebSession).where(db.WebSession.expires_at <= now))

"""The sign-in rules as the services take them, read from the ``web`` settings in one place;
and the housekeeping that keeps the sign-in tables small."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from central import db
from central.accounts import throttle
from central.accounts.codes import CodeRules
from central.accounts.sessions import SessionKind, SessionLimits, prune_sessions
from central.accounts.staff import Lockout
from central.core.config import WebSettings


def session_limits(web: WebSettings, kind: SessionKind) -> SessionLimits:
    if kind is SessionKind.STAFF:
        return SessionLimits(timedelta(minutes=web.staff_idle_minutes), timedelta(hours=web.staff_max_hours))
    return SessionLimits(timedelta(minutes=web.resident_idle_minutes),
                         timedelta(hours=web.resident_max_hours))


def lockout(web: WebSettings) -> Lockout:
    return Lockout(web.lockout_failures, web.lockout_address_failures, timedelta(minutes=web.lockout_minutes))


def code_rules(web: WebSettings) -> CodeRules:
    return CodeRules(ttl=timedelta(seconds=web.code_ttl_s), max_attempts=web.code_attempts,
                     resend_after=timedelta(seconds=web.code_resend_s),
                     per_number_hour=web.codes_per_number_hour, per_address_hour=web.codes_per_address_hour,
                     key=web.phone_key_text())


def prune_sign_in_records(session: Session, now: datetime) -> None:
    """Delete what can no longer matter: ended sessions, old counts, codes expired a day ago.
    Called at each sign-in, so the tables stay as small as the traffic of a day."""
    prune_sessions(session, now)
    throttle.prune(session, now)
    session.execute(delete(db.SignInCode).where(db.SignInCode.expires_at < now - throttle.KEEP))

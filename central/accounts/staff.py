"""Staff accounts: admins and operators, argon2 passwords, lockout per account and per address.

Failed logins are counted in the database (``throttle``), so a lockout survives a restart.
``sign_in_staff`` returns an outcome instead of raising: the failure it records must be
committed with the refusal, not rolled back with an exception.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.accounts import throttle
from central.accounts.sessions import end_staff_sessions
from central.accounts.throttle import Bucket
from central.core.security import Principal, Role
from central.errors import AccountError, ConflictError, NotFoundError

logger = logging.getLogger(__name__)

PASSWORD_MIN = 10
PASSWORD_MAX = 256
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("equalises the time of an unknown username")


class StaffSignInOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown username or wrong password: the same answer for both
    LOCKED = "locked"  # too many failures for this account or from this address


@dataclass(frozen=True, slots=True)
class Lockout:
    account_failures: int
    address_failures: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class StaffSignIn:
    outcome: StaffSignInOutcome
    account: db.StaffAccount | None = None


def normalise_username(text: str) -> str:
    name = text.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise AccountError(f"username: {text[:64]!r} must be 3-64 of a-z 0-9 . _ - (starting a-z or 0-9)")
    return name


def check_password_rules(password: str, username: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise AccountError(f"password: must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    if password.strip().lower() == username:
        raise AccountError("password: must not be the username")


def create_institution(session: Session, actor: Principal, institution_id: str, name: str,
                       now: datetime) -> db.Institution:
    actor.require(Role.ADMIN)
    if session.get(db.Institution, institution_id) is not None:
        raise ConflictError(f"institution {institution_id!r} already exists")
    institution = db.Institution(id=institution_id, name=name, created_at=now)
    session.add(institution)
    session.flush()
    return institution


def create_staff(session: Session, actor: Principal, username: str, password: str, role: Role,
                 now: datetime, institution_id: str | None = None) -> db.StaffAccount:
    """An admin creates an admin (no institution) or an operator of one institution."""
    actor.require(Role.ADMIN)
    name = normalise_username(username)
    if role not in (Role.ADMIN, Role.OPERATOR):
        raise AccountError(f"role: {role.value!r} is not a staff role (admin or operator)")
    if (role is Role.OPERATOR) != (institution_id is not None):
        raise AccountError("institution: an operator needs one, an admin has none")
    if institution_id is not None and session.get(db.Institution, institution_id) is None:
        raise NotFoundError("institution", institution_id)
    check_password_rules(password, name)
    if session.scalars(select(db.StaffAccount).where(db.StaffAccount.username == name)).first():
        raise ConflictError(f"username {name!r} is taken")
    account = db.StaffAccount(username=name, password_hash=_HASHER.hash(password), role=role.value,
                              institution_id=institution_id, created_at=now, password_changed_at=now)
    session.add(account)
    session.flush()
    logger.info("staff account %s created (%s)", name, role.value)
    return account


def list_staff(session: Session, actor: Principal) -> list[db.StaffAccount]:
    actor.require(Role.ADMIN)
    return list(session.scalars(select(db.StaffAccount).order_by(db.StaffAccount.username)))


def find_staff(session: Session, username: str) -> db.StaffAccount | None:
    name = username.strip().lower()[:64]
    return session.scalars(select(db.StaffAccount).where(db.StaffAccount.username == name)).first()


def sign_in_staff(session: Session, username: str, password: str, address: str, lockout: Lockout,
                  now: datetime) -> StaffSignIn:
    """Check a login; failures count toward the account's and the address's lockout."""
    name = username.strip().lower()[:64]
    since = now - lockout.window
    if throttle.count_since(session, Bucket.STAFF_FAILURE_ACCOUNT, name, since) >= lockout.account_failures \
            or throttle.count_since(session, Bucket.STAFF_FAILURE_ADDRESS, address, since) \
            >= lockout.address_failures:
        logger.warning("staff login refused: locked (account %s or address)", name)
        return StaffSignIn(StaffSignInOutcome.LOCKED)
    account = find_staff(session, name)
    if account is None or account.disabled_at is not None or not _verify(account.password_hash, password):
        throttle.note(session, Bucket.STAFF_FAILURE_ACCOUNT, name, now)
        throttle.note(session, Bucket.STAFF_FAILURE_ADDRESS, address, now)
        logger.warning("failed staff login for %s", name)
        return StaffSignIn(StaffSignInOutcome.WRONG)
    throttle.forget(session, Bucket.STAFF_FAILURE_ACCOUNT, name)
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    return StaffSignIn(StaffSignInOutcome.OK, account)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash or _DUMMY_HASH, password)) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def change_password(session: Session, account_id: int, current: str, new: str, now: datetime, *,
                    keep_session: int | None = None) -> bool:
    """The holder changes their password (False: ``current`` is wrong); their other sessions end."""
    account = session.get(db.StaffAccount, account_id)
    if account is None:
        raise NotFoundError("staff account", str(account_id))
    if not _verify(account.password_hash, current):
        return False
    _set_password(session, account, new, now, keep_session)
    return True


def set_password(session: Session, actor: Principal, username: str, new: str, now: datetime) -> None:
    """An admin (or the CLI) sets a password; every session of the account ends."""
    actor.require(Role.ADMIN)
    account = find_staff(session, username)
    if account is None:
        raise NotFoundError("staff account", username)
    _set_password(session, account, new, now, None)


def _set_password(session: Session, account: db.StaffAccount, new: str, now: datetime,
                  keep_session: int | None) -> None:
    check_password_rules(new, account.username)
    account.password_hash = _HASHER.hash(new)
    account.password_changed_at = now
    ended = end_staff_sessions(session, account.id, keep=keep_session)
    throttle.forget(session, Bucket.STAFF_FAILURE_ACCOUNT, account.username)
    logger.info("password of %s changed; %s other session(s) ended", account.username, ended)


def disable_staff(session: Session, actor: Principal, username: str, now: datetime) -> None:
    actor.require(Role.ADMIN)
    account = find_staff(session, username)
    if account is None:
        raise NotFoundError("staff account", username)
    account.disabled_at = now
    end_staff_sessions(session, account.id)

"""Resident sign-in by mobile number and a one-time code.

A code is 6 random digits, stored as an HMAC with a per-code salt, valid for a few minutes,
good for one sign-in, and void after a few wrong tries; only the newest code of a number
counts. How many codes a number receives and an address requests is limited per hour
(``throttle``). The first sign-in of a number creates its resident.

Both steps return an outcome instead of raising, so that what they count is committed
together with the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from central import db
from central.accounts import throttle
from central.accounts.phones import mask_phone, phone_hash
from central.accounts.throttle import Bucket

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CodeRules:
    ttl: timedelta
    max_attempts: int
    resend_after: timedelta
    per_number_hour: int
    per_address_hour: int
    key: str  # web.phone_key: HMAC key of phone and code hashes


class CodeRequestOutcome(StrEnum):
    SENT = "sent"  # a new code is stored: send ``code`` to the phone now
    TOO_SOON = "too_soon"  # the previous code was sent less than ``resend_after`` ago
    NUMBER_LIMIT = "number_limit"  # this number has had its codes for the hour
    ADDRESS_LIMIT = "address_limit"  # this client address has asked for too many codes this hour


class CodeCheckOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong digits; tries are left
    VOID = "void"  # too many wrong tries: this code is dead, ask for another
    NO_CODE = "no_code"  # none asked for, expired, or already used


@dataclass(frozen=True, slots=True)
class CodeRequest:
    outcome: CodeRequestOutcome
    code: str | None = None  # only when SENT; never stored or logged


@dataclass(frozen=True, slots=True)
class CodeCheck:
    outcome: CodeCheckOutcome
    resident: db.Resident | None = None
    attempts_left: int = 0


def _code_hash(key: str, salt: str, code: str) -> str:
    return hmac.new(key.encode(), f"code:{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(session: Session, phone: str, address: str, rules: CodeRules, now: datetime) -> CodeRequest:
    """Make a new code for a normalised number, unless a limit says no."""
    hashed = phone_hash(phone, rules.key)
    refused = _request_refused(session, hashed, address, rules, now)
    if refused is not None:
        logger.info("sign-in code for %s refused: %s", mask_phone(phone), refused.value)
        return CodeRequest(refused)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    session.add(db.SignInCode(phone_hash=hashed, salt=salt, code_hash=_code_hash(rules.key, salt, code),
                              created_at=now, expires_at=now + rules.ttl, failed_attempts=0))
    throttle.note(session, Bucket.CODE_SENT_NUMBER, hashed, now)
    throttle.note(session, Bucket.CODE_SENT_ADDRESS, address, now)
    return CodeRequest(CodeRequestOutcome.SENT, code)


def _request_refused(session: Session, hashed: str, address: str, rules: CodeRules,
                     now: datetime) -> CodeRequestOutcome | None:
    if throttle.count_since(session, Bucket.CODE_SENT_ADDRESS, address, now - HOUR) >= rules.per_address_hour:
        return CodeRequestOutcome.ADDRESS_LIMIT
    if throttle.count_since(session, Bucket.CODE_SENT_NUMBER, hashed, now - HOUR) >= rules.per_number_hour:
        return CodeRequestOutcome.NUMBER_LIMIT
    last = throttle.latest(session, Bucket.CODE_SENT_NUMBER, hashed)
    if last is not None and now - last < rules.resend_after:
        return CodeRequestOutcome.TOO_SOON
    return None


def check_code(session: Session, phone: str, code: str, rules: CodeRules, now: datetime) -> CodeCheck:
    """Check the newest code of a number; a right one is used up and signs its resident in."""
    hashed = phone_hash(phone, rules.key)
    row = session.scalars(select(db.SignInCode).where(db.SignInCode.phone_hash == hashed)
                          .order_by(db.SignInCode.created_at.desc(), db.SignInCode.id.desc())).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return CodeCheck(CodeCheckOutcome.NO_CODE)
    if row.failed_attempts >= rules.max_attempts:
        return CodeCheck(CodeCheckOutcome.VOID)
    if not hmac.compare_digest(row.code_hash, _code_hash(rules.key, row.salt, code.strip())):
        row.failed_attempts += 1
        left = rules.max_attempts - row.failed_attempts
        return CodeCheck(CodeCheckOutcome.WRONG if left > 0 else CodeCheckOutcome.VOID, attempts_left=left)
    used = session.execute(update(db.SignInCode).where(db.SignInCode.id == row.id,
                                                       db.SignInCode.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:  # type: ignore[attr-defined]  # another request used it a moment ago
        return CodeCheck(CodeCheckOutcome.NO_CODE)
    return CodeCheck(CodeCheckOutcome.OK, _resident_for(session, phone, hashed, now))


def _resident_for(session: Session, phone: str, hashed: str, now: datetime) -> db.Resident:
    resident = session.scalars(select(db.Resident).where(db.Resident.phone_hash == hashed)).first()
    if resident is None:
        masked = mask_phone(phone)
        resident = db.Resident(id=f"r-{uuid.uuid4().hex[:16]}", display_name=masked, phone_hash=hashed,
                               phone_masked=masked, created_at=now)
        session.add(resident)
        session.flush()
        logger.info("resident %s created at first sign-in (%s)", resident.id, masked)
    elif resident.phone_masked is None:
        resident.phone_masked = mask_phone(phone)
    return resident

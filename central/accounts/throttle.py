"""Counting events per key in a time window, in the database so that a restart forgets nothing.

A bucket names what is counted (failed staff logins per account, codes sent per number...);
the key is stored only as a SHA-256 hash, so the table holds no usernames or addresses.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from central import db

KEEP = timedelta(days=1)  # longer than any window a bucket is counted over


class Bucket(StrEnum):
    STAFF_FAILURE_ACCOUNT = "staff_failure_account"  # key: username
    STAFF_FAILURE_ADDRESS = "staff_failure_address"  # key: client address
    CODE_SENT_NUMBER = "code_sent_number"  # key: phone hash
    CODE_SENT_ADDRESS = "code_sent_address"  # key: client address


def _key_hash(bucket: Bucket, key: str) -> str:
    return hashlib.sha256(f"{bucket.value}:{key}".encode()).hexdigest()


def note(session: Session, bucket: Bucket, key: str, now: datetime) -> None:
    session.add(db.ThrottleEvent(bucket=bucket.value, key_hash=_key_hash(bucket, key), at=now))
    session.flush()


def count_since(session: Session, bucket: Bucket, key: str, since: datetime) -> int:
    query = select(func.count()).select_from(db.ThrottleEvent).where(
        db.ThrottleEvent.bucket == bucket.value, db.ThrottleEvent.key_hash == _key_hash(bucket, key),
        db.ThrottleEvent.at > since)
    return int(session.scalar(query) or 0)


def latest(session: Session, bucket: Bucket, key: str) -> datetime | None:
    query = select(func.max(db.ThrottleEvent.at)).where(
        db.ThrottleEvent.bucket == bucket.value, db.ThrottleEvent.key_hash == _key_hash(bucket, key))
    at: datetime | None = session.scalar(query)
    return at


def forget(session: Session, bucket: Bucket, key: str) -> None:
    session.execute(delete(db.ThrottleEvent).where(
        db.ThrottleEvent.bucket == bucket.value, db.ThrottleEvent.key_hash == _key_hash(bucket, key)))


def prune(session: Session, now: datetime) -> None:
    """Drop events older than any window (called now and then by sign-in)."""
    session.execute(delete(db.ThrottleEvent).where(db.ThrottleEvent.at < now - KEEP))

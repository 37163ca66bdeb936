"""How many vehicles are inside a site: now, and over time in buckets."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus

MAX_BUCKETS = 2000


def occupied_now(session: Session, site_id: str) -> int:
    return session.scalar(select(func.count()).select_from(db.Stay).where(
        db.Stay.site_id == site_id, db.Stay.status == StayStatus.OPEN)) or 0


def occupancy_series(session: Session, site_id: str, start: datetime, end: datetime,
                     bucket: timedelta) -> list[tuple[datetime, int]]:
    """Vehicles inside at the start of each bucket from ``start`` to ``end``."""
    if end <= start or bucket <= timedelta(0):
        raise ValueError("end must be after start and the bucket positive")
    if (end - start) / bucket > MAX_BUCKETS:
        raise ValueError(f"more than {MAX_BUCKETS} buckets")
    return inside_at(session, site_id, start, end, bucket)


def inside_at(session: Session, site_id: str, start: datetime, end: datetime,
              bucket: timedelta) -> list[tuple[datetime, int]]:
    """The series without bounds checks: one query, then a binary search per bucket."""
    stays = session.execute(select(db.Stay.entered_at, db.Stay.exited_at).where(
        db.Stay.site_id == site_id, db.Stay.entered_at.is_not(None), db.Stay.entered_at < end,
        or_(db.Stay.exited_at.is_(None), db.Stay.exited_at > start))).all()
    entries = sorted(entered for entered, _ in stays if entered is not None)
    exits = sorted(exited for _, exited in stays if exited is not None)
    series: list[tuple[datetime, int]] = []
    at = start
    while at < end:
        series.append((at, bisect.bisect_right(entries, at) - bisect.bisect_right(exits, at)))
        at += bucket
    return series

"""How many vehicles are inside a site: now, over time in buckets, and tonight's free shared places.

Tonight's free shared places, the figure published for residents and the one the gate
applies (institution first):

    free = shared spaces - contracts with a car inside - max(0, own vehicles inside - reserved spaces)

counted from central's open stays: a contract counts once however many of its plates are
inside; an own vehicle is an open stay without a contract whose plate is on the site's
list; the institution's cars use its reserved spaces first, and only those beyond them
take shared ones. The gate counts the same from its own state (edge/decision.py).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus

MAX_BUCKETS = 2000


def occupied_now(session: Session, site_id: str) -> int:
    return session.scalar(select(func.count()).select_from(db.Stay).where(
        db.Stay.site_id == site_id, db.Stay.status == StayStatus.OPEN)) or 0


@dataclass(frozen=True, slots=True)
class SharedPlaces:
    """Tonight's shared places at a site, and what they are made of."""

    shared_spaces: int
    contracts_inside: int
    own_vehicles_inside: int
    reserved_spaces: int

    @property
    def own_beyond_reserved(self) -> int:
        return max(0, self.own_vehicles_inside - self.reserved_spaces)

    @property
    def free(self) -> int:
        return max(0, self.shared_spaces - self.contracts_inside - self.own_beyond_reserved)


def shared_places(session: Session, site: db.Site) -> SharedPlaces:
    """Free shared places now, from the site's open stays (see the module's formula)."""
    contracts = session.scalar(select(func.count(distinct(db.Stay.contract_id))).where(
        db.Stay.site_id == site.id, db.Stay.status == StayStatus.OPEN, db.Stay.contract_id.is_not(None))) or 0
    own = session.scalar(select(func.count(distinct(db.Stay.plate))).where(
        db.Stay.site_id == site.id, db.Stay.status == StayStatus.OPEN, db.Stay.contract_id.is_(None),
        db.Stay.plate.in_(select(db.OwnVehicle.plate).where(db.OwnVehicle.site_id == site.id)))) or 0
    return SharedPlaces(site.shared_capacity, contracts, own, site.reserved_spaces)


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

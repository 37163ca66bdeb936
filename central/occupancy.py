"""How many vehicles are inside a site: now, over time in buckets, tonight's free shared places, and
the live figures of the operator console (``live_figures``: several sites in a few grouped queries).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus
from central.overstay import DEFAULT_GRACE_MINUTES, overstay_seconds, seconds_of

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
    def used(self) -> int:
        """Shared places taken: contracts inside, and the institution's cars beyond its reserve."""
        return self.contracts_inside + self.own_beyond_reserved

    @property
    def free(self) -> int:
        return max(0, self.shared_spaces - self.used)


def shared_places(session: Session, site: db.Site) -> SharedPlaces:
    """Free shared places now, from the site's open stays (see the module's formula)."""
    contracts = _per_site(session, _contracts_inside([site.id])).get(site.id, 0)
    own = _per_site(session, _own_vehicles_inside([site.id])).get(site.id, 0)
    return SharedPlaces(site.shared_capacity, contracts, own, site.reserved_spaces)


def _open_at(site_ids: Sequence[str]) -> Any:
    return and_(db.Stay.site_id.in_(site_ids), db.Stay.status == StayStatus.OPEN)


def _contracts_inside(site_ids: Sequence[str]) -> Select[str, int]:
    """Per site: contracts with a car inside (a contract counts once however many plates are in)."""
    return (select(db.Stay.site_id, func.count(distinct(db.Stay.contract_id)))
            .where(_open_at(site_ids), db.Stay.contract_id.is_not(None)).group_by(db.Stay.site_id))


def _own_vehicles_inside(site_ids: Sequence[str]) -> Select[str, int]:
    """Per site: the institution's own vehicles inside (open stays without a contract, plate on the list)."""
    return (select(db.Stay.site_id, func.count(distinct(db.Stay.plate)))
            .join(db.OwnVehicle, and_(db.OwnVehicle.site_id == db.Stay.site_id,
                                      db.OwnVehicle.plate == db.Stay.plate))
            .where(_open_at(site_ids), db.Stay.contract_id.is_(None)).group_by(db.Stay.site_id))


def _per_site(session: Session, query: Select[str, int]) -> dict[str, int]:
    return {site_id: int(count) for site_id, count in session.execute(query)}


@dataclass(frozen=True, slots=True)
class LiveFigures:
    """What the console shows live for a site: every car inside, the shared places, overstays now."""

    site_id: str
    inside: int  # every vehicle inside: residents', the institution's, visitors'
    shared: SharedPlaces
    overstays: int  # cars inside now past their deadline and grace (central/overstay.py)


def live_figures(session: Session, sites: Sequence[db.Site], now: datetime,
                 default_grace: int = DEFAULT_GRACE_MINUTES) -> dict[str, LiveFigures]:
    """The live figures of ``sites``, in four grouped queries whatever their number."""
    ids = [site.id for site in sites]
    if not ids:
        return {}
    inside = _per_site(session, select(db.Stay.site_id, func.count()).where(_open_at(ids))
                       .group_by(db.Stay.site_id))
    contracts = _per_site(session, _contracts_inside(ids))
    own = _per_site(session, _own_vehicles_inside(ids))
    late = overstays_now(session, ids, now, default_grace)
    return {site.id: LiveFigures(site.id, inside.get(site.id, 0),
                                 SharedPlaces(site.shared_capacity, contracts.get(site.id, 0),
                                              own.get(site.id, 0), site.reserved_spaces),
                                 late.get(site.id, 0))
            for site in sites}


def overstays_now(session: Session, site_ids: Sequence[str], now: datetime,
                  default_grace: int = DEFAULT_GRACE_MINUTES) -> dict[str, int]:
    """Per site: cars inside past deadline + grace. SQL keeps the stays past their deadline (grace is
    never negative), then the one overstay rule decides, with the grace the contract was signed with."""
    rows = session.execute(
        select(db.Stay.site_id, db.Stay.deadline, db.Contract.grace_minutes)
        .outerjoin(db.Contract, db.Contract.id == db.Stay.contract_id)
        .where(_open_at(site_ids), db.Stay.deadline.is_not(None), db.Stay.deadline < now))
    counts: dict[str, int] = {}
    at = seconds_of(now, "now")
    for site_id, deadline, grace in rows:
        if deadline is not None and overstay_seconds(
                seconds_of(deadline, "deadline"), default_grace if grace is None else grace, at):
            counts[site_id] = counts.get(site_id, 0) + 1
    return counts


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
    present = Presence((entered, exited) for entered, exited in stays if entered is not None)
    series: list[tuple[datetime, int]] = []
    at = start
    while at < end:
        series.append((at, present.at(at)))
        at += bucket
    return series


class Presence:
    """Spans of time something was inside (``[in, out)``; ``out`` None: still inside), counted at instants.

    A car that enters at an instant counts at it; one that leaves at it no longer does.
    """

    def __init__(self, spans: Iterable[tuple[datetime, datetime | None]]) -> None:
        ins: list[datetime] = []
        outs: list[datetime] = []
        for start, end in spans:
            ins.append(start)
            if end is not None:
                outs.append(end)
        self._ins, self._outs = sorted(ins), sorted(outs)

    def at(self, when: datetime) -> int:
        return bisect.bisect_right(self._ins, when) - bisect.bisect_right(self._outs, when)


def merged_spans(spans: Iterable[tuple[datetime, datetime | None]]) -> list[tuple[datetime, datetime | None]]:
    """Overlapping or touching spans of one holder (a contract, a plate) as one: the holder counts once."""
    result: list[tuple[datetime, datetime | None]] = []
    for start, end in sorted(spans, key=lambda span: span[0]):
        if result and (result[-1][1] is None or start <= result[-1][1]):
            last_end = result[-1][1]
            result[-1] = (result[-1][0], None if end is None or last_end is None else max(last_end, end))
        else:
            result.append((start, end))
    return result

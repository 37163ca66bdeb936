"""The violations list of the console: overstays at the sites a caller manages, newest first.

A violation is written by enforcement when a car is still inside past its deadline and grace
(``central/overstay.py``); it is dated at that instant (``at``). How late the car was is the
time from its deadline to its exit, or to now while it is still inside: that is the time
billing charges as overstay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal, visible_site_ids
from central.enforcement.models import Violation
from central.listing import Page, PageRequest

SEARCH_MAX = 64


@dataclass(frozen=True, slots=True)
class ViolationRow:
    violation_id: int
    site_id: str
    site_name: str
    timezone: str  # the site's: times are shown in it
    contract_id: str | None
    plate: str
    deadline: datetime
    at: datetime  # when the overstay began: deadline + grace
    exited_at: datetime | None  # None: still inside (or the exit is not known yet)
    late: timedelta  # from the deadline to the exit, or to now


def list_violations(session: Session, principal: Principal, page: PageRequest, now: datetime,
                    site_id: str | None = None, search: str = "") -> Page[ViolationRow]:
    """Violations at the caller's sites (one site if given), matching ``search`` in plate or contract."""
    where = _filters(principal, site_id, search.strip()[:SEARCH_MAX])
    total = session.scalar(select(func.count()).select_from(Violation).where(*where)) or 0
    rows = session.execute(
        select(Violation.id, Violation.stay_id, Violation.site_id, db.Site.name.label("site_name"),
               db.Site.timezone, Violation.contract_id, Violation.plate, Violation.deadline, Violation.at)
        .join(db.Site, db.Site.id == Violation.site_id).where(*where)
        .order_by(Violation.at.desc(), Violation.id.desc()).limit(page.limit).offset(page.offset)).all()
    exits = _exits(session, [row.stay_id for row in rows])
    items = [ViolationRow(row.id, row.site_id, row.site_name, row.timezone, row.contract_id, row.plate,
                          row.deadline, row.at, exits.get(row.stay_id),
                          (exits.get(row.stay_id) or now) - row.deadline)
             for row in rows]
    return Page(items, total, page.limit, page.offset)


def _exits(session: Session, stay_ids: list[int]) -> dict[int, datetime | None]:
    """The page's stays' exits, looked up by key (a join would make PostgreSQL hash every stay)."""
    if not stay_ids:
        return {}
    return dict(session.execute(
        select(db.Stay.id, db.Stay.exited_at).where(db.Stay.id.in_(stay_ids))).all())


def _filters(principal: Principal, site_id: str | None, search: str) -> list[ColumnElement[bool]]:
    """The list's conditions, on the violations table alone: the count needs no join."""
    where: list[ColumnElement[bool]] = []
    sites = visible_site_ids(principal)
    if sites is not None:
        where.append(Violation.site_id.in_(sites))
    if site_id:
        where.append(Violation.site_id == site_id)
    if search:
        where.append(or_(Violation.plate.contains(search.upper(), autoescape=True),
                         Violation.contract_id.contains(search, autoescape=True)))
    return where

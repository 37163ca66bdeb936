"""Tonight's expected arrivals at a site: the active contracts whose product's hours cover tonight.

A contract is expected on the night starting on local date D (``nights.tonight``) when it is
active, applies on D (from ``valid_from`` to its last day, the cancellation's effective day
included) and one of its product's windows, on the official calendar's day types, has an
occurrence that overlaps the night (18:00 to 09:00). Each row says when that occurrence opens,
the departure deadline of the chain it starts (``shared.coverage_at``) and whether the car is
already inside. Products are few per site: their windows are evaluated here; the contracts are
filtered and paged in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.calendar import load_calendar
from central.db import StayStatus
from central.listing import Page, PageRequest
from central.reports.nights import night_span
from shared import ContractStatus, OfficialCalendar, TimeWindow, coverage_at


@dataclass(frozen=True, slots=True)
class Opening:
    """A product's hours tonight: when its window opens, and the deadline of the chain it starts."""

    product_id: str
    product_name: str
    opens: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class Arrival:
    contract_id: str
    plates: tuple[str, ...]
    opening: Opening
    inside: bool  # a car of the contract is inside now


def expected_arrivals(session: Session, site: db.Site, night: date, page: PageRequest) -> Page[Arrival]:
    """Contracts expected on ``night``, by opening time then plate; ``inside`` from the open stays."""
    openings = product_openings(session, site, night)
    if not openings:
        return Page([], 0, page.limit, page.offset)
    order = case({product_id: n for n, product_id in enumerate(sorted(openings, key=lambda p: (
        openings[p].opens, p)))}, value=db.Contract.product_id)
    query = select(db.Contract).where(
        db.Contract.site_id == site.id, db.Contract.status == ContractStatus.ACTIVE.value,
        db.Contract.product_id.in_(list(openings)), db.Contract.valid_from <= night,
        db.Contract.valid_to >= night, or_(db.Contract.ends_on.is_(None), db.Contract.ends_on >= night))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    contracts = list(session.scalars(query.order_by(order, db.Contract.plates, db.Contract.id)
                                     .limit(page.limit).offset(page.offset)))
    inside = _inside(session, site.id, [contract.id for contract in contracts])
    rows = [Arrival(c.id, tuple(c.plate_list), openings[c.product_id], c.id in inside) for c in contracts]
    return Page(rows, total, page.limit, page.offset)


def product_openings(session: Session, site: db.Site, night: date) -> dict[str, Opening]:
    """The site's products whose windows cover part of the night, with their first opening in it."""
    tz = ZoneInfo(site.timezone)
    calendar = load_calendar(session, night.year - 1, night.year + 1)
    products = session.scalars(select(db.Product).where(db.Product.site_id == site.id))
    found: dict[str, Opening] = {}
    for product in products:
        windows = [TimeWindow.model_validate(window) for window in product.windows]
        opens = first_opening(windows, night, tz, calendar)
        if opens is None:
            continue
        coverage = coverage_at(windows, opens, tz, calendar)
        deadline = coverage.end if coverage is not None else opens
        found[product.id] = Opening(product.id, product.name, opens, deadline)
    return found


def first_opening(windows: Sequence[TimeWindow], night: date, tz: ZoneInfo,
                  calendar: OfficialCalendar) -> datetime | None:
    """The earliest start of a window occurrence overlapping the night, or None (UTC)."""
    start, end = night_span(night, tz)
    starts = [occ_start for day in (night - timedelta(days=1), night, night + timedelta(days=1))
              for window in windows if window.day_type is calendar.day_type(day)
              for occ_start, occ_end in [window.on(day, tz)] if occ_start < end and occ_end > start]
    return min(starts).astimezone(start.tzinfo) if starts else None


def _inside(session: Session, site_id: str, contract_ids: list[str]) -> set[str]:
    if not contract_ids:
        return set()
    return set(session.scalars(select(db.Stay.contract_id).where(
        db.Stay.site_id == site_id, db.Stay.status == StayStatus.OPEN,
        db.Stay.contract_id.in_(contract_ids))))

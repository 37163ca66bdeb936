"""Gate events, stays and overstay violations, with filters and pages; staff only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime
from sqlalchemy import Select, func, select

from central import db
from central.api.access import visible_site_ids
from central.api.deps import PageDep, SessionDep, StaffUser, page_body
from central.api.schemas import EventOut, StayOut, ViolationOut
from central.core.security import Principal
from central.enforcement.models import Violation
from central.listing import page_of
from shared import Outcome, normalise_plate

router = APIRouter(tags=["events"])

SiteQuery = Annotated[str | None, Query(max_length=64)]
PlateQuery = Annotated[str | None, Query(max_length=32, description="normalised before matching")]


def _scoped(query: Select[Any], column: Any, user: Principal, site_id: str | None) -> Select[Any]:
    if (sites := visible_site_ids(user)) is not None:
        query = query.where(column.in_(sites))
    return query if site_id is None else query.where(column == site_id)


@router.get("/events", response_model=list[EventOut])
def list_events(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                site_id: SiteQuery = None, plate: PlateQuery = None, gate_id: SiteQuery = None,
                outcome: Outcome | None = None, since: AwareDatetime | None = None,
                until: AwareDatetime | None = None) -> list[db.GateEventRecord]:
    """Events by time at the gate, newest first; the total in X-Total-Count."""
    model = db.GateEventRecord
    query = _scoped(select(model), model.site_id, user, site_id)
    if plate is not None:
        query = query.where(model.plate == normalise_plate(plate))
    if gate_id is not None:
        query = query.where(model.gate_id == gate_id)
    if outcome is not None:
        query = query.where(model.outcome == outcome.value)
    if since is not None:
        query = query.where(model.at >= since)
    if until is not None:
        query = query.where(model.at < until)
    query = query.order_by(model.at.desc(), model.event_id)
    return page_body(response, page_of(session, query, page))


@router.get("/stays", response_model=list[StayOut])
def list_stays(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
               site_id: SiteQuery = None, plate: PlateQuery = None, status: db.StayStatus | None = None,
               since: AwareDatetime | None = None, until: AwareDatetime | None = None) -> list[db.Stay]:
    """Stays overlapping [since, until) (by entry, or by exit for anomalies), newest first; the total
    in X-Total-Count."""
    query = _scoped(select(db.Stay), db.Stay.site_id, user, site_id)
    if plate is not None:
        query = query.where(db.Stay.plate == normalise_plate(plate))
    if status is not None:
        query = query.where(db.Stay.status == status)
    moment = func.coalesce(db.Stay.entered_at, db.Stay.exited_at)
    if since is not None:
        query = query.where(func.coalesce(db.Stay.exited_at, since) >= since)
    if until is not None:
        query = query.where(moment < until)
    query = query.order_by(moment.desc(), db.Stay.id)
    return page_body(response, page_of(session, query, page))


@router.get("/violations", response_model=list[ViolationOut])
def list_violations(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                    site_id: SiteQuery = None, plate: PlateQuery = None,
                    contract_id: Annotated[str | None, Query(max_length=64)] = None,
                    since: AwareDatetime | None = None,
                    until: AwareDatetime | None = None) -> list[Violation]:
    """Overstays (a car inside after deadline + grace), newest first; the total in X-Total-Count."""
    query = _scoped(select(Violation), Violation.site_id, user, site_id)
    if plate is not None:
        query = query.where(Violation.plate == normalise_plate(plate))
    if contract_id is not None:
        query = query.where(Violation.contract_id == contract_id)
    if since is not None:
        query = query.where(Violation.at >= since)
    if until is not None:
        query = query.where(Violation.at < until)
    return page_body(response, page_of(session, query.order_by(Violation.at.desc(), Violation.id), page))

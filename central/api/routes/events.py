"""Gate events and stays, with filters; staff only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from sqlalchemy import Select, func, select

from central import db
from central.api.access import visible_site_ids
from central.api.deps import SessionDep, StaffUser, StateDep
from central.api.schemas import EventOut, StayOut
from central.core.security import Principal
from shared import Outcome, normalise_plate

router = APIRouter(tags=["events"])

SiteQuery = Annotated[str | None, Query(max_length=64)]
PlateQuery = Annotated[str | None, Query(max_length=32, description="normalised before matching")]
Limit = Annotated[int, Query(ge=1, le=10_000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _scoped(query: Select[Any], column: Any, user: Principal, site_id: str | None) -> Select[Any]:
    if (sites := visible_site_ids(user)) is not None:
        query = query.where(column.in_(sites))
    return query if site_id is None else query.where(column == site_id)


@router.get("/events", response_model=list[EventOut])
def list_events(session: SessionDep, state: StateDep, user: StaffUser, site_id: SiteQuery = None,
                plate: PlateQuery = None, gate_id: SiteQuery = None, outcome: Outcome | None = None,
                since: AwareDatetime | None = None, until: AwareDatetime | None = None,
                limit: Limit = 100, offset: Offset = 0) -> list[db.GateEventRecord]:
    """Events by time at the gate, newest first."""
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
    return list(session.scalars(query.limit(min(limit, state.settings.api.page_max)).offset(offset)))


@router.get("/stays", response_model=list[StayOut])
def list_stays(session: SessionDep, state: StateDep, user: StaffUser, site_id: SiteQuery = None,
               plate: PlateQuery = None, status: db.StayStatus | None = None,
               since: AwareDatetime | None = None, until: AwareDatetime | None = None,
               limit: Limit = 100, offset: Offset = 0) -> list[db.Stay]:
    """Stays overlapping [since, until) (by entry, or by exit for anomalies), newest first."""
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
    return list(session.scalars(query.limit(min(limit, state.settings.api.page_max)).offset(offset)))

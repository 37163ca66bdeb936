"""Gate status, alarms and the dead-letter count, for operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from central import db
from central.api.access import visible_site_ids
from central.api.deps import AdminUser, SessionDep, StaffUser
from central.api.schemas import AlarmOut, Count, GateOut

router = APIRouter(tags=["gates"])


@router.get("/gates", response_model=list[GateOut])
def list_gates(session: SessionDep, user: StaffUser,
               site_id: Annotated[str | None, Query(max_length=64)] = None) -> list[db.Gate]:
    query = select(db.Gate).order_by(db.Gate.site_id, db.Gate.gate_id)
    if (sites := visible_site_ids(user)) is not None:
        query = query.where(db.Gate.site_id.in_(sites))
    if site_id is not None:
        query = query.where(db.Gate.site_id == site_id)
    return list(session.scalars(query))


@router.get("/alarms", response_model=list[AlarmOut])
def list_alarms(session: SessionDep, user: StaffUser, open_only: bool = True,
                site_id: Annotated[str | None, Query(max_length=64)] = None) -> list[db.Alarm]:
    query = select(db.Alarm).order_by(db.Alarm.raised_at.desc()).limit(1000)
    if (sites := visible_site_ids(user)) is not None:
        query = query.where(db.Alarm.site_id.in_(sites))
    if site_id is not None:
        query = query.where(db.Alarm.site_id == site_id)
    if open_only:
        query = query.where(db.Alarm.cleared_at.is_(None))
    return list(session.scalars(query))


@router.get("/dead-letters/count", response_model=Count)
def dead_letter_count(session: SessionDep, user: AdminUser) -> Count:
    """Messages that could not be taken (they name no site an operator could be scoped to)."""
    return Count(count=session.scalar(select(func.count()).select_from(db.DeadLetter)) or 0)

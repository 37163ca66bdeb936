"""Gates for operators: add one (with its broker account), re-key or remove it; status, alarms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import func, select

from central import broker, db
from central.api.access import managed_site, visible_site_ids
from central.api.deps import AccountsDep, AdminUser, SessionDep, StaffUser
from central.api.schemas import (
    AlarmOut,
    BrokerAccountOut,
    Count,
    GateOut,
    GateRemovedOut,
    NewGateOut,
    SiteGateIn,
)
from shared import ID_PATTERN, gate_username

router = APIRouter(tags=["gates"])

GateId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post("/sites/{site_id}/gates", response_model=NewGateOut, status_code=201)
def add_gate(site_id: str, body: SiteGateIn, session: SessionDep, user: StaffUser, accounts: AccountsDep,
             response: Response) -> NewGateOut:
    """Register a gate and make its broker account; its password is in this response only."""
    site = managed_site(session, user, site_id)
    added = broker.add_gate(session, accounts, site.id, body.gate_id, body.name)
    response.headers["Cache-Control"] = "no-store"
    return NewGateOut(gate=GateOut.model_validate(added.gate),
                      broker=_account(site.id, body.gate_id, added.credentials, accounts.managed))


@router.post("/sites/{site_id}/gates/{gate_id}/password", response_model=BrokerAccountOut)
def new_gate_password(site_id: str, gate_id: GateId, session: SessionDep, user: StaffUser,
                      accounts: AccountsDep, response: Response) -> BrokerAccountOut:
    """A new broker password: the gate is disconnected and its old password refused from now."""
    site = managed_site(session, user, site_id)
    credentials = broker.rotate_gate_password(session, accounts, site.id, gate_id)
    response.headers["Cache-Control"] = "no-store"
    return _account(site.id, gate_id, credentials, accounts.managed)


@router.delete("/sites/{site_id}/gates/{gate_id}", response_model=GateRemovedOut)
def remove_gate(site_id: str, gate_id: GateId, session: SessionDep, user: StaffUser,
                accounts: AccountsDep) -> GateRemovedOut:
    """Remove the gate's broker account (it is disconnected at once) and its registration."""
    site = managed_site(session, user, site_id)
    removed = broker.remove_gate(session, accounts, site.id, gate_id)
    return GateRemovedOut(site_id=site.id, gate_id=gate_id, broker_account_removed=removed)


def _account(site_id: str, gate_id: str, credentials: broker.GateCredentials | None,
             managed: bool) -> BrokerAccountOut:
    return BrokerAccountOut(username=gate_username(site_id, gate_id), managed=managed,
                            password=credentials.password if credentials else None)


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

"""Sign, list, cancel, suspend, reinstate and re-product contracts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from central import db
from central.api.access import visible_site_ids
from central.api.deps import CurrentUser, NowDep, SessionDep, StateDep
from central.api.schemas import ContractOut, ProductChangeIn, SignIn
from central.contracts import service
from central.core.security import Role
from shared import ContractStatus, parse_plate

router = APIRouter(prefix="/contracts", tags=["contracts"])


@router.post("", response_model=ContractOut, status_code=201)
def sign(body: SignIn, session: SessionDep, state: StateDep, user: CurrentUser, now: NowDep) -> db.Contract:
    """Sign a contract; 409 when the product is full or the plate already holds one here."""
    request = service.SignRequest(body.product_id, tuple(body.plates), body.valid_from, body.valid_to,
                                  body.resident_id)
    return service.sign_contract(session, user, request, state.signer, state.rules, now)


@router.get("", response_model=list[ContractOut])
def list_contracts(session: SessionDep, state: StateDep, user: CurrentUser,
                   site_id: Annotated[str | None, Query(max_length=64)] = None,
                   plate: Annotated[str | None, Query(max_length=32)] = None,
                   status: ContractStatus | None = None,
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[db.Contract]:
    """Residents see their own contracts; operators those of their institution's sites."""
    query = select(db.Contract).order_by(db.Contract.created_at, db.Contract.id)
    if user.role is Role.RESIDENT:
        query = query.where(db.Contract.resident_id == user.resident_id)
    elif (sites := visible_site_ids(user)) is not None:
        query = query.where(db.Contract.site_id.in_(sites))
    if site_id is not None:
        query = query.where(db.Contract.site_id == site_id)
    if plate is not None:
        query = query.where(db.Contract.plates.contains(f"|{parse_plate(plate).text}|"))
    if status is not None:
        query = query.where(db.Contract.status == status.value)
    limit = min(limit, state.settings.api.page_max)
    return list(session.scalars(query.limit(limit).offset(offset)))


@router.get("/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, session: SessionDep, user: CurrentUser) -> db.Contract:
    return service.visible_contract(session, user, contract_id)[0]


@router.post("/{contract_id}/{action}", response_model=ContractOut)
def change_status(contract_id: str, action: Literal["cancel", "suspend", "reinstate"], session: SessionDep,
                  state: StateDep, user: CurrentUser, now: NowDep) -> db.Contract:
    """cancel (holder or staff), suspend and reinstate (staff; reinstating checks capacity)."""
    return service.change_status(session, user, contract_id, action, state.signer, state.rules, now)


@router.put("/{contract_id}/product", response_model=ContractOut)
def change_product(contract_id: str, body: ProductChangeIn, session: SessionDep, state: StateDep,
                   user: CurrentUser, now: NowDep) -> db.Contract:
    """Move a contract to another product of the same site (capacity checked)."""
    return service.change_product(session, user, contract_id, body.product_id, state.signer, state.rules, now)

"""Sign, list, cancel, suspend, reinstate and re-product contracts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response

from central import db
from central.api.deps import CurrentUser, NowDep, PageDep, SessionDep, StateDep, page_body
from central.api.schemas import CancelIn, ContractOut, ProductChangeIn, SignIn
from central.contracts import service
from shared import parse_plate

router = APIRouter(prefix="/contracts", tags=["contracts"])

IdQuery = Annotated[str | None, Query(max_length=64)]


@router.post("", response_model=ContractOut, status_code=201)
def sign(body: SignIn, session: SessionDep, state: StateDep, user: CurrentUser, now: NowDep) -> db.Contract:
    """Sign a contract; 409 when the site or the product is full or the plate already holds one here."""
    request = service.SignRequest(body.product_id, tuple(body.plates), body.valid_from, body.valid_to,
                                  body.resident_id)
    return service.sign_contract(session, user, request, state.signer, state.rules, now)


@router.get("", response_model=list[ContractOut])
def list_contracts(session: SessionDep, user: CurrentUser, page: PageDep, response: Response,
                   site_id: IdQuery = None, product_id: IdQuery = None, resident_id: IdQuery = None,
                   plate: Annotated[str | None, Query(max_length=32)] = None,
                   status: db.ContractState | None = None) -> list[db.Contract]:
    """Residents see their own contracts; operators those of their institution's sites. Oldest first;
    the total in X-Total-Count."""
    where = service.ContractFilter(site_id, product_id, resident_id,
                                   None if plate is None else parse_plate(plate).text, status)
    return page_body(response, service.list_contracts(session, user, page, where))


@router.get("/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, session: SessionDep, user: CurrentUser) -> db.Contract:
    return service.visible_contract(session, user, contract_id)[0]


@router.post("/{contract_id}/{action}", response_model=ContractOut)
def change_status(contract_id: str, action: Literal["cancel", "suspend", "reinstate"], session: SessionDep,
                  state: StateDep, user: CurrentUser, now: NowDep,
                  body: Annotated[CancelIn | None, Body()] = None) -> db.Contract:
    """cancel (holder or staff; ``effective_on`` for staff to backdate it), suspend and reinstate (staff;
    reinstating checks capacity)."""
    effective_on = None if body is None else body.effective_on
    return service.change_status(session, user, contract_id, action, state.signer, state.rules, now,
                                 effective_on)


@router.put("/{contract_id}/product", response_model=ContractOut)
def change_product(contract_id: str, body: ProductChangeIn, session: SessionDep, state: StateDep,
                   user: CurrentUser, now: NowDep) -> db.Contract:
    """Move a contract to another product of the same site (capacity checked); it takes that
    product's current tariff."""
    return service.change_product(session, user, contract_id, body.product_id, state.signer, state.rules, now)

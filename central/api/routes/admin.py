"""Set-up: institutions, sites, products, gates, residents and API tokens; changing and listing them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from central import db, sites
from central.accounts import mask_phone, phone_hash
from central.api.access import managed_site
from central.api.deps import AdminUser, NowDep, PageDep, SessionDep, StaffUser, StateDep, page_body
from central.api.schemas import (
    GateIn,
    GateOut,
    InstitutionIn,
    ProductChangeFieldsIn,
    ProductIn,
    ProductOut,
    ResidentIn,
    ResidentOut,
    SiteChangeIn,
    SiteIn,
    SiteOut,
    TokenIn,
    TokenOut,
)
from central.core.security import create_token
from central.errors import ConflictError, NotFoundError

router = APIRouter(tags=["set-up"])


@router.post("/institutions", status_code=201)
def create_institution(body: InstitutionIn, session: SessionDep, user: AdminUser,
                       now: NowDep) -> InstitutionIn:
    sites.create_institution(session, body.id, body.name, now)
    return body


@router.post("/sites", response_model=SiteOut, status_code=201)
def create_site(body: SiteIn, session: SessionDep, state: StateDep, user: AdminUser, now: NowDep) -> db.Site:
    """Create a site and publish its first (empty) bundle; 409 when its spaces do not add up."""
    return sites.create_site(session, body.model_dump(), state.signer, now)


@router.get("/sites", response_model=list[SiteOut])
def list_sites(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
               institution_id: Annotated[str | None, Query(max_length=64)] = None,
               name: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
               include_closed: bool = True) -> list[db.Site]:
    """The sites the caller manages, by id; the total in X-Total-Count."""
    return page_body(response, sites.list_sites(session, user, page, institution_id, name, include_closed))


@router.get("/sites/{site_id}", response_model=SiteOut)
def get_site(site_id: str, session: SessionDep, user: StaffUser) -> db.Site:
    return managed_site(session, user, site_id)


@router.patch("/sites/{site_id}", response_model=SiteOut)
def update_site(site_id: str, body: SiteChangeIn, session: SessionDep, state: StateDep, user: StaffUser,
                now: NowDep) -> db.Site:
    """Change a site; 409 when the spaces would not add up or not hold the contracts signed."""
    return sites.update_site(session, user, site_id, body.model_dump(exclude_unset=True),
                             state.rules.oversubscription, state.signer, now)


@router.post("/sites/{site_id}/close", response_model=SiteOut)
def close_site(site_id: str, session: SessionDep, user: StaffUser, now: NowDep) -> db.Site:
    """Stop selling at a site for good; its contracts run to their end."""
    return sites.close_site(session, user, site_id, now)


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(body: ProductIn, session: SessionDep, user: StaffUser, now: NowDep) -> db.Product:
    """A product of a site; 409 when its quota exceeds the site's shared spaces."""
    windows = [w.model_dump(mode="json") for w in body.windows]
    values = body.model_dump(exclude={"windows"}) | {"windows": windows}
    return sites.create_product(session, user, values, now)


@router.get("/products", response_model=list[ProductOut])
def list_products(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                  site_id: Annotated[str | None, Query(max_length=64)] = None,
                  on_sale: bool | None = None) -> list[db.Product]:
    """Products at the sites the caller manages; the total in X-Total-Count."""
    return page_body(response, sites.list_products(session, user, page, site_id, on_sale))


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(product_id: str, body: ProductChangeFieldsIn, session: SessionDep, state: StateDep,
                   user: StaffUser, now: NowDep) -> db.Product:
    """Change a product; prices apply to contracts signed from now on (signed ones keep theirs)."""
    return sites.update_product(session, user, product_id, body.model_dump(exclude_unset=True),
                                state.rules.oversubscription, now)


@router.post("/products/{product_id}/close", response_model=ProductOut)
def close_product(product_id: str, session: SessionDep, user: StaffUser, now: NowDep) -> db.Product:
    """Stop selling a product for good; its contracts run to their end."""
    return sites.close_product(session, user, product_id, now)


@router.post("/gates", response_model=GateOut, status_code=201)
def create_gate(body: GateIn, session: SessionDep, user: StaffUser) -> db.Gate:
    """Register a gate (its broker account is made with ``parking-central broker-acl``)."""
    managed_site(session, user, body.site_id)
    if session.query(db.Gate).filter_by(site_id=body.site_id, gate_id=body.gate_id).first() is not None:
        raise ConflictError(f"gate {body.site_id}/{body.gate_id} already exists")
    gate = db.Gate(site_id=body.site_id, gate_id=body.gate_id, name=body.name, alarms=[])
    session.add(gate)
    session.flush()
    return gate


@router.post("/residents", response_model=ResidentOut, status_code=201)
def create_resident(body: ResidentIn, session: SessionDep, user: StaffUser, state: StateDep,
                    now: NowDep) -> db.Resident:
    """A resident registered by staff; with a mobile number, they sign in to the app with it (409: taken)."""
    phone = {} if body.phone is None else {
        "phone_hash": phone_hash(body.phone, state.settings.web.phone_key_text()),
        "phone_masked": mask_phone(body.phone)}
    resident = db.Resident(id=f"r-{uuid.uuid4().hex[:16]}", created_at=now, display_name=body.display_name,
                           contact_ref=body.contact_ref, **phone)
    session.add(resident)
    session.flush()
    return resident


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_api_token(body: TokenIn, session: SessionDep, user: AdminUser, now: NowDep) -> TokenOut:
    """A new bearer token; its text is shown only in this response."""
    if body.institution_id and session.get(db.Institution, body.institution_id) is None:
        raise NotFoundError("institution", body.institution_id)
    if body.resident_id and session.get(db.Resident, body.resident_id) is None:
        raise NotFoundError("resident", body.resident_id)
    token = create_token(session, body.role, now, name=body.name, institution_id=body.institution_id,
                         resident_id=body.resident_id, expires_at=body.expires_at)
    return TokenOut(token=token, role=body.role)

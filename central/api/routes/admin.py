"""Set-up: institutions, sites, products, gates, residents and API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy.orm import Session

from central import db
from central.api.access import managed_site
from central.api.deps import AdminUser, NowDep, SessionDep, StaffUser, StateDep
from central.api.schemas import (
    GateIn,
    GateOut,
    InstitutionIn,
    ProductIn,
    ProductOut,
    ResidentIn,
    ResidentOut,
    SiteIn,
    SiteOut,
    TokenIn,
    TokenOut,
)
from central.core.security import create_token
from central.distribution.bundles import issue_bundle
from central.errors import ConflictError, NotFoundError

router = APIRouter(tags=["set-up"])


def _new(session: Session, model: type[db.Base], key: object, row: db.Base) -> None:
    if session.get(model, key) is not None:
        raise ConflictError(f"{model.__tablename__} {key!r} already exists")
    session.add(row)
    session.flush()


@router.post("/institutions", status_code=201)
def create_institution(body: InstitutionIn, session: SessionDep, user: AdminUser,
                       now: NowDep) -> InstitutionIn:
    _new(session, db.Institution, body.id, db.Institution(id=body.id, name=body.name, created_at=now))
    return body


@router.post("/sites", response_model=SiteOut, status_code=201)
def create_site(body: SiteIn, session: SessionDep, state: StateDep, user: AdminUser, now: NowDep) -> db.Site:
    """Create a site and publish its first (empty) bundle."""
    if session.get(db.Institution, body.institution_id) is None:
        raise NotFoundError("institution", body.institution_id)
    site = db.Site(**body.model_dump(), created_at=now)
    _new(session, db.Site, body.id, site)
    issue_bundle(session, site.id, state.signer, now)
    return site


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(body: ProductIn, session: SessionDep, user: StaffUser, now: NowDep) -> db.Product:
    managed_site(session, user, body.site_id)
    product = db.Product(**body.model_dump(exclude={"windows"}), created_at=now,
                         windows=[w.model_dump(mode="json") for w in body.windows])
    _new(session, db.Product, body.id, product)
    return product


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
def create_resident(body: ResidentIn, session: SessionDep, user: StaffUser, now: NowDep) -> db.Resident:
    resident = db.Resident(id=f"r-{uuid.uuid4().hex[:16]}", created_at=now, **body.model_dump())
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

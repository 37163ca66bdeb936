"""Signing and changing contracts: validity, capacity, and a new bundle on every change.

Capacity holds under concurrency: the product row is locked (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite transactions are single-writer from BEGIN) before
the active contracts are counted, so two signings for the last place cannot both
see it free.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import db
from central.core.config import capacity_limit
from central.core.security import Principal, Role
from central.distribution.bundles import Signer, issue_bundle
from central.errors import CapacityError, ConflictError, ForbiddenError, NotFoundError
from shared import ContractStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContractRules:
    oversubscription: float = 1.0
    max_validity_days: int = 366


@dataclass(frozen=True)
class SignRequest:
    product_id: str
    plates: tuple[str, ...]  # already normalised and checked against the plate grammar
    valid_from: date
    valid_to: date
    resident_id: str | None = None  # residents sign for themselves


def local_today(site: db.Site, now: datetime) -> date:
    return now.astimezone(ZoneInfo(site.timezone)).date()


def active_count(session: Session, product_id: str, today: date) -> int:
    return session.scalar(select(func.count()).select_from(db.Contract).where(
        db.Contract.product_id == product_id, db.Contract.status == ContractStatus.ACTIVE.value,
        db.Contract.valid_to >= today)) or 0


def _locked_product(session: Session, product_id: str) -> db.Product:
    product = session.scalars(select(db.Product).where(db.Product.id == product_id).with_for_update()).first()
    if product is None:
        raise NotFoundError("product", product_id)
    return product


def _check_capacity(session: Session, product: db.Product, today: date, rules: ContractRules) -> None:
    limit = capacity_limit(product.quota, rules.oversubscription)
    if active_count(session, product.id, today) >= limit:
        raise CapacityError(f"product {product.id} is full ({limit} active contracts)")


def _check_validity(request: SignRequest, today: date, rules: ContractRules) -> None:
    if request.valid_from < today:
        raise ConflictError(f"valid_from {request.valid_from} is in the past (today is {today})")
    if request.valid_to < request.valid_from:
        raise ConflictError("valid_to is before valid_from")
    if (request.valid_to - request.valid_from).days >= rules.max_validity_days:
        raise ConflictError(f"a contract may last at most {rules.max_validity_days} days")


def _check_plates_free(session: Session, site_id: str, request: SignRequest, exclude: str = "") -> None:
    for plate in request.plates:
        clash = session.scalars(select(db.Contract.id).where(
            db.Contract.site_id == site_id, db.Contract.id != exclude,
            db.Contract.status != ContractStatus.CANCELLED.value,
            db.Contract.plates.contains(f"|{plate}|"),
            db.Contract.valid_from <= request.valid_to, db.Contract.valid_to >= request.valid_from)).first()
        if clash is not None:
            raise ConflictError(f"plate {plate} already holds contract {clash} at this site")


def _holder(session: Session, principal: Principal, request: SignRequest) -> str:
    if principal.role is Role.RESIDENT:
        if request.resident_id not in (None, principal.resident_id):
            raise ForbiddenError("a resident signs only for themselves")
        assert principal.resident_id is not None
        return principal.resident_id
    if request.resident_id is None or session.get(db.Resident, request.resident_id) is None:
        raise NotFoundError("resident", request.resident_id or "")
    return request.resident_id


def sign_contract(session: Session, principal: Principal, request: SignRequest, signer: Signer,
                  rules: ContractRules, now: datetime) -> db.Contract:
    product = _locked_product(session, request.product_id)
    site = session.get(db.Site, product.site_id)
    assert site is not None
    if principal.role is not Role.RESIDENT and not principal.may_manage_site(site):
        raise ForbiddenError(f"not allowed to sign at site {site.id}")
    if not product.on_sale:
        raise ConflictError(f"product {product.id} is not on sale")
    holder = _holder(session, principal, request)
    today = local_today(site, now)
    _check_validity(request, today, rules)
    _check_plates_free(session, site.id, request)
    _check_capacity(session, product, today, rules)
    contract = db.Contract(
        id=f"c-{uuid.uuid4().hex[:16]}", site_id=site.id, product_id=product.id, resident_id=holder,
        plates=db.plates_column(list(request.plates)), valid_from=request.valid_from,
        valid_to=request.valid_to, status=ContractStatus.ACTIVE.value, version=1,
        created_at=now, updated_at=now)
    session.add(contract)
    session.flush()
    issue_bundle(session, site.id, signer, now)
    logger.info("contract %s signed for product %s", contract.id, product.id)
    return contract


def visible_contract(session: Session, principal: Principal, contract_id: str,
                     lock: bool = False) -> tuple[db.Contract, db.Site]:
    query = select(db.Contract).where(db.Contract.id == contract_id)
    contract = session.scalars(query.with_for_update() if lock else query).first()
    site = session.get(db.Site, contract.site_id) if contract is not None else None
    if contract is None or site is None or not principal.may_see_contract(contract, site):
        raise NotFoundError("contract", contract_id)
    return contract, site


# Allowed status changes: action -> (from statuses, to status, who may)
_TRANSITIONS = {
    "cancel": ({"active", "suspended"}, ContractStatus.CANCELLED, {Role.ADMIN, Role.OPERATOR, Role.RESIDENT}),
    "suspend": ({"active"}, ContractStatus.SUSPENDED, {Role.ADMIN, Role.OPERATOR}),
    "reinstate": ({"suspended"}, ContractStatus.ACTIVE, {Role.ADMIN, Role.OPERATOR}),
}


def change_status(session: Session, principal: Principal, contract_id: str, action: str, signer: Signer,
                  rules: ContractRules, now: datetime) -> db.Contract:
    allowed_from, target, roles = _TRANSITIONS[action]
    contract, site = visible_contract(session, principal, contract_id)
    if principal.role not in roles:
        raise ForbiddenError(f"role {principal.role} may not {action} a contract")
    if target is ContractStatus.ACTIVE:  # lock the product before re-reading the contract
        product = _locked_product(session, contract.product_id)
        contract, site = visible_contract(session, principal, contract_id, lock=True)
    if contract.status not in allowed_from:
        raise ConflictError(f"cannot {action} a contract that is {contract.status}")
    if target is ContractStatus.ACTIVE:
        _check_capacity(session, product, local_today(site, now), rules)
    _bump(contract, now, status=target.value)
    issue_bundle(session, site.id, signer, now)
    logger.info("contract %s: %s", contract.id, action)
    return contract


def change_product(session: Session, principal: Principal, contract_id: str, product_id: str,
                   signer: Signer, rules: ContractRules, now: datetime) -> db.Contract:
    principal.require(Role.ADMIN, Role.OPERATOR)
    product = _locked_product(session, product_id)
    contract, site = visible_contract(session, principal, contract_id, lock=True)
    if product.site_id != contract.site_id:
        raise ConflictError("a contract moves only to a product of the same site")
    if contract.status == ContractStatus.CANCELLED.value:
        raise ConflictError("cannot change the product of a cancelled contract")
    if contract.product_id != product.id and contract.status == ContractStatus.ACTIVE.value:
        _check_capacity(session, product, local_today(site, now), rules)
    _bump(contract, now, product_id=product.id)
    issue_bundle(session, site.id, signer, now)
    return contract


def _bump(contract: db.Contract, now: datetime, **changes: str) -> None:
    for name, value in changes.items():
        setattr(contract, name, value)
    contract.version += 1
    contract.updated_at = now

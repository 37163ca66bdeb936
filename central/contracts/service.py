"""Signing and changing contracts: validity, capacity, one contract per plate, a new bundle on every change.

Signing, reinstating and moving a contract lock the site row first
(``capacity.lock_site``), so the capacity count and the one-plate-per-site check see
every other signing for that site committed or not started. A contract keeps the
tariff its product had when it was signed (price changes apply to new contracts).
Cancelling records when and the day it takes effect: nothing is billed after that day
(docs/billing.md).

A contract signed through an order (``SignRequest.prepaid``) is made ``pending_payment``: it
holds its place and its plate but is in no bundle until ``activate_paid``; unpaid, it is
``lapse_unpaid``-ed and holds nothing. Its monthly fee is paid ahead by its orders, so the
contract keeps a monthly fee of 0 (statements bill its usage and overstay only).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.capacity import check_place_free, lock_site
from central.core.security import Principal, Role, visible_site_ids
from central.distribution.bundles import Signer, issue_bundle
from central.errors import ConflictError, ForbiddenError, NotFoundError, PlateTakenError
from central.listing import Page, PageRequest, page_of
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
    prepaid: bool = False  # through an order: pending_payment until paid, the fee paid ahead


def local_today(site: db.Site, now: datetime) -> date:
    return now.astimezone(ZoneInfo(site.timezone)).date()


def tariff_columns(product: db.Product) -> dict[str, int | None]:
    """The product's current prices, as a new contract keeps them."""
    return {name: getattr(product, name) for name in db.TARIFF_COLUMNS}


def _product_for_sale(session: Session, product_id: str) -> tuple[db.Product, db.Site]:
    product = session.get(db.Product, product_id)
    if product is None:
        raise NotFoundError("product", product_id)
    site = lock_site(session, product.site_id)
    session.refresh(product)  # as committed before the lock was granted
    return product, site


def _check_validity(request: SignRequest, today: date, rules: ContractRules) -> None:
    if request.valid_from < today:
        raise ConflictError(f"valid_from {request.valid_from} is in the past (today is {today})")
    if request.valid_to < request.valid_from:
        raise ConflictError("valid_to is before valid_from")
    if (request.valid_to - request.valid_from).days >= rules.max_validity_days:
        raise ConflictError(f"a contract may last at most {rules.max_validity_days} days")


def _check_plates_free(session: Session, site_id: str, plates: tuple[str, ...], first: date, last: date,
                       now: datetime, other_than: str = "") -> None:
    """One contract per plate per site at a time; no contract for a blacklisted or an own vehicle."""
    for plate in plates:
        clash = session.scalars(select(db.Contract.id).where(
            db.Contract.site_id == site_id, db.Contract.id != other_than,
            db.Contract.status.not_in(db.RELEASED),
            db.Contract.plates.contains(f"|{plate}|"),
            db.Contract.valid_from <= last, db.Contract.valid_to >= first)).first()
        if clash is not None:
            raise PlateTakenError(f"plate {plate} already holds contract {clash} at this site")
        if session.scalars(select(db.OwnVehicle.id).where(
                db.OwnVehicle.site_id == site_id, db.OwnVehicle.plate == plate)).first() is not None:
            raise PlateTakenError(f"plate {plate} is one of the institution's own vehicles at this site")
        banned = session.scalars(select(db.BlacklistEntry).where(
            db.BlacklistEntry.site_id == site_id, db.BlacklistEntry.plate == plate)).first()
        if banned is not None and (banned.until is None or banned.until > now):
            raise PlateTakenError(f"plate {plate} is blacklisted at this site: {banned.reason}")


def _holder(session: Session, principal: Principal, request: SignRequest) -> str:
    if principal.role is Role.RESIDENT:
        if request.resident_id not in (None, principal.resident_id):
            raise ForbiddenError("a resident signs only for themselves")
        if not request.prepaid:
            raise ForbiddenError("a resident signs through an order and pays for it first (POST /orders)")
        assert principal.resident_id is not None
        return principal.resident_id
    if request.resident_id is None or session.get(db.Resident, request.resident_id) is None:
        raise NotFoundError("resident", request.resident_id or "")
    return request.resident_id


def _check_on_sale(site: db.Site, product: db.Product) -> None:
    if site.closed_at is not None:
        raise ConflictError(f"site {site.id} is closed")
    if not product.on_sale:
        raise ConflictError(f"product {product.id} is not on sale")


def sign_contract(session: Session, principal: Principal, request: SignRequest, signer: Signer,
                  rules: ContractRules, now: datetime) -> db.Contract:
    product, site = _product_for_sale(session, request.product_id)
    if principal.role is not Role.RESIDENT and not principal.may_manage_site(site):
        raise ForbiddenError(f"not allowed to sign at site {site.id}")
    _check_on_sale(site, product)
    holder = _holder(session, principal, request)
    today = local_today(site, now)
    _check_validity(request, today, rules)
    _check_plates_free(session, site.id, request.plates, request.valid_from, request.valid_to, now)
    check_place_free(session, site, product, today, rules.oversubscription)
    state = db.ContractState.PENDING_PAYMENT if request.prepaid else db.ContractState.ACTIVE
    tariff = {**tariff_columns(product), **({"monthly_fee_fen": 0} if request.prepaid else {})}
    contract = db.Contract(
        id=f"c-{uuid.uuid4().hex[:16]}", site_id=site.id, product_id=product.id, resident_id=holder,
        plates=db.plates_column(list(request.plates)), valid_from=request.valid_from,
        valid_to=request.valid_to, status=state.value, version=1,
        created_at=now, updated_at=now, **tariff)
    session.add(contract)
    session.flush()
    if not request.prepaid:  # a pending contract goes to the gate when it is paid
        issue_bundle(session, site.id, signer, now)
    logger.info("contract %s signed for product %s (%s)", contract.id, product.id, state.value)
    return contract


def activate_paid(session: Session, contract_id: str, signer: Signer, now: datetime) -> db.Contract:
    """Its order is paid: the pending contract becomes active and goes to the gate (a new bundle)."""
    contract = _locked(session, contract_id)
    if contract.status != db.ContractState.PENDING_PAYMENT.value:
        raise ConflictError(f"contract {contract_id} is {contract.status}, not awaiting payment")
    _bump(contract, now, status=ContractStatus.ACTIVE.value)
    issue_bundle(session, contract.site_id, signer, now)
    logger.info("contract %s paid: active", contract.id)
    return contract


def extend_paid(session: Session, contract_id: str, valid_to: date, signer: Signer,
                now: datetime) -> db.Contract:
    """A renewal is paid: the contract runs to ``valid_to`` (a new bundle tells the gate)."""
    contract = _locked(session, contract_id)
    if contract.status not in (ContractStatus.ACTIVE.value, ContractStatus.SUSPENDED.value):
        raise ConflictError(f"contract {contract_id} is {contract.status}: it cannot be extended")
    _bump(contract, now, valid_to=max(contract.valid_to, valid_to))
    issue_bundle(session, contract.site_id, signer, now)
    logger.info("contract %s extended to %s", contract.id, contract.valid_to)
    return contract


def lapse_unpaid(session: Session, contract_id: str, now: datetime) -> db.Contract:
    """Its order was never paid: the pending contract holds nothing any more (it was at no gate)."""
    contract = _locked(session, contract_id)
    if contract.status != db.ContractState.PENDING_PAYMENT.value:
        raise ConflictError(f"contract {contract_id} is {contract.status}, not awaiting payment")
    _bump(contract, now, status=db.ContractState.LAPSED.value)
    return contract


def check_extension(session: Session, contract: db.Contract, valid_to: date, rules: ContractRules,
                    now: datetime) -> None:
    """ConflictError unless the contract may run to ``valid_to``: no further ahead than
    ``max_validity_days`` from today, and its plates free at the site for the added days."""
    site = session.get_one(db.Site, contract.site_id)
    today = local_today(site, now)
    if (valid_to - today).days >= rules.max_validity_days:
        raise ConflictError(f"a contract may run at most {rules.max_validity_days} days ahead")
    _check_plates_free(session, site.id, tuple(contract.plate_list), contract.valid_to + timedelta(days=1),
                       valid_to, now, other_than=contract.id)


def _locked(session: Session, contract_id: str) -> db.Contract:
    contract = session.scalars(select(db.Contract).where(db.Contract.id == contract_id).with_for_update()
                               .execution_options(populate_existing=True)).first()
    if contract is None:
        raise NotFoundError("contract", contract_id)
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
                  rules: ContractRules, now: datetime, effective_on: date | None = None) -> db.Contract:
    """cancel, suspend or reinstate; ``effective_on`` is a cancellation's day (default: today, site-local)."""
    allowed_from, target, roles = _TRANSITIONS[action]
    contract, site = visible_contract(session, principal, contract_id)
    if principal.role not in roles:
        raise ForbiddenError(f"role {principal.role} may not {action} a contract")
    if target is ContractStatus.ACTIVE:  # lock the site before re-reading the contract
        site = lock_site(session, site.id)
        contract, site = visible_contract(session, principal, contract_id, lock=True)
    if contract.status not in allowed_from:
        raise ConflictError(f"cannot {action} a contract that is {contract.status}")
    if target is ContractStatus.ACTIVE:
        product = session.get_one(db.Product, contract.product_id)
        check_place_free(session, site, product, local_today(site, now), rules.oversubscription)
    if target is ContractStatus.CANCELLED:
        _record_cancellation(principal, contract, site, effective_on, now)
    _bump(contract, now, status=target.value)
    issue_bundle(session, site.id, signer, now)
    logger.info("contract %s: %s", contract.id, action)
    return contract


def _record_cancellation(principal: Principal, contract: db.Contract, site: db.Site,
                         effective_on: date | None, now: datetime) -> None:
    """The day a cancellation takes effect is the contract's last: today, or earlier (staff only)."""
    today = local_today(site, now)
    day = today if effective_on is None else effective_on
    if day > today:
        raise ConflictError(f"effective_on {day}: a cancellation takes effect today ({today}) or earlier")
    if day < today and principal.role is Role.RESIDENT:
        raise ForbiddenError("a resident's cancellation takes effect today; ask the operator to backdate it")
    signed_on = local_today(site, contract.created_at)
    if day < signed_on:
        raise ConflictError(f"effective_on {day} is before the contract was signed ({signed_on})")
    contract.cancelled_at = now
    contract.ends_on = day


def change_product(session: Session, principal: Principal, contract_id: str, product_id: str,
                   signer: Signer, rules: ContractRules, now: datetime) -> db.Contract:
    """Move a contract to another product of its site; it takes that product's current tariff."""
    principal.require(Role.ADMIN, Role.OPERATOR)
    contract, site = visible_contract(session, principal, contract_id)
    site = lock_site(session, site.id)
    contract, site = visible_contract(session, principal, contract_id, lock=True)
    product = session.get(db.Product, product_id)
    if product is None:
        raise NotFoundError("product", product_id)
    if product.site_id != contract.site_id:
        raise ConflictError("a contract moves only to a product of the same site")
    if contract.status not in (ContractStatus.ACTIVE.value, ContractStatus.SUSPENDED.value):
        raise ConflictError(f"cannot change the product of a {contract.status} contract")
    if contract.product_id != product.id and contract.status == ContractStatus.ACTIVE.value:
        check_place_free(session, site, product, local_today(site, now), rules.oversubscription,
                         moving_within_site=True)
    tariff = tariff_columns(product)
    if _prepaid(session, contract):  # its terms are paid ahead through orders, whatever the product
        tariff["monthly_fee_fen"] = 0
    _bump(contract, now, product_id=product.id, **tariff)
    issue_bundle(session, site.id, signer, now)
    return contract


def _prepaid(session: Session, contract: db.Contract) -> bool:
    """Signed through an order: its monthly fee is paid ahead, never billed on a statement."""
    return session.scalars(select(db.Order.id).where(db.Order.contract_id == contract.id)).first() is not None


def _bump(contract: db.Contract, now: datetime, **changes: object) -> None:
    for name, value in changes.items():
        setattr(contract, name, value)
    contract.version += 1
    contract.updated_at = now


@dataclass(frozen=True)
class ContractFilter:
    site_id: str | None = None
    product_id: str | None = None
    resident_id: str | None = None
    plate: str | None = None  # normalised
    status: db.ContractState | None = None


def list_contracts(session: Session, principal: Principal, page: PageRequest,
                   where: ContractFilter = ContractFilter()) -> Page[db.Contract]:
    """Contracts the caller may see (residents: their own; operators: their institution's), oldest first."""
    query = select(db.Contract).order_by(db.Contract.created_at, db.Contract.id)
    if principal.role is Role.RESIDENT:
        query = query.where(db.Contract.resident_id == principal.resident_id)
    elif (sites := visible_site_ids(principal)) is not None:
        query = query.where(db.Contract.site_id.in_(sites))
    for column, value in ((db.Contract.site_id, where.site_id), (db.Contract.product_id, where.product_id),
                          (db.Contract.resident_id, where.resident_id)):
        if value is not None:
            query = query.where(column == value)
    if where.plate is not None:
        query = query.where(db.Contract.plates.contains(f"|{where.plate}|", autoescape=True))
    if where.status is not None:
        query = query.where(db.Contract.status == where.status.value)
    return page_of(session, query, page)

"""Setting up and changing institutions, sites and products; listing them.

The rules (docs/central.md):

- A site's spaces: ``total_spaces`` >= ``shared_capacity`` + ``reserved_spaces``. Its
  products' quotas never exceed its shared spaces, and its shared spaces (and a product's
  quota) never drop below what the contracts already hold (x oversubscription).
- A product's prices are those of new contracts: a signed contract keeps its tariff.
  Windows and the minimum stay cannot change (they are what the gate applies to every
  contract); sell a new product and move contracts to it instead.
- Closing a site or a product stops sales for good; signed contracts run to their end.
- Every change the gates must know (spaces, name, timezone) re-signs the site's bundle.

Every change locks the site row, as signing does (``contracts.capacity.lock_site``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import db
from central.contracts.capacity import capacity_limit, lock_site, places_taken
from central.contracts.service import local_today
from central.core.security import Principal, Role
from central.distribution.bundles import Signer, issue_bundle
from central.errors import ConflictError, NotFoundError
from central.listing import Page, PageRequest, page_of

logger = logging.getLogger(__name__)

SITE_FIELDS = frozenset({"name", "address", "lat", "lon", "timezone", "shared_capacity", "total_spaces",
                         "reserved_spaces", "hourly_rate_fen", "refund_unused"})
PRODUCT_FIELDS = frozenset({"name", "quota", "on_sale", "refund_unused", *db.TARIFF_COLUMNS})


def create_institution(session: Session, institution_id: str, name: str, now: datetime) -> db.Institution:
    if session.get(db.Institution, institution_id) is not None:
        raise ConflictError(f"institution {institution_id!r} already exists")
    institution = db.Institution(id=institution_id, name=name, created_at=now)
    session.add(institution)
    session.flush()
    return institution


def create_site(session: Session, values: Mapping[str, Any], signer: Signer, now: datetime) -> db.Site:
    """A new site (admins) and its first, empty bundle. ``total_spaces`` defaults to shared + reserved."""
    if session.get(db.Institution, values["institution_id"]) is None:
        raise NotFoundError("institution", values["institution_id"])
    if session.get(db.Site, values["id"]) is not None:
        raise ConflictError(f"site {values['id']!r} already exists")
    fields = dict(values)
    if fields.get("total_spaces") is None:
        fields["total_spaces"] = fields["shared_capacity"] + fields.get("reserved_spaces", 0)
    site = db.Site(**fields, created_at=now)
    _check_spaces(site)
    session.add(site)
    session.flush()
    issue_bundle(session, site.id, signer, now)
    logger.info("site %s created: %s shared of %s spaces", site.id, site.shared_capacity, site.total_spaces)
    return site


def create_managed_site(session: Session, principal: Principal, values: Mapping[str, Any], signer: Signer,
                        now: datetime) -> db.Site:
    """A new site for an admin (any institution) or an operator (their own institution only: another
    one is not found, as its sites are not)."""
    principal.require(Role.ADMIN, Role.OPERATOR)
    if principal.role is Role.OPERATOR and values["institution_id"] != principal.institution_id:
        raise NotFoundError("institution", values["institution_id"])
    return create_site(session, values, signer, now)


def managed_site(session: Session, principal: Principal, site_id: str, lock: bool = False) -> db.Site:
    """The site, if the caller manages it; unknown and foreign sites look the same (404)."""
    site = session.get(db.Site, site_id)
    if site is None or not principal.may_manage_site(site):
        raise NotFoundError("site", site_id)
    return lock_site(session, site_id) if lock else site


def update_site(session: Session, principal: Principal, site_id: str, changes: Mapping[str, Any],
                oversubscription: float, signer: Signer, now: datetime) -> db.Site:
    """Change a site's name, place, spaces, hourly rate or refund rule; its bundle is re-signed."""
    site = managed_site(session, principal, site_id, lock=True)
    _set(site, changes, SITE_FIELDS)
    _check_spaces(site)
    quotas = session.scalars(select(db.Product).where(
        db.Product.site_id == site.id, db.Product.quota > site.shared_capacity,
        db.Product.closed_at.is_(None)))
    too_big = [f"{p.id} ({p.quota})" for p in quotas]
    if too_big:
        raise ConflictError(f"shared_capacity {site.shared_capacity}: lower these products' quotas first: "
                            f"{', '.join(too_big)}")
    taken = places_taken(session, site.id, local_today(site, now))
    if capacity_limit(site.shared_capacity, oversubscription) < taken:
        raise ConflictError(f"shared_capacity {site.shared_capacity}: {taken} contracts already hold places")
    session.flush()
    issue_bundle(session, site.id, signer, now)
    return site


def close_site(session: Session, principal: Principal, site_id: str, now: datetime) -> db.Site:
    """Stop selling at a site for good: its products close, its signed contracts run to their end."""
    site = managed_site(session, principal, site_id, lock=True)
    if site.closed_at is None:
        site.closed_at = now
    for product in session.scalars(select(db.Product).where(db.Product.site_id == site.id)):
        _close(product, now)
    session.flush()
    logger.info("site %s closed", site.id)
    return site


def _check_spaces(site: db.Site) -> None:
    if site.shared_capacity + site.reserved_spaces > site.total_spaces:
        raise ConflictError(f"total_spaces {site.total_spaces} is less than shared_capacity "
                            f"{site.shared_capacity} + reserved_spaces {site.reserved_spaces}")


def create_product(session: Session, principal: Principal, values: Mapping[str, Any],
                   now: datetime) -> db.Product:
    """A product of an open site; its quota fits the site's shared spaces; overstay defaults to the
    site's hourly rate."""
    site = managed_site(session, principal, values["site_id"], lock=True)
    if site.closed_at is not None:
        raise ConflictError(f"site {site.id} is closed")
    if session.get(db.Product, values["id"]) is not None:
        raise ConflictError(f"product {values['id']!r} already exists")
    fields = dict(values)
    if fields.get("overstay_rate_fen") is None:
        fields["overstay_rate_fen"] = site.hourly_rate_fen
    product = db.Product(**fields, created_at=now)
    _check_quota(site, product.quota)
    session.add(product)
    session.flush()
    return product


def managed_product(session: Session, principal: Principal, product_id: str,
                    lock: bool = False) -> tuple[db.Product, db.Site]:
    product = session.get(db.Product, product_id)
    site = None if product is None else session.get(db.Site, product.site_id)
    if product is None or site is None or not principal.may_manage_site(site):
        raise NotFoundError("product", product_id)
    return product, (lock_site(session, site.id) if lock else site)


def update_product(session: Session, principal: Principal, product_id: str, changes: Mapping[str, Any],
                   oversubscription: float, now: datetime) -> db.Product:
    """Change a product's name, quota, sale or prices; prices apply to contracts signed from now on."""
    product, site = managed_product(session, principal, product_id, lock=True)
    if product.closed_at is not None:
        raise ConflictError(f"product {product.id} is closed")
    _set(product, changes, PRODUCT_FIELDS)
    _check_quota(site, product.quota)
    taken = places_taken(session, site.id, local_today(site, now), product.id)
    if capacity_limit(product.quota, oversubscription) < taken:
        raise ConflictError(f"quota {product.quota}: {taken} contracts of product {product.id} already "
                            "hold places")
    if product.on_sale and site.closed_at is not None:
        raise ConflictError(f"site {site.id} is closed")
    session.flush()
    return product


def close_product(session: Session, principal: Principal, product_id: str, now: datetime) -> db.Product:
    product, _ = managed_product(session, principal, product_id, lock=True)
    _close(product, now)
    session.flush()
    return product


def _close(product: db.Product, now: datetime) -> None:
    product.on_sale = False
    if product.closed_at is None:
        product.closed_at = now


def _check_quota(site: db.Site, quota: int) -> None:
    if quota > site.shared_capacity:
        raise ConflictError(f"quota {quota} is more than site {site.id}'s {site.shared_capacity} "
                            "shared spaces")


def _set(row: db.Base, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ConflictError(f"cannot change {', '.join(unknown)}")
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise ConflictError(f"{name}: cannot be null")
        setattr(row, name, value)


_NULLABLE = frozenset({"daily_cap_fen"})


def list_sites(session: Session, principal: Principal, page: PageRequest, institution_id: str | None = None,
               name: str | None = None, include_closed: bool = True) -> Page[db.Site]:
    """Sites the caller manages (admins: all), by id; ``name`` matches part of the name."""
    query = select(db.Site).order_by(db.Site.id)
    if principal.role is not Role.ADMIN:
        query = query.where(db.Site.institution_id == (principal.institution_id or ""))
    if institution_id is not None:
        query = query.where(db.Site.institution_id == institution_id)
    if name:
        query = query.where(db.Site.name.contains(name, autoescape=True))
    if not include_closed:
        query = query.where(db.Site.closed_at.is_(None))
    return page_of(session, query, page)


def list_products(session: Session, principal: Principal, page: PageRequest, site_id: str | None = None,
                  on_sale: bool | None = None) -> Page[db.Product]:
    """Products at the sites the caller manages, by site and id."""
    query = select(db.Product).join(db.Site, db.Site.id == db.Product.site_id).order_by(
        db.Product.site_id, db.Product.id)
    if principal.role is not Role.ADMIN:
        query = query.where(db.Site.institution_id == (principal.institution_id or ""))
    if site_id is not None:
        query = query.where(db.Product.site_id == site_id)
    if on_sale is not None:
        query = query.where(db.Product.on_sale.is_(on_sale))
    return page_of(session, query, page)


@dataclass(frozen=True, slots=True)
class InstitutionSummary:
    institution: db.Institution
    sites: int
    operators: int


def list_institutions(session: Session, principal: Principal) -> list[InstitutionSummary]:
    """Every institution (admins) or the caller's own, by id, with how many sites and operators it has."""
    principal.require(Role.ADMIN, Role.OPERATOR)
    sites = select(db.Site.institution_id, func.count().label("n")).group_by(
        db.Site.institution_id).subquery()
    staff = select(db.StaffAccount.institution_id, func.count().label("n")).where(
        db.StaffAccount.disabled_at.is_(None)).group_by(db.StaffAccount.institution_id).subquery()
    query = (select(db.Institution, func.coalesce(sites.c.n, 0).label("sites"),
                    func.coalesce(staff.c.n, 0).label("operators"))
             .outerjoin(sites, sites.c.institution_id == db.Institution.id)
             .outerjoin(staff, staff.c.institution_id == db.Institution.id)
             .order_by(db.Institution.id))
    if principal.role is not Role.ADMIN:
        query = query.where(db.Institution.id == (principal.institution_id or ""))
    return [InstitutionSummary(row.Institution, row.sites, row.operators) for row in session.execute(query)]

"""How many contract places a site and its products have, how many are taken, and the site lock.

A site shares ``shared_capacity`` spaces off-peak. Its products' quotas may not exceed that,
and the contracts holding a place, over all its products, never exceed shared spaces x
``contracts.oversubscription``; each product also stays within its quota x the same factor.
``places_taken`` is the one count every check and every figure shown to residents uses.

Signing, reinstating and moving a contract first lock the site row (``SELECT ... FOR UPDATE``
on PostgreSQL; an SQLite transaction holds the single write lock from BEGIN IMMEDIATE,
``central/db/session.py``), so two of them for the same site run one after the other: the
capacity count and the one-plate-per-site check cannot both pass for the last place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import db
from central.errors import CapacityError, NotFoundError


def capacity_limit(spaces: int, oversubscription: float) -> int:
    """Contracts that ``spaces`` places may hold: spaces x oversubscription, rounded down."""
    return math.floor(spaces * oversubscription + 1e-9)


def lock_site(session: Session, site_id: str) -> db.Site:
    """The site row, locked for the rest of the transaction: signings for one site queue here."""
    site = session.scalars(select(db.Site).where(db.Site.id == site_id).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if site is None:
        raise NotFoundError("site", site_id)
    return site


def places_taken(session: Session, site_id: str, today: date, product_id: str | None = None) -> int:
    """Places held at a site (or by one of its products): active contracts that have not ended,
    and contracts whose order is still awaiting payment (``pending_payment``, until it lapses).

    A contract holds its place from signing, also before its first day; a suspended,
    cancelled or lapsed one does not (reinstating checks the capacity again).
    """
    query = select(func.count()).select_from(db.Contract).where(
        db.Contract.site_id == site_id, db.Contract.status.in_(db.HOLDS_PLACE),
        db.Contract.valid_to >= today)
    if product_id is not None:
        query = query.where(db.Contract.product_id == product_id)
    return session.scalar(query) or 0


@dataclass(frozen=True, slots=True)
class Places:
    """A product's places left, never more than the site's."""

    site_limit: int
    site_taken: int
    product_limit: int
    product_taken: int

    @property
    def site_left(self) -> int:
        return max(0, self.site_limit - self.site_taken)

    @property
    def left(self) -> int:
        return max(0, min(self.site_left, self.product_limit - self.product_taken))


def site_places_left(session: Session, site: db.Site, today: date, oversubscription: float) -> int:
    """Contracts the site can still take, whatever the product: the figure residents see."""
    limit = capacity_limit(site.shared_capacity, oversubscription)
    return max(0, limit - places_taken(session, site.id, today))


def places(session: Session, site: db.Site, product: db.Product, today: date,
           oversubscription: float) -> Places:
    return Places(capacity_limit(site.shared_capacity, oversubscription),
                  places_taken(session, site.id, today),
                  capacity_limit(product.quota, oversubscription),
                  places_taken(session, site.id, today, product.id))


def check_place_free(session: Session, site: db.Site, product: db.Product, today: date,
                     oversubscription: float, moving_within_site: bool = False) -> None:
    """CapacityError unless one more contract fits the site and the product (a contract moving
    between products of the site already holds its site place). Call under ``lock_site``."""
    found = places(session, site, product, today, oversubscription)
    if found.site_left <= 0 and not moving_within_site:
        raise CapacityError(f"site {site.id} is full: {found.site_taken} contracts hold its "
                            f"{site.shared_capacity} shared spaces (limit {found.site_limit})")
    if found.product_limit - found.product_taken <= 0:
        raise CapacityError(f"product {product.id} is full ({found.product_limit} active contracts)")

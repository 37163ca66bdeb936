"""What residents are shown: sites near a point, their products, the places left and tonight's free places.

Places left are the site-wide figure (``contracts.capacity``): a product never shows more
than its site can still take, whatever its own quota. Closed sites are not shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.capacity import places, site_places_left
from central.contracts.service import local_today
from central.errors import NotFoundError
from central.occupancy import shared_places

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class ProductOffer:
    product: db.Product
    places_left: int


@dataclass(frozen=True)
class SiteOffer:
    """A site as residents see it: its products on sale, the places left, tonight's free shared places."""

    site: db.Site
    offers: list[ProductOffer]
    places_left: int
    free_tonight: int


@dataclass(frozen=True)
class NearbySite:
    site: db.Site
    distance_m: float
    offers: list[ProductOffer]
    places_left: int
    free_tonight: int


def sites_near(session: Session, lat: float, lon: float, radius_m: float, now: datetime,
               limit: int, oversubscription: float) -> list[NearbySite]:
    """Open sites within ``radius_m``, nearest first, with the products on sale there."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    candidates = session.scalars(select(db.Site).where(db.Site.lat.between(lat - dlat, lat + dlat),
                                                       db.Site.closed_at.is_(None))).all()
    found = sorted(((distance_m(lat, lon, s.lat, s.lon), s) for s in candidates), key=lambda p: p[0])
    within = [(dist, site) for dist, site in found if dist <= radius_m][:limit]
    near = []
    for dist, site in within:
        offer = site_offer(session, site, now, oversubscription)
        near.append(NearbySite(site, dist, offer.offers, offer.places_left, offer.free_tonight))
    return near


def open_site(session: Session, site_id: str) -> db.Site:
    """A site residents may see: closed and unknown sites are not found."""
    site = session.get(db.Site, site_id)
    if site is None or site.closed_at is not None:
        raise NotFoundError("site", site_id)
    return site


def site_offer(session: Session, site: db.Site, now: datetime, oversubscription: float) -> SiteOffer:
    return SiteOffer(site, offers(session, site, now, oversubscription),
                     site_places_left(session, site, local_today(site, now), oversubscription),
                     shared_places(session, site).free)


def offers(session: Session, site: db.Site, now: datetime, oversubscription: float) -> list[ProductOffer]:
    """The site's products on sale, each with its places left (never more than the site's)."""
    products = session.scalars(select(db.Product).where(db.Product.site_id == site.id, db.Product.on_sale)
                               .order_by(db.Product.id)).all()
    today = local_today(site, now)
    return [ProductOffer(p, places(session, site, p, today, oversubscription).left) for p in products]

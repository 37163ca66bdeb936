"""What the seed app shows: sites near a point, their products and the places left."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.service import active_count, local_today
from central.core.config import capacity_limit

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
class NearbySite:
    site: db.Site
    distance_m: float
    offers: list[ProductOffer]


def sites_near(session: Session, lat: float, lon: float, radius_m: float, now: datetime,
               limit: int, oversubscription: float) -> list[NearbySite]:
    """Sites within ``radius_m``, nearest first, with the products on sale there."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    candidates = session.scalars(select(db.Site).where(db.Site.lat.between(lat - dlat, lat + dlat))).all()
    found = sorted(((distance_m(lat, lon, s.lat, s.lon), s) for s in candidates), key=lambda p: p[0])
    within = [(dist, site) for dist, site in found if dist <= radius_m][:limit]
    return [NearbySite(site, dist, offers(session, site, now, oversubscription)) for dist, site in within]


def offers(session: Session, site: db.Site, now: datetime, oversubscription: float) -> list[ProductOffer]:
    products = session.scalars(select(db.Product).where(db.Product.site_id == site.id, db.Product.on_sale)
                               .order_by(db.Product.id)).all()
    today = local_today(site, now)
    return [ProductOffer(p, places_left(session, p, today, oversubscription)) for p in products]


def places_left(session: Session, product: db.Product, today: date, oversubscription: float) -> int:
    limit = capacity_limit(product.quota, oversubscription)
    return max(0, limit - active_count(session, product.id, today))

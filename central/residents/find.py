"""Finding off-peak parking near a resident: from their location or a place in the sites' own data.

The list is the catalogue's (``central.catalogue``: open sites, products on sale, the site-wide
places left and tonight's free shared places), nearest first, filtered by the kind of hours a
product offers and its monthly price. Places are what the sites' addresses name: each district
(``徐汇区``) at the middle of its sites, and each site's own address.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.catalogue import ProductOffer, site_offer, sites_near
from shared import DayType, TimeWindow

SEARCH_RADIUS_M = 10_000.0
MAX_SITES = 20
WALK_DETOUR = 1.3  # streets are longer than the straight line: a usual factor in a city grid
WALK_M_PER_MIN = 75.0  # 4.5 km/h
EVENING = time(17, 0)
PRICE_STEPS_FEN = (200_00, 300_00, 500_00, 800_00)  # the monthly-fee filter's choices
_DISTRICT = re.compile(r"([\u4e00-\u9fff]{1,4}(?:新区|区|县))")
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,4}市")


class WindowFilter(StrEnum):
    ANY = "any"
    NIGHTS = "nights"  # working-day evenings and nights
    WEEKENDS = "weekends"  # rest days: weekends and public holidays
    ALL_DAY = "all_day"  # a window of 24 hours or more


def window_kinds(windows: Sequence[TimeWindow]) -> frozenset[WindowFilter]:
    """Which filters a product's windows answer to."""
    kinds = {WindowFilter.ANY}
    for w in windows:
        start, end = w.start.hour * 60 + w.start.minute, w.end.hour * 60 + w.end.minute
        minutes = (w.end_day_offset or 0) * 1440 + end - start
        if w.day_type is DayType.WORKING and (w.end_day_offset or w.start >= EVENING):
            kinds.add(WindowFilter.NIGHTS)
        if w.day_type is DayType.REST:
            kinds.add(WindowFilter.WEEKENDS)
        if minutes >= 24 * 60:
            kinds.add(WindowFilter.ALL_DAY)
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float
    label: str = ""  # the place's name; empty for the browser's location


@dataclass(frozen=True, slots=True)
class SearchFilter:
    window: WindowFilter = WindowFilter.ANY
    max_fee_fen: int | None = None  # monthly fee at most; None: any


@dataclass(frozen=True, slots=True)
class FoundProduct:
    product: db.Product
    windows: tuple[TimeWindow, ...]
    places_left: int  # contracts the site can still take for it (site-wide)


@dataclass(frozen=True, slots=True)
class FoundSite:
    number: int  # its mark on the map, from 1
    site: db.Site
    distance_m: float | None  # straight line from the origin; None without one
    free_tonight: int  # tonight's free shared places (``occupancy.shared_places``)
    products: tuple[FoundProduct, ...]

    @property
    def walk_minutes(self) -> int | None:
        if self.distance_m is None:
            return None
        return max(1, math.ceil(self.distance_m * WALK_DETOUR / WALK_M_PER_MIN))


def district_of(address: str) -> str | None:
    """``上海市徐汇区漕溪北路88号`` -> ``徐汇区``; None when the address names none."""
    found = _DISTRICT.search(_CITY.sub("", address.strip()))
    return found.group(1) if found else None


def places(session: Session) -> list[Point]:
    """Districts (at the middle of their sites) and the open sites' addresses, for the place picker."""
    sites = session.scalars(select(db.Site).where(db.Site.closed_at.is_(None)).order_by(db.Site.name)).all()
    by_district: dict[str, list[db.Site]] = {}
    for site in sites:
        if (district := district_of(site.address)) is not None:
            by_district.setdefault(district, []).append(site)
    districts = [Point(sum(s.lat for s in group) / len(group), sum(s.lon for s in group) / len(group), name)
                 for name, group in sorted(by_district.items())]
    return districts + [Point(s.lat, s.lon, s.address or s.name) for s in sites]


def resolve_place(session: Session, text: str) -> Point | None:
    """The place a resident typed or picked: its exact name, else the first that contains the text."""
    wanted = text.strip()
    if not wanted:
        return None
    known = places(session)
    exact = next((p for p in known if p.label == wanted), None)
    return exact or next((p for p in known if wanted in p.label), None)


def search_origin(session: Session, lat: float | None, lon: float | None,
                  place: str) -> tuple[Point | None, bool]:
    """Where to search from, and whether a place was asked for that the sites' data does not know.
    A place typed wins over a location the browser sent before."""
    if place.strip():
        found = resolve_place(session, place)
        return found, found is None
    return (Point(lat, lon) if lat is not None and lon is not None else None), False


def find_parking(session: Session, origin: Point | None, want: SearchFilter, now: datetime,
                 oversubscription: float) -> list[FoundSite]:
    """Open sites with products that match, nearest first (by name without an origin), numbered."""
    candidates: list[tuple[db.Site, float | None, list[ProductOffer], int]]
    if origin is not None:
        near = sites_near(session, origin.lat, origin.lon, SEARCH_RADIUS_M, now, MAX_SITES, oversubscription)
        candidates = [(n.site, n.distance_m, n.offers, n.free_tonight) for n in near]
    else:
        sites = session.scalars(select(db.Site).where(db.Site.closed_at.is_(None))
                                .order_by(db.Site.name, db.Site.id).limit(MAX_SITES)).all()
        offers = [site_offer(session, site, now, oversubscription) for site in sites]
        candidates = [(o.site, None, o.offers, o.free_tonight) for o in offers]
    found: list[FoundSite] = []
    for site, distance, site_offers, free in candidates:
        products = tuple(p for p in (_found(o) for o in site_offers) if _matches(p, want))
        if products:
            found.append(FoundSite(len(found) + 1, site, distance, free, products))
    return found


def _found(offer: ProductOffer) -> FoundProduct:
    windows = tuple(TimeWindow.model_validate(w) for w in offer.product.windows)
    return FoundProduct(offer.product, windows, offer.places_left)


def _matches(product: FoundProduct, want: SearchFilter) -> bool:
    if want.max_fee_fen is not None and product.product.monthly_fee_fen > want.max_fee_fen:
        return False
    return want.window in window_kinds(product.windows)

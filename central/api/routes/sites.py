"""Sites and products as residents see them (places left, tonight's free places); occupancy for staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime

from central import catalogue, occupancy
from central.api.access import managed_site
from central.api.deps import NowDep, SessionDep, StaffUser, StateDep
from central.api.schemas import (
    NearbySite,
    OccupancyBucket,
    OccupancyNow,
    ProductOut,
    SharedPlacesOut,
    SiteOut,
)

router = APIRouter(prefix="/sites", tags=["sites"])

BucketMinutes = Annotated[int, Query(ge=1, le=7 * 24 * 60)]


@router.get("/near", response_model=list[NearbySite])
def sites_near(session: SessionDep, state: StateDep, now: NowDep,
               lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
               radius_m: Annotated[float, Query(gt=0, le=50_000)] = 3000,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[NearbySite]:
    """Open sites within ``radius_m`` of a point, nearest first: products, places left (site-wide) and
    tonight's free shared places."""
    found = catalogue.sites_near(session, lat, lon, radius_m, now, limit,
                                 state.settings.contracts.oversubscription)
    return [NearbySite(site=SiteOut.model_validate(n.site), distance_m=round(n.distance_m, 1),
                       products=[_offer(o) for o in n.offers], places_left=n.places_left,
                       free_tonight=n.free_tonight) for n in found]


@router.get("/{site_id}/products", response_model=list[ProductOut])
def site_products(site_id: str, session: SessionDep, state: StateDep, now: NowDep) -> list[ProductOut]:
    """Products on sale at an open site: windows, prices (fen), places left (never more than the site's)."""
    site = catalogue.open_site(session, site_id)
    factor = state.settings.contracts.oversubscription
    return [_offer(o) for o in catalogue.offers(session, site, now, factor)]


def _offer(offer: catalogue.ProductOffer) -> ProductOut:
    out = ProductOut.model_validate(offer.product)
    return out.model_copy(update={"places_left": offer.places_left})


@router.get("/{site_id}/free-places", response_model=SharedPlacesOut)
def free_places(site_id: str, session: SessionDep, now: NowDep) -> SharedPlacesOut:
    """Tonight's free shared places, published for residents: shared spaces - contracts with a car
    inside - own vehicles inside beyond the reserved spaces."""
    site = catalogue.open_site(session, site_id)
    return _shared(site.id, now, occupancy.shared_places(session, site))


def _shared(site_id: str, now: NowDep, found: occupancy.SharedPlaces) -> SharedPlacesOut:
    return SharedPlacesOut(site_id=site_id, at=now, shared_spaces=found.shared_spaces,
                           contracts_inside=found.contracts_inside,
                           own_vehicles_inside=found.own_vehicles_inside,
                           reserved_spaces=found.reserved_spaces, free=found.free)


@router.get("/{site_id}/occupancy", response_model=OccupancyNow)
def occupancy_now(site_id: str, session: SessionDep, user: StaffUser, now: NowDep) -> OccupancyNow:
    """Vehicles inside now, whoever they are, against the shared spaces (free-places says what the
    gate and residents count)."""
    site = managed_site(session, user, site_id)
    inside = occupancy.occupied_now(session, site.id)
    return OccupancyNow(site_id=site.id, at=now, shared_capacity=site.shared_capacity, occupied=inside,
                        free=max(0, site.shared_capacity - inside))


@router.get("/{site_id}/occupancy/history", response_model=list[OccupancyBucket])
def occupancy_history(site_id: str, session: SessionDep, user: StaffUser,
                      start: AwareDatetime, end: AwareDatetime,
                      bucket_minutes: BucketMinutes = 60) -> list[OccupancyBucket]:
    """Vehicles inside at the start of each bucket."""
    site = managed_site(session, user, site_id)
    try:
        series = occupancy.occupancy_series(session, site.id, start, end, timedelta(minutes=bucket_minutes))
    except ValueError as exc:
        raise HTTPException(422, f"start/end/bucket_minutes: {exc}") from exc
    return [OccupancyBucket(start=at, occupied=n) for at, n in series]

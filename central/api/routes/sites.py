"""Sites and products as the seed app shows them, and occupancy for operators."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime

from central import catalogue, db, occupancy
from central.api.access import managed_site
from central.api.deps import NowDep, SessionDep, StaffUser, StateDep
from central.api.schemas import NearbySite, OccupancyBucket, OccupancyNow, ProductOut, SiteOut
from central.errors import NotFoundError

router = APIRouter(prefix="/sites", tags=["sites"])

BucketMinutes = Annotated[int, Query(ge=1, le=7 * 24 * 60)]


@router.get("/near", response_model=list[NearbySite])
def sites_near(session: SessionDep, state: StateDep, now: NowDep,
               lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
               radius_m: Annotated[float, Query(gt=0, le=50_000)] = 3000,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[NearbySite]:
    """Sites within ``radius_m`` of a point, nearest first, with the places left per product."""
    found = catalogue.sites_near(session, lat, lon, radius_m, now, limit,
                                 state.settings.contracts.oversubscription)
    return [NearbySite(site=SiteOut.model_validate(n.site), distance_m=round(n.distance_m, 1),
                       products=[_offer(o) for o in n.offers]) for n in found]


@router.get("/{site_id}/products", response_model=list[ProductOut])
def site_products(site_id: str, session: SessionDep, state: StateDep, now: NowDep) -> list[ProductOut]:
    """Products on sale at a site: windows, prices (fen) and places left."""
    site = session.get(db.Site, site_id)
    if site is None:
        raise NotFoundError("site", site_id)
    factor = state.settings.contracts.oversubscription
    return [_offer(o) for o in catalogue.offers(session, site, now, factor)]


def _offer(offer: catalogue.ProductOffer) -> ProductOut:
    out = ProductOut.model_validate(offer.product)
    return out.model_copy(update={"places_left": offer.places_left})


@router.get("/{site_id}/occupancy", response_model=OccupancyNow)
def occupancy_now(site_id: str, session: SessionDep, user: StaffUser, now: NowDep) -> OccupancyNow:
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



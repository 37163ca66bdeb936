"""A site's own vehicles (the institution's staff cars): staff of its institution only; others get 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from central import db, vehicles
from central.api.access import managed_site
from central.api.deps import NowDep, PageDep, SessionDep, StaffUser, StateDep, page_body
from central.api.schemas_vehicles import OwnVehicleChangeIn, OwnVehicleIn, OwnVehicleOut
from shared import parse_plate

router = APIRouter(prefix="/sites/{site_id}/own-vehicles", tags=["own vehicles"])


@router.post("", response_model=OwnVehicleOut, status_code=201)
def add(site_id: str, body: OwnVehicleIn, session: SessionDep, state: StateDep, user: StaffUser,
        now: NowDep) -> db.OwnVehicle:
    """Add a staff car; the site's bundle is re-signed. 409 when the plate is listed, blacklisted or
    holds a contract here."""
    return vehicles.add_own_vehicle(session, user, site_id, body.plate, body.holder, body.windows,
                                    state.signer, now)


@router.get("", response_model=list[OwnVehicleOut])
def list_own_vehicles(site_id: str, session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                      plate: Annotated[str | None, Query(max_length=32)] = None) -> list[db.OwnVehicle]:
    """By plate; the total in X-Total-Count."""
    managed_site(session, user, site_id)
    found = vehicles.list_entries(session, user, db.OwnVehicle, page, site_id,
                                  None if plate is None else parse_plate(plate).text)
    return page_body(response, found)


@router.get("/{vehicle_id}", response_model=OwnVehicleOut)
def get(site_id: str, vehicle_id: int, session: SessionDep, user: StaffUser) -> db.OwnVehicle:
    return vehicles.get_entry(session, user, db.OwnVehicle, site_id, vehicle_id)


@router.patch("/{vehicle_id}", response_model=OwnVehicleOut)
def update(site_id: str, vehicle_id: int, body: OwnVehicleChangeIn, session: SessionDep, state: StateDep,
           user: StaffUser, now: NowDep) -> db.OwnVehicle:
    """Change the plate, holder or windows; the site's bundle is re-signed."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return vehicles.update_own_vehicle(session, user, site_id, vehicle_id, changes, state.signer, now)


@router.delete("/{vehicle_id}", status_code=204)
def remove(site_id: str, vehicle_id: int, session: SessionDep, state: StateDep, user: StaffUser,
           now: NowDep) -> None:
    vehicles.remove(session, user, db.OwnVehicle, site_id, vehicle_id, state.signer, now)

"""A site's blacklist: plates refused with a reason, until a time or until removed. Staff of the site's
institution only; others get 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from central import db, vehicles
from central.api.access import managed_site
from central.api.deps import NowDep, PageDep, SessionDep, StaffUser, StateDep, page_body
from central.api.schemas_vehicles import BlacklistChangeIn, BlacklistIn, BlacklistOut
from shared import parse_plate

router = APIRouter(prefix="/sites/{site_id}/blacklist", tags=["blacklist"])


@router.post("", response_model=BlacklistOut, status_code=201)
def add(site_id: str, body: BlacklistIn, session: SessionDep, state: StateDep, user: StaffUser,
        now: NowDep) -> db.BlacklistEntry:
    """Refuse a plate; the site's bundle is re-signed. 409 when it is listed already or an own vehicle."""
    return vehicles.add_blacklist_entry(session, user, site_id, body.plate, body.reason, body.until,
                                        state.signer, now)


@router.get("", response_model=list[BlacklistOut])
def list_blacklist(site_id: str, session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                   plate: Annotated[str | None, Query(max_length=32)] = None) -> list[db.BlacklistEntry]:
    """By plate, expired entries too; the total in X-Total-Count."""
    managed_site(session, user, site_id)
    found = vehicles.list_entries(session, user, db.BlacklistEntry, page, site_id,
                                  None if plate is None else parse_plate(plate).text)
    return page_body(response, found)


@router.get("/{entry_id}", response_model=BlacklistOut)
def get(site_id: str, entry_id: int, session: SessionDep, user: StaffUser) -> db.BlacklistEntry:
    return vehicles.get_entry(session, user, db.BlacklistEntry, site_id, entry_id)


@router.patch("/{entry_id}", response_model=BlacklistOut)
def update(site_id: str, entry_id: int, body: BlacklistChangeIn, session: SessionDep, state: StateDep,
           user: StaffUser, now: NowDep) -> db.BlacklistEntry:
    """Change the plate, reason or until; the site's bundle is re-signed."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return vehicles.update_blacklist_entry(session, user, site_id, entry_id, changes, state.signer, now)


@router.delete("/{entry_id}", status_code=204)
def remove(site_id: str, entry_id: int, session: SessionDep, state: StateDep, user: StaffUser,
           now: NowDep) -> None:
    """Lift a ban; the site's bundle is re-signed without it."""
    vehicles.remove(session, user, db.BlacklistEntry, site_id, entry_id, state.signer, now)

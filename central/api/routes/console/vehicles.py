"""A site's own vehicles (the institution's cars, with optional windows) and its blacklist: add, edit,
remove. Every change re-signs the site's bundle (``central.vehicles``); times in the site's zone.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from central import db, sites, vehicles
from central.api.deps import StateDep
from central.api.routes.console.fields import FIELD_MESSAGES, form_context
from central.api.schemas_vehicles import BlacklistIn, OwnVehicleIn
from central.listing import PageRequest
from central.web.auth import StaffUser
from central.web.forms import (
    FormDep,
    Refusal,
    attempt,
    check,
    fields,
    instant_from_local,
    rows_of,
    window_rows,
    windows_of,
)
from central.web.pages import ConsolePage
from shared import ParkingError

router = APIRouter()
ALL = PageRequest(1000, 0)  # a site's lists are short: shown whole


@router.get("/sites/{site_id}/vehicles")
def vehicle_lists(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    return _lists(page, user, site_id, {}, {}, None)


@router.post("/sites/{site_id}/vehicles")
def own_add(page: ConsolePage, user: StaffUser, site_id: str, form: FormDep, state: StateDep) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    model, errors = _own_vehicle(page, form)
    if model is None:
        return _lists(page, user, site.id, dict(form), errors, None, 400, window_rows(form), "own")
    car, who = model, user.principal
    done = attempt(page, lambda: vehicles.add_own_vehicle(page.db, who, site.id, car.plate, car.holder,
                                                          car.windows, state.signer, page.now),
                   "vehicle.refused")
    if isinstance(done, Refusal):
        return _lists(page, user, site.id, dict(form), {}, done, 409, window_rows(form), "own")
    return page.redirect(f"/console/sites/{site.id}/vehicles")


@router.post("/sites/{site_id}/blacklist")
def ban_add(page: ConsolePage, user: StaffUser, site_id: str, form: FormDep, state: StateDep) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    model, errors = _ban(page, form, site)
    if model is None:
        return _lists(page, user, site.id, dict(form), errors, None, status=400, which="ban")
    done = attempt(page, lambda: vehicles.add_blacklist_entry(page.db, user.principal, site.id, model.plate,
                                                              model.reason, model.until, state.signer,
                                                              page.now), "blacklist.refused")
    if isinstance(done, Refusal):
        return _lists(page, user, site.id, dict(form), {}, done, status=409, which="ban")
    return page.redirect(f"/console/sites/{site.id}/vehicles")


@router.get("/sites/{site_id}/vehicles/{entry_id}")
def own_edit_form(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int) -> Response:
    row = vehicles.get_entry(page.db, user.principal, db.OwnVehicle, site_id, entry_id)
    return _edit(page, user, row, {"plate": row.plate, "holder": row.holder}, {}, None, rows_of(row.windows))


@router.post("/sites/{site_id}/vehicles/{entry_id}")
def own_edit(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int, form: FormDep,
             state: StateDep) -> Response:
    row = vehicles.get_entry(page.db, user.principal, db.OwnVehicle, site_id, entry_id)
    model, errors = _own_vehicle(page, form)
    if model is None:
        return _edit(page, user, row, dict(form), errors, None, window_rows(form), status=400)
    changes = {"plate": model.plate, "holder": model.holder, "windows": model.windows}
    done = attempt(page, lambda: vehicles.update_own_vehicle(page.db, user.principal, site_id, row.id,
                                                             changes, state.signer, page.now),
                   "vehicle.refused")
    if isinstance(done, Refusal):
        return _edit(page, user, row, dict(form), {}, done, window_rows(form), status=409)
    return page.redirect(f"/console/sites/{site_id}/vehicles")


@router.get("/sites/{site_id}/blacklist/{entry_id}")
def ban_edit_form(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int) -> Response:
    row = vehicles.get_entry(page.db, user.principal, db.BlacklistEntry, site_id, entry_id)
    site = sites.managed_site(page.db, user.principal, site_id)
    until = "" if row.until is None else f"{row.until.astimezone(ZoneInfo(site.timezone)):%Y-%m-%d %H:%M}"
    return _edit(page, user, row, {"plate": row.plate, "reason": row.reason, "until": until}, {}, None, [])


@router.post("/sites/{site_id}/blacklist/{entry_id}")
def ban_edit(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int, form: FormDep,
             state: StateDep) -> Response:
    row = vehicles.get_entry(page.db, user.principal, db.BlacklistEntry, site_id, entry_id)
    model, errors = _ban(page, form, sites.managed_site(page.db, user.principal, site_id))
    if model is None:
        return _edit(page, user, row, dict(form), errors, None, [], status=400)
    changes = {"plate": model.plate, "reason": model.reason, "until": model.until}
    done = attempt(page, lambda: vehicles.update_blacklist_entry(page.db, user.principal, site_id, row.id,
                                                                 changes, state.signer, page.now),
                   "blacklist.refused")
    if isinstance(done, Refusal):
        return _edit(page, user, row, dict(form), {}, done, [], status=409)
    return page.redirect(f"/console/sites/{site_id}/vehicles")


@router.post("/sites/{site_id}/vehicles/{entry_id}/remove")
def own_remove(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int, state: StateDep) -> Response:
    vehicles.remove(page.db, user.principal, db.OwnVehicle, site_id, entry_id, state.signer, page.now)
    return page.redirect(f"/console/sites/{site_id}/vehicles")


@router.post("/sites/{site_id}/blacklist/{entry_id}/remove")
def ban_remove(page: ConsolePage, user: StaffUser, site_id: str, entry_id: int, state: StateDep) -> Response:
    """Lift a ban; the site's bundle is re-signed without it."""
    vehicles.remove(page.db, user.principal, db.BlacklistEntry, site_id, entry_id, state.signer, page.now)
    return page.redirect(f"/console/sites/{site_id}/vehicles")


def _own_vehicle(page: ConsolePage, form: FormData) -> tuple[OwnVehicleIn | None, dict[str, str]]:
    try:
        windows = windows_of(window_rows(form))
    except (ValueError, ParkingError):
        return None, {"windows": page.t("field.windows_invalid")}
    return check(OwnVehicleIn, fields(form, ("plate", "holder")) | {"windows": windows}, page, FIELD_MESSAGES)


def _ban(page: ConsolePage, form: FormData, site: db.Site) -> tuple[BlacklistIn | None, dict[str, str]]:
    data: dict[str, Any] = fields(form, ("plate", "reason"))
    if until := fields(form, ("until",)).get("until"):
        try:
            data["until"] = instant_from_local(until, site.timezone)
        except ValueError:
            return None, {"until": page.t("field.until_invalid")}
    return check(BlacklistIn, data, page, FIELD_MESSAGES)


def _lists(page: ConsolePage, user: StaffUser, site_id: str, values: dict[str, Any], errors: dict[str, str],
           refusal: Refusal | None, status: int = 200, rows: list[dict[str, str]] | None = None,
           which: str = "") -> Response:
    """Both lists and both add forms; ``which`` form the values and errors belong to (own, ban)."""
    site = sites.managed_site(page.db, user.principal, site_id)
    own = vehicles.list_entries(page.db, user.principal, db.OwnVehicle, ALL, site.id)
    banned = vehicles.list_entries(page.db, user.principal, db.BlacklistEntry, ALL, site.id)
    return page.render("console/vehicles.html", status=status, site=site, own=own.items, banned=banned.items,
                       values=values, errors=errors, refusal=refusal, rows=rows or [], which=which,
                       **form_context(page))


def _edit(page: ConsolePage, user: StaffUser, row: db.OwnVehicle | db.BlacklistEntry, values: dict[str, Any],
          errors: dict[str, str], refusal: Refusal | None, rows: list[dict[str, str]],
          status: int = 200) -> Response:
    site = sites.managed_site(page.db, user.principal, row.site_id)
    return page.render("console/vehicle_edit.html", status=status, site=site, row=row, values=values,
                       errors=errors, refusal=refusal, rows=rows, own=isinstance(row, db.OwnVehicle),
                       **form_context(page))

"""My vehicles: bind up to three plates (checked as they are typed, and again here), remove one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from central import residents
from central.api.routes.resident.refusals import not_found
from central.errors import NotFoundError
from central.web.auth import ResidentUser
from central.web.pages import PageRequest, ResidentPage
from shared import PlateError, PlateKind

router = APIRouter()


def _page(page: PageRequest, user: ResidentUser, error: str | None = None, status: int = 200,
          typed: tuple[str, str] = ("沪", "")) -> Response:
    return page.render("resident/vehicles.html", status=status, error=error, typed=typed,
                       vehicles=residents.list_vehicles(page.db, user.principal),
                       most=residents.MAX_VEHICLES, provinces=residents.PROVINCE_CHOICES,
                       kinds={kind.value: page.t(f"vehicles.kind.{kind.value}") for kind in PlateKind})


@router.get("/vehicles")
def vehicles(page: ResidentPage, user: ResidentUser) -> Response:
    return _page(page, user)


@router.post("/vehicles")
def bind(page: ResidentPage, user: ResidentUser, province: Annotated[str, Form(max_length=4)] = "",
         number: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        typed = residents.plate_text(province, number)
        outcome = residents.bind_vehicle(page.db, user.principal, typed, page.now)
    except PlateError:
        return _page(page, user, page.t("vehicles.bad_plate"), 400, (province, number))
    if outcome is not residents.BindOutcome.BOUND:
        message = page.t(f"vehicles.{outcome.value}", max=residents.MAX_VEHICLES)
        return _page(page, user, message, 409, (province, number))
    return page.redirect("/app/vehicles")


@router.post("/vehicles/{vehicle_id}/remove")
def unbind(vehicle_id: int, page: ResidentPage, user: ResidentUser) -> Response:
    try:
        residents.unbind_vehicle(page.db, user.principal, vehicle_id)
    except NotFoundError:
        return not_found(page)
    return page.redirect("/app/vehicles")

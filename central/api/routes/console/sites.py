"""Sites: the list, a new site, a site's page (spaces, place, gates, products, alarms), edit and close.

Operators see and change their own institution's sites only: another one is a 404 page, as it is
in the API (``sites.managed_site``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central import calendar, db, sites
from central.api.deps import StateDep
from central.api.routes.console.fields import FIELD_MESSAGES, LIST_PAGE, fen_of, form_context, yuan
from central.api.schemas import SiteChangeIn, SiteIn
from central.contracts.service import local_today
from central.core.security import Role
from central.ingest.gates import site_gates
from central.listing import PageRequest
from central.web.auth import StaffUser
from central.web.forms import FormDep, Refusal, attempt, check, fields, text
from central.web.pages import ConsolePage
from shared.alarms import alarm_label

router = APIRouter()

SITE_FIELDS = ("name", "address", "lat", "lon", "timezone", "total_spaces", "shared_capacity",
               "reserved_spaces")
ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei")
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/sites")
def site_list(page: ConsolePage, user: StaffUser, q: Annotated[str, Query(max_length=100)] = "",
              p: PageNumber = 1) -> Response:
    cut = PageRequest(LIST_PAGE, (p - 1) * LIST_PAGE)
    found = sites.list_sites(page.db, user.principal, cut, name=q or None)
    return page.render("console/sites.html", found=found, q=q, p=p)


@router.get("/sites/new")
def site_new(page: ConsolePage, user: StaffUser) -> Response:
    return _site_form(page, user, None, {"timezone": "Asia/Shanghai", "refund_unused": "on"}, {})


@router.post("/sites")
def site_create(page: ConsolePage, user: StaffUser, form: FormDep, state: StateDep) -> Response:
    data, errors = _site_data(page, form, ("id", "institution_id", *SITE_FIELDS))
    if user.principal.role is Role.OPERATOR:
        data["institution_id"] = user.principal.institution_id or ""
    model, invalid = check(SiteIn, data, page, FIELD_MESSAGES)
    if model is None or errors:
        return _site_form(page, user, None, dict(form), errors | invalid, status=400)
    done = attempt(page, lambda: sites.create_managed_site(page.db, user.principal, model.model_dump(),
                                                           state.signer, page.now), "site.refused")
    if isinstance(done, Refusal):
        return _site_form(page, user, None, dict(form), {}, done, status=409)
    return page.redirect(f"/console/sites/{done.id}")


@router.get("/sites/{site_id}")
def site_page(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    products = sites.list_products(page.db, user.principal, PageRequest(200, 0), site_id=site.id)
    unpublished = calendar.unpublished_covered_years(page.db, local_today(site, page.now), site.id)
    return page.render("console/site.html", site=site, products=products.items, unpublished=unpublished,
                       gates=site_gates(page.db, site.id), **form_context(page),
                       alarm_label=lambda code: alarm_label(code, page.lang))


@router.get("/sites/{site_id}/edit")
def site_edit_form(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    values: dict[str, Any] = {name: getattr(site, name) for name in SITE_FIELDS}
    values |= {"hourly_rate": yuan(site.hourly_rate_fen), "refund_unused": "on" if site.refund_unused else ""}
    return _site_form(page, user, site, values, {})


@router.post("/sites/{site_id}/edit")
def site_edit(page: ConsolePage, user: StaffUser, site_id: str, form: FormDep, state: StateDep) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    data, errors = _site_data(page, form, SITE_FIELDS)
    model, invalid = check(SiteChangeIn, data, page, FIELD_MESSAGES)
    if model is None or errors:
        return _site_form(page, user, site, dict(form), errors | invalid, status=400)
    oversubscription = state.rules.oversubscription
    done = attempt(page, lambda: sites.update_site(page.db, user.principal, site.id, model.model_dump(
        exclude_unset=True), oversubscription, state.signer, page.now), "site.refused")
    if isinstance(done, Refusal):
        return _site_form(page, user, site, dict(form), {}, done, status=409)
    return page.redirect(f"/console/sites/{site.id}")


@router.post("/sites/{site_id}/close")
def site_close(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    site = sites.close_site(page.db, user.principal, site_id, page.now)
    return page.redirect(f"/console/sites/{site.id}")


def _site_data(page: ConsolePage, form: Any, names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields as the API's model takes them: money in fen, the refund box as a flag."""
    amounts, errors = fen_of(form, ("hourly_rate",), page)
    data: dict[str, Any] = fields(form, names) | amounts | {"refund_unused": "refund_unused" in form}
    data["address"] = text(form, "address")  # may be emptied
    return data, errors


def _site_form(page: ConsolePage, user: StaffUser, site: db.Site | None, values: dict[str, Any],
               errors: dict[str, str], refusal: Refusal | None = None, status: int = 200) -> Response:
    institutions = sites.list_institutions(page.db, user.principal) if site is None else []
    return page.render("console/site_form.html", status=status, site=site, values=values, errors=errors,
                       refusal=refusal, institutions=institutions, zones=ZONES, **form_context(page))

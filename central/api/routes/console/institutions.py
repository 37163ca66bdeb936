"""Institutions (admins): the list, with how many sites and operators each has, and a new one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import accounts, sites
from central.api.routes.console.fields import FIELD_MESSAGES
from central.api.schemas import InstitutionIn
from central.web.auth import AdminUser
from central.web.forms import FormDep, Refusal, attempt, check, fields
from central.web.pages import ConsolePage

router = APIRouter()


@router.get("/institutions")
def institution_list(page: ConsolePage, user: AdminUser) -> Response:
    return _page(page, user, {}, {}, None)


@router.post("/institutions")
def institution_create(page: ConsolePage, user: AdminUser, form: FormDep) -> Response:
    model, errors = check(InstitutionIn, fields(form, ("id", "name")), page, FIELD_MESSAGES)
    if model is None:
        return _page(page, user, dict(form), errors, None, status=400)
    done = attempt(page, lambda: accounts.create_institution(page.db, user.principal, model.id, model.name,
                                                             page.now), "institution.refused")
    if isinstance(done, Refusal):
        return _page(page, user, dict(form), {}, done, status=409)
    return page.redirect("/console/institutions")


def _page(page: ConsolePage, user: AdminUser, values: dict[str, object], errors: dict[str, str],
          refusal: Refusal | None, status: int = 200) -> Response:
    return page.render("console/institutions.html", status=status, values=values, errors=errors,
                       refusal=refusal, institutions=sites.list_institutions(page.db, user.principal))

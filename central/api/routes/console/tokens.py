"""API tokens for machine clients (admins): a new one is shown once, on the answer to its form; the list
shows what each is for and since when, never its text (only its hash is stored); revoking is at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central import sites
from central.api.routes.console.fields import FIELD_MESSAGES, LIST_PAGE
from central.api.schemas import TokenIn
from central.core.security import Role, create_token, list_tokens, revoke_token
from central.listing import PageRequest
from central.web.auth import AdminUser
from central.web.forms import FormDep, Refusal, attempt, check, fields, instant_from_local
from central.web.pages import ConsolePage

router = APIRouter()
ROLES = (Role.OPERATOR, Role.ADMIN)
PageNumber = Annotated[int, Query(ge=1, le=100_000)]  # machine clients; residents sign in to their app


@router.get("/tokens")
def token_list(page: ConsolePage, user: AdminUser, p: PageNumber = 1) -> Response:
    return _page(page, user, {"role": Role.OPERATOR.value}, {}, None, p=p)


@router.post("/tokens")
def token_create(page: ConsolePage, user: AdminUser, form: FormDep) -> Response:
    data: dict[str, Any] = fields(form, ("name", "role", "institution_id"))
    if data.get("role") == Role.ADMIN.value:
        data.pop("institution_id", None)
    errors: dict[str, str] = {}
    if expires := fields(form, ("expires_at",)).get("expires_at"):
        try:
            data["expires_at"] = instant_from_local(expires, page.web.settings.timezone)
        except ValueError:
            errors["expires_at"] = page.t("field.until_invalid")
    model, invalid = check(TokenIn, data, page, FIELD_MESSAGES | {"role": "field.required",
                                                                  "form": "token.institution_needed"})
    if model is not None and model.role not in ROLES:
        invalid = {"role": page.t("field.required")}  # resident tokens are not made here
    if model is None or errors or invalid:
        return _page(page, user, dict(form), errors | invalid, None, status=400)
    made = model
    done = attempt(page, lambda: create_token(page.db, made.role, page.now, name=made.name,
                                              institution_id=made.institution_id, expires_at=made.expires_at),
                   "token.refused")
    if isinstance(done, Refusal):
        return _page(page, user, dict(form), {}, done, status=409)
    return _page(page, user, {"role": Role.OPERATOR.value}, {}, None, status=201, new_token=done)


@router.post("/tokens/{token_id}/revoke")
def token_revoke(page: ConsolePage, user: AdminUser, token_id: int) -> Response:
    done = attempt(page, lambda: revoke_token(page.db, user.principal, token_id, page.now), "token.refused")
    if isinstance(done, Refusal):
        return _page(page, user, {"role": Role.OPERATOR.value}, {}, done, status=409)
    return page.redirect("/console/tokens")


def _page(page: ConsolePage, user: AdminUser, values: dict[str, Any], errors: dict[str, str],
          refusal: Refusal | None, status: int = 200, new_token: str | None = None, p: int = 1) -> Response:
    found = list_tokens(page.db, user.principal, PageRequest(LIST_PAGE, (p - 1) * LIST_PAGE))
    return page.render("console/tokens.html", status=status, values=values, errors=errors, refusal=refusal,
                       found=found, p=p, new_token=new_token, roles=ROLES,
                       institutions=sites.list_institutions(page.db, user.principal))

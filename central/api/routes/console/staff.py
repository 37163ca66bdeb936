"""Staff accounts (admins): the list, a new admin or operator of one institution, disabling one.

The rules (username form, password length, an operator's institution) are ``central.accounts``';
a refused field is named in the answer.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import accounts, sites
from central.accounts.staff import PASSWORD_MAX, PASSWORD_MIN
from central.core.security import Role
from central.web.auth import AdminUser
from central.web.forms import FormDep, Refusal, attempt, text
from central.web.pages import ConsolePage

router = APIRouter()
USERNAME_PATTERN = "[a-z0-9][a-z0-9._\\-]{2,63}"  # as central.accounts.normalise_username (lower case)


@router.get("/staff")
def staff_list(page: ConsolePage, user: AdminUser) -> Response:
    return _page(page, user, {"role": Role.OPERATOR.value}, {}, None)


@router.post("/staff")
def staff_create(page: ConsolePage, user: AdminUser, form: FormDep) -> Response:
    values = {name: text(form, name, 300) for name in ("username", "role", "institution_id")}
    errors = _errors(page, values["username"], text(form, "password", PASSWORD_MAX + 1), values["role"])
    if errors:
        return _page(page, user, values, errors, None, status=400)
    role = Role(values["role"])
    institution = (values["institution_id"] or None) if role is Role.OPERATOR else None
    password = text(form, "password", PASSWORD_MAX + 1)
    done = attempt(page, lambda: accounts.create_staff(page.db, user.principal, values["username"], password,
                                                       role, page.now, institution_id=institution),
                   "staff.refused")
    if isinstance(done, Refusal):
        return _page(page, user, values, {}, done, status=409)
    return page.redirect("/console/staff")


@router.post("/staff/{username}/disable")
def staff_disable(page: ConsolePage, user: AdminUser, username: str) -> Response:
    """The account can no longer sign in; its sessions end now."""
    accounts.disable_staff(page.db, user.principal, username, page.now)
    return page.redirect("/console/staff")


def _errors(page: ConsolePage, username: str, password: str, role: str) -> dict[str, str]:
    errors = {}
    try:
        accounts.normalise_username(username)
    except ValueError:
        errors["username"] = page.t("staff.username_invalid")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors["password"] = page.t("password.too_short", min=PASSWORD_MIN)
    if role not in (Role.ADMIN.value, Role.OPERATOR.value):
        errors["role"] = page.t("field.required")
    return errors


def _page(page: ConsolePage, user: AdminUser, values: dict[str, str], errors: dict[str, str],
          refusal: Refusal | None, status: int = 200) -> Response:
    return page.render("console/staff.html", status=status, values=values, errors=errors, refusal=refusal,
                       staff=accounts.list_staff(page.db, user.principal), minimum=PASSWORD_MIN,
                       username_pattern=USERNAME_PATTERN,
                       institutions=sites.list_institutions(page.db, user.principal))

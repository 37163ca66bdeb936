"""A staff member changes their own password; their other sessions end (issue 13, item 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from central.accounts import change_password
from central.accounts.staff import PASSWORD_MAX, PASSWORD_MIN
from central.web.auth import StaffUser
from central.web.pages import ConsolePage, PageRequest

router = APIRouter()
PasswordField = Annotated[str, Form(max_length=PASSWORD_MAX + 50)]


@router.get("/password")
def password_form(page: ConsolePage, user: StaffUser) -> Response:
    return page.render("console/password.html", errors={}, done=False, minimum=PASSWORD_MIN)


@router.post("/password")
def password_change(page: ConsolePage, user: StaffUser, current: PasswordField = "", new: PasswordField = "",
                    confirm: PasswordField = "") -> Response:
    errors = _new_password_errors(page, new, confirm, user.username or "")
    if not errors and not change_password(page.db, user.staff_account_id or 0, current, new, page.now,
                                          keep_session=user.session_id):
        errors = {"current": page.t("password.wrong_current")}
    return page.render("console/password.html", status=400 if errors else 200, errors=errors,
                       done=not errors, minimum=PASSWORD_MIN)


def _new_password_errors(page: PageRequest, new: str, confirm: str, username: str) -> dict[str, str]:
    if not PASSWORD_MIN <= len(new) <= PASSWORD_MAX:
        return {"new": page.t("password.too_short", min=PASSWORD_MIN)}
    if new.strip().lower() == username:
        return {"new": page.t("password.same_as_username")}
    if new != confirm:
        return {"confirm": page.t("password.mismatch")}
    return {}

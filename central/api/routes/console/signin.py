"""Staff sign-in and logout: username and password, lockout per account and per address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from central.accounts import (
    SessionKind,
    StaffSignInOutcome,
    end_session,
    lockout,
    prune_sign_in_records,
    session_limits,
    sign_in_staff,
    start_session,
)
from central.web.apps import CONSOLE_APP
from central.web.auth import StaffUser, client_address, end_signed_in, safe_next, start_signed_in
from central.web.pages import ConsolePage

router = APIRouter()


@router.get("/login")
def login_form(page: ConsolePage, next: str | None = None) -> Response:
    if page.user is not None:
        return page.redirect(safe_next(CONSOLE_APP, next))
    return page.render("console/login.html", username="", next=safe_next(CONSOLE_APP, next), error=None)


@router.post("/login")
def login(page: ConsolePage, request: Request, username: Annotated[str, Form(max_length=100)] = "",
          password: Annotated[str, Form(max_length=300)] = "",
          next: Annotated[str, Form(max_length=500)] = "") -> Response:
    rules = lockout(page.web.settings)
    result = sign_in_staff(page.db, username, password, client_address(request), rules, page.now)
    if result.outcome is not StaffSignInOutcome.OK or result.account is None:
        locked = result.outcome is StaffSignInOutcome.LOCKED
        error = page.t("signin.locked", minutes=page.web.settings.lockout_minutes) if locked \
            else page.t("login.wrong")
        return page.render("console/login.html", status=429 if locked else 401, username=username,
                           next=safe_next(CONSOLE_APP, next), error=error)
    prune_sign_in_records(page.db, page.now)
    token = start_session(page.db, SessionKind.STAFF, session_limits(page.web.settings, SessionKind.STAFF),
                          page.now, staff_account_id=result.account.id)
    return start_signed_in(page, page.redirect(safe_next(CONSOLE_APP, next)), token)


@router.post("/logout")
def logout(page: ConsolePage, user: StaffUser) -> Response:
    end_session(page.db, user.session_id)
    return end_signed_in(page, page.redirect(CONSOLE_APP.login_path))

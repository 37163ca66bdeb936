"""Resident sign-in: a mobile number, a text message with a code, the code, a session."""

from __future__ import annotations

import math
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from central.accounts import (
    CodeCheckOutcome,
    CodeRequestOutcome,
    SessionKind,
    check_code,
    code_rules,
    mask_phone,
    normalise_phone,
    prune_sign_in_records,
    request_code,
    session_limits,
    start_session,
)
from central.errors import AccountError, SmsError
from central.web.apps import RESIDENT_APP
from central.web.auth import client_address, start_signed_in
from central.web.pages import PageRequest, ResidentPage

router = APIRouter()
PhoneField = Annotated[str, Form(max_length=40)]
_CODE = re.compile(r"\d{6}")


@router.get("/login")
def login_form(page: ResidentPage) -> Response:
    if page.user is not None:
        return page.redirect(RESIDENT_APP.home_path)
    return _phone_form(page, "")


def _phone_form(page: PageRequest, phone: str, error_key: str | None = None, status: int = 200) -> Response:
    error = page.t(error_key) if error_key else None
    return page.render("resident/login.html", status=status, phone=phone, error=error,
                       available=page.web.sender is not None)


@router.post("/login/code")
def send_code(page: ResidentPage, request: Request, phone: PhoneField = "") -> Response:
    """Text a new code to the number, then show the code form."""
    sender = page.web.sender
    if sender is None:
        return _phone_form(page, phone, "login.unavailable", 503)
    try:
        number = normalise_phone(phone)
    except AccountError:
        return _phone_form(page, phone, "login.phone_invalid", 400)
    rules = code_rules(page.web.settings)
    issued = request_code(page.db, number, client_address(request), rules, page.now)
    if issued.outcome is not CodeRequestOutcome.SENT or issued.code is None:
        return _phone_form(page, phone, f"code.{issued.outcome.value}", 429)
    minutes = math.ceil(rules.ttl.total_seconds() / 60)
    try:
        sender.send(number, page.t("sms.code", code=issued.code, minutes=minutes), "sign_in_code")
    except SmsError:
        return _phone_form(page, phone, "code.send_failed", 503)
    return _code_form(page, number)


def _code_form(page: PageRequest, number: str, error: str | None = None, status: int = 200) -> Response:
    minutes = math.ceil(page.web.settings.code_ttl_s / 60)
    return page.render("resident/code.html", status=status, phone=number, masked=mask_phone(number),
                       minutes=minutes, error=error)


@router.post("/login/verify")
def verify_code(page: ResidentPage, phone: PhoneField = "",
                code: Annotated[str, Form(max_length=20)] = "") -> Response:
    """The right code signs the resident in (creating them the first time) and opens their home."""
    try:
        number = normalise_phone(phone)
    except AccountError:
        return _phone_form(page, phone, "login.phone_invalid", 400)
    if not _CODE.fullmatch(code.strip()):
        return _code_form(page, number, page.t("code.invalid"), 400)
    checked = check_code(page.db, number, code, code_rules(page.web.settings), page.now)
    if checked.outcome is not CodeCheckOutcome.OK or checked.resident is None:
        message = page.t(f"code.{checked.outcome.value}", left=checked.attempts_left)
        return _code_form(page, number, message, 400)
    prune_sign_in_records(page.db, page.now)
    limits = session_limits(page.web.settings, SessionKind.RESIDENT)
    token = start_session(page.db, SessionKind.RESIDENT, limits, page.now, resident_id=checked.resident.id)
    return start_signed_in(page, page.redirect(RESIDENT_APP.home_path), token)

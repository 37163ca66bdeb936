"""The resident's home page, "我的停车": for now who is signed in, and the logout button."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import db
from central.accounts import end_session
from central.web.apps import RESIDENT_APP
from central.web.auth import ResidentUser, end_signed_in
from central.web.pages import ResidentPage

router = APIRouter()


@router.get("/")
def home(page: ResidentPage, user: ResidentUser) -> Response:
    resident = page.db.get(db.Resident, user.resident_id)
    phone = (resident.phone_masked or resident.display_name) if resident else ""
    return page.render("resident/home.html", phone=phone)


@router.post("/logout")
def logout(page: ResidentPage, user: ResidentUser) -> Response:
    end_session(page.db, user.session_id)
    return end_signed_in(page, page.redirect(RESIDENT_APP.login_path))

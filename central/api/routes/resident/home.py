"""The resident's home page, "我的停车": their contracts now, the car inside or not, this month so far."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import db, residents
from central.accounts import end_session
from central.web.apps import RESIDENT_APP
from central.web.auth import ResidentUser, end_signed_in
from central.web.pages import ResidentPage
from central.web.windows import windows_in_words

router = APIRouter()


@router.get("/")
def home(page: ResidentPage, user: ResidentUser) -> Response:
    resident = page.db.get(db.Resident, user.resident_id)
    phone = (resident.phone_masked or resident.display_name) if resident else ""
    return page.render("resident/home.html", phone=phone,
                       contracts=residents.my_parking(page.db, user.principal, page.now),
                       unread=residents.unread_count(page.db, user.principal),
                       latest_notice=residents.latest_notice_id(page.db, user.principal),
                       windows_text=lambda windows: windows_in_words(windows, page.t))


@router.post("/logout")
def logout(page: ResidentPage, user: ResidentUser) -> Response:
    end_session(page.db, user.session_id)
    return end_signed_in(page, page.redirect(RESIDENT_APP.login_path))

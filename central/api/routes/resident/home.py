"""The resident's home page, "我的停车": their contracts now, the car inside or not, this month so far."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup

from central import db, residents
from central.accounts import end_session
from central.web.apps import RESIDENT_APP
from central.web.auth import ResidentUser, end_signed_in
from central.web.pages import ResidentPage
from central.web.resident_live import cards_digest, parking_cards

router = APIRouter()


@router.get("/")
def home(page: ResidentPage, user: ResidentUser) -> Response:
    resident = page.db.get(db.Resident, user.resident_id)
    phone = (resident.phone_masked or resident.display_name) if resident else ""
    contracts = residents.my_parking(page.db, user.principal, page.now)
    cards = parking_cards(page, contracts)
    return page.render("resident/home.html", phone=phone, contracts=contracts,
                       cards=Markup(cards), cards_digest=cards_digest(cards),  # rendered escaped
                       unread=residents.unread_count(page.db, user.principal),
                       latest_notice=residents.latest_notice_id(page.db, user.principal))


@router.post("/logout")
def logout(page: ResidentPage, user: ResidentUser) -> Response:
    end_session(page.db, user.session_id)
    return end_signed_in(page, page.redirect(RESIDENT_APP.login_path))

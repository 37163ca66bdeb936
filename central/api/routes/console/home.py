"""The console's first page after sign-in: who is signed in, for which institution."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import db
from central.web.auth import StaffUser
from central.web.pages import ConsolePage

router = APIRouter()


@router.get("/")
def home(page: ConsolePage, user: StaffUser) -> Response:
    institution_id = user.principal.institution_id
    institution = page.db.get(db.Institution, institution_id) if institution_id else None
    scope = page.t("home.institution", name=institution.name) if institution \
        else page.t("home.all_institutions")
    return page.render("console/home.html", scope=scope)

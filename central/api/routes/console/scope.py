"""Which sites the signed-in staff member sees on the live and report pages, and the page shown for
a site that is not theirs: 404, the same as for a site that does not exist (no hint that it does)."""

from __future__ import annotations

from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from central import db
from central.accounts import SignedIn
from central.errors import NotFoundError
from central.listing import Page, PageRequest
from central.sites import list_sites, managed_site
from central.web.pages import PageRequest as WebPage

LIST_SIZE = 50  # rows per page of the console's lists
ALL_SITES = 1000  # sites in a picker (an institution has a handful; the admin gets the first thousand)


def my_site(db_session: Session, user: SignedIn, site_id: str) -> db.Site | None:
    try:
        return managed_site(db_session, user.principal, site_id)
    except NotFoundError:
        return None


def my_sites(db_session: Session, user: SignedIn, offset: int = 0, limit: int = ALL_SITES,
             include_closed: bool = True) -> Page[db.Site]:
    return list_sites(db_session, user.principal, PageRequest(limit, offset), include_closed=include_closed)


def site_not_found(page: WebPage) -> HTMLResponse:
    return page.render("error.html", status=404, title=page.t("live.not_found.title"),
                       body=page.t("live.not_found.body"))

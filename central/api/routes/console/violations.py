"""The violations list: overstays at the operator's sites, searched by plate or contract, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central.api.routes.console.scope import LIST_SIZE, my_site, my_sites, site_not_found
from central.listing import PageRequest
from central.reports.violations import SEARCH_MAX, list_violations
from central.web.auth import StaffUser
from central.web.pages import ConsolePage

router = APIRouter()


@router.get("/violations")
def violations(page: ConsolePage, user: StaffUser, site: str = "",
               q: Annotated[str, Query(max_length=SEARCH_MAX)] = "",
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    if site and my_site(page.db, user, site) is None:
        return site_not_found(page)
    found = list_violations(page.db, user.principal, PageRequest(LIST_SIZE, offset), page.now,
                            site_id=site or None, search=q)
    return page.render("console/violations.html", rows=found, sites=my_sites(page.db, user).items,
                       site_id=site, q=q, search_max=SEARCH_MAX)

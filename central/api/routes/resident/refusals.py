"""The resident pages' answer for what is not there or not the caller's: one 404 page, the same for both."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from central.web.pages import PageRequest


def not_found(page: PageRequest) -> HTMLResponse:
    return page.render("error.html", status=404, title=page.t("error.not_found.title"),
                       body=page.t("error.not_found.body"))

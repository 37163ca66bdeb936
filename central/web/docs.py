"""The API's documentation pages, /docs (Swagger UI) and /redoc, working offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline
script; these load the copies vendored in ``static/vendor`` (versions and licences in its
README) and start them from static files, so the strict CSP holds here too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.state import WebDep

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request, web: WebDep) -> HTMLResponse:
    return _render(request, web, "docs/swagger.html")


@router.get("/redoc")
def redoc(request: Request, web: WebDep) -> HTMLResponse:
    return _render(request, web, "docs/redoc.html")


def _render(request: Request, web: WebDep, template: str) -> HTMLResponse:
    app = request.app
    html = web.templates.get_template(template).render(title=app.title, openapi_url=app.openapi_url)
    return HTMLResponse(html)

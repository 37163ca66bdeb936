"""The API's documentation pages, /docs (Swagger UI) and /redoc, working offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline
script; these load the copies vendored in ``static/vendor`` (versions and licences in its
README) and start them from static files, so the strict CSP holds here too.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.headers import content_security_policy
from central.web.state import WebDep

router = APIRouter(include_in_schema=False)
# The <style> elements ReDoc 2.5.4 writes before it reads the nonce: an empty one and its
# scroll-bar stylesheet. A new ReDoc version may change them: tests/central/web/test_docs_offline.py
# then reports the CSP refusal with the new hash.
REDOC_STYLE_HASHES = ("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                      "sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=")


@router.get("/docs")
def swagger_ui(request: Request, web: WebDep) -> HTMLResponse:
    return _render(request, web, "docs/swagger.html")


@router.get("/redoc")
def redoc(request: Request, web: WebDep) -> HTMLResponse:
    """ReDoc's styled-components need <style> elements: allowed here by a one-response nonce."""
    nonce = secrets.token_urlsafe(16)
    response = _render(request, web, "docs/redoc.html", nonce=nonce)
    response.headers["Content-Security-Policy"] = content_security_policy(style_nonce=nonce,
                                                                          style_hashes=REDOC_STYLE_HASHES)
    return response


def _render(request: Request, web: WebDep, template: str, **context: str) -> HTMLResponse:
    app = request.app
    html = web.templates.get_template(template).render(title=app.title, openapi_url=app.openapi_url,
                                                       **context)
    return HTMLResponse(html)

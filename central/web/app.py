"""``install_web(app, settings)``: the two web apps, their static files, the docs, the headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from central import db
from central.accounts import sender_from_settings
from central.core.config import Settings
from central.errors import CsrfRefused, PageRefused, SignInRequired
from central.web import console, docs, resident, sandbox
from central.web.apps import APPS, WebApp
from central.web.auth import login_redirect_target
from central.web.headers import SecurityHeaders
from central.web.i18n import LANGUAGES
from central.web.pages import request_language
from central.web.state import STATIC, WebState, get_web, template_environment
from shared import utc_now

STATIC_PATH = "/static/web"


def install_web(app: FastAPI, settings: Settings, database: db.Database,
                clock: Callable[[], datetime] = utc_now) -> None:
    """Mount the resident app (/app/), the console (/console/), /docs, /redoc, /static/web, and the
    sandbox payment page (/sandbox/) when ``app.state.payments`` offers the sandbox."""
    app.state.web = WebState(settings.web, database, clock, sender_from_settings(settings, clock),
                             template_environment())
    app.add_middleware(SecurityHeaders)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="web-static")
    for router in (docs.router, resident.router, console.router):
        app.include_router(router)
    payments = getattr(app.state, "payments", None)
    if payments is not None and "sandbox" in payments.provider_names:
        app.include_router(sandbox.router)  # the sandbox provider's page, only while it is enabled
    app.add_exception_handler(PageRefused, _refused)  # type: ignore[arg-type]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or "X-CSRF-Token" in request.headers


def _refused(request: Request, exc: PageRefused) -> Response:
    """Without a session a person goes to the login page (also from a form whose session has
    expired); otherwise 403 with the reason as a page in the visitor's language. Scripts get JSON."""
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    app = next(a for a in APPS if a.name == exc.app)
    if isinstance(exc, SignInRequired):
        return RedirectResponse(login_redirect_target(app, request), status_code=303)
    return _error_page(request, app, "csrf" if isinstance(exc, CsrfRefused) else "forbidden", exc.status_code)


def _error_page(request: Request, app: WebApp, kind: str, status: int) -> HTMLResponse:
    web = get_web(request)
    lang = request_language(request, web)
    other = next(code for code in LANGUAGES if code != lang)

    def t(key: str, **params: object) -> str:
        return app.catalogue.text(lang, key, **params)

    html = web.templates.get_template("error.html").render(
        app=app, user=None, lang=lang, t=t, title=t(f"error.{kind}.title"), body=t(f"error.{kind}.body"),
        switch=(other, f"{app.home_path}?lang={other}"), csrf_token="", csrf_field="")
    return HTMLResponse(html, status_code=status)

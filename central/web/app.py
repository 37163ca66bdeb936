"""``install_web(app, settings)``: the web apps' state, static files, headers and refusal pages."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from central import db
from central.accounts import sender_from_settings
from central.core.config import Settings
from central.errors import CsrfRefused, NotFoundError, PageRefused, SignInRequired
from central.web.apps import APPS, WebApp, app_for_path
from central.web.auth import login_redirect_target
from central.web.headers import SecurityHeaders
from central.web.i18n import LANGUAGES
from central.web.pages import request_language
from central.web.state import STATIC, WebState, get_web, template_environment
from shared import utc_now

STATIC_PATH = "/static/web"


def install_web(app: FastAPI, settings: Settings, database: db.Database,
                clock: Callable[[], datetime] = utc_now) -> None:
    """What the pages need: their state, static files, security headers and refusal pages.

    The pages' routes live with every other route, in ``central/api/routes`` (``resident``,
    ``console``, ``docs``); ``create_app`` includes them."""
    app.state.web = WebState(settings.web, database, clock, sender_from_settings(settings, clock),
                             template_environment())
    app.add_middleware(SecurityHeaders)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="web-static")
    app.add_exception_handler(PageRefused, _refused)  # type: ignore[arg-type]
    _not_found_as_page(app)


def _not_found_as_page(app: FastAPI) -> None:
    """A site, product or contract a page asks for that does not exist, or belongs to another
    institution (the services answer both alike), is a 404 page in the visitor's language; the API
    keeps its own answer (the handler registered before this one)."""
    api_handler = app.exception_handlers.get(NotFoundError)

    async def not_found(request: Request, exc: Exception) -> Response:
        web_app = app_for_path(request.url.path)
        if web_app is None or _wants_json(request):
            if api_handler is None:
                return JSONResponse({"detail": str(exc)}, status_code=404)
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return _error_page(request, web_app, "notfound", 404)

    app.add_exception_handler(NotFoundError, not_found)


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

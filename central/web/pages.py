"""A page request: who asks (maybe nobody yet), in which language, with which CSRF token.

Routes take ``ResidentPage`` or ``ConsolePage`` and answer with ``page.render(template, ...)``
or ``page.redirect(path)``; both set the cookies the request needs (language, the anonymous
CSRF token). Templates get ``t(key, **params)``, ``when(instant)``, ``day(date)``, the
``money`` filter, ``csrf_token``, ``user`` and ``app``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from central.accounts import SignedIn, session_for, session_limits
from central.web.apps import CONSOLE_APP, RESIDENT_APP, WebApp
from central.web.formats import local_date, local_datetime, utc_offset
from central.web.i18n import LANGUAGES, pick_language
from central.web.state import WebDep, WebSessionDep, WebState

LANG_COOKIE = "lang"
CSRF_COOKIE = "csrf"  # the anonymous (not yet signed-in) visitor's CSRF token
CSRF_FIELD = "csrf_token"  # the hidden form field
CSRF_HEADER = "X-CSRF-Token"  # the header of fetch() requests
_YEAR_S = 365 * 24 * 3600
R = TypeVar("R", bound=Response)


@dataclass
class PageRequest:
    request: Request
    app: WebApp
    web: WebState
    db: Session  # this request's transaction, committed before the response leaves
    now: datetime
    lang: str
    user: SignedIn | None
    csrf_token: str  # the signed-in session's, else the anonymous cookie's
    new_csrf_cookie: bool = False

    def t(self, key: str, **params: object) -> str:
        return self.app.catalogue.text(self.lang, key, **params)

    def when(self, moment: datetime, zone: str | None = None, weekday: bool = False) -> str:
        return local_datetime(moment, zone or self.web.settings.timezone, self.lang, weekday=weekday)

    def day(self, value: date, weekday: bool = False) -> str:
        return local_date(value, self.lang, weekday=weekday)

    def utc_offset(self, zone: str) -> str:
        """The zone's offset from UTC now: ``UTC+08:00``."""
        return utc_offset(zone, self.now)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.web.templates.get_template(template).render(
            page=self, app=self.app, user=self.user, lang=self.lang, t=self.t, when=self.when, day=self.day,
            csrf_token=self.csrf_token, csrf_field=CSRF_FIELD, switch=self.language_switch(), **context)
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, path: str) -> RedirectResponse:
        """303 See Other: after a POST the browser GETs ``path``."""
        return self.finish(RedirectResponse(path, status_code=303))

    def language_switch(self) -> tuple[str, str]:
        """(language, link) of the other language: this page again; after a POST, the app's start."""
        other = next(lang for lang in LANGUAGES if lang != self.lang)
        start = self.app.home_path if self.user else self.app.login_path
        path = self.request.url.path if self.request.method == "GET" else start
        return other, f"{path}?lang={other}"

    def finish(self, response: R) -> R:
        secure = self.web.settings.https
        if self.new_csrf_cookie:
            response.set_cookie(CSRF_COOKIE, self.csrf_token, httponly=True, samesite="strict", secure=secure)
        if self.request.query_params.get("lang") == self.lang != self.request.cookies.get(LANG_COOKIE):
            response.set_cookie(LANG_COOKIE, self.lang, max_age=_YEAR_S, httponly=True, samesite="lax",
                                secure=secure)
        return response


def request_language(request: Request, web: WebState) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         web.settings.default_language)


def visitor_csrf(cookie: str) -> tuple[str, bool]:
    """(token, fresh) of a visitor who is not signed in: the cookie's token when it looks like one
    of ours, else a new one that the response must set."""
    fresh = not 20 <= len(cookie) <= 100
    return (secrets.token_urlsafe(32) if fresh else cookie), fresh


def page_dependency(app: WebApp) -> Callable[..., PageRequest]:
    """The dependency that builds an app's ``PageRequest`` (once per request: FastAPI caches it)."""

    def page(request: Request, web: WebDep, db: WebSessionDep) -> PageRequest:
        now = web.clock()
        limits = session_limits(web.settings, app.kind)
        user = session_for(db, request.cookies.get(app.cookie), app.kind, limits, now)
        anonymous = request.cookies.get(CSRF_COOKIE, "")
        token, fresh = (user.csrf_token, False) if user else visitor_csrf(anonymous)
        return PageRequest(request, app, web, db, now, request_language(request, web), user, token, fresh)

    page.__name__ = f"{app.name}_page"
    return page


resident_page = page_dependency(RESIDENT_APP)
console_page = page_dependency(CONSOLE_APP)
ResidentPage = Annotated[PageRequest, Depends(resident_page)]
ConsolePage = Annotated[PageRequest, Depends(console_page)]


def page_of(app: WebApp) -> Callable[..., PageRequest]:
    """The one ``PageRequest`` dependency of an app (one object, so FastAPI builds it once a request)."""
    return resident_page if app is RESIDENT_APP else console_page

"""Who may see a page and send a form: the signed-in dependencies, CSRF, the session cookie.

- ``ResidentUser`` / ``StaffUser`` / ``AdminUser``: the signed-in ``SignedIn`` of a route; a GET
  without a session is redirected to the app's login page, anything else answered 401.
- ``csrf_guard(app)``: on the app's router, refuses (403) every POST, PUT, PATCH or DELETE whose
  ``csrf_token`` form field or ``X-CSRF-Token`` header does not match the session's token (or,
  before sign-in, the anonymous CSRF cookie's).
"""


import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from central.accounts import SignedIn, session_limits
from central.core.security import Role
from central.errors import CsrfRefused, PageForbidden, SignInRequired
from central.web.apps import CONSOLE_APP, RESIDENT_APP, WebApp
from central.web.i18n import LANGUAGES
from central.web.pages import CSRF_FIELD, CSRF_HEADER, PageRequest, page_of

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _user_dependency(app: WebApp) -> Callable[[PageRequest], SignedIn]:
    page_dep = page_of(app)

    def user(page: Annotated[PageRequest, Depends(page_dep)]) -> SignedIn:
        if page.user is None:
            raise SignInRequired(app.name)
        return page.user

    return user


def _admin(user: Annotated[SignedIn, Depends(_user_dependency(CONSOLE_APP))]) -> SignedIn:
    if user.principal.role is not Role.ADMIN:
        raise PageForbidden(CONSOLE_APP.name)
    return user


ResidentUser = Annotated[SignedIn, Depends(_user_dependency(RESIDENT_APP))]
StaffUser = Annotated[SignedIn, Depends(_user_dependency(CONSOLE_APP))]
AdminUser = Annotated[SignedIn, Depends(_admin)]


def csrf_guard(app: WebApp) -> Callable[..., Awaitable[None]]:
    """A router dependency: state-changing requests must carry the page's CSRF token."""
    page_dep = page_of(app)

    async def guard(request: Request, page: Annotated[PageRequest, Depends(page_dep)]) -> None:
        if request.method in _SAFE_METHODS:
            return
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not sent or not secrets.compare_digest(sent.encode(), page.csrf_token.encode()):
            raise CsrfRefused(app.name)

    return guard


def start_signed_in(page: PageRequest, response: Response, token: str) -> Response:
    """Give the browser its new session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    limits = session_limits(page.web.settings, page.app.kind)
    response.set_cookie(page.app.cookie, token, max_age=int(limits.absolute.total_seconds()),
                        path=page.app.prefix, httponly=True, samesite="lax", secure=page.web.settings.https)
    return response


def end_signed_in(page: PageRequest, response: Response) -> Response:
    response.delete_cookie(page.app.cookie, path=page.app.prefix, httponly=True, samesite="lax",
                           secure=page.web.settings.https)
    return response


def client_address(request: Request) -> str:
    """The caller's address, for per-address limits (behind a proxy: uvicorn --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def safe_next(app: WebApp, target: str | None) -> str:
    """Where to go after sign-in: a path inside the app, never another site."""
    if target and app.owns(target) and "//" not in target and "\\" not in target:
        return target
    return app.home_path


def login_redirect_target(app: WebApp, request: Request) -> str:
    """The login page, with where to go afterwards and the language asked for (if any)."""
    query = [f"next={quote(request.url.path)}"] if request.method == "GET" and \
        request.url.path != app.home_path else []
    if request.query_params.get("lang") in LANGUAGES:
        query.append(f"lang={request.query_params['lang']}")
    return f"{app.login_path}?{'&'.join(query)}" if query else app.login_path

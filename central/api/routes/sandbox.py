"""The sandbox payment provider's page (``/sandbox/pay/<checkout>``), served only while the
``sandbox`` provider is enabled: the order and amount, and pay / fail / cancel.

It stands in for WeChat Pay's or Alipay's page: it needs no sign-in of ours, holds no
database transaction, and talks to our notify endpoint over HTTP.

A choice sends the signed callback to our notify endpoint as a provider would
(``central.payments.sandbox``), then returns the resident to the shop's return URL, or says
that the shop did not accept it. The form carries a CSRF token bound to the ``sandbox_csrf``
cookie (HttpOnly, SameSite=Strict, path /sandbox).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central.db.payments import PaymentStatus
from central.payments.sandbox import PAGE_PATH, Sandbox, SandboxCheckout
from central.web.formats import local_datetime
from central.web.i18n import LANGUAGES, SANDBOX
from central.web.pages import CSRF_FIELD, request_language, visitor_csrf
from central.web.state import get_web

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "sandbox_csrf"
_CHOICES = {"pay": PaymentStatus.PAID, "fail": PaymentStatus.FAILED, "cancel": PaymentStatus.CLOSED}
Sealed = Annotated[str, Path(max_length=4000)]


class _View:
    """One sandbox request: its language, CSRF token and how to answer."""

    def __init__(self, request: Request) -> None:
        self.request, self.web = request, get_web(request)
        self.lang = request_language(request, self.web)
        self.csrf_token, self.fresh = visitor_csrf(request.cookies.get(CSRF_COOKIE, ""))

    def t(self, key: str, **params: object) -> str:
        return SANDBOX.text(self.lang, key, **params)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        other = next(code for code in LANGUAGES if code != self.lang)
        html = self.web.templates.get_template(template).render(
            t=self.t, lang=self.lang, switch=(other, f"{self.request.url.path}?lang={other}"),
            csrf_field=CSRF_FIELD, csrf_token=self.csrf_token, **context)
        response = HTMLResponse(html, status_code=status)
        if self.fresh:
            response.set_cookie(CSRF_COOKIE, self.csrf_token, path="/sandbox", httponly=True,
                                samesite="strict", secure=self.web.settings.https)
        return response

    def message(self, kind: str, status: int, back: str | None = None, **params: object) -> HTMLResponse:
        return self.render("sandbox/message.html", status, title=self.t(f"sandbox.{kind}.title"),
                           body=self.t(f"sandbox.{kind}.body", **params), back=back)

    def when(self, checkout: SandboxCheckout) -> str:
        return local_datetime(checkout.expires_at, self.web.settings.timezone, self.lang)


def _sandbox(request: Request) -> Sandbox | None:
    payments = getattr(request.app.state, "payments", None)
    provider = payments.provider("sandbox") if payments and "sandbox" in payments.provider_names else None
    return provider if isinstance(provider, Sandbox) else None


def _checkout(request: Request, sealed: str) -> SandboxCheckout | None:
    sandbox = _sandbox(request)
    return sandbox.open(sealed) if sandbox else None


@router.get(PAGE_PATH + "/{sealed}")
def checkout_page(request: Request, sealed: Sealed) -> Response:
    view, checkout = _View(request), _checkout(request, sealed)
    if checkout is None:
        return view.message("unknown", 404)
    if checkout.expires_at <= view.web.clock():
        return view.message("expired", 410, checkout.return_url, time=view.when(checkout))
    return view.render("sandbox/checkout.html", checkout=checkout, expires=view.when(checkout),
                       action=f"{PAGE_PATH}/{sealed}")


@router.post(PAGE_PATH + "/{sealed}")
def choose(request: Request, sealed: Sealed, choice: Annotated[str, Form(max_length=10)] = "",
           csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    view, sandbox = _View(request), _sandbox(request)
    checkout = sandbox.open(sealed) if sandbox else None
    if view.fresh or not secrets.compare_digest(csrf_token.encode(), view.csrf_token.encode()):
        return _csrf_refused(view)
    if sandbox is None or checkout is None or choice not in _CHOICES:
        return view.message("unknown", 404)
    now = view.web.clock()
    if checkout.expires_at <= now:
        return view.message("expired", 410, checkout.return_url, time=view.when(checkout))
    status = sandbox.deliver(checkout, _CHOICES[choice], now)
    if status is not None and 200 <= status < 300:
        return RedirectResponse(checkout.return_url, status_code=303)
    shown = f"HTTP {status}" if status is not None else view.t("sandbox.no_answer")
    return view.message("undelivered", 502, checkout.return_url, answer=shown)


def _csrf_refused(view: _View) -> HTMLResponse:
    return view.render("sandbox/message.html", 403, title=view.t("error.csrf.title"),
                       body=view.t("error.csrf.body"), back=None)


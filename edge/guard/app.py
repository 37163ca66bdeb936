"""The guard page application: static assets from this package, the API, security headers."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.agent import Agent
from edge.errors import GuardConflict, GuardError
from edge.guard.routes import router
from edge.guard.security import Accounts, LoginForm, Sessions
from edge.guard.stream import LiveFeed

STATIC = Path(__file__).parent / "static"
_CSP = ("default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = [(b"content-security-policy", _CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Plain ASGI (not BaseHTTPMiddleware), so the live stream passes through unbuffered. A header a
    route set itself (a snapshot's Cache-Control) is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(k, v) for k, v in _HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


def _refused(request: Request, exc: Exception) -> JSONResponse:
    """A guard action that cannot be carried out: 422 (bad input) or 409 (the read does not allow it
    now, or it must be confirmed first), with why and a code the page has words for."""
    code = exc.code if isinstance(exc, GuardError) else "refused"
    status = 409 if isinstance(exc, GuardConflict) else 422
    return JSONResponse({"detail": str(exc), "code": code}, status_code=status)


def create_app(agent: Agent, stopping: threading.Event | None = None) -> FastAPI:
    """``stopping``, once set, closes the live streams (the server is shutting down)."""
    guard = agent.settings.guard
    app = FastAPI(title="Gate guard page", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.agent = agent
    lockout = timedelta(minutes=guard.lockout_minutes)
    accounts = Accounts(guard.accounts, agent.store, guard.max_failures, guard.max_address_failures, lockout,
                        agent.clock)
    app.state.accounts = accounts
    app.state.sessions = Sessions(agent.store, accounts.fingerprints, timedelta(hours=guard.session_hours),
                                  agent.clock)
    app.state.sessions.start()
    app.state.login_form = LoginForm(agent.settings.session_secret())
    app.state.feed = LiveFeed(agent, guard.stream_heartbeat_s, stopping or threading.Event())
    app.state.secure_cookie = guard.secure_cookie
    app.include_router(router)
    app.add_exception_handler(GuardError, _refused)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus text, no login (counts and states only: no plate, no secret; docs/metrics.md)."""
        return Response(agent.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app

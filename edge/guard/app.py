"""The guard page application: static assets from this package, the API, security headers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from edge.agent import Agent
from edge.errors import GuardError
from edge.guard.routes import router
from edge.guard.security import Accounts, SessionCodec

STATIC = Path(__file__).parent / "static"
_CSP = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"


def _refused(request: Request, exc: Exception) -> JSONResponse:
    """A guard action that cannot be carried out (unknown read or lane, bad plate): 422, with why."""
    return JSONResponse({"detail": str(exc)}, status_code=422)


def create_app(agent: Agent) -> FastAPI:
    guard = agent.settings.guard
    app = FastAPI(title="Gate guard page", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.agent = agent
    app.state.codec = SessionCodec(agent.settings.session_secret(), guard.session_hours * 3600)
    app.state.accounts = Accounts(guard.accounts, guard.max_failures,
                                  timedelta(minutes=guard.lockout_minutes), agent.clock)
    app.state.secure_cookie = guard.secure_cookie
    app.include_router(router)
    app.add_exception_handler(GuardError, _refused)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.middleware("http")
    async def headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    return app

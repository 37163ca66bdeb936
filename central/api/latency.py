"""API latency: each HTTP request's duration, by route template (never the raw path) and status."""

from __future__ import annotations

import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.metrics import API_SECONDS

UNMATCHED = "unmatched"  # a path no route took (a scan for /wp-admin): one label, not one per path


class RequestLatency:
    """ASGI middleware feeding ``parking_central_api_request_duration_seconds``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        root = scope.get("root_path", "")

        async def send_keeping_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_keeping_status)
        finally:
            API_SECONDS.labels(route_template(scope, root), scope["method"], str(status)).observe(
                time.perf_counter() - started)


def route_template(scope: Scope, root: str = "") -> str:
    """The matched route's template (``/api/v1/sites/{site_id}``), as routing left it in ``scope``.

    FastAPI (0.16x) keeps the included router's prefix in the route context it leaves in the
    scope; Starlette's ``route`` carries the path below the prefix of the mounts it went through.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    if isinstance(getattr(context, "path", None), str):
        return str(context.path)
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return _mount(scope)
    mounted = str(scope.get("root_path", ""))[len(root):]  # the mount prefixes routing went through
    return mounted + path


def _mount(scope: Scope) -> str:
    """The mounted app (static files) that took the path, or ``UNMATCHED``."""
    for route in getattr(scope.get("app"), "routes", ()):
        if isinstance(route, Mount) and str(scope["path"]).startswith(route.path + "/"):
            return f"{route.path}/{{path}}"
    return UNMATCHED

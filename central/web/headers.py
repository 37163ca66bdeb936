"""Security headers on every response: a strict Content-Security-Policy and friends.

No inline script or style is allowed anywhere, the docs pages included (their start-up code is
a static file): templates link ``/static/web/...`` files only. ``img-src`` also allows
``data:`` URIs, which Swagger UI's stylesheet uses for its icons and which cannot run code.
One exception: ReDoc (``/redoc``) writes its styles into ``<style>`` elements, which that page
allows by a nonce made for each response and the hashes of two fixed ones it writes before it
knows the nonce (``content_security_policy(style_nonce=..., style_hashes=...)``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(style_nonce: str | None = None, style_hashes: tuple[str, ...] = ()) -> str:
    allowed = [f"'nonce-{style_nonce}'"] if style_nonce else []
    styles = " ".join(["style-src 'self'", *allowed, *(f"'{digest}'" for digest in style_hashes)])
    return "; ".join(("default-src 'self'", "script-src 'self'", styles, "img-src 'self' data:",
                      "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"))


CONTENT_SECURITY_POLICY = content_security_policy()
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: adds ``HEADERS`` to every HTTP response (but those a route set itself), and
    ``no-store`` to HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                if _is_html(headers) and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)

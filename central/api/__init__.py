"""The HTTP API (FastAPI); ``create_app(settings)`` builds it."""

from central.api.main import API_PREFIX, create_app, utc_now

__all__ = ["API_PREFIX", "create_app", "utc_now"]

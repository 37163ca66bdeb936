"""The HTTP API (FastAPI); ``create_app(settings)`` builds it."""

from central.api.main import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]

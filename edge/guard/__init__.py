"""The guard page: a FastAPI app served by the agent on the gatehouse tablet (no internet needed)."""

from edge.guard.app import create_app

__all__ = ["create_app"]

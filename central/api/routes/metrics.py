"""``/metrics``: Prometheus' text format (docs/metrics.md); a bearer token when ``metrics.token`` is set."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from central.api.deps import AppState, StateDep
from central.api.routes.health import RuntimeDep
from central.health import Runtime, read_facts, sample
from central.metrics import registry_for

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, state: StateDep, runtime: RuntimeDep,
            authorization: Annotated[str | None, Header()] = None) -> Response:
    settings = state.settings.metrics
    if not settings.enabled:
        raise HTTPException(404, "metrics.enabled is false")
    token = settings.token_text()
    if token is not None and not secrets.compare_digest((authorization or "").encode(),
                                                        f"Bearer {token}".encode()):
        raise HTTPException(401, "a bearer token is required (metrics.token)",
                            headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(_registry(request, state, runtime)), media_type=CONTENT_TYPE_LATEST)


def _registry(request: Request, state: AppState, runtime: Runtime) -> CollectorRegistry:
    """One registry per app, made at the first scrape; its state is read again at every scrape."""
    registry: CollectorRegistry | None = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        registry = registry_for(lambda: sample(read_facts(state.database, runtime, state.clock())))
        request.app.state.metrics_registry = registry
    return registry

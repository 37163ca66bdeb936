"""Health for load balancers, docker-compose and people: 200 when all is well, 503 when degraded,
each check named with why (``central.health``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from central.api.deps import StateDep
from central.health import Runtime, judge, read_facts

router = APIRouter(tags=["health"])


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

_DEGRADED: dict[int | str, dict[str, Any]] = {503: {"description": "degraded: `degraded` names each failed "
                                                                    "check and why"}}


@router.get("/health", responses=_DEGRADED)
def health(state: StateDep, runtime: RuntimeDep) -> JSONResponse:
    """The database, the broker links (up or down, since when), the publisher's backlog (unsent
    outbox rows, the oldest's age) and ingest (lag, last message's age)."""
    facts = read_facts(state.database, runtime, state.clock())
    checks = judge(facts, state.settings.health)
    degraded = [f"{check.name}: {check.why}" for check in checks if not check.ok]
    body = {"status": "degraded" if degraded else "ok", "checked_at": facts.now.isoformat(),
            "degraded": degraded,
            "checks": {check.name: {"ok": check.ok, "why": check.why, **check.detail} for check in checks}}
    return JSONResponse(body, status_code=503 if degraded else 200)

"""Thin routes of the guard page; the work is in the agent's GuardDesk and the views."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from edge.guard.deps import (
    AccountsDep,
    AgentDep,
    CodecDep,
    GuardPostDep,
    LoginPostDep,
    MaybeSessionDep,
    SessionDep,
)
from edge.guard.security import COOKIE, GuardSession, SessionCodec
from edge.guard.views import audit_view, read_view, state_view
from shared import GateEvent, OverrideReason

router = APIRouter()
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(_Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class OpenAction(_Body):
    reason: OverrideReason
    comment: str = Field(default="", max_length=500)


class LaneOpenAction(_Body):
    reason: OverrideReason
    comment: str = Field(default="", max_length=500)
    plate: str | None = Field(default=None, max_length=16, description="if the guard can read it")


class DenyAction(_Body):
    comment: str = Field(default="", max_length=500)


class CorrectAction(_Body):
    plate: str = Field(min_length=2, max_length=16)
    comment: str = Field(default="", max_length=500)


def _set_cookie(request: Request, response: Response, codec: SessionCodec, session: GuardSession) -> None:
    response.set_cookie(COOKIE, codec.dump(session), max_age=int(codec.max_age_s), httponly=True,
                        samesite="strict", secure=request.app.state.secure_cookie, path="/")


def _session_json(session: GuardSession) -> dict[str, Any]:
    return {"guard": session.guard, "csrf": session.csrf}


@router.get("/api/session")
def read_session(request: Request, response: Response, codec: CodecDep,
                 session: MaybeSessionDep) -> dict[str, Any]:
    """The current session, or a fresh anonymous one (its CSRF token protects the login)."""
    if session is None:
        session = codec.new()
        _set_cookie(request, response, codec, session)
    return _session_json(session)


@router.post("/api/login")
def login(body: Login, request: Request, response: Response, codec: CodecDep, accounts: AccountsDep,
          _: LoginPostDep) -> dict[str, Any]:
    if accounts.locked(body.username):
        raise HTTPException(status.HTTP_423_LOCKED, "account locked after repeated failures; try later")
    if not accounts.check(body.username, body.password):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong name or password")
    session = codec.new(body.username)
    _set_cookie(request, response, codec, session)
    return _session_json(session)


@router.post("/api/logout")
def logout(request: Request, response: Response, codec: CodecDep, _: GuardPostDep) -> dict[str, Any]:
    _set_cookie(request, response, codec, codec.new())
    return {"guard": None}


@router.get("/api/state")
def state(agent: AgentDep, session: SessionDep) -> dict[str, Any]:
    return state_view(agent, session.guard or "")


@router.get("/api/audit")
def audit(agent: AgentDep, _: SessionDep) -> list[dict[str, Any]]:
    return audit_view(agent)


@router.get("/snapshots/{sha256}.jpg")
def snapshot(sha256: str, agent: AgentDep, _: SessionDep) -> FileResponse:
    path = agent.snapshots.path(sha256) if _SHA256.match(sha256) else None
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such snapshot")
    return FileResponse(path, media_type="image/jpeg")


def _done(agent: AgentDep, event: GateEvent) -> dict[str, Any]:
    row = agent.store.event(str(event.event_id))
    return read_view(row) if row else {}


@router.post("/api/reads/{event_id}/open")
def open_barrier(event_id: str, body: OpenAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    return _done(agent, agent.desk.open(session.guard or "", event_id, body.reason, body.comment))


@router.post("/api/lanes/{lane}/open")
def open_lane(lane: str, body: LaneOpenAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    """Open for a car the camera never read; audited and sent to central like any override."""
    event = agent.desk.open_lane(session.guard or "", lane, body.reason, body.comment, body.plate or None)
    return _done(agent, event)


@router.post("/api/reads/{event_id}/deny")
def deny(event_id: str, body: DenyAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    return _done(agent, agent.desk.deny(session.guard or "", event_id, comment=body.comment))


@router.post("/api/reads/{event_id}/correct")
def correct(event_id: str, body: CorrectAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    return _done(agent, agent.desk.correct(session.guard or "", event_id, body.plate, body.comment))

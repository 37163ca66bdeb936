"""Thin routes of the guard page; the work is in the agent's GuardDesk, the views and the feed."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from edge.guard.catalogue import catalogue
from edge.guard.deps import (
    AccountsDep,
    AddressDep,
    AgentDep,
    FeedDep,
    GuardPostDep,
    LoginFormDep,
    LoginPostDep,
    MaybeSessionDep,
    SessionDep,
    SessionsDep,
)
from edge.guard.security import COOKIE, LOGIN_COOKIE, LOGIN_FORM_S, GuardSession
from edge.guard.views import audit_view, read_view, state_view
from shared import GateEvent, OverrideReason, PlainText

router = APIRouter()
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CATALOGUE = catalogue()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(_Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class OpenAction(_Body):
    reason: OverrideReason
    comment: PlainText = Field(default="", max_length=500)
    confirm_inside: bool = Field(default=False, description="the guard confirmed a plate already inside")


class LaneOpenAction(OpenAction):
    plate: str | None = Field(default=None, max_length=16, description="if the guard can read it")


class DenyAction(_Body):
    comment: PlainText = Field(default="", max_length=500)


class CorrectAction(_Body):
    plate: str = Field(min_length=2, max_length=16)
    comment: PlainText = Field(default="", max_length=500)


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.app.state.secure_cookie, path="/")


def _session_json(request: Request, session: GuardSession) -> dict[str, Any]:
    guard = request.app.state.agent.settings.guard
    return {"guard": session.guard, "csrf": session.csrf,
            "live": {"heartbeat_s": guard.stream_heartbeat_s, "poll_s": guard.poll_s}}


@router.get("/api/catalogue")
def read_catalogue() -> dict[str, dict[str, str]]:
    """Every text of the page, both languages (public: the login form needs it)."""
    return _CATALOGUE


@router.get("/api/session")
def read_session(request: Request, response: Response, form: LoginFormDep,
                 session: MaybeSessionDep) -> dict[str, Any]:
    """The logged-in session, or the login form's CSRF token (kept, or a new one)."""
    if session is None:
        session = form.load(request.cookies.get(LOGIN_COOKIE))
    if session is None:
        cookie, session = form.new()
        _cookie(request, response, LOGIN_COOKIE, cookie, LOGIN_FORM_S)
    return _session_json(request, session)


@router.post("/api/login")
def login(body: Login, request: Request, response: Response, accounts: AccountsDep, sessions: SessionsDep,
          address: AddressDep, _: LoginPostDep) -> dict[str, Any]:
    if accounts.locked(body.username, address):
        raise HTTPException(status.HTTP_423_LOCKED, "locked after repeated failures; try later")
    if not accounts.check(body.username, body.password, address):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong name or password")
    token, session = sessions.open(body.username, address)
    _cookie(request, response, COOKIE, token, int(sessions.lifetime.total_seconds()))
    return _session_json(request, session)


@router.post("/api/logout")
def logout(response: Response, sessions: SessionsDep, session: GuardPostDep) -> dict[str, Any]:
    """Ends the session on the gate: its cookie is refused from now on, wherever it was copied."""
    sessions.close(session)
    response.delete_cookie(COOKIE, path="/")
    return {"guard": None}


@router.get("/api/state")
def state(agent: AgentDep, session: SessionDep) -> dict[str, Any]:
    return state_view(agent, session.guard or "")


@router.get("/api/stream")
def stream(request: Request, feed: FeedDep, sessions: SessionsDep, session: SessionDep) -> StreamingResponse:
    """The state pushed as server-sent events whenever it changes (see edge/guard/stream.py)."""
    token = request.cookies.get(COOKIE)
    events = feed.events(session.guard or "", lambda: sessions.load(token) is not None)
    return StreamingResponse(events, media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


@router.get("/api/audit")
def audit(agent: AgentDep, _: SessionDep) -> list[dict[str, Any]]:
    return audit_view(agent, 100)


@router.get("/snapshots/{sha256}.jpg")
def snapshot(sha256: str, agent: AgentDep, _: SessionDep) -> FileResponse:
    path = agent.snapshots.path(sha256) if _SHA256.match(sha256) else None
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such snapshot")
    # named by its content: the tablet may keep it (privately) instead of fetching it at every push
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400, immutable"})


def _done(agent: AgentDep, event: GateEvent) -> dict[str, Any]:
    row = agent.store.event(str(event.event_id))
    return read_view(agent, row, None, agent.store.inside()) if row else {}


@router.post("/api/reads/{event_id}/open")
def open_barrier(event_id: str, body: OpenAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    event = agent.desk.open(session.guard or "", event_id, body.reason, body.comment, body.confirm_inside)
    return _done(agent, event)


@router.post("/api/lanes/{lane}/open")
def open_lane(lane: str, body: LaneOpenAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    """Open for a car the camera never read; audited and sent to central like any override."""
    event = agent.desk.open_lane(session.guard or "", lane, body.reason, body.comment, body.plate or None,
                                 body.confirm_inside)
    return _done(agent, event)


@router.post("/api/reads/{event_id}/deny")
def deny(event_id: str, body: DenyAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    return _done(agent, agent.desk.deny(session.guard or "", event_id, comment=body.comment))


@router.post("/api/reads/{event_id}/correct")
def correct(event_id: str, body: CorrectAction, agent: AgentDep, session: GuardPostDep) -> dict[str, Any]:
    return _done(agent, agent.desk.correct(session.guard or "", event_id, body.plate, body.comment))

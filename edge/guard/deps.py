"""Dependencies of the guard routes: the agent, the session, the CSRF check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from edge.agent import Agent
from edge.guard.security import COOKIE, CSRF_HEADER, Accounts, GuardSession, SessionCodec


def get_agent(request: Request) -> Agent:
    agent: Agent = request.app.state.agent
    return agent


def get_codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.codec
    return codec


def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


AgentDep = Annotated[Agent, Depends(get_agent)]
CodecDep = Annotated[SessionCodec, Depends(get_codec)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def any_session(request: Request, codec: CodecDep) -> GuardSession | None:
    return codec.load(request.cookies.get(COOKIE))


def _csrf_ok(request: Request, session: GuardSession | None) -> GuardSession:
    sent = request.headers.get(CSRF_HEADER, "")
    if session is None or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
    return session


def guard_session(session: Annotated[GuardSession | None, Depends(any_session)]) -> GuardSession:
    if session is None or not session.logged_in:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first")
    return session


def csrf_session(request: Request,
                 session: Annotated[GuardSession | None, Depends(any_session)]) -> GuardSession:
    """A POST before login (the login itself): the anonymous session's token must match."""
    return _csrf_ok(request, session)


def guard_post(request: Request, session: Annotated[GuardSession, Depends(guard_session)]) -> GuardSession:
    """A guard's POST: logged in, and the CSRF token matches."""
    return _csrf_ok(request, session)


MaybeSessionDep = Annotated[GuardSession | None, Depends(any_session)]
SessionDep = Annotated[GuardSession, Depends(guard_session)]
LoginPostDep = Annotated[GuardSession, Depends(csrf_session)]
GuardPostDep = Annotated[GuardSession, Depends(guard_post)]

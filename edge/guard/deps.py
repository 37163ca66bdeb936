"""Dependencies of the guard routes: the agent, the session, the CSRF check, the client address."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from edge.agent import Agent
from edge.guard.security import COOKIE, CSRF_HEADER, LOGIN_COOKIE, Accounts, GuardSession, LoginForm, Sessions
from edge.guard.stream import LiveFeed


def get_agent(request: Request) -> Agent:
    agent: Agent = request.app.state.agent
    return agent


def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def get_login_form(request: Request) -> LoginForm:
    form: LoginForm = request.app.state.login_form
    return form


def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def get_feed(request: Request) -> LiveFeed:
    feed: LiveFeed = request.app.state.feed
    return feed


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For is applied by uvicorn)."""
    return request.client.host if request.client else "unknown"


AgentDep = Annotated[Agent, Depends(get_agent)]
SessionsDep = Annotated[Sessions, Depends(get_sessions)]
LoginFormDep = Annotated[LoginForm, Depends(get_login_form)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
FeedDep = Annotated[LiveFeed, Depends(get_feed)]
AddressDep = Annotated[str, Depends(client_address)]


def any_session(request: Request, sessions: SessionsDep) -> GuardSession | None:
    """The logged-in session of the cookie, if it still stands."""
    return sessions.load(request.cookies.get(COOKIE))


def _csrf_ok(request: Request, session: GuardSession | None) -> GuardSession:
    sent = request.headers.get(CSRF_HEADER, "")
    if session is None or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
    return session


def guard_session(session: Annotated[GuardSession | None, Depends(any_session)]) -> GuardSession:
    if session is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first")
    return session


def login_post(request: Request, form: LoginFormDep,
               session: Annotated[GuardSession | None, Depends(any_session)]) -> GuardSession:
    """The login itself: the login form's token (or a logged-in session's) must be sent back."""
    return _csrf_ok(request, session or form.load(request.cookies.get(LOGIN_COOKIE)))


def guard_post(request: Request, session: Annotated[GuardSession, Depends(guard_session)]) -> GuardSession:
    """A guard's POST: logged in, and the CSRF token matches."""
    return _csrf_ok(request, session)


MaybeSessionDep = Annotated[GuardSession | None, Depends(any_session)]
SessionDep = Annotated[GuardSession, Depends(guard_session)]
LoginPostDep = Annotated[GuardSession, Depends(login_post)]
GuardPostDep = Annotated[GuardSession, Depends(guard_post)]

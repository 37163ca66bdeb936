"""FastAPI dependencies, as ``Annotated`` aliases the routes use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from central import db
from central.broker import GateAccounts, accounts_for
from central.contracts.service import ContractRules
from central.core.config import Settings
from central.core.security import Principal, Role, principal_for
from central.distribution.bundles import Signer
from central.listing import Page, PageRequest
from central.orders import OrderContext
from central.payments import PaymentService
from shared import Clock


@dataclass
class AppState:
    """What every request may need; kept on ``app.state.central``."""

    settings: Settings
    database: db.Database
    signer: Signer
    rules: ContractRules
    clock: Clock


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.central
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, BEFORE the response is sent
    (scope="function"), so a client acting on a 201 finds the row; rolled back on error."""
    with state.database.transaction() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


Limit = Annotated[int, Query(ge=1, le=10_000, description="rows at most (bounded by api.page_max)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows skipped")]


def get_page(state: StateDep, limit: Limit = 100, offset: Offset = 0) -> PageRequest:
    return PageRequest(limit, offset).bounded(state.settings.api.page_max)


PageDep = Annotated[PageRequest, Depends(get_page)]
TOTAL_HEADER = "X-Total-Count"


def page_body(response: Response, page: Page[Any]) -> list[Any]:
    """A list route's body: the page's rows; the count of all matching rows goes in X-Total-Count."""
    response.headers[TOTAL_HEADER] = str(page.total)
    return page.items


def get_now(state: StateDep) -> datetime:
    return state.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def get_accounts(state: StateDep) -> GateAccounts:
    """How gate accounts are made on the broker (``broker_accounts.manager``)."""
    return accounts_for(state.settings)


AccountsDep = Annotated[GateAccounts, Depends(get_accounts)]


def get_payments(request: Request) -> PaymentService:
    """The payment providers and the order book they activate (``app.state.payments``)."""
    payments: PaymentService = request.app.state.payments
    return payments


PaymentsDep = Annotated[PaymentService, Depends(get_payments)]


def get_order_context(state: StateDep, payments: PaymentsDep) -> OrderContext:
    """What ordering needs: the signer, the contract rules, the order settings, the payment service."""
    return OrderContext(state.signer, state.rules, state.settings.orders, payments)


OrderContextDep = Annotated[OrderContext, Depends(get_order_context)]

_bearer = HTTPBearer(auto_error=False)


def get_principal(session: SessionDep, now: NowDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    principal = principal_for(session, credentials.credentials, now) if credentials else None
    if principal is None:
        raise HTTPException(401, "missing, unknown or expired bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_admin(user: CurrentUser) -> Principal:
    if user.role is not Role.ADMIN:
        raise HTTPException(403, "admin only")
    return user


AdminUser = Annotated[Principal, Depends(get_admin)]


def get_staff(user: CurrentUser) -> Principal:
    if user.role not in (Role.ADMIN, Role.OPERATOR):
        raise HTTPException(403, "admins and operators only")
    return user


StaffUser = Annotated[Principal, Depends(get_staff)]

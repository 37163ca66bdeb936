"""Statements as JSON: ``GET /billing/statements/{contract_id}/{month}`` and a month's list for staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from central.api.deps import CurrentUser, PageDep, SessionDep, StaffUser, page_body
from central.billing.month import Month
from central.billing.store import statement_page, statement_rows
from central.contracts.service import visible_contract
from central.core.security import visible_site_ids
from central.errors import NotFoundError

router = APIRouter(prefix="/billing", tags=["billing"])

MonthText = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


@router.get("/statements/{contract_id}/{month}")
def contract_statement(contract_id: str, month: MonthText, session: SessionDep,
                       user: CurrentUser) -> dict[str, Any]:
    """One contract's statement of a month, with its lines; residents see their own only."""
    visible_contract(session, user, contract_id)
    found = statement_rows(session.connection(), str(Month.parse(month)), contract_id)
    if not found:
        raise NotFoundError("statement", f"{contract_id}/{month}")
    return found[0]


@router.get("/statements")
def list_statements(session: SessionDep, user: StaffUser, page: PageDep, response: Response,
                    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                    site_id: Annotated[str | None, Query(max_length=64)] = None,
                    contract_id: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    """Statements (without lines) at the sites the caller manages, newest month first; the total in
    X-Total-Count."""
    found = statement_page(session.connection(), page, visible_site_ids(user),
                           None if month is None else str(Month.parse(month)), site_id, contract_id)
    return page_body(response, found)

"""Statements as JSON: ``GET /billing/statements/{contract_id}/{month}`` and a month's list for staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from central.api.deps import CurrentUser, SessionDep, StaffUser
from central.billing.month import Month
from central.billing.store import statement_rows
from central.contracts.service import visible_contract
from central.db import Site
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
def month_statements(session: SessionDep, user: StaffUser,
                     month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
                     site_id: str | None = None) -> list[dict[str, Any]]:
    """Every statement of a month at the sites the caller manages (without lines)."""
    sites = {s.id: s for s in session.query(Site)}
    rows = [r for r in statement_rows(session.connection(), month, with_lines=False)
            if (site_id is None or r["site_id"] == site_id)
            and r["site_id"] in sites and user.may_manage_site(sites[r["site_id"]])]
    return rows

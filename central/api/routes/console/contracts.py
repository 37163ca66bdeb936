"""Contracts: search by plate, resident (mobile number or id), status and site, page by page; a
contract's page with its tariff, history and refund rule; suspend, reinstate and cancel with a reason.

A contract's page shows the resident's online orders of it (``_orders``); every order of the user's
sites, searched and totalled, is on the orders page (``orders.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from central import accounts, db, sites
from central.api.deps import StateDep
from central.api.routes.console.fields import LIST_PAGE, form_context
from central.billing.refunds import refund_outlook
from central.contracts.actions import ContractActionKind, act_on_contract, contract_history
from central.contracts.service import ContractFilter, list_contracts, local_today, visible_contract
from central.listing import Page, PageRequest
from central.orders.refunds import refund_preview
from central.web.auth import StaffUser
from central.web.forms import FormDep, Refusal, attempt, text
from central.web.pages import ConsolePage
from shared import PlateError, parse_plate

router = APIRouter()

Search = Annotated[str, Query(max_length=64)]
NOBODY = "-"  # a resident id no one has: the search names a resident who does not exist


@router.get("/contracts")
def contract_list(page: ConsolePage, user: StaffUser, plate: Search = "", resident: Search = "",
                  status: Search = "", site: Search = "",
                  p: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    errors: dict[str, str] = {}
    try:
        plate_text = parse_plate(plate).text if plate else None
    except PlateError:
        plate_text, errors["plate"] = None, page.t("field.plate_invalid")
    key = page.web.settings.phone_key_text()
    holder = accounts.find_resident(page.db, resident, key) if resident else None
    where = ContractFilter(site_id=site or None, plate=plate_text, status=_status(status),
                           resident_id=(holder.id if holder else NOBODY) if resident else None)
    cut = PageRequest(LIST_PAGE, (p - 1) * LIST_PAGE)
    found = Page([], 0, cut.limit, cut.offset) if errors else \
        list_contracts(page.db, user.principal, cut, where)
    return page.render("console/contracts.html", found=found, errors=errors, p=p,
                       query={"plate": plate, "resident": resident, "status": status,
                              "site": site},
                       residents=accounts.residents_by_id(page.db, (c.resident_id for c in found.items)),
                       sites=sites.list_sites(page.db, user.principal, PageRequest(500, 0)).items,
                       **form_context(page))


@router.get("/contracts/{contract_id}")
def contract_page(page: ConsolePage, user: StaffUser, contract_id: str) -> Response:
    return _contract_page(page, user, contract_id, {}, None)


@router.post("/contracts/{contract_id}/{action}")
def contract_act(page: ConsolePage, user: StaffUser, state: StateDep, contract_id: str,
                 action: ContractActionKind, form: FormDep) -> Response:
    contract, site = visible_contract(page.db, user.principal, contract_id)
    reason = text(form, "reason", 1000)
    if not reason:
        return _contract_page(page, user, contract.id, {"reason": page.t("field.reason_invalid")}, None,
                              action, status=400)
    try:
        effective_on = _effective_on(form, action)
    except ValueError:
        return _contract_page(page, user, contract.id, {"effective_on": page.t("field.date_invalid")}, None,
                              action, status=400)
    done = attempt(page, lambda: act_on_contract(page.db, user.principal, user.username or "", contract.id,
                                                 action, reason, state.signer, state.rules, page.now,
                                                 effective_on), f"contract.refused_{action.value}")
    if isinstance(done, Refusal):
        return _contract_page(page, user, contract.id, {}, done, action, status=409)
    return page.redirect(f"/console/contracts/{contract.id}")


def _orders(page: ConsolePage, contract: db.Contract) -> list[db.Order]:
    """The resident's online orders of the contract (the first term and renewals), oldest first."""
    return list(page.db.scalars(select(db.Order).where(db.Order.contract_id == contract.id)
                                .order_by(db.Order.created_at, db.Order.id)))


def _prepaid(page: ConsolePage, user: StaffUser, contract: db.Contract,
             orders: list[db.Order]) -> tuple[str, int] | None:
    """For a contract a resident paid ahead online: what cancelling today refunds through the provider,
    or, once cancelled, what was refunded; None for a contract billed monthly."""
    orders = [order for order in orders if order.paid_at is not None]
    if not orders:
        return None
    if contract.status == db.ContractState.ACTIVE and contract.ends_on is None:
        return "due", refund_preview(page.db, user.principal, contract.id, page.now)
    return "refunded", sum(order.refunded_fen for order in orders)


def _status(typed: str) -> db.ContractState | None:
    """A status chosen in the search form; '' (or anything else) is every status."""
    try:
        return db.ContractState(typed)
    except ValueError:
        return None


def _effective_on(form: FormDep, action: ContractActionKind) -> date | None:
    typed = text(form, "effective_on", 20)
    return date.fromisoformat(typed) if typed and action is ContractActionKind.CANCEL else None


def _contract_page(page: ConsolePage, user: StaffUser, contract_id: str, errors: dict[str, str],
                   refusal: Refusal | None, action: ContractActionKind | None = None,
                   status: int = 200) -> Response:
    contract, site = visible_contract(page.db, user.principal, contract_id)
    orders = _orders(page, contract)
    return page.render("console/contract.html", status=status, contract=contract, site=site,
                       product=page.db.get_one(db.Product, contract.product_id),
                       resident=page.db.get(db.Resident, contract.resident_id),
                       history=contract_history(page.db, user.principal, contract.id),
                       refund=refund_outlook(page.db, contract), orders=orders,
                       prepaid=_prepaid(page, user, contract, orders), today=local_today(site, page.now),
                       errors=errors, refusal=refusal, action=action.value if action else "")

"""Renewing and cancelling a contract on the phone, each with its terms shown before the button.

Renew: the terms on offer, what each costs and the new last day; confirming makes a renewal
order and sends the resident to pay it (paid, the contract runs on). Cancel: the refund rule
and what comes back today; confirming cancels it today and refunds the prepaid rest.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from central import db, orders
from central.api.deps import OrderContextDep
from central.api.routes.resident.orders import IdPath, not_found, refusal_key, to_payment
from central.contracts.service import local_today, visible_contract
from central.errors import ConflictError, NotFoundError
from central.orders.terms import term_end
from central.web.auth import ResidentUser
from central.web.order_views import product_rules, terms
from central.web.pages import PageRequest, ResidentPage

router = APIRouter()


def _renew_page(page: PageRequest, context: orders.OrderContext, contract: db.Contract, site: db.Site,
                status: int = 200, error: str | None = None) -> Response:
    product = page.db.get_one(db.Product, contract.product_id)
    first = contract.valid_to + timedelta(days=1)
    offered = [(term, term_end(first, term.months)) for term in terms(product, context.settings.terms_months)]
    return page.render("resident/order_renew.html", status=status, contract=contract, site=site,
                       product=product, offered=offered, first=first, error=error,
                       rules=product_rules(page.t, product, site, context.settings.hold_minutes,
                                           tariff=contract))


@router.get("/contracts/{contract_id}/renew")
def renew_form(contract_id: IdPath, page: ResidentPage, user: ResidentUser,
               context: OrderContextDep) -> Response:
    try:
        contract, site = visible_contract(page.db, user.principal, contract_id)
    except NotFoundError:
        return not_found(page)
    return _renew_page(page, context, contract, site)


@router.post("/contracts/{contract_id}/renew")
def renew(contract_id: IdPath, page: ResidentPage, user: ResidentUser, context: OrderContextDep,
          request: Request, months: Annotated[int, Form(ge=1, le=12)] = 1) -> Response:
    try:
        contract, site = visible_contract(page.db, user.principal, contract_id)
    except NotFoundError:
        return not_found(page)
    try:
        with page.db.begin_nested():
            order = orders.renew_contract(page.db, user.principal, contract_id, months, context, page.now)
    except ConflictError as exc:  # not active, not yet or no longer renewable, no longer sold
        return _renew_page(page, context, contract, site, 409, page.t(refusal_key(exc)))
    return to_payment(page, user.principal, context, request, order)


@router.get("/contracts/{contract_id}/cancel")
def cancel_form(contract_id: IdPath, page: ResidentPage, user: ResidentUser) -> Response:
    """The refund rule and what comes back if the contract ends today, before the button."""
    try:
        contract, site = visible_contract(page.db, user.principal, contract_id)
    except NotFoundError:
        return not_found(page)
    return page.render("resident/order_cancel.html", contract=contract, site=site,
                       today=local_today(site, page.now),
                       refund=orders.refund_preview(page.db, user.principal, contract_id, page.now),
                       refunds=orders.refunds_allowed(page.db, contract))


@router.post("/contracts/{contract_id}/cancel")
def cancel(contract_id: IdPath, page: ResidentPage, user: ResidentUser, context: OrderContextDep) -> Response:
    """Cancel today (the day is used); the prepaid rest goes back the way it was paid."""
    try:
        contract, site = visible_contract(page.db, user.principal, contract_id)
    except NotFoundError:
        return not_found(page)
    try:
        with page.db.begin_nested():
            contract, refunds = orders.cancel_contract(page.db, user.principal, contract.id, context,
                                                       page.now)
    except ConflictError:  # cancelled already
        return page.render("resident/order_cancelled.html", status=409, contract=contract, site=site,
                           refunds=[], error=page.t("order.cancel_refused"))
    return page.render("resident/order_cancelled.html", contract=contract, site=site,
                       refunds=[r for r in refunds if r.amount_fen], error=None)

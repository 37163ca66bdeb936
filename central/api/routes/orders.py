"""Residents' orders over the API: order a term, renew, pay, cancel, list.

Residents (bearer tokens with a resident) order and pay for themselves; staff may list and
read the orders of their sites. Another resident's order or contract is not found (404).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from central import db, orders
from central.api.deps import CurrentUser, NowDep, OrderContextDep, PageDep, SessionDep, page_body
from central.api.schemas import ContractOut
from central.api.schemas_orders import (
    CancelledOut,
    CheckoutOut,
    OrderIn,
    OrderOut,
    PaymentIn,
    RefundOut,
    RefundPreviewOut,
    RenewalIn,
)
from central.contracts.service import visible_contract
from central.errors import ConflictError, ProviderError
from central.payments import Checkout
from central.web.auth import client_address

router = APIRouter(tags=["orders"])


@router.post("/orders", response_model=OrderOut, status_code=201)
def place(body: OrderIn, session: SessionDep, context: OrderContextDep, user: CurrentUser,
          now: NowDep) -> db.Order:
    """A new contract for a term, pending payment: it holds its place for ``orders.hold_minutes``."""
    request = orders.OrderRequest(body.product_id, body.plate, body.months, body.starts_on)
    return orders.place_order(session, user, request, context, now)


@router.get("/orders", response_model=list[OrderOut])
def list_orders(session: SessionDep, user: CurrentUser, page: PageDep, response: Response,
                contract_id: Annotated[str | None, Query(max_length=64)] = None,
                status: db.OrderStatus | None = None) -> list[db.Order]:
    """Residents see their own orders, operators their sites'; newest first, the total in X-Total-Count."""
    found = orders.list_orders(session, user, page, orders.OrderFilter(contract_id, status))
    return page_body(response, found)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, session: SessionDep, user: CurrentUser) -> db.Order:
    return orders.visible_order(session, user, order_id)


@router.post("/orders/{order_id}/payments", response_model=CheckoutOut,
             responses={502: {"description": "the provider refused or did not answer"}})
def pay(order_id: str, body: PaymentIn, request: Request, session: SessionDep, context: OrderContextDep,
        user: CurrentUser, now: NowDep) -> Checkout | JSONResponse:
    """Start (or start again) the order's payment; where the resident pays. 502 when the provider fails."""
    provider = body.provider or _first_provider(context)
    try:
        return orders.start_payment(session, user, order_id, context, provider, now, channel=body.channel,
                                    client_ip=client_address(request), base_url=str(request.base_url))
    except ProviderError as exc:  # answered, not raised: the audit row of the attempt is kept
        return JSONResponse({"detail": str(exc)}, status_code=502)


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: str, session: SessionDep, user: CurrentUser, now: NowDep) -> db.Order:
    """Close an unpaid order; a new contract's place is freed at once."""
    return orders.cancel_order(session, user, order_id, now)


@router.post("/contracts/{contract_id}/renewals", response_model=OrderOut, status_code=201)
def renew(contract_id: str, body: RenewalIn, session: SessionDep, context: OrderContextDep,
          user: CurrentUser, now: NowDep) -> db.Order:
    """An order for the term after the contract's last day (pending payment; paid, it extends it)."""
    return orders.renew_contract(session, user, contract_id, body.months, context, now)


@router.get("/contracts/{contract_id}/refund", response_model=RefundPreviewOut)
def refund_preview(contract_id: str, session: SessionDep, user: CurrentUser, now: NowDep) -> RefundPreviewOut:
    """What cancelling the contract today gives back of what was paid ahead."""
    contract = visible_contract(session, user, contract_id)[0]
    return RefundPreviewOut(refund_fen=orders.refund_preview(session, user, contract_id, now),
                            refunds=orders.refunds_allowed(session, contract))


@router.post("/contracts/{contract_id}/cancellation", response_model=CancelledOut)
def cancel_contract(contract_id: str, session: SessionDep, context: OrderContextDep, user: CurrentUser,
                    now: NowDep) -> CancelledOut:
    """Cancel today and refund the prepaid part of its paid terms (``/contracts/{id}/cancel`` cancels
    too; the orders ticker then refunds within ``orders.lapse_interval_s``)."""
    contract, refunds = orders.cancel_contract(session, user, contract_id, context, now)
    return CancelledOut(contract=ContractOut.model_validate(contract),
                        refunds=[RefundOut(**asdict(refund)) for refund in refunds])


def _first_provider(context: orders.OrderContext) -> str:
    names = context.payments.provider_names
    if not names:
        raise ConflictError("no payment provider is enabled (payments.providers)")
    return names[0]

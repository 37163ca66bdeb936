"""Signing and paying on the phone: a product's rules and the order form, the order, its payment.

Three taps from the product: "confirm and pay" (the rules are on the same page, above the
button) makes the order and sends the resident to the provider, where "pay" is the second;
the provider brings them back to the order's page, which shows the contract in force.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from central import db, orders
from central.api.deps import OrderContextDep
from central.catalogue import open_site
from central.contracts.capacity import places
from central.contracts.service import ContractFilter, list_contracts, local_today
from central.core.security import Principal
from central.errors import CapacityError, ConflictError, NotFoundError, PlateTakenError, ProviderError
from central.listing import PageRequest as ListRequest
from central.residents.vehicles import list_vehicles
from central.web.auth import ResidentUser, client_address
from central.web.order_views import product_rules, terms
from central.web.pages import PageRequest, ResidentPage
from shared import PlateError, parse_plate

router = APIRouter()
IdPath = Annotated[str, Path(max_length=64)]
MY_LIST = ListRequest(limit=50)  # the newest 50: enough for a phone


def not_found(page: PageRequest) -> Response:
    """Another resident's order or contract, or none at all: the same page, 404."""
    return page.render("error.html", status=404, title=page.t("order.not_found.title"),
                       body=page.t("order.not_found.body"))


def refusal_key(exc: ConflictError) -> str:
    if isinstance(exc, CapacityError):
        return "order.full"
    return "order.plate_taken" if isinstance(exc, PlateTakenError) else "order.refused"


def _for_sale(page: PageRequest, product_id: str) -> tuple[db.Product, db.Site] | None:
    product = page.db.get(db.Product, product_id)
    if product is None or not product.on_sale:
        return None
    try:
        return product, open_site(page.db, product.site_id)
    except NotFoundError:
        return None


def _product_page(page: PageRequest, principal: Principal, context: orders.OrderContext,
                  found: tuple[db.Product, db.Site], status: int = 200, **form: Any) -> Response:
    product, site = found
    today, settings = local_today(site, page.now), context.settings
    bound = [vehicle.plate for vehicle in list_vehicles(page.db, principal)]  # "my vehicles", in order
    mine = list_contracts(page.db, principal, MY_LIST, ContractFilter()).items
    plates = bound + sorted({plate for contract in mine for plate in contract.plate_list} - set(bound))
    form = {"plate": plates[0] if plates else "", "months": settings.terms_months[0], "starts_on": today,
            "error": None, "plate_error": None, **form}
    return page.render(
        "resident/order_product.html", status=status, product=product, site=site, plates=plates,
        rules=product_rules(page.t, product, site, settings.hold_minutes),
        terms=terms(product, settings.terms_months),
        places_left=places(page.db, site, product, today, context.rules.oversubscription).left,
        today=today, latest=today + timedelta(days=settings.start_within_days), **form)


@router.get("/products/{product_id}")
def product_page(product_id: IdPath, page: ResidentPage, user: ResidentUser,
                 context: OrderContextDep) -> Response:
    found = _for_sale(page, product_id)
    return not_found(page) if found is None else _product_page(page, user.principal, context, found)


@router.post("/orders")
def place(page: ResidentPage, user: ResidentUser, context: OrderContextDep, request: Request,
          product_id: Annotated[str, Form(max_length=64)] = "",
          plate: Annotated[str, Form(max_length=20)] = "",
          months: Annotated[int, Form(ge=1, le=12)] = 1,
          starts_on: Annotated[date | None, Form()] = None) -> Response:
    """Make the order (its contract holds the place) and send the resident to pay it."""
    found = _for_sale(page, product_id)
    if found is None:
        return not_found(page)
    form = {"plate": plate, "months": months, "starts_on": starts_on or local_today(found[1], page.now)}
    try:
        wanted = orders.OrderRequest(product_id, parse_plate(plate).text, months, starts_on)
    except PlateError:
        return _product_page(page, user.principal, context, found, 400, **form,
                             plate_error=page.t("order.plate_invalid"))
    try:
        with page.db.begin_nested():  # a refusal undoes this order's changes only
            order = orders.place_order(page.db, user.principal, wanted, context, page.now)
    except ConflictError as exc:  # full, the plate is taken here, a term or day not on offer
        error = page.t(refusal_key(exc))
        return _product_page(page, user.principal, context, found, 409, **form, error=error)
    return to_payment(page, user.principal, context, request, order)


def to_payment(page: PageRequest, principal: Principal, context: orders.OrderContext, request: Request,
               order: db.Order) -> Response:
    """To the provider's page; to the order's page when there is nothing to pay or the provider failed."""
    if order.status is not db.OrderStatus.PENDING_PAYMENT or not context.payments.provider_names:
        return page.redirect(f"/app/orders/{order.id}")
    try:
        checkout = orders.start_payment(page.db, principal, order.id, context,
                                        context.payments.provider_names[0], page.now,
                                        client_ip=client_address(request), base_url=str(request.base_url))
    except (ProviderError, ConflictError):  # the provider failed, or the hold has just ended
        return page.redirect(f"/app/orders/{order.id}?payment=failed")
    return page.redirect(checkout.url)


@router.get("/orders")
def my_orders(page: ResidentPage, user: ResidentUser) -> Response:
    found = orders.list_orders(page.db, user.principal, MY_LIST)
    return page.render("resident/order_list.html", orders=found.items, total=found.total,
                       names=names_of(page, found.items))


def names_of(page: PageRequest, rows: list[db.Order]) -> dict[str, tuple[str, str, str]]:
    """Per product of the orders: (its site's name, its name, the site's time zone)."""
    names = {}
    for product_id in {row.product_id for row in rows}:
        product = page.db.get_one(db.Product, product_id)
        site = page.db.get_one(db.Site, product.site_id)
        names[product_id] = (site.name, product.name, site.timezone)
    return names


@router.get("/orders/{order_id}")
def order_page(order_id: IdPath, page: ResidentPage, user: ResidentUser, context: OrderContextDep,
               payment: str = "") -> Response:
    try:
        order = orders.visible_order(page.db, user.principal, order_id)
    except NotFoundError:
        return not_found(page)
    if order.status is db.OrderStatus.PENDING_PAYMENT and context.payments.payments_of(page.db, order.id):
        context.payments.reconcile(page.db, order.id)  # back from the provider: its callback may be late
        page.db.refresh(order)
    contract = page.db.get_one(db.Contract, order.contract_id)
    return page.render("resident/order_detail.html", order=order, contract=contract,
                       names=names_of(page, [order])[order.product_id],
                       error=page.t("order.payment_failed") if payment == "failed" else None,
                       renewable=_renewable(page, context, contract))


def _renewable(page: PageRequest, context: orders.OrderContext, contract: db.Contract) -> bool:
    if contract.status != db.ContractState.ACTIVE.value:
        return False
    today = local_today(page.db.get_one(db.Site, contract.site_id), page.now)
    opens = contract.valid_to - timedelta(days=context.settings.renew_within_days - 1)
    return opens <= today <= contract.valid_to


@router.post("/orders/{order_id}/pay")
def pay(order_id: IdPath, page: ResidentPage, user: ResidentUser, context: OrderContextDep,
        request: Request) -> Response:
    """Pay again (the provider's page was left, or a payment failed) while the order holds its place."""
    try:
        order = orders.visible_order(page.db, user.principal, order_id)
    except NotFoundError:
        return not_found(page)
    return to_payment(page, user.principal, context, request, order)


@router.post("/orders/{order_id}/cancel")
def cancel(order_id: IdPath, page: ResidentPage, user: ResidentUser) -> Response:
    """Close an unpaid order: its place is free again at once."""
    try:
        orders.cancel_order(page.db, user.principal, order_id, page.now)
    except NotFoundError:
        return not_found(page)
    except ConflictError:
        pass  # paid or closed meanwhile: the order's page says which
    return page.redirect(f"/app/orders/{order_id}")

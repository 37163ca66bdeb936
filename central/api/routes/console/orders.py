"""Orders: residents' online orders (first terms and renewals) of the sites the staff member may see,
newest first, page by page; found by status, site, plate and the days they were paid (each in its
site's timezone), with the count and the money kept (paid less refunded) of all that is found;
the same search as a CSV file (``orders.csv``, as the other exports: UTF-8 with a byte-order mark).

A filter that cannot be read (an unknown status, a site that is not the user's, a bad date) is
named at its field with what was typed, and nothing is listed: a 400 page, never every order.
A site of another institution reads the same as one that does not exist.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from central import accounts, db
from central.api.routes.console.exports import csv_download
from central.api.routes.console.fields import LIST_PAGE, form_context
from central.api.routes.console.scope import my_site, my_sites
from central.listing import Page, PageRequest
from central.orders import OrderFilter, OrderTotals, PaidDays, list_orders, order_totals, write_orders_csv
from central.web.auth import StaffUser
from central.web.pages import ConsolePage
from shared import PlateError, parse_plate

router = APIRouter()

Typed = Annotated[str, Query(max_length=64)]


@dataclass(frozen=True)
class OrderSearch:
    """The search form as typed (shown again as it was, and carried by the pager's links)."""

    status: str = ""
    site: str = ""
    plate: str = ""
    paid_from: str = ""
    paid_to: str = ""


def _typed(status: Typed = "", site: Typed = "", plate: Typed = "", paid_from: Typed = "",
           paid_to: Typed = "") -> OrderSearch:
    return OrderSearch(status.strip(), site.strip(), plate.strip(), paid_from.strip(), paid_to.strip())


SearchDep = Annotated[OrderSearch, Depends(_typed)]


@router.get("/orders")
def order_list(page: ConsolePage, user: StaffUser, typed: SearchDep,
               p: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    return _list_page(page, user, typed, p)


@router.get("/orders.csv")
def orders_csv(page: ConsolePage, user: StaffUser, typed: SearchDep) -> Response:
    """Every order the search finds (all pages); the page with its messages if a field cannot be read."""
    where, errors = _filter(page, user, typed)
    if errors:
        return _list_page(page, user, typed, 1)
    text = io.StringIO()
    write_orders_csv(page.db, user.principal, where, text)
    today = page.now.astimezone(ZoneInfo(page.web.settings.timezone)).date()
    return csv_download(f"orders-{today:%Y%m%d}.csv", text.getvalue())


def _list_page(page: ConsolePage, user: StaffUser, typed: OrderSearch, p: int) -> Response:
    where, errors = _filter(page, user, typed)
    cut = PageRequest(LIST_PAGE, (p - 1) * LIST_PAGE)
    found: Page[db.Order] = Page([], 0, cut.limit, cut.offset)
    totals = OrderTotals(0, 0)
    if not errors:
        found = list_orders(page.db, user.principal, cut, where)
        totals = order_totals(page.db, user.principal, where)
    sites = my_sites(page.db, user).items
    return page.render("console/orders.html", status=400 if errors else 200, found=found, totals=totals,
                       errors=errors, p=p, query=asdict(typed), statuses=[s.value for s in db.OrderStatus],
                       residents=accounts.residents_by_id(page.db, (o.resident_id for o in found.items)),
                       products=_products(page, (o.product_id for o in found.items)),
                       sites=sites, places={s.id: s for s in sites}, **form_context(page))


def _filter(page: ConsolePage, user: StaffUser, typed: OrderSearch) -> tuple[OrderFilter, dict[str, str]]:
    """The search as the orders service takes it, and a message for each field that cannot be read."""
    errors: dict[str, str] = {}
    status = None
    if typed.status:
        try:
            status = db.OrderStatus(typed.status)
        except ValueError:
            errors["status"] = page.t("orders.bad_status", value=typed.status)
    if typed.site and my_site(page.db, user, typed.site) is None:
        errors["site"] = page.t("orders.bad_site", value=typed.site)
    plate = None
    if typed.plate:
        try:
            plate = parse_plate(typed.plate).text
        except PlateError:
            errors["plate"] = page.t("field.plate_invalid")
    first = _day(page, typed.paid_from, "paid_from", errors)
    last = _day(page, typed.paid_to, "paid_to", errors)
    if first and last and first > last:
        errors["paid_to"] = page.t("orders.bad_range", first=typed.paid_from, last=typed.paid_to)
    paid_on = PaidDays(first, last) if first or last else None
    return OrderFilter(status=status, site_id=typed.site or None, plate=plate, paid_on=paid_on), errors


def _day(page: ConsolePage, typed: str, name: str, errors: dict[str, str]) -> date | None:
    """A day typed as 2025-03-10; a message under ``name`` if it is not one."""
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        errors[name] = page.t("orders.bad_date", value=typed)
        return None


def _products(page: ConsolePage, ids: Iterable[str]) -> dict[str, db.Product]:
    """The products of a page of orders, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {p.id: p for p in page.db.scalars(select(db.Product).where(db.Product.id.in_(wanted)))}

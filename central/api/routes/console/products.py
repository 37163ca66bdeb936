"""Products: a new one (windows edited as rules, with the next 14 days previewed), a product's page
(prices, quota, sale, refund rule; its windows are fixed once sold), and closing it.

The preview is ``central.schedule``'s: the gate's window arithmetic over the site's calendar.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from central import db, schedule, sites
from central.api.deps import StateDep
from central.api.routes.console.fields import FIELD_MESSAGES, MONEY_FIELDS, fen_of, form_context, yuan
from central.api.schemas import ProductChangeFieldsIn, ProductIn
from central.web.auth import StaffUser
from central.web.forms import FormDep, Refusal, attempt, check, fields, rows_of, window_rows, windows_of
from central.web.pages import ConsolePage
from shared import ParkingError, TimeWindow

router = APIRouter()

NUMBERS = ("quota", "min_stay_minutes", "grace_minutes", "usage_period_minutes", "overstay_period_minutes")
PRICES = ("monthly_fee", "usage_rate", "daily_cap", "overstay_rate")
NIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30", "end_day": "1"},
          {"day_type": "rest", "start": "00:00", "end": "07:30", "end_day": "1"}]


@router.get("/sites/{site_id}/products/new")
def product_new(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    values = {"quota": site.shared_capacity, "min_stay_minutes": 60, "grace_minutes": 15,
              "usage_period_minutes": 60, "overstay_period_minutes": 60, "refund_unused": "on",
              "overstay_rate": yuan(site.hourly_rate_fen), "monthly_fee": "", "usage_rate": "0"}
    return _product_form(page, site, values, NIGHTS, {})


@router.post("/sites/{site_id}/products")
def product_create(page: ConsolePage, user: StaffUser, site_id: str, form: FormDep) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    rows = window_rows(form)
    windows, errors = _windows(page, rows)
    amounts, money_errors = fen_of(form, PRICES, page)
    data = fields(form, ("id", "name", *NUMBERS)) | amounts | {
        "site_id": site.id, "windows": windows, "refund_unused": "refund_unused" in form}
    model, invalid = check(ProductIn, data, page, FIELD_MESSAGES)
    errors |= money_errors | invalid
    if model is None or errors:
        return _product_form(page, site, dict(form), rows, errors, status=400)
    values = model.model_dump(exclude={"windows"}) | {"windows": [w.model_dump(mode="json") for w in windows]}
    done = attempt(page, lambda: sites.create_product(page.db, user.principal, values, page.now),
                   "product.refused")
    if isinstance(done, Refusal):
        return _product_form(page, site, dict(form), rows, {}, done, status=409)
    return page.redirect(f"/console/products/{done.id}")


@router.get("/sites/{site_id}/preview")
def product_preview(page: ConsolePage, user: StaffUser, site_id: str, request: Request) -> Response:
    """The preview alone, for the rules the editor holds now (its script asks as you edit)."""
    site = sites.managed_site(page.db, user.principal, site_id)
    windows, errors = _windows(page, window_rows(request.query_params))
    return page.render("console/_preview.html", site=site, errors=errors,
                       days=schedule.product_preview(page.db, windows, site.timezone, page.now))


@router.get("/products/{product_id}")
def product_page(page: ConsolePage, user: StaffUser, product_id: str) -> Response:
    product, site = sites.managed_product(page.db, user.principal, product_id)
    return _product_page(page, product, site, _values(product), {})


@router.post("/products/{product_id}")
def product_edit(page: ConsolePage, user: StaffUser, product_id: str, form: FormDep,
                 state: StateDep) -> Response:
    product, site = sites.managed_product(page.db, user.principal, product_id)
    amounts, errors = fen_of(form, PRICES, page)
    data: dict[str, Any] = fields(form, ("name", "quota", "grace_minutes", "usage_period_minutes",
                                         "overstay_period_minutes")) | amounts
    data |= {"on_sale": "on_sale" in form, "refund_unused": "refund_unused" in form,
             "daily_cap_fen": amounts.get("daily_cap_fen")}  # an emptied cap removes it
    model, invalid = check(ProductChangeFieldsIn, data, page, FIELD_MESSAGES)
    if model is None or errors:
        return _product_page(page, product, site, dict(form), errors | invalid, status=400)
    factor = state.rules.oversubscription
    done = attempt(page, lambda: sites.update_product(page.db, user.principal, product.id, model.model_dump(
        exclude_unset=True), factor, page.now), "product.refused")
    if isinstance(done, Refusal):
        return _product_page(page, product, site, dict(form), {}, done, status=409)
    return page.redirect(f"/console/products/{product.id}")


@router.post("/products/{product_id}/close")
def product_close(page: ConsolePage, user: StaffUser, product_id: str) -> Response:
    product = sites.close_product(page.db, user.principal, product_id, page.now)
    return page.redirect(f"/console/products/{product.id}")


def _windows(page: ConsolePage, rows: list[dict[str, str]]) -> tuple[list[TimeWindow], dict[str, str]]:
    if not rows:
        return [], {"windows": page.t("field.windows_invalid")}
    try:
        return windows_of(rows), {}
    except (ValueError, ParkingError):
        return [], {"windows": page.t("field.windows_invalid")}


def _values(product: db.Product) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(product, name) for name in ("name", *NUMBERS)}
    values |= {name: yuan(getattr(product, f"{name}_fen")) for name in PRICES}
    return values | {"on_sale": _box(product.on_sale), "refund_unused": _box(product.refund_unused)}


def _box(flag: bool) -> str:
    """A checkbox's value as a form sends it."""
    return "on" if flag else ""


def _product_form(page: ConsolePage, site: db.Site, values: dict[str, Any], rows: list[dict[str, str]],
                  errors: dict[str, str], refusal: Refusal | None = None, status: int = 200) -> Response:
    windows, _ = _windows(page, rows)
    return page.render("console/product_new.html", status=status, site=site, values=values,
                       rows=rows or NIGHTS, errors=errors, refusal=refusal, money_fields=MONEY_FIELDS,
                       days=schedule.product_preview(page.db, windows, site.timezone, page.now),
                       **form_context(page))


def _product_page(page: ConsolePage, product: db.Product, site: db.Site, values: dict[str, Any],
                  errors: dict[str, str], refusal: Refusal | None = None, status: int = 200) -> Response:
    windows = [TimeWindow.model_validate(w) for w in product.windows]
    return page.render("console/product.html", status=status, site=site, product=product, values=values,
                       rows=rows_of(product.windows), errors=errors, refusal=refusal,
                       days=schedule.product_preview(page.db, windows, site.timezone, page.now),
                       **form_context(page))

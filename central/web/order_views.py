"""What the order pages show of a product's rules, in the page's language: the windows, when to
leave, what overstaying costs, the refund rule and how long an unpaid order holds its place.

Built from the same rows the gate and the bill use (the product's windows, its grace and
overstay tariff, ``refund_unused`` of the product and the site), so the page says what the
contract will do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from central import db
from central.billing.refunds import refunds_apply
from central.orders.terms import term_price
from central.web.formats import money
from central.web.windows import departure_words, windows_in_words
from shared import TimeWindow

Translate = Callable[..., str]  # PageRequest.t


@dataclass(frozen=True, slots=True)
class Rules:
    windows: str
    departure: str
    overstay: str
    refund: str
    hold: str


@dataclass(frozen=True, slots=True)
class Term:
    months: int
    price_fen: int


def product_rules(t: Translate, product: db.Product, site: db.Site, hold_minutes: int,
                  tariff: db.Contract | None = None) -> Rules:
    """The rules of ``product`` (with a signed contract's kept tariff when ``tariff`` is given)."""
    windows = [TimeWindow.model_validate(w) for w in product.windows]
    kept = tariff if tariff is not None else product
    leave = departure_words(windows, t)
    departure = (t("order.rule.departure_text", ends=leave, grace=kept.grace_minutes) if leave
                 else t("order.rule.departure_all_day", grace=kept.grace_minutes))
    overstay = (t("order.rule.overstay_text", grace=kept.grace_minutes, minutes=kept.overstay_period_minutes,
                  rate=money(kept.overstay_rate_fen)) if kept.overstay_rate_fen
                else t("order.rule.overstay_free", grace=kept.grace_minutes))
    refunds = refunds_apply(product, site)
    return Rules(windows_in_words(windows, t), departure, overstay,
                 t("order.rule.refund_text" if refunds else "order.rule.no_refund"),
                 t("order.rule.hold_text", minutes=hold_minutes))


def terms(product: db.Product, terms_months: tuple[int, ...]) -> list[Term]:
    """The terms on offer with what each costs at today's price."""
    return [Term(months, term_price(product.monthly_fee_fen, months)) for months in terms_months]

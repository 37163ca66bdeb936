"""Residents' orders: a term of a product for a plate (a new contract, or a renewal), its price,
its hold while the resident pays, its payment, and what comes back when a contract ends early;
finding them, their totals (``search``) and their CSV (``export``).

No HTTP routes here: ``central/api/routes/orders.py`` (bearer tokens) and
``central/api/routes/resident/orders.py`` (the resident app's pages) call these functions.
``OrderLedger`` is the ``OrderBook`` the payment service activates orders through;
``OrderTicker`` lapses unpaid orders in ``serve``.
"""

from central.billing.refunds import refunds_allowed
from central.orders.book import OrderLedger, order_state
from central.orders.export import write_orders_csv
from central.orders.refunds import (
    REFUND_FAILED_ALARM,
    Refund,
    cancel_contract,
    refund_preview,
    settle_contract,
)
from central.orders.search import OrderFilter, OrderTotals, PaidDays, list_orders, order_query, order_totals
from central.orders.service import (
    FREE,
    OrderContext,
    OrderRequest,
    cancel_order,
    due_orders,
    lapse_order,
    place_order,
    renew_contract,
    start_payment,
    visible_order,
)
from central.orders.terms import add_months, refund_due, term_end, term_price
from central.orders.ticker import OrderTicker, Round

__all__ = [
    "FREE", "REFUND_FAILED_ALARM", "OrderContext", "OrderFilter", "OrderLedger", "OrderRequest",
    "OrderTicker", "OrderTotals", "PaidDays", "Refund", "Round", "add_months", "cancel_contract",
    "cancel_order", "due_orders", "lapse_order", "list_orders", "order_query", "order_state", "order_totals",
    "place_order", "refund_due", "refund_preview", "refunds_allowed", "renew_contract", "settle_contract",
    "start_payment", "term_end", "term_price", "visible_order", "write_orders_csv",
]

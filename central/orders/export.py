"""CSV of orders: every order a search finds (not one page), newest first, in ``ORDER_HEADER``'s
columns. Money in fen and in yuan; days and the paid time in the order's site's timezone (ISO 8601);
the resident by id and masked mobile number, never the number itself. A text cell a spreadsheet would
read as a formula (a plate comes from what a resident typed) is quoted (``billing.export.text_cell``).
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.billing.export import text_cell, yuan
from central.core.security import Principal
from central.orders.search import OrderFilter, order_query

ORDER_HEADER = ("order_id", "site_id", "product_id", "contract_id", "plate", "resident_id", "resident_phone",
                "kind", "status", "months", "starts_on", "ends_on", "amount_fen", "amount_yuan",
                "refunded_fen", "refunded_yuan", "paid_at", "paid_with", "created_at")


def write_orders_csv(session: Session, principal: Principal, where: OrderFilter, handle: TextIO) -> int:
    """The orders ``list_orders`` finds, all of them, to an open text stream; returns the rows written."""
    sites = session.execute(select(db.Site.id, db.Site.timezone))
    zones = {site_id: ZoneInfo(zone) for site_id, zone in sites}
    query = (order_query(session, principal, where).add_columns(db.Resident.phone_masked)
             .join(db.Resident, db.Resident.id == db.Order.resident_id))
    out = csv.writer(handle)
    out.writerow(ORDER_HEADER)
    count = 0
    for order, phone in session.execute(query.execution_options(yield_per=1000)):
        tz = zones[order.site_id]
        out.writerow((order.id, order.site_id, order.product_id, order.contract_id, text_cell(order.plate),
                      order.resident_id, text_cell(phone), order.kind.value, order.status.value, order.months,
                      order.starts_on.isoformat(), order.ends_on.isoformat(), order.amount_fen,
                      yuan(order.amount_fen), order.refunded_fen, yuan(order.refunded_fen),
                      _local(order.paid_at, tz), order.paid_with or "", _local(order.created_at, tz)))
        count += 1
    return count


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).isoformat()

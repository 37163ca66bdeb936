"""CSV of one site's month: its stays (here) and its statements' lines (``billing.export``).

A stay belongs to the site-local month in which it entered; an exit without an entry (an
anomaly) to the month of its exit. So every stay is in exactly one month's file; a night from
31 October to 1 November is October's (its statement is November's: billing charges a stay in
the month it closes). Times are ISO 8601 in the site's zone; how late a car left is counted by
the one overstay rule (``central/overstay.py``), with the grace its contract was signed with.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session

from central import db
from central.billing.export import text_cell, write_csv
from central.billing.month import Month
from central.overstay import DEFAULT_GRACE_MINUTES, overstay_seconds, seconds_of

STAY_HEADER = ("stay_id", "site_id", "plate", "contract_id", "status", "entered_at", "exited_at", "deadline",
               "duration_minutes", "overstay_minutes")


def write_statements_csv(conn: Connection, site_id: str, month: Month, handle: TextIO) -> int:
    """The lines of the site's statements of ``month``, in the billing CSV's columns; rows written."""
    return write_csv(conn, str(month), handle, site_id=site_id)


def write_stays_csv(session: Session, site: db.Site, month: Month, now: datetime, handle: TextIO,
                    default_grace: int = DEFAULT_GRACE_MINUTES) -> int:
    """The site's stays of ``month`` (see the module), by entry; returns the rows written."""
    tz = ZoneInfo(site.timezone)
    start, end = month.bounds(tz)
    stay = db.Stay
    rows = session.execute(
        select(stay.id, stay.site_id, stay.plate, stay.contract_id, stay.status, stay.entered_at,
               stay.exited_at, stay.deadline, db.Contract.grace_minutes)
        .outerjoin(db.Contract, db.Contract.id == stay.contract_id)
        .where(stay.site_id == site.id, or_(
            and_(stay.entered_at >= start, stay.entered_at < end),
            and_(stay.entered_at.is_(None), stay.exited_at >= start, stay.exited_at < end)))
        .order_by(stay.entered_at, stay.exited_at, stay.id))
    out = csv.writer(handle)
    out.writerow(STAY_HEADER)
    count = 0
    for row in rows:
        grace = default_grace if row.grace_minutes is None else row.grace_minutes
        out.writerow((row.id, row.site_id, text_cell(row.plate), row.contract_id or "", row.status,
                      _local(row.entered_at, tz), _local(row.exited_at, tz), _local(row.deadline, tz),
                      _minutes(row.entered_at, row.exited_at),
                      _overstay_minutes(row.entered_at, row.exited_at, row.deadline, grace, now)))
        count += 1
    return count


def _overstay_minutes(entered: datetime | None, exited: datetime | None, deadline: datetime | None,
                      grace: int, now: datetime) -> str:
    """Minutes of overstay (whole, floored); blank without a deadline; a car inside counts to now."""
    if entered is None or deadline is None:
        return ""
    late = overstay_seconds(seconds_of(deadline, "deadline"), grace, seconds_of(exited or now, "exit"))
    return str(late // 60)


def _minutes(entered: datetime | None, exited: datetime | None) -> str:
    return "" if entered is None or exited is None else str((exited - entered) // timedelta(minutes=1))


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).isoformat()

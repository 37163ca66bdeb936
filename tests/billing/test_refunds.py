"""What the console shows a cancelled contract will get back is what the bill run then gives: the
refund rule's amount before the statement, nothing once given, nothing under "no refund"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from central.billing import Month
from central.billing.refunds import RefundOutlook, refund_outlook
from central.billing.run import bill_month
from central.billing.store import statement_rows
from central.contracts.service import ContractRules, change_status
from central.core.security import Principal, Role
from central.db import Contract, Database, Product, Site
from central.distribution.bundles import Signer
from shared import generate_private_key
from tests.support.seeded import Seeded

SIGNER = Signer("test-1", generate_private_key(), timedelta(days=7), timedelta(days=2))
OCT, NOV, DEC = Month(2026, 10), Month(2026, 11), Month(2026, 12)
ENDED = {m: datetime.combine(m.next().first_day, datetime.min.time(), tzinfo=UTC) for m in (OCT, NOV, DEC)}


def _outlook(db: Database) -> RefundOutlook:
    with db.transaction() as session:
        return refund_outlook(session, session.get_one(Contract, "c1"))


def _cancel(db: Database, on: date, recorded: datetime) -> None:
    with db.transaction() as session:
        change_status(session, Principal(Role.ADMIN), "c1", "cancel", SIGNER, ContractRules(), recorded, on)


def test_the_outlook_is_the_refund_the_next_statement_gives_and_only_once(
    db: Database, seeded: Seeded
) -> None:
    assert _outlook(db) == RefundOutlook(True, 0)  # not cancelled: the rule applies, nothing due
    bill_month(db, OCT, ENDED[OCT])
    bill_month(db, NOV, ENDED[NOV])  # November billed in full
    _cancel(db, date(2026, 11, 10), datetime(2026, 12, 5, 3, tzinfo=UTC))
    assert _outlook(db) == RefundOutlook(True, 20000)  # 20 unused whole days of November
    bill_month(db, DEC, ENDED[DEC])
    with db.transaction() as session:
        december = statement_rows(session.connection(), "2026-12", "c1")[0]
    assert [(i["kind"], i["amount_fen"]) for i in december["line_items"]] == [("refund", -20000)]
    assert _outlook(db) == RefundOutlook(True, 0)  # given back already


def test_a_cancellation_before_any_bill_owes_nothing_back(db: Database, seeded: Seeded) -> None:
    _cancel(db, date(2026, 11, 10), datetime(2026, 11, 10, 3, tzinfo=UTC))
    assert _outlook(db) == RefundOutlook(True, 0)


@pytest.mark.parametrize("where", [Product, Site])
def test_no_refund_on_the_product_or_the_site_says_so(
    db: Database, seeded: Seeded, where: type[Product | Site]
) -> None:
    with db.transaction() as session:
        session.get_one(
            where, seeded.product_id if where is Product else seeded.site_id
        ).refund_unused = False
    bill_month(db, NOV, ENDED[NOV])
    _cancel(db, date(2026, 11, 10), datetime(2026, 12, 5, 3, tzinfo=UTC))
    assert _outlook(db) == RefundOutlook(False, 0)

"""What a cancellation gives back, seen before the bill run does it: the console shows it on the
contract (docs/billing.md, "Cancellation": the refund rule and "no refund").

The amount is the bill run's own: ``refund_line`` over the fee this contract's issued statements
billed, for the days up to the cancellation's last day. It is given on the next statement built.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import db
from central.billing.models import StatementLineRecord, StatementRecord
from central.billing.month import Month
from central.billing.statement import LineKind, refund_line
from central.billing.tariff import ContractHours, Tariff
from central.calendar import load_calendar
from shared import TimeWindow


@dataclass(frozen=True, slots=True)
class RefundOutlook:
    applies: bool  # neither the product nor the site says "no refund"
    amount_fen: int  # given back on the next statement (0: nothing billed beyond the last day)


def refunds_allowed(session: Session, contract: db.Contract) -> bool:
    """Neither the product nor the site said "no refund" (docs/billing.md, cancellation): the one
    place for the rule, for the bill run's refund and for an order's prepaid term alike."""
    product = session.get_one(db.Product, contract.product_id)
    return refunds_apply(product, session.get_one(db.Site, contract.site_id))


def refunds_apply(product: db.Product, site: db.Site) -> bool:
    """The rule itself: the product and its site both refund unused days."""
    return bool(product.refund_unused and site.refund_unused)


def refund_outlook(session: Session, contract: db.Contract) -> RefundOutlook:
    """The refund rule for ``contract``, and, once it is cancelled, the fen the next statement gives back."""
    applies = refunds_allowed(session, contract)
    if contract.ends_on is None or not applies:
        return RefundOutlook(applies, 0)
    billed = _fee_billed(session, contract.id)
    if not billed:
        return RefundOutlook(True, 0)
    product = session.get_one(db.Product, contract.product_id)  # loaded by refunds_allowed: no query
    site = session.get_one(db.Site, contract.site_id)
    tariff = Tariff(**{name: getattr(contract, name) for name in db.TARIFF_COLUMNS})
    calendar = load_calendar(session, contract.valid_from.year - 1, contract.valid_to.year + 1)
    windows = tuple(TimeWindow.model_validate(w) for w in product.windows)
    hours = ContractHours(windows, ZoneInfo(site.timezone), calendar, contract.valid_from, contract.last_day)
    line = refund_line(tariff, hours, billed, contract.ends_on)
    return RefundOutlook(True, 0 if line is None else -line.amount_fen)


def _fee_billed(session: Session, contract_id: str) -> dict[Month, int]:
    """The fee and refund lines of each issued statement of the contract, by month."""
    s, line = StatementRecord, StatementLineRecord
    query = (select(s.month, func.sum(line.amount_fen).label("fen"))
             .join(line, line.statement_id == s.id)
             .where(s.contract_id == contract_id,
                    line.kind.in_((LineKind.MONTHLY_FEE.value, LineKind.REFUND.value)))
             .group_by(s.month))
    return {Month.parse(row.month): int(row.fen) for row in session.execute(query)}

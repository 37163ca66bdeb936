"""Billing: tariffs, the charge of one stay, monthly statements.

The pure core is re-exported here; persistence and wiring live beside it.
"""

from central.billing.month import Month
from central.billing.statement import (
    LineKind,
    Statement,
    StatementLine,
    StayRecord,
    build_statement,
    monthly_fee_line,
    refund_line,
)
from central.billing.tariff import (
    Charge,
    ContractHours,
    Tariff,
    UsageDay,
    charge_in_order,
    charge_seconds,
    charge_stay,
)
from central.errors import BillingError, MonthError, StayError, TariffError
from central.overstay import seconds_of

__all__ = [
    "BillingError", "Charge", "ContractHours", "LineKind", "Month", "MonthError", "Statement",
    "StatementLine", "StayError", "StayRecord", "Tariff", "TariffError", "UsageDay",
    "build_statement", "charge_in_order", "charge_seconds", "charge_stay", "monthly_fee_line",
    "refund_line", "seconds_of",
]

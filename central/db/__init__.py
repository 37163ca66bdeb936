"""Tables and sessions of the central service. Other packages add tables on ``Base``."""

from central.db.accounts import SignInCode, StaffAccount, ThrottleEvent, WebSession
from central.db.base import Base, UTCDateTime
from central.db.calendar import CalendarDay, CalendarYear
from central.db.contracts import (
    HOLDS_PLACE,
    RELEASED,
    TARIFF_COLUMNS,
    UNPAID,
    ApiToken,
    BundleState,
    Contract,
    ContractAction,
    ContractState,
    MqttOutbox,
    Resident,
    plates_column,
)
from central.db.events import Alarm, DeadLetter, DeadLetterCause, GateEventRecord, Stay, StayStatus
from central.db.orders import Order, OrderKind, OrderStatus
from central.db.payments import AuditKind, Payment, PaymentAudit, PaymentRefund, PaymentStatus, RefundStatus
from central.db.residents import ResidentNotice, ResidentVehicle
from central.db.session import Database, make_engine
from central.db.sites import Gate, Institution, Product, Site
from central.db.vehicles import BlacklistEntry, OwnVehicle

__all__ = [
    "HOLDS_PLACE", "RELEASED", "TARIFF_COLUMNS", "Alarm", "ApiToken", "AuditKind", "Base", "BlacklistEntry",
    "BundleState", "CalendarDay", "CalendarYear", "Contract", "ContractAction", "ContractState", "Database",
    "DeadLetter", "DeadLetterCause", "Gate", "GateEventRecord", "Institution", "MqttOutbox", "Order",
    "OrderKind", "OrderStatus", "OwnVehicle", "Payment", "PaymentAudit", "PaymentRefund", "PaymentStatus",
    "Product", "RefundStatus", "Resident", "ResidentNotice", "ResidentVehicle", "SignInCode", "Site",
    "StaffAccount", "Stay", "StayStatus", "ThrottleEvent", "UNPAID", "UTCDateTime", "WebSession",
    "make_engine", "plates_column",
]

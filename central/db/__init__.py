"""Tables and sessions of the central service. Other packages add tables on ``Base``."""

from central.db.accounts import SignInCode, StaffAccount, ThrottleEvent, WebSession
from central.db.base import Base, UTCDateTime
from central.db.calendar import CalendarDay, CalendarYear
from central.db.contracts import (
    TARIFF_COLUMNS,
    ApiToken,
    BundleState,
    Contract,
    MqttOutbox,
    Resident,
    plates_column,
)
from central.db.events import Alarm, DeadLetter, GateEventRecord, Stay, StayStatus
from central.db.payments import AuditKind, Payment, PaymentAudit, PaymentRefund, PaymentStatus, RefundStatus
from central.db.residents import ResidentNotice, ResidentVehicle
from central.db.session import Database, make_engine
from central.db.sites import Gate, Institution, Product, Site
from central.db.vehicles import BlacklistEntry, OwnVehicle

__all__ = [
    "TARIFF_COLUMNS", "Alarm", "ApiToken", "AuditKind", "Base", "BlacklistEntry", "BundleState",
    "CalendarDay", "CalendarYear", "Contract", "Database", "DeadLetter", "Gate", "GateEventRecord",
    "Institution", "MqttOutbox", "OwnVehicle", "Payment", "PaymentAudit", "PaymentRefund", "PaymentStatus",
    "Product", "RefundStatus", "Resident", "ResidentNotice", "ResidentVehicle", "SignInCode", "Site",
    "StaffAccount", "Stay", "StayStatus", "ThrottleEvent", "UTCDateTime", "WebSession", "make_engine",
    "plates_column",
]

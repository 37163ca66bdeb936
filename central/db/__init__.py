"""Tables and sessions of the central service. Other packages add tables on ``Base``."""

from central.db.accounts import SignInCode, StaffAccount, ThrottleEvent, WebSession
from central.db.base import Base, UTCDateTime
from central.db.contracts import ApiToken, BundleState, Contract, MqttOutbox, Resident, plates_column
from central.db.events import Alarm, DeadLetter, DeadLetterCause, GateEventRecord, Stay, StayStatus
from central.db.session import Database, make_engine
from central.db.sites import Gate, Institution, Product, Site

__all__ = [
    "Alarm", "ApiToken", "Base", "BundleState", "Contract", "Database", "DeadLetter", "DeadLetterCause",
    "Gate", "GateEventRecord", "Institution", "MqttOutbox", "Product", "Resident", "SignInCode", "Site",
    "StaffAccount", "Stay", "StayStatus", "ThrottleEvent", "UTCDateTime", "WebSession", "make_engine",
    "plates_column",
]

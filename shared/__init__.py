"""What the gate and the central service must agree on.

The public surface is re-exported here; the modules behind it are internals.
Nothing in this package imports from ``edge`` or ``central``.
"""

from shared.calendar import DayType, OfficialCalendar, YearSchedule, schedule_from_holidays
from shared.clock import Clock, utc_now
from shared.contracts import (
    ID_PATTERN,
    BlacklistEntry,
    Contract,
    ContractBundle,
    ContractStatus,
    OwnVehicle,
    SiteInfo,
)
from shared.errors import (
    BundleError,
    BundleExpiredError,
    BundleRollbackError,
    BundleSignatureError,
    MessageError,
    ParkingError,
    PlateError,
    SecretFileError,
    UnknownKeyError,
    WindowError,
)
from shared.messages import (
    MAX_ALTERNATIVES,
    MAX_NEAR_MISSES,
    MAX_PAYLOAD_BYTES,
    AlertKind,
    Direction,
    GateEvent,
    GateState,
    GateStatus,
    GuardAction,
    GuardOverride,
    NearMissCandidate,
    OverrideReason,
    SiteAlert,
    encode_message,
    parse_message,
)
from shared.plates import (
    CONFUSABLE_PAIRS,
    PROVINCES,
    NearMiss,
    Plate,
    PlateIndex,
    PlateKind,
    PlateText,
    is_valid_plate,
    normalise_plate,
    parse_plate,
)
from shared.reasons import Outcome, Reason
from shared.secrets import read_secret
from shared.signing import (
    SignedBundle,
    canonical_json,
    generate_private_key,
    private_key_from_text,
    private_key_to_text,
    public_key_from_text,
    public_key_to_text,
    sign_bundle,
    verify_bundle,
)
from shared.text import PlainText, refuse_control_characters
from shared.topics import (
    ALL_ALERTS,
    ALL_CONTRACTS,
    ALL_EVENTS,
    ALL_STATUS,
    BROKER_UPTIME,
    CENTRAL_USER,
    Access,
    GateTopic,
    SiteTopic,
    TopicRule,
    acl_block,
    alerts_topic,
    central_acl,
    central_rules,
    contracts_topic,
    events_topic,
    gate_acl,
    gate_rules,
    gate_username,
    parse_gate_topic,
    parse_site_topic,
    shared_subscription,
    status_topic,
)
from shared.windows import Coverage, TimeWindow, coverage_at

__all__ = [
    "ALL_ALERTS", "ALL_CONTRACTS", "ALL_EVENTS", "ALL_STATUS", "BROKER_UPTIME", "CENTRAL_USER",
    "CONFUSABLE_PAIRS", "ID_PATTERN", "MAX_ALTERNATIVES", "MAX_NEAR_MISSES", "MAX_PAYLOAD_BYTES", "PROVINCES",
    "Access",
    "AlertKind", "BlacklistEntry", "BundleError", "BundleExpiredError", "BundleRollbackError",
    "BundleSignatureError", "Clock", "Contract", "ContractBundle", "ContractStatus", "Coverage",
    "DayType", "Direction", "GateEvent", "GateState", "GateStatus", "GateTopic", "GuardAction",
    "GuardOverride", "MessageError", "NearMiss", "NearMissCandidate", "OfficialCalendar", "Outcome",
    "OverrideReason", "OwnVehicle", "ParkingError", "PlainText", "Plate", "PlateError", "PlateIndex",
    "PlateKind", "PlateText", "Reason", "SecretFileError", "SignedBundle", "SiteAlert", "SiteInfo",
    "SiteTopic", "TimeWindow", "TopicRule", "UnknownKeyError", "WindowError", "YearSchedule", "acl_block",
    "alerts_topic", "canonical_json", "central_acl", "central_rules", "contracts_topic", "coverage_at",
    "encode_message", "events_topic", "gate_acl", "gate_rules", "gate_username", "generate_private_key",
    "is_valid_plate", "normalise_plate", "parse_gate_topic", "parse_message", "parse_plate",
    "parse_site_topic", "private_key_from_text", "private_key_to_text", "public_key_from_text",
    "public_key_to_text", "read_secret", "refuse_control_characters", "schedule_from_holidays",
    "shared_subscription", "sign_bundle", "status_topic", "utc_now", "verify_bundle",
]

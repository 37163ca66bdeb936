"""What the gate and the central service must agree on.

The public surface is re-exported here; the modules behind it are internals.
Nothing in this package imports from ``edge`` or ``central``.
"""

from shared.clock import Clock, utc_now
from shared.contracts import ID_PATTERN, Contract, ContractBundle, ContractStatus, SiteInfo
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
    MAX_NEAR_MISSES,
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
from shared.windows import Coverage, DayType, TimeWindow, coverage_at, day_type

__all__ = [
    "CONFUSABLE_PAIRS", "ID_PATTERN", "MAX_NEAR_MISSES", "PROVINCES",
    "AlertKind", "BundleError", "BundleExpiredError", "BundleRollbackError",
    "BundleSignatureError", "Clock", "Contract", "ContractBundle", "ContractStatus", "Coverage",
    "DayType", "Direction", "GateEvent", "GateState", "GateStatus", "GuardAction",
    "GuardOverride", "MessageError", "NearMiss", "NearMissCandidate", "Outcome", "OverrideReason",
    "ParkingError", "Plate", "PlateError", "PlateIndex", "PlateKind", "Reason",
    "SecretFileError", "SignedBundle", "SiteAlert", "SiteInfo", "TimeWindow", "UnknownKeyError",
    "WindowError", "canonical_json", "coverage_at", "day_type", "encode_message",
    "generate_private_key", "is_valid_plate", "normalise_plate", "parse_message",
    "parse_plate", "private_key_from_text", "private_key_to_text",
    "public_key_from_text", "public_key_to_text", "read_secret", "sign_bundle", "utc_now",
    "verify_bundle",
]

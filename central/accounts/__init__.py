"""Who signs in to the web apps, and how: staff accounts, resident codes, sessions, throttling.

No HTTP here: the console and resident app (``central.web``) and the CLI call these services.
"""

from central.accounts.codes import (
    CodeCheck,
    CodeCheckOutcome,
    CodeRequest,
    CodeRequestOutcome,
    CodeRules,
    check_code,
    request_code,
)
from central.accounts.phones import mask_phone, normalise_phone, phone_hash
from central.accounts.policy import code_rules, lockout, prune_sign_in_records, session_limits
from central.accounts.residents import find_resident, residents_by_id
from central.accounts.sessions import (
    SessionKind,
    SessionLimits,
    SignedIn,
    end_resident_sessions,
    end_session,
    end_staff_sessions,
    prune_sessions,
    session_for,
    start_session,
)
from central.accounts.sms import (
    ConsoleSmsSender,
    HttpSmsGateway,
    SentSms,
    SmsSender,
    sender_from_settings,
    signature,
)
from central.accounts.staff import (
    Lockout,
    StaffSignIn,
    StaffSignInOutcome,
    change_password,
    create_institution,
    create_staff,
    disable_staff,
    find_staff,
    list_staff,
    normalise_username,
    set_password,
    sign_in_staff,
)

__all__ = [
    "CodeCheck", "CodeCheckOutcome", "CodeRequest", "CodeRequestOutcome", "CodeRules", "ConsoleSmsSender",
    "HttpSmsGateway", "Lockout", "SentSms", "SessionKind", "SessionLimits", "SignedIn", "SmsSender",
    "StaffSignIn", "StaffSignInOutcome", "change_password", "check_code", "code_rules",
    "create_institution", "create_staff", "disable_staff", "end_resident_sessions", "end_session",
    "end_staff_sessions", "find_resident", "find_staff", "list_staff", "lockout", "mask_phone",
    "normalise_phone", "normalise_username", "phone_hash", "prune_sessions", "prune_sign_in_records",
    "request_code", "residents_by_id", "sender_from_settings", "session_for", "session_limits",
    "set_password", "sign_in_staff", "signature", "start_session",
]

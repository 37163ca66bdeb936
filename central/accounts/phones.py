"""Mainland mobile numbers: one written form, a masked form for people, a keyed hash for lookup.

The number itself is never stored: residents are found by ``phone_hash`` (HMAC-SHA256 under
the ``web.phone_key`` secret, so the 10^10 possible numbers cannot be tried offline without
the key) and shown as ``138****5678``.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from central.errors import AccountError

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalise_phone(text: str) -> str:
    """``+86 138-1234-5678`` -> ``13812345678``; anything but a mainland mobile number is refused."""
    digits = _SEPARATORS.sub("", text.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise AccountError(f"phone: {text[:40]!r} is not a mainland mobile number (11 digits, 13x-19x)")
    return digits


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``: enough for its owner to recognise, no more."""
    return f"{phone[:3]}****{phone[-4:]}"


def phone_hash(phone: str, key: str) -> str:
    """The lookup key of a normalised number: HMAC-SHA256 hex under the phone key."""
    return hmac.new(key.encode(), f"phone:{phone}".encode(), hashlib.sha256).hexdigest()

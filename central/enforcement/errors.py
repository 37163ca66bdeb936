"""Every error enforcement raises, in one place.

    ParkingError (shared)
    └── EnforcementError     anything enforcement refuses to do
        └── NotifyError      a resident adapter could not deliver (the outbox retries)
"""

from __future__ import annotations

from shared import ParkingError


class EnforcementError(ParkingError):
    """Base of every enforcement error."""


class NotifyError(EnforcementError):
    """An adapter could not deliver a notification; the message says why, without secrets."""

"""When overstay starts: the one rule that billing charges by and enforcement acts on.

A stay has one departure deadline, recorded at entry. Times count in whole seconds,
floored (07:45:00.999 is 07:45:00). Nothing is overstay while the car was last seen
(its exit, or now for a car still inside) at or before deadline + grace; past that
instant the whole time from the deadline is overstay: grace is forgiven only to
those who use it. Billing prices those seconds in overstay periods; enforcement
records a violation dated at that instant.

The defaults of a product's grace and overstay period live here too, so the product
table, the API, the tariff and enforcement cannot disagree (docs/billing.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from central.errors import StayError

DEFAULT_GRACE_MINUTES = 15
DEFAULT_OVERSTAY_PERIOD_MINUTES = 60


def seconds_of(when: datetime, name: str = "time") -> int:
    """POSIX seconds, floored to the whole second; a naive time is refused, naming ``name``."""
    if when.tzinfo is None:
        raise StayError(f"{name} {when.isoformat()} has no timezone")
    return int(when.timestamp())


def overstay_starts(deadline: int, grace_minutes: int) -> int:
    """The second after which a car still inside overstays: deadline + grace."""
    return deadline + grace_minutes * 60


def overstay_seconds(deadline: int | None, grace_minutes: int, last_seen: int) -> int:
    """Seconds of overstay of a stay last seen at ``last_seen``; 0 without a deadline or within grace."""
    if deadline is None or last_seen <= overstay_starts(deadline, grace_minutes):
        return 0
    return last_seen - deadline


def overstay_start_time(deadline: datetime, grace_minutes: int) -> datetime:
    """``overstay_starts`` as an aware UTC time: when a violation happened."""
    return datetime.fromtimestamp(overstay_starts(seconds_of(deadline, "deadline"), grace_minutes), UTC)

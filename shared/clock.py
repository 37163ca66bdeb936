"""The one clock type and the one source of the current time, for every process.

Code that needs the time takes a ``Clock`` argument (tests pass a fixed or stepping
one); ``utc_now`` is the real clock, timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)

"""Times in the gate's SQLite file: fixed-width UTC text, so that text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def ts(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_ts(text: str | None) -> datetime | None:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC) if text else None

"""Resident notifications: adapters behind one interface, and the outbox that drives them.

An adapter sends one payload or raises NotifyError. The outbox (``notifications``)
is written in the same transaction as the action; ``dispatch_due`` sends what is
due, retrying with a doubling delay, and marks a notification failed (kept, never
dropped) after ``max_attempts``. The in-app adapter (``app``, always on) keeps each
notice for the resident app (``central.residents.notices.InAppNotifier``); SMS or app push
are further adapters with the same ``send``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import select

from central.db import Database
from central.enforcement.models import Notification
from central.errors import NotifyError

logger = logging.getLogger(__name__)


class ResidentNotifier(Protocol):
    channel: str

    def send(self, payload: Mapping[str, Any]) -> None:
        """Deliver or raise NotifyError."""


class WebhookNotifier:
    """POSTs the payload as JSON; any 2xx is delivered."""

    channel = "webhook"

    def __init__(self, url: str, timeout_s: float = 5.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self.client = client or httpx.Client(timeout=timeout_s)

    def send(self, payload: Mapping[str, Any]) -> None:
        try:
            response = self.client.post(self.url, json=dict(payload))
        except httpx.HTTPError as exc:
            raise NotifyError(f"webhook: {type(exc).__name__}") from exc
        if not response.is_success:
            raise NotifyError(f"webhook: HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


def dispatch_due(
    database: Database, notifiers: Mapping[str, ResidentNotifier], now: datetime,
    max_attempts: int = 8, retry_base_s: float = 30.0, batch: int = 200,
) -> int:
    """Send the notifications due at ``now``; returns how many were delivered."""
    with database.transaction() as session:
        due = session.execute(
            select(Notification.id, Notification.channel, Notification.payload)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.id).limit(batch)).all()
    delivered = 0
    for row_id, channel, payload in due:
        error = _send(notifiers.get(channel), channel, payload)
        with database.transaction() as session:
            note = session.get_one(Notification, row_id)
            _settle(note, error, now, max_attempts, lambda n: timedelta(seconds=retry_base_s * 2 ** n))
        delivered += error is None
    return delivered


def _send(notifier: ResidentNotifier | None, channel: str, payload: Mapping[str, Any]) -> str | None:
    if notifier is None:
        return f"no adapter for channel {channel}"
    try:
        notifier.send(payload)
    except NotifyError as exc:
        return str(exc)
    return None


def _settle(note: Notification, error: str | None, now: datetime, max_attempts: int,
            delay: Callable[[int], timedelta]) -> None:
    note.attempts += 1
    if error is None:
        note.status, note.sent_at, note.last_error = "sent", now, None
        return
    note.last_error = error[:500]
    if note.attempts >= max_attempts:
        note.status = "failed"
        logger.warning("notification %s failed for good after %s attempts: %s", note.id, note.attempts, error)
    else:
        note.next_attempt_at = now + delay(note.attempts - 1)
        logger.info("notification %s not delivered (%s); retry at %s", note.id, error, note.next_attempt_at)

"""Sending a text message: the ``SmsSender`` interface and its two implementations.

``ConsoleSmsSender`` (development and the demo) sends nothing: it writes the message to the
log, clearly marked, and keeps the last ones for tests. ``HttpSmsGateway`` POSTs a JSON
request to a configured URL, signed so that the gateway can tell it comes from us::

    POST <url>
    Content-Type: application/json
    X-Parking-Timestamp: 1741003200              (Unix seconds)
    X-Parking-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

    {"message_id": "<uuid>", "to": "+8613812345678", "text": "...", "purpose": "sign_in_code"}

Any 2xx answer means accepted; anything else, or no answer within the timeout, is an
``SmsError``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from central.accounts.phones import mask_phone
from central.core.config import Settings
from central.errors import SmsError
from shared import utc_now

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Parking-Timestamp"
SIGNATURE_HEADER = "X-Parking-Signature"


@dataclass(frozen=True, slots=True)
class SentSms:
    phone: str
    text: str
    purpose: str
    at: datetime


class SmsSender(Protocol):
    def send(self, phone: str, text: str, purpose: str) -> None:
        """Deliver ``text`` to a normalised mainland number, or raise ``SmsError``."""


class ConsoleSmsSender:
    """Development only: the message goes to the log (WARNING, marked) instead of a phone."""

    def __init__(self, keep: int = 50, clock: Callable[[], datetime] = utc_now) -> None:
        self._sent: deque[SentSms] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._clock = clock

    def send(self, phone: str, text: str, purpose: str) -> None:
        with self._lock:
            self._sent.append(SentSms(phone, text, purpose, self._clock()))
        logger.warning("DEVELOPMENT SMS, NOT SENT to %s (%s): %s", mask_phone(phone), purpose, text)

    def sent(self) -> list[SentSms]:
        with self._lock:
            return list(self._sent)

    def last_to(self, phone: str) -> SentSms | None:
        return next((m for m in reversed(self.sent()) if m.phone == phone), None)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Parking-Signature`` for a request (also what a gateway checks)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class HttpSmsGateway:
    """A generic HTTP SMS gateway: signed JSON POST, bounded wait, non-2xx is a failure."""

    def __init__(self, url: str, secret: str, timeout_s: float,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.url = url
        self._secret = secret
        self._timeout_s = timeout_s
        self._clock = clock

    def send(self, phone: str, text: str, purpose: str) -> None:
        body = json.dumps({"message_id": str(uuid.uuid4()), "to": f"+86{phone}", "text": text,
                           "purpose": purpose}, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self._clock().timestamp()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: signature(self._secret, timestamp, body)}
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            logger.warning("SMS gateway unreachable for %s: %s", mask_phone(phone), type(exc).__name__)
            raise SmsError(f"SMS gateway did not answer: {type(exc).__name__}") from exc
        if not response.is_success:
            logger.warning("SMS gateway refused a message to %s: HTTP %s", mask_phone(phone),
                           response.status_code)
            raise SmsError(f"SMS gateway answered HTTP {response.status_code}")
        logger.info("SMS (%s) handed to the gateway for %s", purpose, mask_phone(phone))


def sender_from_settings(settings: Settings, clock: Callable[[], datetime] = utc_now) -> SmsSender | None:
    """The configured sender; None (resident sign-in off) when none is set outside development."""
    sms = settings.web.sms
    kind = sms.sender or ("console" if settings.environment == "development" else None)
    if kind == "console":
        return ConsoleSmsSender(clock=clock)
    if kind == "http" and sms.url is not None:
        return HttpSmsGateway(sms.url, sms.secret_text(), sms.timeout_s, clock)
    return None

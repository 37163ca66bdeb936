"""The sandbox provider: a page of our own plays the provider, and no money moves.

``create`` sends the resident to ``/sandbox/pay/<checkout>``, where ``checkout`` carries the
order (id, amount, description, notify and return URLs, expiry) signed with the sandbox
secret, so nobody can change the amount on the way. The page's buttons pay, fail or cancel;
each sends our notify endpoint a callback the way a real provider would::

    POST <notify_url>
    Content-Type: application/json
    X-Sandbox-Timestamp: 1741003200                  (Unix seconds)
    X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

    {"transaction_id": "sbx...", "out_trade_no": "<order id>", "amount_fen": 30000,
     "currency": "CNY", "status": "paid", "paid_at": "2025-03-03T12:00:00+00:00"}

``status`` is ``paid``, ``failed`` (the pay button of a card that bounced) or ``closed``
(cancelled). The sandbox remembers what it was told (for ``query`` and ``refund``) in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from central.db.payments import PaymentStatus, RefundStatus
from central.errors import CallbackRefused
from central.payments.model import (
    Acknowledgement,
    CallbackAnswer,
    Checkout,
    CheckoutKind,
    PaymentNotice,
    PaymentRequest,
    RefundRequest,
    RefundResult,
)

logger = logging.getLogger(__name__)

NAME = "sandbox"
PAGE_PATH = "/sandbox/pay"  # the sandbox's page: PAGE_PATH/<checkout>
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
SIGNATURE_HEADER = "X-Sandbox-Signature"
_STATUS_CODES = {Acknowledgement.ACCEPTED: 204, Acknowledgement.UNVERIFIED: 401,
                 Acknowledgement.REFUSED: 400, Acknowledgement.RETRY: 503}


@dataclass(frozen=True, slots=True)
class SandboxCheckout:
    """One payment as the sandbox's page shows it."""

    order_id: str
    transaction_id: str
    amount_fen: int
    currency: str
    description: str
    notify_url: str
    return_url: str
    expires_at: datetime


def callback_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sandbox:
    """``PaymentProvider`` for development, tests and the demo."""

    def __init__(self, secret: str, skew_s: int, timeout_s: float) -> None:
        self._secret = secret
        self._skew_s = skew_s
        self._timeout_s = timeout_s
        self._told: dict[str, PaymentNotice] = {}  # order id -> the last callback the page sent
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return NAME

    def create(self, request: PaymentRequest, now: datetime) -> Checkout:
        checkout = SandboxCheckout(request.order_id, f"sbx{uuid.uuid4().hex}", request.amount_fen,
                                   request.currency, request.description, request.notify_url,
                                   request.return_url, request.expires_at)
        return Checkout(CheckoutKind.REDIRECT, f"{PAGE_PATH}/{self.seal(checkout)}")

    def seal(self, checkout: SandboxCheckout) -> str:
        fields = {"o": checkout.order_id, "t": checkout.transaction_id, "a": checkout.amount_fen,
                  "c": checkout.currency, "d": checkout.description, "n": checkout.notify_url,
                  "r": checkout.return_url, "e": int(checkout.expires_at.timestamp())}
        payload = _b64(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode())
        return f"{payload}.{self._checkout_mac(payload)}"

    def open(self, sealed: str) -> SandboxCheckout | None:
        """The checkout behind a page address; None if it was not made by us or was changed."""
        payload, _, mac = sealed.partition(".")
        if not hmac.compare_digest(mac.encode(), self._checkout_mac(payload).encode()):
            return None
        try:
            fields = json.loads(_unb64(payload))
            return SandboxCheckout(str(fields["o"]), str(fields["t"]), int(fields["a"]), str(fields["c"]),
                                   str(fields["d"]), str(fields["n"]), str(fields["r"]),
                                   datetime.fromtimestamp(int(fields["e"]), UTC))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None

    def _checkout_mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret.encode(), b"checkout." + payload.encode(), hashlib.sha256).digest())

    def callback(self, checkout: SandboxCheckout, status: PaymentStatus,
                 now: datetime) -> tuple[dict[str, str], bytes]:
        """The headers and body of the callback the page sends for ``status``."""
        body = json.dumps({
            "transaction_id": checkout.transaction_id, "out_trade_no": checkout.order_id,
            "amount_fen": checkout.amount_fen, "currency": checkout.currency, "status": status.value,
            "paid_at": now.isoformat() if status is PaymentStatus.PAID else None,
        }, separators=(",", ":")).encode()
        timestamp = str(int(now.timestamp()))
        return ({"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                 SIGNATURE_HEADER: callback_signature(self._secret, timestamp, body)}, body)

    def deliver(self, checkout: SandboxCheckout, status: PaymentStatus, now: datetime) -> int | None:
        """Send the callback to the notify URL; its HTTP status, or None if nobody answered."""
        headers, body = self.callback(checkout, status, now)
        try:
            answered = httpx.post(checkout.notify_url, content=body, headers=headers, timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            logger.warning("sandbox callback for order %s not delivered: %s", checkout.order_id,
                           type(exc).__name__)
            return None
        if answered.is_success:
            with self._lock:
                self._told[checkout.order_id] = self._notice(json.loads(body))
        return answered.status_code

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotice:
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > self._skew_s:
            raise CallbackRefused(f"{TIMESTAMP_HEADER} missing or more than {self._skew_s} s away")
        expected = callback_signature(self._secret, timestamp, body)
        if not hmac.compare_digest(headers.get(SIGNATURE_HEADER.lower(), "").encode(), expected.encode()):
            raise CallbackRefused(f"{SIGNATURE_HEADER} does not match the body")
        try:
            return self._notice(json.loads(body))
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRefused(f"body is not a sandbox callback: {exc}") from exc

    def _notice(self, fields: dict[str, object]) -> PaymentNotice:
        status = PaymentStatus(str(fields["status"]))
        if status not in (PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.CLOSED):
            raise ValueError(f"status {status} is not sent in a callback")
        amount, paid = fields["amount_fen"], fields.get("paid_at")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValueError(f"amount_fen must be an integer (got {amount!r})")
        paid_at = datetime.fromisoformat(paid) if isinstance(paid, str) else None
        if paid_at is not None and paid_at.tzinfo is None:
            raise ValueError("paid_at has no offset")
        return PaymentNotice(NAME, str(fields["out_trade_no"]), str(fields["transaction_id"]), amount,
                             str(fields["currency"]), status, paid_at)

    def query(self, order_id: str, now: datetime) -> PaymentNotice | None:
        with self._lock:
            return self._told.get(order_id)

    def refund(self, request: RefundRequest, now: datetime) -> RefundResult:
        logger.warning("SANDBOX refund of %s fen for order %s: no money moves", request.amount_fen,
                       request.order_id)
        return RefundResult(request.refund_id, f"sbxrf{uuid.uuid4().hex}", request.amount_fen,
                            RefundStatus.SUCCEEDED)

    def answer(self, acknowledgement: Acknowledgement, reason: str) -> CallbackAnswer:
        if acknowledgement is Acknowledgement.ACCEPTED:
            return CallbackAnswer(204)
        return CallbackAnswer(_STATUS_CODES[acknowledgement], json.dumps({"detail": reason}).encode(),
                              "application/json")

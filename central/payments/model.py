"""What every payment provider is asked and answers: the ``PaymentProvider`` interface and its data.

Money is integer fen throughout; a provider that speaks yuan converts at its edge
(``central.payments.money``). Times are aware UTC; a provider that speaks local time speaks
China's (``CHINA``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from central.db.payments import PaymentStatus, RefundStatus

CHINA = ZoneInfo("Asia/Shanghai")  # the providers' own clock, whatever the site's timezone


class Channel(StrEnum):
    """Where the resident pays: it picks the provider's product."""

    MOBILE = "mobile"  # a phone's browser: WeChat Pay H5, Alipay wap.pay
    DESKTOP = "desktop"  # a computer: WeChat Pay Native (a QR code to scan), Alipay page.pay


class CheckoutKind(StrEnum):
    REDIRECT = "redirect"  # send the resident's browser to ``url``
    QR_CODE = "qr_code"  # show ``url`` as a QR code for the resident's phone to scan


class Acknowledgement(StrEnum):
    """What we tell a provider about its callback; each provider says it in its own words."""

    ACCEPTED = "accepted"  # taken (or already taken): do not send it again
    UNVERIFIED = "unverified"  # the signature or timestamp did not hold
    REFUSED = "refused"  # verified, but it contradicts the payment (amount, currency, unknown order)
    RETRY = "retry"  # we could not take it now: send it again later


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    order_id: str  # our order id: the provider's out_trade_no
    amount_fen: int
    currency: str
    description: str  # shown to the resident by the provider
    notify_url: str  # where the provider sends its callback
    return_url: str  # where the resident's browser comes back to
    expires_at: datetime  # the provider closes the payment then (the order's hold)
    channel: Channel = Channel.MOBILE
    client_ip: str = "127.0.0.1"  # the resident's address (WeChat Pay H5 asks for it)


@dataclass(frozen=True, slots=True)
class Checkout:
    """What the resident is sent to: a page to open, or a code to scan."""

    kind: CheckoutKind
    url: str


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """A provider's word on a payment, verified: from a callback or a query."""

    provider: str
    order_id: str
    transaction_id: str | None  # the provider's id; always there once paid
    amount_fen: int
    currency: str
    status: PaymentStatus
    paid_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    refund_id: str  # our refund id: out_refund_no / out_request_no
    order_id: str
    transaction_id: str
    amount_fen: int  # this refund
    total_fen: int  # the payment it comes from
    currency: str
    reason: str


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    provider_refund_id: str | None
    amount_fen: int
    status: RefundStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """The HTTP answer a provider expects to its callback."""

    status_code: int
    body: bytes = b""
    media_type: str | None = None


class PaymentProvider(Protocol):
    """One way to pay. Implementations: ``Sandbox``, ``WechatPay``, ``Alipay``.

    ``create``, ``query`` and ``refund`` talk to the provider and raise ``ProviderError`` when it
    refuses or does not answer; ``verify_callback`` raises ``CallbackRefused`` for anything it
    cannot verify. ``headers`` have lower-case names; ``body`` is the raw request body.
    """

    @property
    def name(self) -> str: ...

    def create(self, request: PaymentRequest, now: datetime) -> Checkout: ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotice: ...

    def query(self, order_id: str, now: datetime) -> PaymentNotice | None:
        """The provider's state of the order's payment; None if it knows no such payment."""

    def refund(self, request: RefundRequest, now: datetime) -> RefundResult: ...

    def answer(self, acknowledgement: Acknowledgement, reason: str) -> CallbackAnswer: ...

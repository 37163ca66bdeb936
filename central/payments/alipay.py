"""Alipay open platform, RSA2: wap.pay / page.pay, query, refund and the asynchronous notification.

A request is the gateway's common parameters (``app_id``, ``method``, ``format=JSON``,
``charset=utf-8``, ``sign_type=RSA2``, ``timestamp`` in China's time, ``version=1.0``,
``biz_content`` as JSON) signed with the app's private key: SHA256withRSA over the parameters
with a value, ``sign`` left out, sorted by name and written ``k=v`` joined by ``&``, unencoded.
wap.pay and page.pay are pages: the resident's browser opens the gateway with the signed
parameters. query and refund are POSTed; the answer's ``<method>_response`` object is signed
(``sign``) over its exact text.

A notification is a form POST signed over every parameter but ``sign`` and ``sign_type``,
sorted the same way. Amounts are yuan strings (``"300.00"``), converted to fen exactly. We
answer ``success`` to a notification we took; anything else makes Alipay send it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from central.core.payment_settings import AlipaySettings, rsa_private_key, rsa_public_key
from central.db.payments import PaymentStatus, RefundStatus
from central.errors import CallbackRefused, ProviderError
from central.payments import rsa
from central.payments.model import (
    CHINA,
    Acknowledgement,
    CallbackAnswer,
    Channel,
    Checkout,
    CheckoutKind,
    PaymentNotice,
    PaymentRequest,
    RefundRequest,
    RefundResult,
)
from central.payments.money import fen_from_yuan, yuan_text

NAME = "alipay"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS_CODE = "10000"
_TRADE_STATUS = {"TRADE_SUCCESS": PaymentStatus.PAID, "TRADE_FINISHED": PaymentStatus.PAID,
                 "TRADE_CLOSED": PaymentStatus.CLOSED, "WAIT_BUYER_PAY": PaymentStatus.PENDING}
_STATUS_CODES = {Acknowledgement.ACCEPTED: 200, Acknowledgement.UNVERIFIED: 401,
                 Acknowledgement.REFUSED: 400, Acknowledgement.RETRY: 500}


def request_content(params: Mapping[str, str]) -> str:
    """What a request's ``sign`` covers: parameters with a value, but ``sign``, sorted, ``k=v&...``."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if v and k != "sign")


def notification_content(params: Mapping[str, str]) -> str:
    """What a notification's ``sign`` covers: every parameter but ``sign`` and ``sign_type``."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


def china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime(TIME_FORMAT)


def signed_member(text: str, name: str) -> str:
    """The exact text of the JSON member ``name`` in an answer (what its ``sign`` covers)."""
    start = text.find(f'"{name}"')
    if start < 0:
        raise ValueError(f"no {name} in the answer")
    value_at = text.index(":", start + len(name) + 2) + 1
    while text[value_at] in " \t\r\n":
        value_at += 1
    _, end = json.JSONDecoder().raw_decode(text, value_at)
    return text[value_at:end]


class Alipay:
    """``PaymentProvider`` for Alipay (public key mode, RSA2)."""

    def __init__(self, settings: AlipaySettings, timeout_s: float) -> None:
        if settings.app_id is None:
            raise ValueError("payments.alipay.app_id is needed")
        self._app_id = settings.app_id
        self._key = rsa_private_key(settings.private_key_text() or "", "payments.alipay.private_key")
        self._alipay_key = rsa_public_key(settings.public_key_text() or "",
                                          "payments.alipay.alipay_public_key")
        self._seller_id = settings.seller_id
        self._gateway = settings.gateway_url
        self._timeout_s = timeout_s

    @property
    def name(self) -> str:
        return NAME

    def signed_params(self, method: str, biz: Mapping[str, Any], now: datetime,
                      **extra: str) -> dict[str, str]:
        params = {"app_id": self._app_id, "method": method, "format": "JSON", "charset": "utf-8",
                  "sign_type": "RSA2", "timestamp": china_time(now), "version": "1.0",
                  "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")), **extra}
        params["sign"] = rsa.sign(self._key, request_content(params).encode())
        return params

    def create(self, request: PaymentRequest, now: datetime) -> Checkout:
        if request.currency != "CNY":
            raise ProviderError(f"Alipay takes CNY only (got {request.currency!r})")
        mobile = request.channel is Channel.MOBILE
        biz = {"out_trade_no": request.order_id, "total_amount": yuan_text(request.amount_fen),
               "subject": request.description, "time_expire": china_time(request.expires_at),
               "product_code": "QUICK_WAP_WAY" if mobile else "FAST_INSTANT_TRADE_PAY"}
        if mobile:
            biz["quit_url"] = request.return_url
        params = self.signed_params("alipay.trade.wap.pay" if mobile else "alipay.trade.page.pay", biz, now,
                                    notify_url=request.notify_url, return_url=request.return_url)
        return Checkout(CheckoutKind.REDIRECT, f"{self._gateway}?{urlencode(params)}")

    def query(self, order_id: str, now: datetime) -> PaymentNotice | None:
        answer = self._call("alipay.trade.query", {"out_trade_no": order_id}, now)
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return None
        self._check_code(answer)
        try:
            return self._notice(answer, "send_pay_date")
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"Alipay's answer to a query cannot be read: {exc}") from exc

    def refund(self, request: RefundRequest, now: datetime) -> RefundResult:
        answer = self._call("alipay.trade.refund", {
            "out_trade_no": request.order_id, "refund_amount": yuan_text(request.amount_fen),
            "refund_reason": request.reason, "out_request_no": request.refund_id}, now)
        self._check_code(answer)
        if answer.get("out_trade_no") != request.order_id:
            raise ProviderError("Alipay's refund answer names another order")
        return RefundResult(request.refund_id, str(answer.get("trade_no") or "") or None, request.amount_fen,
                            RefundStatus.SUCCEEDED)

    def _call(self, method: str, biz: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        params = self.signed_params(method, biz, now)
        try:
            answer = httpx.post(self._gateway, data=params, timeout=self._timeout_s,
                                headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderError(f"Alipay did not answer: {type(exc).__name__}") from exc
        if not answer.is_success:
            raise ProviderError(f"Alipay answered HTTP {answer.status_code}")
        member = method.replace(".", "_") + "_response"
        try:
            text = answer.content.decode("utf-8")
            signature, signed = json.loads(text).get("sign"), signed_member(text, member)
            body = json.loads(signed)
        except (ValueError, UnicodeDecodeError, AttributeError, IndexError) as exc:
            raise ProviderError(f"Alipay's answer cannot be read: {exc}") from exc
        if not isinstance(signature, str) or not rsa.verify(self._alipay_key, signed.encode(), signature):
            raise ProviderError(f"Alipay's answer to {method} is not signed by Alipay's key")
        if not isinstance(body, dict):
            raise ProviderError(f"Alipay's {member} is not an object")
        return body

    @staticmethod
    def _check_code(answer: Mapping[str, Any]) -> None:
        if answer.get("code") != SUCCESS_CODE:
            raise ProviderError(f"Alipay refused: {answer.get('code')} {answer.get('sub_code', '')}"[:200])

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotice:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise CallbackRefused("body is not a UTF-8 form") from exc
        params = dict(pairs)
        if len(params) != len(pairs):
            raise CallbackRefused("a parameter is given twice")
        if params.get("sign_type") != "RSA2":
            raise CallbackRefused(f"sign_type {params.get('sign_type', '')[:20]!r} is not RSA2")
        if not rsa.verify(self._alipay_key, notification_content(params).encode(), params.get("sign", "")):
            raise CallbackRefused("sign does not verify with Alipay's public key")
        seller_wrong = self._seller_id is not None and params.get("seller_id") != self._seller_id
        if params.get("app_id") != self._app_id or seller_wrong:
            raise CallbackRefused("app_id or seller_id is not ours")
        try:
            return self._notice(params, "gmt_payment")
        except (ValueError, KeyError) as exc:
            raise CallbackRefused(f"notification cannot be read: {exc}") from exc

    def _notice(self, fields: Mapping[str, Any], paid_field: str) -> PaymentNotice:
        status = _TRADE_STATUS[str(fields["trade_status"])]
        paid = fields.get(paid_field)
        paid_at = datetime.strptime(paid, TIME_FORMAT).replace(tzinfo=CHINA) \
            if status is PaymentStatus.PAID and isinstance(paid, str) and paid else None
        return PaymentNotice(NAME, str(fields["out_trade_no"]), fields.get("trade_no"),
                             fen_from_yuan(str(fields["total_amount"]), "total_amount"),
                             str(fields.get("trans_currency") or "CNY"), status, paid_at)

    def answer(self, acknowledgement: Acknowledgement, reason: str) -> CallbackAnswer:
        text = b"success" if acknowledgement is Acknowledgement.ACCEPTED else b"fail"
        return CallbackAnswer(_STATUS_CODES[acknowledgement], text, "text/plain")

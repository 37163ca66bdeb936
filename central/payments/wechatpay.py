"""WeChat Pay API v3 (direct merchant): H5 and Native payments, query, refund, callbacks.

Requests are signed with the merchant's API key (SHA256withRSA, base64) over
``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` and sent with::

    Authorization: WECHATPAY2-SHA256-RSA2048 mchid="...",nonce_str="...",signature="...",
                   timestamp="...",serial_no="<merchant certificate serial>"

WeChat Pay signs its answers and callbacks with its platform key: ``Wechatpay-Timestamp``,
``Wechatpay-Nonce``, ``Wechatpay-Signature`` over ``TIMESTAMP\\nNONCE\\nBODY\\n``, and
``Wechatpay-Serial`` naming the key. A callback's ``resource`` is AEAD_AES_256_GCM-encrypted
with the APIv3 key (nonce and associated data given beside the ciphertext). We answer a
callback we took with 204 and no body, one we refuse with 4xx/5xx and
``{"code": "FAIL", "message": "..."}``: WeChat Pay then sends it again.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from central.core.payment_settings import WechatPaySettings, rsa_private_key, rsa_public_key
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

NAME = "wechatpay"
SCHEMA = "WECHATPAY2-SHA256-RSA2048"
USER_AGENT = "offpeak-parking/0.1"
_TRADE_STATES = {"SUCCESS": PaymentStatus.PAID, "REFUND": PaymentStatus.REFUNDED,
                 "NOTPAY": PaymentStatus.PENDING, "USERPAYING": PaymentStatus.PENDING,
                 "CLOSED": PaymentStatus.CLOSED, "REVOKED": PaymentStatus.CLOSED,
                 "PAYERROR": PaymentStatus.FAILED}
_REFUND_STATES = {"SUCCESS": RefundStatus.SUCCEEDED, "PROCESSING": RefundStatus.PROCESSING,
                  "CLOSED": RefundStatus.FAILED, "ABNORMAL": RefundStatus.FAILED}
_STATUS_CODES = {Acknowledgement.UNVERIFIED: 401, Acknowledgement.REFUSED: 400, Acknowledgement.RETRY: 500}


def signed_text(*parts: str) -> bytes:
    """The lines WeChat Pay signs, each ended by a line feed."""
    return "".join(f"{part}\n" for part in parts).encode()


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> bytes:
    """A callback's ``resource``: AEAD_AES_256_GCM, the tag at the end of the base64 ciphertext."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise ValueError(f"resource.algorithm {resource.get('algorithm')!r} is not AEAD_AES_256_GCM")
    data = base64.b64decode(str(resource["ciphertext"]), validate=True)
    return AESGCM(apiv3_key).decrypt(str(resource["nonce"]).encode(), data,
                                     str(resource.get("associated_data") or "").encode())


def rfc3339(moment: datetime) -> str:
    """``2025-03-03T20:00:00+08:00``: WeChat Pay's time format, in China's time."""
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


class WechatPay:
    """``PaymentProvider`` for WeChat Pay API v3."""

    def __init__(self, settings: WechatPaySettings, timeout_s: float, skew_s: int) -> None:
        if settings.mchid is None or settings.appid is None or settings.serial_no is None \
                or settings.platform_serial is None:
            raise ValueError("payments.wechatpay: mchid, appid, serial_no and platform_serial are needed")
        self._mchid, self._appid, self._serial_no = settings.mchid, settings.appid, settings.serial_no
        self._key = rsa_private_key(settings.private_key_text() or "", "payments.wechatpay.private_key")
        self._apiv3_key = (settings.apiv3_key_text() or "").encode()
        self._platform_key = rsa_public_key(settings.platform_key_text() or "",
                                            "payments.wechatpay.platform_public_key")
        self._platform_serial = settings.platform_serial
        self._api_url = settings.api_url.rstrip("/")
        self._timeout_s = timeout_s
        self._skew_s = skew_s

    @property
    def name(self) -> str:
        return NAME

    # Requests

    def create(self, request: PaymentRequest, now: datetime) -> Checkout:
        body: dict[str, Any] = {
            "appid": self._appid, "mchid": self._mchid, "description": request.description,
            "out_trade_no": request.order_id, "time_expire": rfc3339(request.expires_at),
            "notify_url": request.notify_url,
            "amount": {"total": request.amount_fen, "currency": request.currency},
        }
        if request.channel is Channel.DESKTOP:
            answer = self._call("POST", "/v3/pay/transactions/native", body, now)
            return Checkout(CheckoutKind.QR_CODE, _text(answer, "code_url"))
        body["scene_info"] = {"payer_client_ip": request.client_ip, "h5_info": {"type": "Wap"}}
        answer = self._call("POST", "/v3/pay/transactions/h5", body, now)
        back = quote(request.return_url, safe="")
        return Checkout(CheckoutKind.REDIRECT, f"{_text(answer, 'h5_url')}&redirect_url={back}")

    def query(self, order_id: str, now: datetime) -> PaymentNotice | None:
        path = f"/v3/pay/transactions/out-trade-no/{quote(order_id, safe='')}?mchid={self._mchid}"
        sent = self._send("GET", path, None, now)
        if sent.status_code == 404:  # ORDER_NOT_EXIST
            return None
        answer = self._read_answer(sent, now)
        try:
            return self._notice(answer)
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"WeChat Pay's answer to a query cannot be read: {exc}") from exc

    def refund(self, request: RefundRequest, now: datetime) -> RefundResult:
        body = {"out_trade_no": request.order_id, "out_refund_no": request.refund_id,
                "reason": request.reason, "amount": {"refund": request.amount_fen, "total": request.total_fen,
                                                     "currency": request.currency}}
        answer = self._call("POST", "/v3/refund/domestic/refunds", body, now)
        status = _REFUND_STATES.get(str(answer.get("status")))
        amount = answer.get("amount", {}).get("refund") if isinstance(answer.get("amount"), dict) else None
        if status is None or amount != request.amount_fen or answer.get("out_refund_no") != request.refund_id:
            raise ProviderError(f"WeChat Pay's refund answer does not match the request "
                                f"(status {answer.get('status')!r}, amount {amount!r})")
        return RefundResult(request.refund_id, _text(answer, "refund_id"), request.amount_fen, status)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
        return self._read_answer(self._send(method, path, body, now), now)

    def _send(self, method: str, path: str, body: dict[str, Any] | None, now: datetime) -> httpx.Response:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        url = self._api_url + path
        headers = {"Authorization": self.authorization(method, _signed_path(url), content, now),
                   "Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return httpx.request(method, url, content=content.encode(), headers=headers,
                                 timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            raise ProviderError(f"WeChat Pay did not answer: {type(exc).__name__}") from exc

    def authorization(self, method: str, signed_path: str, body: str, now: datetime) -> str:
        timestamp, nonce = str(int(now.timestamp())), secrets.token_hex(16).upper()
        signature = rsa.sign(self._key, signed_text(method, signed_path, timestamp, nonce, body))
        return (f'{SCHEMA} mchid="{self._mchid}",nonce_str="{nonce}",signature="{signature}",'
                f'timestamp="{timestamp}",serial_no="{self._serial_no}"')

    def _read_answer(self, answer: httpx.Response, now: datetime) -> dict[str, Any]:
        if not answer.is_success:
            code = _error_code(answer)
            raise ProviderError(f"WeChat Pay answered HTTP {answer.status_code} {code}")
        try:
            self._check_signed(answer.headers, answer.content, now)
        except CallbackRefused as exc:
            raise ProviderError(f"WeChat Pay's answer is not verified: {exc.reason}") from exc
        try:
            parsed = json.loads(answer.content or b"{}")
        except ValueError as exc:
            raise ProviderError("WeChat Pay's answer is not JSON") from exc
        if not isinstance(parsed, dict):
            raise ProviderError("WeChat Pay's answer is not a JSON object")
        return parsed

    # Callbacks

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotice:
        self._check_signed(headers, body, now)
        try:
            envelope = json.loads(body)
            if envelope.get("event_type") != "TRANSACTION.SUCCESS":
                raise ValueError(f"event_type {envelope.get('event_type')!r} is not TRANSACTION.SUCCESS")
            if envelope.get("resource_type") != "encrypt-resource":
                raise ValueError(f"resource_type {envelope.get('resource_type')!r} is not encrypt-resource")
            transaction = json.loads(decrypt_resource(self._apiv3_key, envelope["resource"]))
        except InvalidTag as exc:
            raise CallbackRefused("resource does not decrypt with our APIv3 key") from exc
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise CallbackRefused(f"body is not a transaction callback: {exc}") from exc
        try:
            return self._notice(transaction)
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRefused(f"transaction cannot be read: {exc}") from exc

    def _check_signed(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Wechatpay-* headers: our platform key's serial, a fresh timestamp, a good signature."""
        serial = headers.get("wechatpay-serial", "")
        if serial != self._platform_serial:
            raise CallbackRefused(f"Wechatpay-Serial {serial[:64]!r} is not our platform key's")
        timestamp, nonce = headers.get("wechatpay-timestamp", ""), headers.get("wechatpay-nonce", "")
        if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > self._skew_s:
            raise CallbackRefused(f"Wechatpay-Timestamp missing or more than {self._skew_s} s away")
        message = signed_text(timestamp, nonce) + body + b"\n"
        if not nonce or not rsa.verify(self._platform_key, message, headers.get("wechatpay-signature", "")):
            raise CallbackRefused("Wechatpay-Signature does not verify with the platform key")

    def _notice(self, transaction: Mapping[str, Any]) -> PaymentNotice:
        if transaction.get("mchid") != self._mchid or transaction.get("appid") != self._appid:
            raise ValueError("mchid or appid is not ours")
        status = _TRADE_STATES[str(transaction["trade_state"])]
        amount = transaction["amount"]
        total = amount["total"]
        if not isinstance(total, int) or isinstance(total, bool):
            raise ValueError(f"amount.total must be an integer of fen (got {total!r})")
        paid = transaction["success_time"] if status is PaymentStatus.PAID else None
        paid_at = datetime.fromisoformat(paid) if paid is not None else None
        if paid_at is not None and paid_at.tzinfo is None:
            raise ValueError("success_time has no offset")
        return PaymentNotice(NAME, str(transaction["out_trade_no"]), transaction.get("transaction_id"), total,
                             str(amount.get("currency", "CNY")), status, paid_at)

    def answer(self, acknowledgement: Acknowledgement, reason: str) -> CallbackAnswer:
        if acknowledgement is Acknowledgement.ACCEPTED:
            return CallbackAnswer(204)
        body = json.dumps({"code": "FAIL", "message": reason[:200]}, ensure_ascii=False).encode()
        return CallbackAnswer(_STATUS_CODES[acknowledgement], body, "application/json")


def _signed_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _text(answer: Mapping[str, Any], field: str) -> str:
    value = answer.get(field)
    if not isinstance(value, str) or not value:
        raise ProviderError(f"WeChat Pay's answer has no {field}")
    return value


def _error_code(answer: httpx.Response) -> str:
    try:
        code = json.loads(answer.content).get("code", "")
    except (ValueError, AttributeError):
        return ""
    return str(code)[:64]

"""A fake WeChat Pay API v3, written from WeChat Pay's documentation, not from our adapter.

It checks each request's ``Authorization`` (WECHATPAY2-SHA256-RSA2048, our merchant key, our
certificate serial, a fresh timestamp) and refuses a bad one with 401 SIGN_ERROR; it signs its
answers with the platform key (Wechatpay-* headers); ``callback`` builds a transaction callback
the way WeChat Pay sends one: the resource AES-256-GCM-encrypted with the APIv3 key, the
envelope signed with the platform key. Its parameters let a test forge or tamper one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.central.payments.support import FakeServer

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_SERIAL = "PUB_KEY_ID_0114232134912410000000000000"
APIV3_KEY = "a" * 16 + "B" * 16  # 32 characters
_AUTH = re.compile(r'^WECHATPAY2-SHA256-RSA2048 (.+)$')
_FIELD = re.compile(r'(\w+)="([^"]*)"')


def _china(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")


def _sign(key: RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


class FakeWechatPay(FakeServer):
    def __init__(self, merchant_key: RSAPrivateKey, platform_key: RSAPrivateKey,
                 clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.merchant_public = merchant_key.public_key()
        self.platform_key = platform_key
        self.clock = clock
        self.orders: dict[str, dict[str, Any]] = {}  # out_trade_no -> the order as we sent it
        self.paid: dict[str, dict[str, Any]] = {}  # out_trade_no -> transaction
        self.refunds: list[dict[str, Any]] = []
        self.refused: list[str] = []  # why requests were refused
        self._lock = threading.Lock()

    # The API

    def handle(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        why = self._check_authorization(method, path, headers, body)
        if why is not None:
            with self._lock:
                self.refused.append(why)
            return self._answer(401, {"code": "SIGN_ERROR", "message": why})
        route = urlsplit(path).path
        if method == "POST" and route in ("/v3/pay/transactions/h5", "/v3/pay/transactions/native"):
            return self._create(route.rsplit("/", 1)[1], json.loads(body))
        if method == "GET" and route.startswith("/v3/pay/transactions/out-trade-no/"):
            return self._query(route.rsplit("/", 1)[1])
        if method == "POST" and route == "/v3/refund/domestic/refunds":
            return self._refund(json.loads(body))
        return self._answer(404, {"code": "NOT_FOUND", "message": path})

    def _check_authorization(self, method: str, path: str, headers: dict[str, str],
                             body: bytes) -> str | None:
        found = _AUTH.match(headers.get("authorization", ""))
        if found is None:
            return "no WECHATPAY2-SHA256-RSA2048 Authorization"
        fields = dict(_FIELD.findall(found.group(1)))
        if fields.get("mchid") != MCHID or fields.get("serial_no") != MERCHANT_SERIAL:
            return f"mchid or serial_no wrong: {fields}"
        if abs(int(fields.get("timestamp", "0")) - self.clock().timestamp()) > 300:
            return "timestamp expired"
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode() + body + b"\n"
        try:
            self.merchant_public.verify(base64.b64decode(fields.get("signature", "")), message,
                                        padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "signature does not verify with the merchant certificate"
        if "user-agent" not in headers or headers.get("accept") != "application/json":
            return "User-Agent and Accept: application/json are required"
        return None

    def _create(self, kind: str, order: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        amount = order["amount"]
        assert order["appid"] == APPID and order["mchid"] == MCHID, order
        assert isinstance(amount["total"], int) and amount["currency"] == "CNY", amount
        assert datetime.fromisoformat(order["time_expire"]).utcoffset() == timedelta(hours=8), order
        if kind == "h5":
            assert order["scene_info"]["h5_info"]["type"] == "Wap", order
        with self._lock:
            self.orders[order["out_trade_no"]] = order
        prepay = "wx" + secrets.token_hex(14)
        if kind == "h5":
            return self._answer(200, {"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
                                                f"?prepay_id={prepay}&package=2056162962"})
        return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={prepay[:10]}"})

    def _query(self, out_trade_no: str) -> tuple[int, dict[str, str], bytes]:
        if out_trade_no not in self.orders:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        transaction = self.paid.get(out_trade_no) or {
            **self.transaction(out_trade_no), "trade_state": "NOTPAY", "transaction_id": None}
        return self._answer(200, transaction)

    def _refund(self, refund: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        paid = self.paid.get(refund["out_trade_no"])
        if paid is None or refund["amount"]["total"] != paid["amount"]["total"]:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "no such payment"})
        with self._lock:
            self.refunds.append(refund)
        return self._answer(200, {
            "refund_id": "50000000382019052709732678859", "out_refund_no": refund["out_refund_no"],
            "transaction_id": paid["transaction_id"], "out_trade_no": refund["out_trade_no"],
            "channel": "ORIGINAL", "user_received_account": "招商银行信用卡0403", "status": "PROCESSING",
            "create_time": _china(self.clock()),
            "amount": {"total": paid["amount"]["total"], "refund": refund["amount"]["refund"],
                       "payer_total": paid["amount"]["total"], "payer_refund": refund["amount"]["refund"],
                       "currency": "CNY"}})

    def _answer(self, status: int, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return status, {"Content-Type": "application/json", **self.signed_headers(body)}, body

    def signed_headers(self, body: bytes, *, key: RSAPrivateKey | None = None, timestamp: int | None = None,
                       serial: str = PLATFORM_SERIAL) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(self.clock().timestamp()))
        nonce = secrets.token_hex(16)
        signature = _sign(key or self.platform_key, f"{stamp}\n{nonce}\n".encode() + body + b"\n")
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": serial, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    # The resident pays: WeChat Pay calls the merchant back

    def transaction(self, out_trade_no: str, *, total: int | None = None, currency: str = "CNY",
                    transaction_id: str | None = None) -> dict[str, Any]:
        order = self.orders[out_trade_no]
        total = order["amount"]["total"] if total is None else total
        digits = int(hashlib.sha256(out_trade_no.encode()).hexdigest()[:16], 16) % 10**20
        return {"mchid": MCHID, "appid": APPID, "out_trade_no": out_trade_no,
                "transaction_id": transaction_id or f"42000008{digits:020d}",
                "trade_type": "MWEB", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
                "bank_type": "CMC", "attach": "", "success_time": _china(self.clock()),
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {"total": total, "payer_total": total, "currency": currency,
                           "payer_currency": currency}}

    def callback(self, transaction: dict[str, Any], *, apiv3_key: str = APIV3_KEY,
                 **signing: Any) -> tuple[dict[str, str], bytes]:
        """Headers and body of the callback for ``transaction`` (``signing``: key, timestamp, serial)."""
        nonce, associated = secrets.token_hex(6), "transaction"
        ciphertext = AESGCM(apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(transaction, ensure_ascii=False).encode(), associated.encode())
        envelope = {"id": "EV-2018022511223320873", "create_time": transaction["success_time"],
                    "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
                    "summary": "支付成功",
                    "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                                 "ciphertext": base64.b64encode(ciphertext).decode(),
                                 "associated_data": associated, "nonce": nonce}}
        body = json.dumps(envelope, ensure_ascii=False).encode()
        return {"Content-Type": "application/json", **self.signed_headers(body, **signing)}, body

    def pay(self, out_trade_no: str) -> httpx.Response:
        """The resident paid: remember it and call the order's notify_url, as WeChat Pay does."""
        transaction = self.transaction(out_trade_no)
        with self._lock:
            self.paid[out_trade_no] = transaction
        headers, body = self.callback(transaction)
        return httpx.post(self.orders[out_trade_no]["notify_url"], content=body, headers=headers, timeout=10)

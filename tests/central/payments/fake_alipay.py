"""A fake Alipay open platform gateway, written from Alipay's documentation, not from our adapter.

``GET /gateway.do?...`` is the cashier page a resident's browser opens (alipay.trade.wap.pay /
page.pay): it checks the request's RSA2 signature with our app's public key and remembers the
order. ``POST /gateway.do`` answers alipay.trade.query and alipay.trade.refund with the
``<method>_response`` member signed by Alipay's key over its exact text. ``notification``
builds the asynchronous notification form, signed over every parameter but sign and sign_type.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from tests.central.payments.support import FakeServer

APP_ID = "2021000000000001"
SELLER_ID = "2088101122136241"
CHINA = ZoneInfo("Asia/Shanghai")
_NOT_EXIST = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
              "sub_msg": "交易不存在"}


def _sign(key: RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


class FakeAlipay(FakeServer):
    def __init__(self, app_key: RSAPrivateKey, alipay_key: RSAPrivateKey,
                 clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.app_public = app_key.public_key()
        self.alipay_key = alipay_key
        self.clock = clock
        self.orders: dict[str, dict[str, Any]] = {}  # out_trade_no -> biz_content + notify/return URLs
        self.paid: dict[str, str] = {}  # out_trade_no -> trade_no
        self.refunds: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        pairs = parse_qsl(urlsplit(path).query if method == "GET" else body.decode(), keep_blank_values=True)
        params = dict(pairs)
        why = self._check_request(params)
        if why is not None:
            with self._lock:
                self.refused.append(why)
            return self._signed(params.get("method", ""), {
                "code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                "sub_msg": why})
        biz = json.loads(params["biz_content"])
        if method == "GET":
            return self._cashier(params, biz)
        if params["method"] == "alipay.trade.query":
            return self._query(biz)
        if params["method"] == "alipay.trade.refund":
            return self._refund(biz)
        return 400, {}, b"unknown method"

    def _check_request(self, params: dict[str, str]) -> str | None:
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
        try:
            self.app_public.verify(base64.b64decode(params.get("sign", "")), content.encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "sign does not verify with the app's public key"
        expected = {"app_id": APP_ID, "sign_type": "RSA2", "charset": "utf-8"}
        if any(params.get(name) != value for name, value in expected.items()):
            return f"app_id, sign_type or charset wrong: {params.get('app_id')}"
        sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        if abs((sent - self.clock()).total_seconds()) > 600:
            return "timestamp too far from Alipay's clock"
        return None

    def _cashier(self, params: dict[str, str], biz: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        assert params["method"] in ("alipay.trade.wap.pay", "alipay.trade.page.pay"), params
        assert biz["product_code"] in ("QUICK_WAP_WAY", "FAST_INSTANT_TRADE_PAY"), biz
        with self._lock:
            self.orders[biz["out_trade_no"]] = {
                **biz, "notify_url": params["notify_url"], "return_url": params["return_url"],
                "method": params["method"]}
        return 200, {"Content-Type": "text/html; charset=utf-8"}, "<h1>支付宝收银台</h1>".encode()

    def _query(self, biz: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        order = self.orders.get(biz["out_trade_no"])
        if order is None:
            return self._signed("alipay.trade.query", _NOT_EXIST)
        trade_no = self.paid.get(biz["out_trade_no"])
        return self._signed("alipay.trade.query", {
            "code": "10000", "msg": "Success", "trade_no": trade_no or "",
            "out_trade_no": biz["out_trade_no"],
            "trade_status": "TRADE_SUCCESS" if trade_no else "WAIT_BUYER_PAY",
            "total_amount": order["total_amount"], "send_pay_date": _china(self.clock()) if trade_no else "",
            "buyer_logon_id": "159****5620"})

    def _refund(self, biz: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        trade_no = self.paid.get(biz["out_trade_no"])
        if trade_no is None:
            return self._signed("alipay.trade.refund", _NOT_EXIST)
        with self._lock:
            self.refunds.append(biz)
        return self._signed("alipay.trade.refund", {
            "code": "10000", "msg": "Success", "trade_no": trade_no, "out_trade_no": biz["out_trade_no"],
            "buyer_logon_id": "159****5620", "fund_change": "Y", "refund_fee": biz["refund_amount"],
            "gmt_refund_pay": _china(self.clock())})

    def _signed(self, method: str, member: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """Alipay's answer: the member's exact text is what ``sign`` covers (spaces, a brace in a
        string and key order kept, as a real answer may have them)."""
        text = json.dumps({**member, "note": "{not a brace that counts}"}, ensure_ascii=False, indent=1)
        name = method.replace(".", "_") + "_response"
        body = f'{{"{name}": {text},\n "sign":"{_sign(self.alipay_key, text)}"}}'
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body.encode()

    def notification(self, out_trade_no: str, *, key: RSAPrivateKey | None = None, **overrides: str) -> bytes:
        """The form Alipay POSTs to notify_url after the resident paid; ``overrides`` change fields."""
        order = self.orders[out_trade_no]
        trade_no = self.paid.setdefault(out_trade_no, f"2025030322001{len(self.paid):06d}0000")
        now = _china(self.clock())
        amount = order["total_amount"]
        params = {"gmt_create": now, "charset": "utf-8", "seller_email": "park@example.com",
                  "subject": order["subject"], "buyer_id": "2088102122524333", "invoice_amount": amount,
                  "notify_id": "2025030300222153323004331457891234",
                  "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}]),
                  "notify_type": "trade_status_sync", "trade_status": "TRADE_SUCCESS",
                  "receipt_amount": amount,
                  "app_id": APP_ID, "buyer_pay_amount": amount, "gmt_payment": now, "notify_time": now,
                  "version": "1.0", "out_trade_no": out_trade_no, "total_amount": order["total_amount"],
                  "trade_no": trade_no, "auth_app_id": APP_ID, "buyer_logon_id": "159****5620",
                  "point_amount": "0.00", "seller_id": SELLER_ID, **overrides}
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))
        params["sign_type"] = "RSA2"
        params["sign"] = _sign(key or self.alipay_key, content)
        return urlencode(params).encode()

    def notify(self, out_trade_no: str, body: bytes | None = None) -> httpx.Response:
        return httpx.post(self.orders[out_trade_no]["notify_url"],
                          content=body or self.notification(out_trade_no), timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

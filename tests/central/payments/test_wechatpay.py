"""WeChat Pay v3 end to end against the fake: signed requests, encrypted and signed callbacks to
our notify route, tampering refused and audited, the order paid once, refunds."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from central.core.payment_settings import PaymentSettings
from central.db.payments import PaymentStatus, RefundStatus
from central.errors import ProviderError
from central.payments import Channel, CheckoutKind, PaymentRequest, WechatPay
from tests.central.payments.conftest import Shop, payment_settings
from tests.central.payments.support import Keys, public_pem


def _post(shop: Shop, order_id: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(shop.wechat.orders[order_id]["notify_url"], content=body, headers=headers, timeout=10)


def test_a_resident_pays_with_h5_and_the_order_is_paid_once(shop: Shop) -> None:
    checkout = shop.start("ord-wx-0001", "wechatpay")

    assert checkout.kind is CheckoutKind.REDIRECT
    assert checkout.url.startswith("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx")
    back = parse_qs(urlsplit(checkout.url).query)["redirect_url"]
    assert back == [f"{shop.central.url}/app/orders/ord-wx-0001"]
    sent = shop.wechat.orders["ord-wx-0001"]
    assert sent["amount"] == {"total": 30000, "currency": "CNY"}
    assert sent["notify_url"] == f"{shop.central.url}/api/v1/payments/wechatpay/notify"
    assert sent["time_expire"] == "2025-03-03T20:15:00+08:00"  # the order's hold, in China's time
    assert sent["scene_info"]["payer_client_ip"] == "203.0.113.7"

    answer = shop.wechat.pay("ord-wx-0001")
    assert (answer.status_code, answer.content) == (204, b"")
    assert shop.orders.paid_ids() == ["ord-wx-0001"]
    notice = shop.orders.paid[0][1]
    assert (notice.amount_fen, notice.currency, notice.transaction_id) == \
        (30000, "CNY", shop.wechat.paid["ord-wx-0001"]["transaction_id"])

    headers, body = shop.wechat.callback(shop.wechat.paid["ord-wx-0001"])  # WeChat Pay tries again
    assert _post(shop, "ord-wx-0001", headers, body).status_code == 204
    assert shop.orders.paid_ids() == ["ord-wx-0001"]  # activated once
    assert shop.outcomes("ord-wx-0001") == [("create", "created"), ("callback", "activated"),
                                            ("callback", "duplicate")]
    payment = shop.payment("ord-wx-0001", "wechatpay")
    assert payment.status is PaymentStatus.PAID and payment.provider_transaction_id == notice.transaction_id


def test_on_a_computer_the_resident_scans_a_native_qr_code(shop: Shop) -> None:
    checkout = shop.start("ord-wx-0002", "wechatpay", Channel.DESKTOP)
    assert checkout.kind is CheckoutKind.QR_CODE
    assert checkout.url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert "scene_info" not in shop.wechat.orders["ord-wx-0002"]


def _tampered(shop: Shop, order_id: str, how: str, keys: Keys) -> tuple[dict[str, str], bytes]:
    transaction = shop.wechat.transaction(order_id)
    now = int(shop.clock().timestamp())
    if how == "changed byte":
        headers, body = shop.wechat.callback(transaction)
        return headers, body.replace(b'"summary": "', b'"summary": "X', 1)
    forged: dict[str, dict[str, Any]] = {
        "wrong key": {"key": keys.impostor},
        "old timestamp": {"timestamp": now - 301},  # a replay of a genuine, signed callback
        "unknown serial": {"serial": "PUB_KEY_ID_0000000000000000000000000000"},
        "wrong APIv3 key": {"apiv3_key": "z" * 32},
    }
    if how in forged:
        return shop.wechat.callback(transaction, **forged[how])
    if how == "wrong amount":
        return shop.wechat.callback({**transaction, "amount": {**transaction["amount"], "total": 1}})
    return shop.wechat.callback({**transaction, "amount": {**transaction["amount"], "currency": "USD"}})


@pytest.mark.parametrize(("how", "status", "outcome", "alarm"), [
    ("changed byte", 401, "unverified", "payment_unverified"),
    ("wrong key", 401, "unverified", "payment_unverified"),
    ("old timestamp", 401, "unverified", "payment_unverified"),
    ("unknown serial", 401, "unverified", "payment_unverified"),
    ("wrong APIv3 key", 401, "unverified", "payment_unverified"),
    ("wrong amount", 400, "amount_mismatch", "payment_mismatch"),
    ("wrong currency", 400, "currency_mismatch", "payment_mismatch"),
])
def test_a_tampered_callback_is_refused_audited_and_alarmed(shop: Shop, keys: Keys, how: str, status: int,
                                                            outcome: str, alarm: str) -> None:
    shop.start("ord-wx-0003", "wechatpay")
    headers, body = _tampered(shop, "ord-wx-0003", how, keys)

    answer = _post(shop, "ord-wx-0003", headers, body)

    assert answer.status_code == status
    assert answer.json()["code"] == "FAIL"
    refused = shop.assert_refused(outcome, alarm)
    assert refused.body_bytes == len(body) and refused.body is not None and refused.headers_sha256
    assert shop.payment("ord-wx-0003", "wechatpay").status is PaymentStatus.PENDING
    assert shop.wechat.pay("ord-wx-0003").status_code == 204  # the genuine callback still counts
    assert shop.orders.paid_ids() == ["ord-wx-0003"]


def test_a_lost_callback_is_found_by_asking_wechat_pay(shop: Shop) -> None:
    shop.start("ord-wx-0004", "wechatpay")
    with shop.central.database.transaction() as session:
        assert shop.payments.reconcile(session, "ord-wx-0004") is PaymentStatus.PENDING  # NOTPAY
    shop.wechat.paid["ord-wx-0004"] = shop.wechat.transaction("ord-wx-0004")  # paid; callback lost

    with shop.central.database.transaction() as session:
        assert shop.payments.reconcile(session, "ord-wx-0004") is PaymentStatus.PAID

    assert shop.orders.paid_ids() == ["ord-wx-0004"]
    assert shop.outcomes("ord-wx-0004")[1:] == [("query", "pending"), ("query", "activated")]
    assert shop.wechat.pay("ord-wx-0004").status_code == 204  # the late callback changes nothing
    assert shop.orders.paid_ids() == ["ord-wx-0004"]


def test_a_refund_is_signed_and_its_answer_read(shop: Shop) -> None:
    shop.start("ord-wx-0005", "wechatpay")
    shop.wechat.pay("ord-wx-0005")

    with shop.central.database.transaction() as session:
        result = shop.payments.refund(session, "ord-wx-0005", 10000, "提前解约")

    assert result.status is RefundStatus.PROCESSING and result.provider_refund_id
    (sent,) = shop.wechat.refunds
    assert sent["amount"] == {"refund": 10000, "total": 30000, "currency": "CNY"}
    assert (sent["out_refund_no"], sent["reason"]) == (result.refund_id, "提前解约")
    assert shop.payment("ord-wx-0005", "wechatpay").refunded_fen == 10000
    assert shop.outcomes("ord-wx-0005")[-1] == ("refund", "refund_processing")


def _adapter(shop: Shop, keys: Keys, tmp_path: Any, **changes: Any) -> WechatPay:
    settings = PaymentSettings(**payment_settings(tmp_path, keys, shop.wechat.url, shop.alipay.url))
    wechat = settings.wechatpay.model_copy(update=changes)
    return WechatPay(wechat, 5.0, 300)


def _request(shop: Shop, order_id: str) -> PaymentRequest:
    order = shop.order(order_id)
    return PaymentRequest(order.order_id, 30000, "CNY", order.description, "https://example.org/notify",
                          "https://example.org/back", order.expires_at)


def test_the_fake_refuses_a_request_we_did_not_sign(shop: Shop, keys: Keys, tmp_path: Any) -> None:
    from tests.central.payments.support import private_pem

    impostor = _adapter(shop, keys, tmp_path, private_key_file=None, private_key=private_pem(keys.impostor))
    with pytest.raises(ProviderError, match="HTTP 401 SIGN_ERROR"):
        impostor.create(_request(shop, "ord-wx-0006"), shop.clock())
    assert shop.wechat.refused == ["signature does not verify with the merchant certificate"]


def test_an_answer_not_signed_by_the_platform_key_is_not_believed(shop: Shop, keys: Keys,
                                                                  tmp_path: Any) -> None:
    trusting_another = _adapter(shop, keys, tmp_path, platform_public_key=public_pem(keys.impostor))
    with pytest.raises(ProviderError, match="not verified"):
        trusting_another.create(_request(shop, "ord-wx-0007"), shop.clock())


def test_our_answer_to_a_refused_callback_is_what_wechat_pay_documents(shop: Shop) -> None:
    shop.start("ord-wx-0008", "wechatpay")
    headers, body = shop.wechat.callback(shop.wechat.transaction("ord-wx-0008"))
    answer = _post(shop, "ord-wx-0008", {**headers, "Wechatpay-Signature": "AAAA"}, body)
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/json"
    assert set(json.loads(answer.content)) == {"code", "message"}


def test_the_request_fields_quote_the_return_url(shop: Shop) -> None:
    checkout = shop.start("ord-wx-0009", "wechatpay")
    back = f"{shop.central.url}/app/orders/ord-wx-0009"
    assert checkout.url.endswith("&redirect_url=" + quote(back, safe=""))

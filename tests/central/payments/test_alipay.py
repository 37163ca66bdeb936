"""Alipay (RSA2) end to end against the fake: the signed cashier URL, signed notifications to our
notify route, tampering refused and audited, yuan to fen exactly, query and refund."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from central.db.payments import PaymentStatus, RefundStatus
from central.payments import Channel, CheckoutKind
from tests.central.payments import fake_alipay
from tests.central.payments.conftest import Shop
from tests.central.payments.support import Keys


def _open_cashier(shop: Shop, order_id: str, channel: Channel = Channel.MOBILE,
                  amount_fen: int = 30000) -> None:
    """The resident's browser follows the checkout to Alipay, which checks our signature."""
    checkout = shop.start(order_id, "alipay", channel, amount_fen)
    assert checkout.kind is CheckoutKind.REDIRECT
    assert checkout.url.startswith(f"{shop.alipay.url}/gateway.do?")
    assert httpx.get(checkout.url, timeout=10).status_code == 200
    assert shop.alipay.refused == []


def test_a_resident_pays_on_the_phone_and_the_order_is_paid_once(shop: Shop) -> None:
    _open_cashier(shop, "ord-ali-0001")
    order = shop.alipay.orders["ord-ali-0001"]
    assert (order["method"], order["product_code"]) == ("alipay.trade.wap.pay", "QUICK_WAP_WAY")
    assert (order["total_amount"], order["time_expire"]) == ("300.00", "2025-03-03 20:15:00")
    assert order["notify_url"] == f"{shop.central.url}/api/v1/payments/alipay/notify"
    assert order["return_url"] == order["quit_url"] == f"{shop.central.url}/app/orders/ord-ali-0001"

    answer = shop.alipay.notify("ord-ali-0001")
    assert (answer.status_code, answer.text) == (200, "success")
    assert shop.alipay.notify("ord-ali-0001").text == "success"  # Alipay sends it again

    assert shop.orders.paid_ids() == ["ord-ali-0001"]
    notice = shop.orders.paid[0][1]
    assert (notice.amount_fen, notice.currency, notice.transaction_id) == \
        (30000, "CNY", shop.alipay.paid["ord-ali-0001"])
    assert notice.paid_at == shop.clock()  # gmt_payment, China's time, read back as the same instant
    assert shop.outcomes("ord-ali-0001") == [("create", "created"), ("callback", "activated"),
                                             ("callback", "duplicate")]


def test_on_a_computer_the_page_pay_product_is_used(shop: Shop) -> None:
    _open_cashier(shop, "ord-ali-0002", Channel.DESKTOP)
    order = shop.alipay.orders["ord-ali-0002"]
    assert (order["method"], order["product_code"]) == ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY")


@pytest.mark.parametrize(("amount_fen", "yuan"), [(1, "0.01"), (30010, "300.10"), (12345678, "123456.78")])
def test_amounts_travel_as_exact_yuan_strings(shop: Shop, amount_fen: int, yuan: str) -> None:
    _open_cashier(shop, "ord-ali-0003", amount_fen=amount_fen)
    assert shop.alipay.orders["ord-ali-0003"]["total_amount"] == yuan
    assert shop.alipay.notify("ord-ali-0003").text == "success"
    assert shop.orders.paid[0][1].amount_fen == amount_fen


def _tampered(shop: Shop, order_id: str, how: str, keys: Keys) -> bytes:
    if how == "changed byte":
        return shop.alipay.notification(order_id).replace(b"total_amount=300.00", b"total_amount=300.01")
    if how == "wrong key":
        return shop.alipay.notification(order_id, key=keys.impostor)
    if how == "RSA (SHA1) sign_type":
        return shop.alipay.notification(order_id).replace(b"sign_type=RSA2", b"sign_type=RSA")
    if how == "another app":
        return shop.alipay.notification(order_id, app_id="2021000000000999")
    if how == "another seller":
        return shop.alipay.notification(order_id, seller_id="2088000000000999")
    if how == "wrong amount":
        return shop.alipay.notification(order_id, total_amount="0.01")
    if how == "amount as a float":
        return shop.alipay.notification(order_id, total_amount="3e2")
    return shop.alipay.notification(order_id, trans_currency="USD")


@pytest.mark.parametrize(("how", "status", "outcome", "alarm"), [
    ("changed byte", 401, "unverified", "payment_unverified"),
    ("wrong key", 401, "unverified", "payment_unverified"),
    ("RSA (SHA1) sign_type", 401, "unverified", "payment_unverified"),
    ("another app", 401, "unverified", "payment_unverified"),
    ("another seller", 401, "unverified", "payment_unverified"),
    ("amount as a float", 401, "unverified", "payment_unverified"),
    ("wrong amount", 400, "amount_mismatch", "payment_mismatch"),
    ("wrong currency", 400, "currency_mismatch", "payment_mismatch"),
])
def test_a_tampered_notification_is_refused_audited_and_alarmed(shop: Shop, keys: Keys, how: str, status: int,
                                                                outcome: str, alarm: str) -> None:
    _open_cashier(shop, "ord-ali-0004")
    answer = shop.alipay.notify("ord-ali-0004", _tampered(shop, "ord-ali-0004", how, keys))

    assert (answer.status_code, answer.text) == (status, "fail")
    shop.assert_refused(outcome, alarm)
    assert shop.alipay.notify("ord-ali-0004").text == "success"  # the genuine one still counts
    assert shop.orders.paid_ids() == ["ord-ali-0004"]


def test_a_lost_notification_is_found_by_asking_alipay(shop: Shop) -> None:
    _open_cashier(shop, "ord-ali-0005")
    with shop.central.database.transaction() as session:
        assert shop.payments.reconcile(session, "ord-ali-0005") is PaymentStatus.PENDING  # WAIT_BUYER_PAY
    shop.alipay.paid["ord-ali-0005"] = "2025030322001000099990000"

    with shop.central.database.transaction() as session:
        assert shop.payments.reconcile(session, "ord-ali-0005") is PaymentStatus.PAID

    assert shop.orders.paid_ids() == ["ord-ali-0005"]
    assert shop.payment("ord-ali-0005", "alipay").provider_transaction_id == "2025030322001000099990000"
    assert shop.outcomes("ord-ali-0005")[1:] == [("query", "pending"), ("query", "activated")]


def test_a_payment_alipay_never_saw_stays_pending(shop: Shop) -> None:
    shop.start("ord-ali-0006", "alipay")  # the resident never opened the cashier
    with shop.central.database.transaction() as session:
        assert shop.payments.reconcile(session, "ord-ali-0006") is PaymentStatus.PENDING
    assert shop.outcomes("ord-ali-0006")[-1] == ("query", "pending")


def test_a_refund_is_signed_and_its_signed_answer_read(shop: Shop) -> None:
    _open_cashier(shop, "ord-ali-0007")
    shop.alipay.notify("ord-ali-0007")

    with shop.central.database.transaction() as session:
        result = shop.payments.refund(session, "ord-ali-0007", 30000, "提前解约")

    assert result.status is RefundStatus.SUCCEEDED
    (sent,) = shop.alipay.refunds
    assert (sent["refund_amount"], sent["out_request_no"], sent["refund_reason"]) == \
        ("300.00", result.refund_id, "提前解约")
    assert shop.payment("ord-ali-0007", "alipay").refunded_fen == 30000


def test_the_cashier_url_is_refused_when_changed_on_the_way(shop: Shop) -> None:
    checkout = shop.start("ord-ali-0008", "alipay")
    changed = checkout.url.replace("300.00", "0.01")
    assert changed != checkout.url
    answer = httpx.get(changed, timeout=10)
    assert answer.status_code == 200 and "isv.invalid-signature" in answer.text
    assert shop.alipay.refused == ["sign does not verify with the app's public key"]
    assert "ord-ali-0008" not in shop.alipay.orders
    params = parse_qs(urlsplit(checkout.url).query)
    assert params["sign_type"] == ["RSA2"] and params["app_id"] == [fake_alipay.APP_ID]

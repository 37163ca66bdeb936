"""A shop: central under uvicorn with all three providers, the fake WeChat Pay and Alipay it talks
to, and an in-memory order book; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from central import db
from central.payments import Channel, Checkout, PaymentOrder, PaymentService
from tests.central.payments import fake_alipay, fake_wechatpay
from tests.central.payments.fake_alipay import FakeAlipay
from tests.central.payments.fake_wechatpay import FakeWechatPay
from tests.central.payments.support import FakeOrderBook, Keys, private_pem, public_pem, write
from tests.support.browser import LiveCentral, MovingClock, web_settings

SANDBOX_SECRET = "a sandbox secret for the tests only"


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def orders() -> FakeOrderBook:
    return FakeOrderBook()


@pytest.fixture
def wechat(keys: Keys, web_clock: MovingClock) -> Iterator[FakeWechatPay]:
    server = FakeWechatPay(keys.merchant, keys.wechat_platform, web_clock).start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture
def alipay(keys: Keys, web_clock: MovingClock) -> Iterator[FakeAlipay]:
    server = FakeAlipay(keys.merchant, keys.alipay, web_clock).start()
    yield server  # type: ignore[misc]
    server.stop()


def payment_settings(folder: Path, keys: Keys, wechat_url: str, alipay_url: str) -> dict[str, Any]:
    """All three providers; keys in files (as in production) and one public key as bare base64."""
    bare = base64.b64encode(keys.alipay.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    return {
        "providers": ["sandbox", "wechatpay", "alipay"],
        "sandbox": {"secret": SANDBOX_SECRET},
        "wechatpay": {"mchid": fake_wechatpay.MCHID, "appid": fake_wechatpay.APPID,
                      "serial_no": fake_wechatpay.MERCHANT_SERIAL,
                      "private_key_file": str(write(folder, "apiclient_key.pem", private_pem(keys.merchant))),
                      "apiv3_key_file": str(write(folder, "apiv3_key", fake_wechatpay.APIV3_KEY + "\n")),
                      "platform_public_key": public_pem(keys.wechat_platform),
                      "platform_serial": fake_wechatpay.PLATFORM_SERIAL, "api_url": wechat_url},
        "alipay": {"app_id": fake_alipay.APP_ID, "seller_id": fake_alipay.SELLER_ID,
                   "private_key_file": str(write(folder, "app_private_key.pem", private_pem(keys.merchant))),
                   "alipay_public_key": bare, "gateway_url": f"{alipay_url}/gateway.do"},
    }


@dataclass
class Shop:
    central: LiveCentral
    orders: FakeOrderBook
    wechat: FakeWechatPay
    alipay: FakeAlipay
    clock: MovingClock

    @property
    def payments(self) -> PaymentService:
        service: PaymentService = self.central.app.state.payments
        return service

    def order(self, order_id: str, amount_fen: int = 30000, **kwargs: Any) -> PaymentOrder:
        self.orders.add(order_id, amount_fen, **kwargs)
        return PaymentOrder(order_id, amount_fen, "错峰停车 城东医院 夜间月卡",
                            self.clock() + timedelta(minutes=15), f"/app/orders/{order_id}")

    def start(self, order_id: str, provider: str, channel: Channel = Channel.MOBILE,
              amount_fen: int = 30000) -> Checkout:
        """What the orders page does: a new order, its payment started at ``provider``."""
        order = self.order(order_id, amount_fen)
        with self.central.database.transaction() as session:
            return self.payments.start(session, order, provider, channel=channel, client_ip="203.0.113.7",
                                       base_url=self.central.url)

    def audit(self, order_id: str | None = None) -> list[db.PaymentAudit]:
        with self.central.database.transaction() as session:
            query = select(db.PaymentAudit).order_by(db.PaymentAudit.id)
            if order_id is not None:
                query = query.where(db.PaymentAudit.order_id == order_id)
            return list(session.scalars(query))

    def outcomes(self, order_id: str | None = None) -> list[tuple[str, str]]:
        return [(row.kind.value, row.outcome) for row in self.audit(order_id)]

    def alarms(self) -> list[tuple[str, str, str]]:
        with self.central.database.transaction() as session:
            alarms = session.scalars(select(db.Alarm).order_by(db.Alarm.id))
            return [(a.kind, a.site_id, a.message) for a in alarms]

    def assert_refused(self, outcome: str, alarm: str) -> db.PaymentAudit:
        """The last callback was refused and audited with ``outcome`` (verified unless "unverified"),
        nothing was paid, and one ``alarm`` was raised; the audit row, for more checks."""
        assert self.orders.paid == []
        refused = self.audit()[-1]
        verified = outcome != "unverified"
        assert (refused.kind.value, refused.outcome, refused.verified) == ("callback", outcome, verified)
        assert [kind for kind, _, _ in self.alarms()] == [alarm]
        return refused

    def payment(self, order_id: str, provider: str) -> db.Payment:
        with self.central.database.transaction() as session:
            found = session.scalars(select(db.Payment).where(db.Payment.order_id == order_id,
                                                             db.Payment.provider == provider)).one()
            session.expunge(found)
            return found


@pytest.fixture
def shop(database_url: str, web_clock: MovingClock, keys: Keys, wechat: FakeWechatPay, alipay: FakeAlipay,
         orders: FakeOrderBook, tmp_path: Path) -> Iterator[Shop]:
    settings = web_settings(database_url, payments=payment_settings(tmp_path, keys, wechat.url, alipay.url))
    central = LiveCentral(settings, web_clock).start()
    central.app.state.payments.orders = orders
    yield Shop(central, orders, wechat, alipay, web_clock)
    central.stop()

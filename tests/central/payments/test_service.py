"""The payment service's rules, on both databases, with the sandbox's signed callbacks: paid once
however often (and however concurrently) a callback arrives, money for an order that no longer
waits alarmed, a broken order book retried, oversized and forged bodies audited, refund limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from central import db
from central.db.migrate import upgrade_to_head
from central.db.payments import PaymentStatus, RefundStatus
from central.errors import ConflictError, NotFoundError, PaymentError
from central.payments import (
    MAX_CALLBACK_BYTES,
    CallbackAnswer,
    OrderState,
    PaymentOrder,
    PaymentService,
    Sandbox,
    SandboxCheckout,
)
from tests.central.payments.support import FakeOrderBook
from tests.support.browser import MovingClock

SECRET = "service test sandbox secret"


@dataclass
class Bench:
    database: db.Database
    service: PaymentService
    sandbox: Sandbox
    orders: FakeOrderBook
    clock: MovingClock

    def start(self, order_id: str, amount_fen: int = 30000) -> SandboxCheckout:
        self.orders.add(order_id, amount_fen)
        order = PaymentOrder(order_id, amount_fen, "夜间月卡", self.clock() + timedelta(minutes=15), "/app/")
        with self.database.transaction() as session:
            checkout = self.service.start(session, order, "sandbox", base_url="http://shop.test")
        opened = self.sandbox.open(checkout.url.rsplit("/", 1)[1])
        assert opened is not None
        return opened

    def deliver(self, headers: dict[str, str], body: bytes) -> CallbackAnswer:
        with self.database.transaction() as session:
            return self.service.handle_callback(session, "sandbox", headers, body)

    def pay(self, checkout: SandboxCheckout, status: PaymentStatus = PaymentStatus.PAID) -> CallbackAnswer:
        return self.deliver(*self.sandbox.callback(checkout, status, self.clock()))

    def outcomes(self) -> list[str]:
        with self.database.transaction() as session:
            return list(session.scalars(select(db.PaymentAudit.outcome).order_by(db.PaymentAudit.id)))

    def alarms(self) -> list[tuple[str, str]]:
        with self.database.transaction() as session:
            return [(a.kind, a.site_id) for a in session.scalars(select(db.Alarm).order_by(db.Alarm.id))]

    def payment(self, order_id: str) -> db.Payment:
        with self.database.transaction() as session:
            return session.scalars(select(db.Payment).where(db.Payment.order_id == order_id)).one()


@pytest.fixture
def bench(database_url: str, orders: FakeOrderBook) -> Iterator[Bench]:
    upgrade_to_head(database_url)
    database, clock = db.Database(database_url), MovingClock()
    sandbox = Sandbox(SECRET, 300, 5.0)
    yield Bench(database, PaymentService({"sandbox": sandbox}, public_url=None, clock=clock, orders=orders),
                sandbox, orders, clock)
    database.dispose()


def test_concurrent_deliveries_of_one_callback_activate_once(bench: Bench) -> None:
    headers, body = bench.sandbox.callback(bench.start("ord-000001"), PaymentStatus.PAID, bench.clock())
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(bench.deliver(headers, body).status_code))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert answers == [204] * 6
    assert bench.orders.paid_ids() == ["ord-000001"]
    assert sorted(bench.outcomes()) == ["activated", "created", *["duplicate"] * 5]


def test_money_for_an_order_that_lapsed_is_kept_and_alarmed_for_a_refund(bench: Bench) -> None:
    checkout = bench.start("ord-000002")
    bench.orders.add("ord-000002", state=OrderState.CLOSED, site_id="s7")

    assert bench.pay(checkout).status_code == 204  # taken: asking again would not help
    assert bench.orders.paid == []
    assert bench.payment("ord-000002").status is PaymentStatus.PAID
    assert bench.outcomes()[-1] == "not_awaiting"
    assert bench.alarms() == [("payment_unmatched", "s7")]


def test_a_second_transaction_for_a_paid_order_is_alarmed_not_activated(bench: Bench) -> None:
    first = bench.start("ord-000003")
    assert bench.pay(first).status_code == 204
    bench.orders.add("ord-000003")  # the resident opened the page again (a new sandbox transaction)
    second = replace(first, transaction_id="sbxsecond")
    assert bench.pay(second).status_code == 204
    assert bench.orders.paid_ids() == ["ord-000003"]
    assert bench.outcomes()[-1] == "paid_twice"
    assert [kind for kind, _ in bench.alarms()] == ["payment_unmatched"]


def test_a_broken_order_book_is_retried_and_nothing_is_lost(bench: Bench) -> None:
    checkout = bench.start("ord-000004")
    bench.orders.refuse_next = True

    assert bench.pay(checkout).status_code == 503  # the provider will call again
    assert bench.payment("ord-000004").status is PaymentStatus.PENDING
    assert bench.outcomes()[-1] == "order_error"
    assert [kind for kind, _ in bench.alarms()] == ["payment_order_error"]
    assert bench.pay(checkout).status_code == 204
    assert bench.orders.paid_ids() == ["ord-000004"]


def test_a_failed_then_paid_checkout_ends_paid(bench: Bench) -> None:
    checkout = bench.start("ord-000005")
    assert bench.pay(checkout, PaymentStatus.FAILED).status_code == 204
    assert bench.payment("ord-000005").status is PaymentStatus.FAILED
    assert [order for order, _ in bench.orders.failed] == ["ord-000005"]
    assert bench.pay(checkout).status_code == 204
    assert bench.orders.paid_ids() == ["ord-000005"]
    assert bench.pay(checkout, PaymentStatus.CLOSED).status_code == 204  # a late close changes nothing
    assert bench.payment("ord-000005").status is PaymentStatus.PAID
    assert bench.outcomes()[1:] == ["failed", "activated", "ignored"]


def test_a_callback_for_a_payment_we_never_made_is_refused(bench: Bench) -> None:
    stranger = SandboxCheckout("ord-999999", "sbxstranger", 100, "CNY", "x", "http://shop.test/n", "/",
                               bench.clock())
    answer = bench.pay(stranger)
    assert answer.status_code == 400
    assert bench.outcomes() == ["unknown_payment"]
    assert bench.alarms() == [("payment_mismatch", "")]


def test_forged_callbacks_are_kept_bounded_with_one_open_alarm(bench: Bench) -> None:
    checkout = bench.start("ord-000006")
    headers, body = bench.sandbox.callback(checkout, PaymentStatus.PAID, bench.clock())
    forged = body.replace(b'"amount_fen":30000', b'"amount_fen":30000' + b" " * 20000)

    assert bench.deliver(headers, forged).status_code == 401
    assert bench.deliver(headers, b"x" * (MAX_CALLBACK_BYTES + 1)).status_code == 401

    with bench.database.transaction() as session:
        rows = list(session.scalars(select(db.PaymentAudit).where(db.PaymentAudit.verified.is_(False))
                                    .order_by(db.PaymentAudit.id)))
    assert [(len(row.body or ""), row.body_bytes) for row in rows] == \
        [(16 * 1024, len(forged)), (16 * 1024, MAX_CALLBACK_BYTES + 1)]
    assert "larger than" in rows[1].detail
    assert bench.alarms() == [("payment_unverified", "")]  # one open alarm; every callback audited
    assert bench.orders.paid == []


def test_callbacks_before_the_orders_are_connected_are_retried(bench: Bench) -> None:
    checkout = bench.start("ord-000007")
    bench.service.orders = None
    assert bench.pay(checkout).status_code == 503
    assert bench.payment("ord-000007").status is PaymentStatus.PENDING


def test_a_payment_order_that_cannot_be_paid_names_the_field(bench: Bench) -> None:
    good = PaymentOrder("ord-000008", 30000, "夜间月卡", bench.clock() + timedelta(minutes=15), "/app/")
    wrongs: list[tuple[dict[str, Any], str]] = [
        ({"order_id": "a b"}, "order_id"), ({"amount_fen": 0}, "amount_fen"),
        ({"currency": "USD"}, "currency"), ({"expires_at": bench.clock()}, "expires_at"),
        ({"description": "长" * 50}, "description"), ({"return_url": "app"}, "return_url")]
    for wrong, field in wrongs:
        order = replace(good, **wrong)
        with bench.database.transaction() as session, pytest.raises(PaymentError, match=field):
            bench.service.start(session, order, "sandbox", base_url="http://shop.test")
    with bench.database.transaction() as session, pytest.raises(NotFoundError, match="payment provider"):
        bench.service.start(session, good, "unionpay", base_url="http://shop.test")


def test_a_paid_order_is_not_started_again_and_refunds_stay_within_what_was_paid(bench: Bench) -> None:
    checkout = bench.start("ord-000009")
    bench.pay(checkout)
    order = PaymentOrder("ord-000009", 30000, "夜间月卡", bench.clock() + timedelta(minutes=15), "/app/")
    with bench.database.transaction() as session, pytest.raises(ConflictError, match="paid already"):
        bench.service.start(session, order, "sandbox", base_url="http://shop.test")

    with bench.database.transaction() as session:
        refunded = bench.service.refund(session, "ord-000009", 20000, "cancelled")
    assert refunded.status is RefundStatus.SUCCEEDED
    with bench.database.transaction() as session, pytest.raises(ConflictError, match="10000 fen left"):
        bench.service.refund(session, "ord-000009", 10001, "cancelled")
    with bench.database.transaction() as session, pytest.raises(NotFoundError):
        bench.service.refund(session, "ord-nopaid", 1, "cancelled")
    assert bench.payment("ord-000009").refunded_fen == 20000
    assert bench.outcomes()[-1] == "refund_succeeded"

"""Ordering and paying: an order holds its place unpaid, only a confirmed payment puts the contract
at the gate, an unpaid order lapses and frees its place, the price is the one ordered at."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from central import db
from central.billing.month import Month
from central.billing.terms import load_terms
from central.contracts.service import change_status
from central.errors import CapacityError, ConflictError, NotFoundError, PlateTakenError
from central.listing import PageRequest
from central.orders import cancel_order, list_orders, visible_order
from central.orders.service import start_payment
from central.payments import PaymentStatus
from tests.central.orders.conftest import TODAY, Shop, resident
from tests.central.support import ADMIN


def test_an_order_holds_its_place_unpaid_and_stays_away_from_the_gate(shop: Shop) -> None:
    bundles = shop.bundles_issued()
    order = shop.order("沪A12345", months=3)
    contract = shop.get(db.Contract, order.contract_id)
    assert (order.status, order.kind, order.amount_fen, order.monthly_fee_fen) == \
        (db.OrderStatus.PENDING_PAYMENT, db.OrderKind.NEW, 90000, 30000)
    assert (order.starts_on, order.ends_on, order.hold_until) == \
        (TODAY, date(2025, 6, 2), shop.clock() + timedelta(minutes=15))
    assert (contract.status, contract.valid_from, contract.valid_to) == \
        ("pending_payment", TODAY, date(2025, 6, 2))
    assert shop.taken() == 1 and shop.taken("nights") == 1  # the place is held while the resident pays
    assert shop.bundles_issued() == bundles  # no bundle: the gate never hears of an unpaid order


def test_a_confirmed_payment_activates_the_contract_and_sends_it_to_the_gate(shop: Shop) -> None:
    order = shop.order("沪A12345")
    shop.clock.advance(minutes=3)
    assert shop.callback(order.id) == 204
    paid, contract = shop.get(db.Order, order.id), shop.get(db.Contract, order.contract_id)
    assert (paid.status, paid.paid_with, contract.status) == (db.OrderStatus.PAID, "sandbox", "active")
    assert contract.monthly_fee_fen == 0  # paid ahead by the order: statements bill usage and overstay only
    assert shop.bundle_ids() == [contract.id]
    assert shop.world.bundle().contracts[0].plates == ("沪A12345",)


def test_a_callback_delivered_twice_activates_once(shop: Shop) -> None:
    order = shop.order()
    assert shop.callback(order.id) == 204
    issued = shop.bundles_issued()
    with shop.world.database.transaction() as session:  # the provider sends the same callback again
        payment = session.scalars(select(db.Payment).where(db.Payment.order_id == order.id)).one()
        transaction = payment.provider_transaction_id
    sealed_again = _resend(shop, order.id, transaction)
    assert sealed_again == 204
    assert shop.bundles_issued() == issued  # no second activation, no second bundle
    assert shop.get(db.Contract, order.contract_id).version == 2  # signed (1), activated (2)


def _resend(shop: Shop, order_id: str, transaction: str | None) -> int:
    from central.payments.sandbox import SandboxCheckout

    order = shop.get(db.Order, order_id)
    checkout = SandboxCheckout(order_id, transaction or "", order.amount_fen, "CNY", "x", "http://x/notify",
                               "/app", order.hold_until)
    headers, body = shop.sandbox.callback(checkout, PaymentStatus.PAID, shop.clock())
    with shop.world.database.transaction() as session:
        return shop.payments.handle_callback(session, "sandbox", headers, body).status_code


def _lower_amount(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    fields = json.loads(body)
    fields["amount_fen"] = 1
    return headers, json.dumps(fields, separators=(",", ":")).encode()


def _re_signed_lower_amount(shop: Shop):  # type: ignore[no-untyped-def]
    from central.payments.sandbox import SIGNATURE_HEADER, TIMESTAMP_HEADER, callback_signature

    def tamper(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        headers, body = _lower_amount(headers, body)
        signed = callback_signature("a sandbox secret for the orders tests", headers[TIMESTAMP_HEADER], body)
        return {**headers, SIGNATURE_HEADER: signed}, body
    return tamper


def test_a_tampered_callback_activates_nothing(shop: Shop) -> None:
    order = shop.order()
    issued = shop.bundles_issued()
    assert shop.callback(order.id, tamper=_lower_amount) == 401  # the body no longer matches its signature
    assert shop.callback(order.id, tamper=_re_signed_lower_amount(shop)) == 400  # signed, but 1 fen
    assert (shop.get(db.Order, order.id).status, shop.get(db.Contract, order.contract_id).status) == \
        (db.OrderStatus.PENDING_PAYMENT, "pending_payment")
    assert shop.bundles_issued() == issued
    with shop.world.database.transaction() as session:
        kinds = sorted(session.scalars(select(db.Alarm.kind)))
    assert kinds == ["payment_mismatch", "payment_unverified"]


def test_a_failed_payment_keeps_the_order_open_to_pay_again(shop: Shop) -> None:
    order = shop.order()
    assert shop.callback(order.id, PaymentStatus.FAILED) == 204
    assert shop.get(db.Order, order.id).status is db.OrderStatus.PENDING_PAYMENT
    assert shop.callback(order.id) == 204  # the resident taps "pay" again
    assert shop.get(db.Order, order.id).status is db.OrderStatus.PAID


def test_an_unpaid_order_lapses_when_its_hold_ends_and_frees_its_place(shop: Shop) -> None:
    order = shop.order("沪A12345")
    checkout = shop.checkout(order.id)  # the resident opens the provider's page, and leaves it
    ticker = shop.ticker()
    shop.clock.advance(minutes=14, seconds=59)
    assert ticker.tick().lapsed == [] and shop.taken() == 1
    shop.clock.advance(seconds=1)
    assert ticker.tick().lapsed == [order.id]
    assert (shop.get(db.Order, order.id).status, shop.get(db.Contract, order.contract_id).status) == \
        (db.OrderStatus.LAPSED, "lapsed")
    assert shop.taken() == 0
    again = shop.order("沪A12345", who=1)  # the plate and the place are free for anyone
    assert again.status is db.OrderStatus.PENDING_PAYMENT
    assert shop.deliver(checkout) == 204  # paid after all, too late: taken, and an operator refunds it
    assert shop.get(db.Contract, order.contract_id).status == "lapsed"
    with shop.world.database.transaction() as session:
        assert list(session.scalars(select(db.Alarm.kind))) == ["payment_unmatched"]


def test_a_lapsed_order_is_never_billed(shop: Shop) -> None:
    order = shop.order("沪A12345")
    shop.clock.advance(minutes=20)
    shop.ticker().tick()
    paid = shop.order("沪B12345", who=1)
    shop.callback(paid.id)
    with shop.world.database.engine.connect() as conn:
        billed = set(load_terms(conn, Month(2025, 3)))
    assert paid.contract_id in billed and order.contract_id not in billed


def test_a_full_site_refuses_until_an_unpaid_order_lapses(shop: Shop) -> None:
    for number in range(3):  # quota 3 a product, 4 shared spaces at the site
        shop.order(f"沪A1234{number}", who=number)
    shop.order("沪B12340", who=3, product="weekends")
    with pytest.raises(CapacityError):
        shop.order("沪B12341", who=4, product="weekends")
    shop.clock.advance(minutes=15)
    assert len(shop.ticker().tick().lapsed) == 4
    assert shop.order("沪B12341", who=4, product="weekends").status is db.OrderStatus.PENDING_PAYMENT


def test_the_order_keeps_the_price_it_was_made_at(shop: Shop) -> None:
    first = shop.order("沪A12345")
    with shop.world.database.transaction() as session:
        session.get_one(db.Product, "nights").monthly_fee_fen = 45000
    later = shop.order("沪B12345", who=1, months=3)
    assert (first.amount_fen, later.amount_fen, later.monthly_fee_fen) == (30000, 135000, 45000)
    assert shop.callback(first.id) == 204  # paid at its own price, not today's


def test_a_second_tap_gives_the_same_order_and_another_term_replaces_it(shop: Shop) -> None:
    first = shop.order("沪A12345")
    assert shop.order("沪A12345").id == first.id
    replaced = shop.order("沪A12345", months=3)
    assert replaced.id != first.id and shop.get(db.Order, first.id).status is db.OrderStatus.CANCELLED
    assert shop.taken() == 1


def test_ordering_again_after_the_hold_ended_lapses_the_old_order_first(shop: Shop) -> None:
    first = shop.order("沪A12345")
    shop.clock.advance(minutes=16)  # the ticker has not come round yet
    again = shop.order("沪A12345")
    assert again.id != first.id and again.hold_until == shop.clock() + timedelta(minutes=15)
    assert shop.get(db.Order, first.id).status is db.OrderStatus.LAPSED
    assert shop.taken() == 1


def test_a_plate_holds_one_contract_per_site_whoever_orders(shop: Shop) -> None:
    shop.order("沪A12345")
    with pytest.raises(PlateTakenError):
        shop.order("沪A12345", who=1)


@pytest.mark.parametrize(("months", "starts_on"), [(2, None), (1, TODAY - timedelta(days=1)),
                                                     (1, TODAY + timedelta(days=31))])
def test_terms_and_first_days_not_on_offer_are_refused(shop: Shop, months: int,
                                                       starts_on: date | None) -> None:
    with pytest.raises(ConflictError, match="months|starts_on"):
        shop.order(months=months, starts_on=starts_on)


def test_cancelling_an_unpaid_order_frees_its_place(shop: Shop) -> None:
    order = shop.order()
    with shop.world.database.transaction() as session:
        cancel_order(session, resident(0), order.id, shop.clock())
    assert shop.taken() == 0 and shop.get(db.Contract, order.contract_id).status == "lapsed"
    with shop.world.database.transaction() as session, pytest.raises(ConflictError):
        start_payment(session, resident(0), order.id, shop.context, "sandbox", shop.clock(),
                      base_url="http://127.0.0.1")


def test_a_term_that_costs_nothing_is_in_force_at_once(shop: Shop) -> None:
    with shop.world.database.transaction() as session:
        session.get_one(db.Product, "weekends").monthly_fee_fen = 0
    order = shop.order(product="weekends")
    assert (order.status, order.paid_with) == (db.OrderStatus.PAID, "free")
    assert shop.bundle_ids() == [order.contract_id]


def test_another_resident_finds_nothing_of_the_first_ones(shop: Shop) -> None:
    order = shop.order()
    other = resident(1)
    with shop.world.database.transaction() as session:
        for attempt in (lambda: visible_order(session, other, order.id),
                        lambda: cancel_order(session, other, order.id, shop.clock()),
                        lambda: start_payment(session, other, order.id, shop.context, "sandbox", shop.clock(),
                                              base_url="http://127.0.0.1")):
            with pytest.raises(NotFoundError):
                attempt()
        assert list_orders(session, other, PageRequest()).items == []
        assert [o.id for o in list_orders(session, resident(0), PageRequest()).items] == [order.id]
        assert [o.id for o in list_orders(session, ADMIN, PageRequest()).items] == [order.id]


def test_a_pending_contract_cannot_be_cancelled_moved_or_suspended_as_a_contract(shop: Shop) -> None:
    order = shop.order()
    with shop.world.database.transaction() as session:
        for action in ("cancel", "suspend"):
            with pytest.raises(ConflictError):
                change_status(session, ADMIN, order.contract_id, action, shop.world.signer, shop.world.rules,
                              shop.clock())

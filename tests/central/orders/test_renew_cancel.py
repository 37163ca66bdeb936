"""Renewing extends a paid contract once the renewal is paid; cancelling ends it today and refunds
the prepaid rest the way it was paid; a contract cancelled elsewhere is settled by the ticker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from central import db
from central.contracts.service import change_status
from central.errors import ConflictError, NotFoundError
from central.orders import (
    REFUND_FAILED_ALARM,
    cancel_contract,
    refund_preview,
    renew_contract,
)
from central.payments import RefundStatus
from tests.central.orders.conftest import TODAY, Shop, resident
from tests.central.support import ADMIN


def _paid(shop: Shop, plate: str = "沪A12345", months: int = 1) -> db.Order:
    order = shop.order(plate, months=months)
    assert shop.callback(order.id) == 204
    return shop.get(db.Order, order.id)


def _renew(shop: Shop, contract_id: str, months: int = 1, who: int = 0) -> db.Order:
    with shop.world.database.transaction() as session:
        return renew_contract(session, resident(who), contract_id, months, shop.context, shop.clock())


def test_a_paid_renewal_extends_the_contract_and_tells_the_gate(shop: Shop) -> None:
    first = _paid(shop)  # 3 March to 2 April
    shop.clock.advance(days=20)
    with shop.world.database.transaction() as session:
        session.get_one(db.Product, "nights").monthly_fee_fen = 32000  # the renewal pays today's price
    renewal = _renew(shop, first.contract_id, months=3)
    assert (renewal.kind, renewal.starts_on, renewal.ends_on, renewal.amount_fen) == \
        (db.OrderKind.RENEWAL, date(2025, 4, 3), date(2025, 7, 2), 96000)
    assert shop.get(db.Contract, first.contract_id).valid_to == date(2025, 4, 2)  # not before it is paid
    assert shop.taken() == 1  # the contract holds one place, renewed or not
    assert shop.callback(renewal.id) == 204
    assert shop.get(db.Contract, first.contract_id).valid_to == date(2025, 7, 2)
    assert shop.world.bundle().contracts[0].valid_to == date(2025, 7, 2)


def test_an_unpaid_renewal_lapses_and_changes_nothing(shop: Shop) -> None:
    first = _paid(shop)
    renewal = _renew(shop, first.contract_id)
    shop.clock.advance(minutes=16)
    assert shop.ticker().tick().lapsed == [renewal.id]
    contract = shop.get(db.Contract, first.contract_id)
    assert (contract.status, contract.valid_to) == ("active", date(2025, 4, 2))


def test_renewing_again_answers_the_same_order_or_replaces_it_for_another_term(shop: Shop) -> None:
    first = _paid(shop)
    renewal = _renew(shop, first.contract_id)
    assert _renew(shop, first.contract_id).id == renewal.id
    longer = _renew(shop, first.contract_id, months=3)
    assert longer.id != renewal.id and shop.get(db.Order, renewal.id).status is db.OrderStatus.CANCELLED


def test_renewal_is_for_active_contracts_ending_within_the_window(shop: Shop) -> None:
    shop.settings = shop.settings.model_copy(update={"renew_within_days": 10})
    first = _paid(shop)  # ends 2 April
    with pytest.raises(ConflictError, match="renewed from 2025-03-24"):
        _renew(shop, first.contract_id)
    with pytest.raises(NotFoundError):
        _renew(shop, first.contract_id, who=1)  # another resident's contract does not exist for them
    shop.clock.advance(days=21)
    assert _renew(shop, first.contract_id).status is db.OrderStatus.PENDING_PAYMENT


def test_cancelling_refunds_the_unused_days_through_the_provider(shop: Shop) -> None:
    first = _paid(shop, months=3)  # 90000 fen for 3 March to 2 June: 92 days
    shop.clock.advance(days=9)  # 12 March: 10 days used, today among them
    with shop.world.database.transaction() as session:
        preview = refund_preview(session, resident(0), first.contract_id, shop.clock())
        contract, refunds = cancel_contract(session, resident(0), first.contract_id, shop.context,
                                            shop.clock())
    due = 90000 - 90000 * 10 // 92
    assert preview == due == 80218
    assert [(r.order_id, r.amount_fen, r.status) for r in refunds] == \
        [(first.id, due, RefundStatus.SUCCEEDED)]
    assert (contract.status, contract.ends_on) == ("cancelled", date(2025, 3, 12))
    order = shop.get(db.Order, first.id)
    assert (order.refunded_fen, order.settled_at) == (due, shop.clock())
    with shop.world.database.transaction() as session:
        payment = session.scalars(select(db.Payment).where(db.Payment.order_id == first.id)).one()
        assert payment.refunded_fen == due
    assert shop.bundle_ids() == []  # the gate drops it at once
    assert shop.ticker().tick().settled == []  # settled once


def test_cancelling_closes_an_unpaid_renewal_and_refunds_a_paid_one_whole(shop: Shop) -> None:
    first = _paid(shop)
    shop.clock.advance(days=25)
    renewal = _renew(shop, first.contract_id)
    assert shop.callback(renewal.id) == 204
    second = _renew(shop, first.contract_id)  # another month, left unpaid
    with shop.world.database.transaction() as session:
        _, refunds = cancel_contract(session, resident(0), first.contract_id, shop.context, shop.clock())
    used = 26  # 3 to 28 March
    assert {r.order_id: r.amount_fen for r in refunds} == {first.id: 30000 - 30000 * used // 31,
                                                          renewal.id: 30000}  # not started: all of it
    assert shop.get(db.Order, second.id).status is db.OrderStatus.CANCELLED


def test_a_product_without_refunds_gives_nothing_back(shop: Shop) -> None:
    with shop.world.database.transaction() as session:
        session.get_one(db.Product, "nights").refund_unused = False
    first = _paid(shop)
    with shop.world.database.transaction() as session:
        assert refund_preview(session, resident(0), first.contract_id, shop.clock()) == 0
        _, refunds = cancel_contract(session, resident(0), first.contract_id, shop.context, shop.clock())
    assert [(r.amount_fen, r.status) for r in refunds] == [(0, None)]


def test_a_contract_cancelled_by_staff_is_refunded_by_the_ticker(shop: Shop) -> None:
    first = _paid(shop)
    shop.clock.advance(days=4)  # 7 March: 5 days used
    with shop.world.database.transaction() as session:
        change_status(session, ADMIN, first.contract_id, "cancel", shop.world.signer, shop.world.rules,
                      shop.clock(), effective_on=TODAY + timedelta(days=1))  # backdated to 4 March
    assert shop.ticker().tick().settled == [first.contract_id]
    assert shop.get(db.Order, first.id).refunded_fen == 30000 - 30000 * 2 // 31


def test_a_refund_the_provider_refuses_raises_an_alarm(shop: Shop) -> None:
    first = _paid(shop)
    with shop.world.database.transaction() as session:  # the payment row says it was refunded already
        session.scalars(select(db.Payment).where(db.Payment.order_id == first.id)).one().refunded_fen = 30000
        _, refunds = cancel_contract(session, resident(0), first.contract_id, shop.context, shop.clock())
    assert refunds[0].status is RefundStatus.FAILED
    with shop.world.database.transaction() as session:
        assert list(session.scalars(select(db.Alarm.kind))) == [REFUND_FAILED_ALARM]
    assert shop.get(db.Order, first.id).refunded_fen == 0


def test_a_lost_callback_is_found_before_the_order_lapses(shop: Shop) -> None:
    """The sandbox told us "paid" but our answer was lost: the ticker asks before lapsing."""
    from central.payments import PaymentNotice, PaymentStatus

    order = shop.order()
    checkout = shop.checkout(order.id)
    shop.sandbox._told[order.id] = PaymentNotice("sandbox", order.id, checkout.transaction_id,  # noqa: SLF001
                                                 order.amount_fen, "CNY", PaymentStatus.PAID, shop.clock())
    shop.clock.advance(minutes=15)
    assert shop.ticker().tick().lapsed == []
    assert shop.get(db.Contract, order.contract_id).status == "active"


def test_a_prepaid_contract_moved_to_another_product_is_still_not_billed_a_fee(shop: Shop) -> None:
    from central.contracts.service import change_product

    first = _paid(shop)
    with shop.world.database.transaction() as session:
        moved = change_product(session, ADMIN, first.contract_id, "weekends", shop.world.signer,
                               shop.world.rules, shop.clock())
        assert (moved.product_id, moved.monthly_fee_fen) == ("weekends", 0)

"""A site with two products (``tests.central.support.World``), the sandbox provider and the orders'
ledger, on each backend: the orders services as the routes and the ticker call them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from central import db
from central.contracts.capacity import places_taken
from central.core.order_settings import OrderSettings
from central.core.security import Principal, Role
from central.orders import OrderContext, OrderLedger, OrderRequest, OrderTicker, place_order
from central.orders.service import start_payment
from central.payments import PaymentService, PaymentStatus, Sandbox, SandboxCheckout
from tests.central.support import NOW, World, build_world

SECRET = "a sandbox secret for the orders tests"
TODAY = date(2025, 3, 3)  # NOW in Shanghai, a Monday
Tamper = Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]]


def resident(number: int = 0) -> Principal:
    return Principal(Role.RESIDENT, resident_id=f"r{number}")


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Shop:
    """The world, the sandbox, the payment service with the real ``OrderLedger``, a moved clock."""

    world: World
    clock: Clock
    sandbox: Sandbox
    payments: PaymentService
    settings: OrderSettings = field(default_factory=OrderSettings)

    @property
    def context(self) -> OrderContext:
        return OrderContext(self.world.signer, self.world.rules, self.settings, self.payments)

    def order(self, plate: str = "沪A12345", who: int = 0, product: str = "nights", months: int = 1,
              starts_on: date | None = None) -> db.Order:
        with self.world.database.transaction() as session:
            return place_order(session, resident(who), OrderRequest(product, plate, months, starts_on),
                               self.context, self.clock())

    def checkout(self, order_id: str) -> SandboxCheckout:
        """The resident taps "pay": the payment starts, the sandbox's page opens."""
        with self.world.database.transaction() as session:
            order = session.get_one(db.Order, order_id)
            checkout = start_payment(session, resident(int(order.resident_id[1:])), order_id, self.context,
                                     "sandbox", self.clock(), base_url="http://127.0.0.1")
        sealed = self.sandbox.open(checkout.url.rsplit("/", 1)[1])
        assert sealed is not None
        return sealed

    def deliver(self, checkout: SandboxCheckout, status: PaymentStatus = PaymentStatus.PAID,
                tamper: Tamper | None = None) -> int:
        """The sandbox page's button: its signed callback (changed by ``tamper`` if given) to the
        payment service; the HTTP status the provider gets."""
        headers, body = self.sandbox.callback(checkout, status, self.clock())
        if tamper is not None:
            headers, body = tamper(headers, body)
        with self.world.database.transaction() as session:
            return self.payments.handle_callback(session, "sandbox", headers, body).status_code

    def callback(self, order_id: str, status: PaymentStatus = PaymentStatus.PAID,
                 tamper: Tamper | None = None) -> int:
        return self.deliver(self.checkout(order_id), status, tamper)

    def ticker(self) -> OrderTicker:
        return OrderTicker(self.world.database, self.payments, self.clock, 30)

    def get(self, kind: type[Any], key: str) -> Any:
        with self.world.database.transaction() as session:
            row = session.get_one(kind, key)
            session.expunge(row)
            return row

    def taken(self, product: str | None = None) -> int:
        with self.world.database.transaction() as session:
            return places_taken(session, "s1", TODAY, product)

    def bundle_ids(self) -> list[str]:
        return [contract.contract_id for contract in self.world.bundle().contracts]

    def bundles_issued(self) -> int:
        with self.world.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(db.MqttOutbox)) or 0


@pytest.fixture
def shop(database_url: str) -> Iterator[Shop]:
    world = build_world(database_url)
    clock = Clock()
    sandbox = Sandbox(SECRET, 300, 5.0)
    payments = PaymentService({"sandbox": sandbox}, public_url=None, clock=clock)
    payments.orders = OrderLedger(world.signer, clock)
    yield Shop(world, clock, sandbox, payments)
    world.database.dispose()

"""The orders ticker inside ``serve``: lapses unpaid orders and settles cancelled contracts.

``tick()`` does one round and is what tests call, with the clock they move (never sleeping);
``start()`` runs it every ``orders.lapse_interval_s`` (``central.ticker``) until ``stop()``.
One transaction per order or contract, so one that fails leaves the others done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from central import db
from central.db import Database
from central.orders.refunds import settle_contract, unsettled_contracts
from central.orders.service import due_orders, lapse_order
from central.payments import PaymentService
from central.ticker import Ticker
from shared import Clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Round:
    lapsed: list[str]  # orders
    settled: list[str]  # contracts


class OrderTicker:
    def __init__(self, database: Database, payments: PaymentService, clock: Clock, interval_s: float) -> None:
        self.database = database
        self.payments = payments
        self.clock = clock
        self._loop = Ticker("orders", self.tick, interval_s)

    def tick(self) -> Round:
        now = self.clock()
        with self.database.transaction() as session:
            due, unsettled = due_orders(session, now), unsettled_contracts(session)
        lapsed = [order_id for order_id in due if self._each("lapse order", order_id, self._lapse)]
        settled = [cid for cid in unsettled if self._each("settle contract", cid, self._settle)]
        return Round(lapsed, settled)

    def _lapse(self, order_id: str) -> bool:
        with self.database.transaction() as session:
            return lapse_order(session, self.payments, order_id, self.clock())

    def _settle(self, contract_id: str) -> bool:
        with self.database.transaction() as session:
            contract = session.get_one(db.Contract, contract_id)
            settle_contract(session, self.payments, contract, self.clock())
        return True

    @staticmethod
    def _each(what: str, key: str, act: Callable[[str], bool]) -> bool:
        try:
            return act(key)
        except Exception:  # one bad row must not stop the others; the next round tries it again
            logger.exception("orders ticker: %s %s failed", what, key)
            return False

    def start(self) -> OrderTicker:
        self._loop.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)

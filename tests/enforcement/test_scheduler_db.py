"""The scheduler against a real database, with a clock that moves only when told.

Reminders, a violation, a suspension that reaches the gates in the next signed
bundle (the next entry is denied for it, an exit still opens), reinstatement,
and the resident's webhook behind the notification outbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from central.contracts.service import ContractRules, change_status
from central.core.config import EnforcementSettings
from central.core.security import Principal, Role
from central.db import Contract, Database, MqttOutbox, Product
from central.distribution.bundles import Signer
from central.enforcement.models import Notification, Violation
from central.enforcement.notify import WebhookNotifier
from central.enforcement.scheduler import EnforcementScheduler, bundle_suspender
from central.enforcement.timeline import Overstay, Reminder, Suspension
from edge.decision import Read, SiteIndex, SiteState, decide
from shared import (
    ContractStatus,
    Direction,
    Outcome,
    Reason,
    SiteAlert,
    generate_private_key,
    parse_message,
    verify_bundle,
)
from shared.topics import alerts_topic, contracts_topic
from tests.billing.helpers import local
from tests.support.seeded import Seeded, add_stay

KEY = generate_private_key()
SIGNER = Signer("test-1", KEY, timedelta(days=7), timedelta(days=2))
SETTINGS = EnforcementSettings(violations_to_suspend=2, window_days=30, retry_base_s=60)


class Hook:
    """The resident's webhook: records what it gets, fails while ``down``."""

    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503)
        self.received.append(json.loads(request.content))
        return httpx.Response(204)


class Scene:
    def __init__(self, db: Database, seeded: Seeded) -> None:
        self.db, self.seeded = db, seeded
        self.now = local("2026-11-03 07:00")
        self.hook = Hook()
        self.notifier = WebhookNotifier("http://hook.test/notify",
                                        client=httpx.Client(transport=httpx.MockTransport(self.hook)))
        self.scheduler = EnforcementScheduler(db, SETTINGS, bundle_suspender(SIGNER, ContractRules()),
                                              {"webhook": self.notifier}, clock=lambda: self.now)

    def at(self, text: str) -> list[object]:
        self.now = local(text)
        return list(self.scheduler.tick())

    def outbox(self, topic: str) -> list[bytes]:
        with self.db.transaction() as session:
            return list(session.scalars(select(MqttOutbox.payload).where(MqttOutbox.topic == topic)
                                        .order_by(MqttOutbox.id)))


@pytest.fixture
def scene(db: Database, seeded: Seeded) -> Iterator[Scene]:
    made = Scene(db, seeded)
    yield made
    made.notifier.close()


def test_reminders_violation_alert_and_webhook(scene: Scene) -> None:
    add_stay(scene.db, scene.seeded, "2026-11-02 20:00", None, "2026-11-03 07:30")
    assert [type(a) for a in scene.at("2026-11-03 07:00")] == [Reminder]
    assert scene.at("2026-11-03 07:00") == []  # the same now: nothing new
    assert [type(a) for a in scene.at("2026-11-03 07:20")] == [Reminder]
    assert scene.at("2026-11-03 07:45") == []  # exactly the end of grace
    assert [type(a) for a in scene.at("2026-11-03 07:45:30")] == [Overstay]
    alerts = [parse_message(SiteAlert, p) for p in scene.outbox(alerts_topic("campus-a"))]
    assert [(a.kind.value, a.minutes_left) for a in alerts] == [("reminder", 30), ("reminder", 10),
                                                               ("overstay", 0)]
    assert [m["kind"] for m in scene.hook.received] == ["reminder", "reminder", "overstay"]
    assert scene.hook.received[0]["resident_id"] == "r1"
    with scene.db.transaction() as session:
        (violation,) = session.scalars(select(Violation))
        assert violation.at == local("2026-11-03 07:45")


def test_webhook_down_is_retried_from_the_outbox_not_lost(scene: Scene) -> None:
    add_stay(scene.db, scene.seeded, "2026-11-02 20:00", None, "2026-11-03 07:30")
    scene.hook.down = True
    scene.at("2026-11-03 07:00")
    scene.hook.down = False
    scene.at("2026-11-03 07:00:30")  # before the retry delay
    assert scene.hook.received == []
    scene.at("2026-11-03 07:01:01")
    assert [m["minutes_left"] for m in scene.hook.received] == [30]
    with scene.db.transaction() as session:
        (note,) = session.scalars(select(Notification))
        assert (note.status, note.attempts) == ("sent", 2)


def test_suspension_reaches_the_next_bundle_and_reinstatement_holds(scene: Scene) -> None:
    add_stay(scene.db, scene.seeded, "2026-11-02 20:00", "2026-11-03 08:30", "2026-11-03 07:30")
    add_stay(scene.db, scene.seeded, "2026-11-03 20:00", None, "2026-11-04 07:30")
    assert [type(a) for a in scene.at("2026-11-03 09:00")] == [Overstay]  # a late exit, seen afterwards
    actions = scene.at("2026-11-04 08:00")
    assert [type(a) for a in actions] == [Overstay, Suspension]

    bundle = verify_bundle(scene.outbox(contracts_topic("campus-a"))[-1], {"test-1": KEY.public_key()},
                           scene.now)
    (contract,) = bundle.contracts
    assert contract.status is ContractStatus.SUSPENDED
    index = SiteIndex.from_bundle(bundle)
    entry = decide(Read("沪A12345", 0.99, Direction.ENTRY), index, SiteState(), local("2026-11-04 20:00"))
    assert (entry.outcome, entry.reason) == (Outcome.DENY, Reason.SUSPENDED)
    leave = decide(Read("沪A12345", 0.99, Direction.EXIT), index, SiteState(), local("2026-11-04 20:00"))
    assert leave.outcome is Outcome.OPEN

    with scene.db.transaction() as session:  # an operator reinstates through the contract service
        change_status(session, Principal(Role.ADMIN), "c1", "reinstate", SIGNER, ContractRules(), scene.now)
    assert scene.at("2026-11-04 08:05") == []  # the old violations do not suspend again
    with scene.db.transaction() as session:
        assert session.get_one(Contract, "c1").status == "active"


def test_overstay_counts_from_the_grace_the_contract_was_signed_with(scene: Scene) -> None:
    with scene.db.transaction() as session:  # a later change of the product's grace is for new contracts
        session.get_one(Product, scene.seeded.product_id).grace_minutes = 60
    add_stay(scene.db, scene.seeded, "2026-11-02 20:00", None, "2026-11-03 07:30")
    assert [type(a) for a in scene.at("2026-11-03 07:45:30")] == [Overstay]  # 15 minutes, as signed

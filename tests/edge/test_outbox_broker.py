"""The gate and a real Mosquitto: delivery, a broker outage, a refused publish, bundles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from edge import alarms as codes
from edge.agent import Agent
from edge.config import EdgeSettings
from shared import Outcome, Reason, generate_private_key
from tests.edge.conftest import WEDNESDAY_EVENING, Central, SteppingClock, signed, wait_until
from tests.edge.doubles import ScriptedReader, frame_for
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker

PLATES = ["沪A12345", "沪B99999", None, "沪A12345"]


@pytest.fixture
def running(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
            signing_key: object) -> Iterator[Callable[..., Agent]]:
    """Start an agent with a scripted reader once the central stand-in has published a bundle."""
    agents: list[Agent] = []

    def start(**overrides: object) -> Agent:
        central.publish_bundle(signed(signing_key, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
        agent = Agent(gate_settings(**overrides), clock=clock, reader=ScriptedReader(PLATES * 10),
                      vehicles={"entry": [], "exit": []})
        agent.start()
        agents.append(agent)
        wait_until(lambda: agent.bundles.sequence == 1, what="bundle held")
        return agent

    yield start
    for agent in agents:
        agent.stop()


def pass_entry(agent: Agent, index: int) -> None:
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(index)])


def test_events_reach_central_with_decisions(running: Callable[..., Agent], central: Central) -> None:
    agent = running()
    for index in range(4):
        pass_entry(agent, index)
    wait_until(lambda: len(central.event_ids()) == 4, what="4 events at central")
    by_plate = {(e.plate, e.reason) for e in central.events}
    assert ("沪A12345", Reason.CONTRACT_OK) in by_plate
    assert ("沪B99999", Reason.NO_CONTRACT) in by_plate
    assert (None, Reason.UNREADABLE) in by_plate
    assert ("沪A12345", Reason.ALREADY_INSIDE) in by_plate  # anti-passback from the store
    assert agent.barrier.commands[0].decision_ref == next(  # type: ignore[attr-defined]
        str(e.event_id) for e in central.events if e.reason is Reason.CONTRACT_OK)
    wait_until(lambda: agent.store.outbox_depth() == 0, what="outbox drained")


def test_broker_down_events_queued_then_all_delivered(running: Callable[..., Agent], central: Central,
                                                      broker: Broker) -> None:
    agent = running()
    for index in range(3):
        pass_entry(agent, index)
    wait_until(lambda: len(central.event_ids()) == 3, what="first events")
    broker.stop()
    try:
        wait_until(lambda: not agent.link.connected, what="link down")
        for index in range(3, 40):  # the gate keeps deciding from its cache
            pass_entry(agent, index)
        assert agent.store.outbox_depth() == 37
    finally:
        broker.start()
    recorded = {row.event_id for row in agent.store.recent_events(100)}
    wait_until(lambda: central.event_ids() >= recorded, timeout=30, what="every event after the outage")
    wait_until(lambda: agent.store.outbox_depth() == 0, what="outbox drained")


def test_publish_refused_0x87_keeps_row_and_alarms(running: Callable[..., Agent], central: Central,
                                                   broker: Broker) -> None:
    # The gate logs in with another gate's account: the ACL refuses its events topic.
    user, password = broker.add_gate("s1", "someone-else")
    agent = running(broker={"username": user, "password": password, "retry_refused_s": 600})
    pass_entry(agent, 1)
    wait_until(lambda: codes.PUBLISH_REFUSED in agent.alarms.codes(), what="publish refused alarm")
    assert agent.store.outbox_depth() == 1
    alarm = next(a for a in agent.alarms.active() if a.code == codes.PUBLISH_REFUSED)
    assert "0x87" in alarm.detail
    assert central.event_ids() == set()


def test_forged_and_expired_bundles_refused_with_alarm(running: Callable[..., Agent], central: Central,
                                                       signing_key: object) -> None:
    agent = running()
    forged = signed(generate_private_key(), plates=("沪B99999",), sequence=2)  # claims key k1
    central.publish_bundle(forged)
    wait_until(lambda: codes.BUNDLE_REJECTED in agent.alarms.codes(), what="forged bundle refused")
    assert agent.bundles.sequence == 1
    assert "signature" in _detail(agent, codes.BUNDLE_REJECTED)
    wait_until(lambda: any(codes.BUNDLE_REJECTED in s.alarms for s in central.statuses),
               what="alarm in the heartbeat")

    agent.alarms.clear(codes.BUNDLE_REJECTED)
    central.publish_bundle(signed(signing_key, sequence=3, issued_at=WEDNESDAY_EVENING - timedelta(days=10),
                                  ttl=timedelta(days=1)))
    wait_until(lambda: codes.BUNDLE_REJECTED in agent.alarms.codes(), what="expired bundle refused")
    assert "expired" in _detail(agent, codes.BUNDLE_REJECTED)
    assert agent.bundles.sequence == 1
    pass_entry(agent, 0)  # the held bundle still decides
    assert agent.store.recent_events(1)[0].data["outcome"] == Outcome.OPEN


def test_expired_held_bundle_sends_entries_to_the_guard(running: Callable[..., Agent],
                                                        clock: SteppingClock) -> None:
    agent = running()
    clock.advance(timedelta(days=8))  # the bundle was good for 7 days and central is silent
    agent.check_alarms(clock())
    assert codes.BUNDLE_EXPIRED in agent.alarms.codes()
    pass_entry(agent, 0)
    entry = agent.store.recent_events(1)[0].data
    assert (entry["outcome"], entry["reason"]) == (Outcome.REVIEW, Reason.NO_BUNDLE)
    assert entry["contract_id"] == "c1"  # the guard sees whose contract it was
    agent.pass_vehicle(agent.settings.lanes[1], [frame_for(0)])
    assert agent.store.recent_events(1)[0].data["outcome"] == Outcome.OPEN  # nobody is trapped


def _detail(agent: Agent, code: str) -> str:
    return next(a.detail for a in agent.alarms.active() if a.code == code)

"""The gate's Prometheus metrics: what a scrape of /metrics shows after real passages, on the guard
page without a login and on a port of its own; one registry per agent; no plate or secret in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from edge.agent import Agent
from edge.barrier import SimulatedBarrier
from edge.config import EdgeSettings, load_settings
from edge.errors import ConfigError
from tests.edge.conftest import (
    KEY,
    WEDNESDAY_EVENING,
    Central,
    SteppingClock,
    settings_data,
    signed,
    wait_until,
)
from tests.edge.doubles import ScriptedReader, frame_for
from tests.edge.guard.harness import CONTRACTED, NO_CONTRACT, PLATES, GuardPage, open_guard_page
from tests.support.mosquitto import Broker


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def guard_page(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
               signing_key: object) -> Iterator[GuardPage]:
    page = open_guard_page(gate_settings, clock, central, signing_key)
    yield page
    page.close()


@pytest.mark.broker
def test_the_guard_page_serves_metrics_without_a_login_and_they_follow_the_gate(
        guard_page: GuardPage, broker: Broker, clock: SteppingClock) -> None:
    guard_page.pass_car("entry", CONTRACTED)
    guard_page.pass_car("entry", NO_CONTRACT)
    guard_page.pass_car("exit", CONTRACTED)
    agent = guard_page.agent
    wait_until(lambda: agent.store.outbox_depth() == 0, what="outbox drained")
    response = httpx.get(f"{guard_page.url}/metrics")  # no cookie, no login
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert value(text, "parking_gate_events_total", lane="entry", direction="entry", outcome="open",
                 reason="contract_ok") == 1
    assert value(text, "parking_gate_events_total", lane="entry", direction="entry", outcome="deny",
                 reason="no_contract") == 1
    assert value(text, "parking_gate_events_total", lane="exit", direction="exit", outcome="open",
                 reason="exit") == 1
    assert value(text, "parking_gate_reader_vehicle_seconds_count", lane="entry") == 2
    assert value(text, "parking_gate_reader_frame_seconds_count") == 3  # one confident frame each
    assert value(text, "parking_gate_outbox_depth") == 0
    assert value(text, "parking_gate_events_delivered_total") == 3
    assert value(text, "parking_gate_link_up") == 1
    assert value(text, "parking_gate_bundle_sequence") == 1
    age = value(text, "parking_gate_bundle_age_seconds")  # signed an hour before the clock started
    assert timedelta(hours=1) <= timedelta(seconds=age) <= clock() - WEDNESDAY_EVENING + timedelta(hours=1)
    assert value(text, "parking_gate_store_in_memory") == 0
    assert value(text, "parking_gate_info", site_id="s1", gate_id=agent.settings.gate_id) == 1
    for secret in (p for p in PLATES if p):  # no plate, no password, no salt in any label or value
        assert secret not in text
    assert broker.passwords[agent.settings.broker_username] not in text
    assert agent.settings.hash_salt() not in text


def _agent(tmp_path: Path, name: str, **overrides: object) -> Agent:
    settings = load_settings(None, **settings_data(tmp_path / name, gate_id=name, **overrides))
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING, reader=ScriptedReader(["沪A12345"]),
                  barrier=SimulatedBarrier(fail=name == "broken"), vehicles={"entry": [], "exit": []})
    assert agent.bundles.offer(signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    return agent


def test_each_agent_counts_in_its_own_registry_and_barrier_faults_are_counted(tmp_path: Path) -> None:
    working, broken = _agent(tmp_path, "working"), _agent(tmp_path, "broken")
    try:
        broken.pass_vehicle(broken.settings.lanes[0], [frame_for(0)])
        text = broken.metrics.exposition().decode()
        assert value(text, "parking_gate_barrier_faults_total", lane="entry") == 1
        assert value(text, "parking_gate_events_total", lane="entry", direction="entry", outcome="review",
                     reason="barrier_fault") == 1
        assert value(text, "parking_gate_alarm", code="barrier_fault:entry") == 1
        other = samples(working.metrics.exposition().decode())
        assert not [key for key in other if key[0] in ("parking_gate_events_total",
                                                        "parking_gate_barrier_faults_total")]
    finally:
        working.store.close()
        broken.store.close()


@pytest.mark.broker
def test_metrics_on_a_port_of_their_own_when_set(gate_settings: Callable[..., EdgeSettings],
                                                  clock: SteppingClock) -> None:
    agent = Agent(gate_settings(metrics={"port": 0}, guard={"enabled": False}), clock=clock,
                  reader=ScriptedReader(["沪A12345"]), vehicles={"entry": [], "exit": []})
    agent.start()
    try:
        assert agent.metrics.port
        assert agent.link.wait_connected(10)
        text = httpx.get(f"http://127.0.0.1:{agent.metrics.port}/metrics").text
        assert value(text, "parking_gate_link_up") == 1
        assert value(text, "parking_gate_bundle_sequence") == 0  # none yet: said as 0, and no age
        assert not [key for key in samples(text) if key[0] == "parking_gate_bundle_age_seconds"]
    finally:
        agent.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{agent.metrics.port}/metrics")


@pytest.mark.parametrize(("override", "field", "words"), [
    ({"metrics": {"port": 8080}, "guard": {"port": 8080, "accounts": {"g": "$argon2id$x"}}}, "settings",
     "metrics.port is the guard page's port"),
    ({"metrics": {"port": 70000}}, "metrics.port", "less than or equal to 65535"),
    ({"storage": {"memory_outbox_max": -1}}, "storage.memory_outbox_max", "greater than or equal to 0"),
])
def test_metrics_and_storage_settings_are_checked_at_load(tmp_path: Path, override: dict[str, object],
                                                         field: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, **override))
    assert error.value.field == field and words in str(error.value)

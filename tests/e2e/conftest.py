"""End-to-end fixtures: a Mosquitto of its own per test (generated passwords), the stack's factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.brokers import mosquitto_installed
from tests.e2e.stack import Central, Gate
from tests.support.mosquitto import Broker


@pytest.fixture
def e2e_broker(tmp_path: Path) -> Iterator[Broker]:
    """A fresh broker per test: no retained bundle or queued session leaks from one test to the next."""
    if not mosquitto_installed():
        pytest.skip("mosquitto not installed")
    server = Broker(tmp_path / "mosquitto", random_secrets=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_central(tmp_path: Path, e2e_broker: Broker) -> Iterator[Callable[..., Central]]:
    started: list[Central] = []

    def make(database_url: str | None = None, **options: Any) -> Central:
        url = database_url or f"sqlite:///{tmp_path / 'central.db'}"
        central = Central(tmp_path / "central", e2e_broker, url, **options)
        started.append(central)
        return central

    yield make
    for central in started:
        central.stop()


@pytest.fixture
def make_gate(tmp_path: Path, e2e_broker: Broker) -> Iterator[Callable[..., Gate]]:
    started: list[Gate] = []

    def make(central: Central, gate_id: str = "g1", **options: Any) -> Gate:
        gate = Gate(tmp_path / gate_id, e2e_broker, central, gate_id, **options)
        started.append(gate)
        return gate

    yield make
    for gate in started:
        gate.stop()

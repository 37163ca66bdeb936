"""/api/v1/health tells the truth: 503 with each failed check named and why.

The reported bug: with the broker unreachable, central logged nothing about MQTT for 25-40 s
and health said ok. Here the broker is refused, silent from the start (a port that takes the
connection and never answers) and frozen mid-connection (SIGSTOP): each is logged as a warning
within ``mqtt.link_timeout_s`` and health says degraded, naming the link.
"""

from __future__ import annotations

import logging
import signal
import socket
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central import db
from central.api import create_app
from central.core.config import HealthSettings, load_settings
from central.db.migrate import upgrade_to_head
from central.health import Facts, Runtime, judge, read_facts
from central.ingest.consumer import Ingestor
from central.mqtt import LinkState
from shared import Direction, events_topic
from tests.central.conftest import Clock, make_settings
from tests.central.support import GateClient, event, wait_for
from tests.support.mosquitto import Broker, free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FAST_LINK = {"link_timeout_s": 1.0, "probe_interval_s": 0.5, "keepalive_s": 5, "reconnect_min_s": 1,
             "reconnect_max_s": 2}


def _health(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/api/v1/health")
    return response.status_code, response.json()


def _app(url: str, clock: Clock, broker: Broker | None = None, port: int | None = None) -> Any:
    """serve's app (publisher link in the background) with a quick link timeout."""
    mqtt = {"port": port or (broker.port if broker else 1883), **FAST_LINK,
            "password": broker.passwords["central"] if broker else "central-secret"}
    settings = load_settings(None, database={"url": url}, mqtt=mqtt, enforcement={"enabled": False},
                             ingest={"in_process": False})
    return create_app(settings, clock=clock, background=True)


def test_all_well_is_200_with_every_check_listed(database_url: str, clock: Clock) -> None:
    with TestClient(create_app(make_settings(database_url), clock=clock)) as client:
        status, body = _health(client)
    assert (status, body["status"], body["degraded"]) == (200, "ok", [])
    assert set(body["checks"]) == {"database", "broker", "publisher", "ingest"}
    assert body["checks"]["publisher"] == {"ok": True, "why": None, "unsent": 0, "oldest_age_s": None}


def test_a_database_that_does_not_answer_is_named(clock: Clock) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    with TestClient(create_app(make_settings(url), clock=clock, migrate=False)) as client:
        status, body = _health(client)
    assert status == 503 and body["status"] == "degraded"
    assert body["degraded"][0].startswith("database: the database does not answer (OperationalError")
    assert not body["checks"]["publisher"]["ok"]


def test_an_outbox_row_left_unsent_too_long_is_named_with_its_age(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    with TestClient(create_app(make_settings(url, health={"outbox_max_age_s": 300}), clock=clock)) as client:
        database: db.Database = client.app.state.central.database  # type: ignore[attr-defined]
        with database.transaction() as session:
            session.add(db.MqttOutbox(topic="t", payload=b"x", created_at=clock() - timedelta(minutes=10)))
        status, body = _health(client)
        assert status == 503
        assert body["degraded"] == ["publisher: 1 outbox rows unsent, the oldest for 600 s (limit 300 s)"]
        assert body["checks"]["publisher"]["unsent"] == 1
        clock.advance(minutes=-6)  # the same row, four minutes old: within the limit
        assert _health(client)[0] == 200


def test_a_refused_broker_is_logged_at_once_and_degrades_health(tmp_path: Path, clock: Clock,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="central.mqtt")
    with TestClient(_app(f"sqlite:///{tmp_path / 'c.db'}", clock, port=free_port())) as client:
        found = wait_for("the warning", lambda: [r for r in caplog.records if "cannot connect" in r.message],
                         timeout=5)
        status, body = _health(client)
    assert found[0].levelno == logging.WARNING and "connection refused" in found[0].message
    assert status == 503 and body["checks"]["broker"]["links"]["publisher"]["connected"] is False
    assert body["degraded"][0].startswith("broker: publisher link down since ")


def test_a_broker_that_takes_the_connection_and_never_answers_is_reported_within_the_timeout(
        tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="central.mqtt")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
    try:
        app = _app(f"sqlite:///{tmp_path / 'c.db'}", clock, port=silent.getsockname()[1])
        with TestClient(app) as client:
            warning = wait_for("the warning", lambda: [r for r in caplog.records
                                                       if "no connection to the broker" in r.message],
                               timeout=4)
            status, body = _health(client)
    finally:
        silent.close()
    assert "for 1 s" in warning[0].message or "for 2 s" in warning[0].message  # not the 30 s keepalive
    assert status == 503 and "publisher link down" in body["degraded"][0]


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker of this test's own: it gets frozen."""
    server = Broker(tmp_path / "mosquitto").start()
    yield server
    assert server.process is not None
    server.process.send_signal(signal.SIGCONT)
    server.stop()


def test_a_frozen_broker_is_found_by_the_probe_and_its_return_too(
        tmp_path: Path, clock: Clock, own_broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="central.mqtt")
    with TestClient(_app(f"sqlite:///{tmp_path / 'c.db'}", clock, own_broker)) as client:
        wait_for("health ok", lambda: _health(client)[0] == 200, timeout=10)
        assert own_broker.process is not None
        own_broker.process.send_signal(signal.SIGSTOP)  # alive, connected, silent: a cut network does this
        lost = wait_for("the loss", lambda: [r for r in caplog.records if "has not answered" in r.message],
                        timeout=4)
        status, body = _health(client)
        assert status == 503 and "has not answered" in body["degraded"][0]
        assert "parking_central_broker_connected{link=\"publisher\"} 0.0" in client.get("/metrics").text
        own_broker.process.send_signal(signal.SIGCONT)
        wait_for("health ok again", lambda: _health(client)[0] == 200, timeout=10)
    assert lost[0].levelno == logging.WARNING


NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)


def _facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {"now": NOW, "database": None, "database_error": "down", "links": {},
                            "consumers": {}}
    return Facts(**{**base, **changes})


def test_ingest_lag_and_a_quiet_site_are_judged_against_their_limits() -> None:
    settings = HealthSettings(ingest_lag_max_s=60, last_message_max_age_s=300)
    lagging = _facts(consumers={"c1": (90.0, NOW - timedelta(seconds=5))},
                     links={"ingest": LinkState(True, NOW)})
    [ingest] = [c for c in judge(lagging, settings) if c.name == "ingest"]
    assert not ingest.ok and ingest.why == "c1: a message has waited 90 s to be stored (limit 60 s)"
    quiet = _facts(consumers={"c1": (0.0, NOW - timedelta(minutes=10))})
    [ingest] = [c for c in judge(quiet, settings) if c.name == "ingest"]
    assert ingest.why == "no message from any gate for 600 s (limit 300 s)"
    fine = _facts(consumers={"c1": (1.0, NOW - timedelta(seconds=20))})
    assert [c for c in judge(fine, settings) if c.name == "ingest"][0].ok
    # without a limit for quiet sites (the default), a quiet night is no fault
    assert [c for c in judge(quiet, HealthSettings()) if c.name == "ingest"][0].ok


def test_a_consumer_whose_database_is_away_shows_its_lag(tmp_path: Path, broker: Broker,
                                                         clock: Clock) -> None:
    """The consumer holds the message while the database is away; health sees it waiting."""
    url = f"sqlite:///{tmp_path / 'good.db'}"
    upgrade_to_head(url)
    settings = make_settings(url, broker, ingest={"group": "lag", "session_expiry_s": 0})
    good, away = db.Database(url), db.Database(f"sqlite:///{tmp_path / 'no-tables.db'}")  # away: all fail
    ingestor = Ingestor(away, settings.mqtt, settings.ingest, clock, client_id="ingest-lag")
    ingestor.start()
    gate = GateClient(broker, "lag", "g1")
    try:
        assert ingestor.mqtt.wait_connected(10)
        gate.publish(events_topic("lag", "g1"), event("lag", "g1", Direction.ENTRY, "沪A12345", clock.now))
        wait_for("the message held", lambda: ingestor.lag_s(clock() + timedelta(seconds=1)) > 0)
        clock.advance(minutes=2)
        runtime = Runtime(links=[ingestor.mqtt], consumers=[ingestor])
        checks = {c.name: c for c in judge(read_facts(good, runtime, clock()), HealthSettings())}
    finally:
        gate.close()
        ingestor.stop()
        away.dispose()
        good.dispose()
    assert not checks["ingest"].ok and "waited 120 s" in str(checks["ingest"].why)
    assert ingestor.stats.dead_letters == 0  # held, not dead-lettered

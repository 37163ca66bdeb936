"""TLS on both sides against a real Mosquitto TLS listener, with a CA made for the test.

The listener wants a client certificate from the test CA and a password. A gate
and the central service with their certificates connect and an event gets
through; a CA that did not sign the broker's certificate, an expired client
certificate, a plain connection to the TLS port and a certificate for another
host name are each refused with a sentence saying so: logged once, raised as
the gate's ``broker_refused`` alarm, retried with back-off, never a crash.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from central.core.config import MqttSettings
from central.errors import ConfigError
from central.mqtt import MqttClient, Subscription
from demo.brokers import mosquitto_installed
from edge import alarms as codes
from edge.alarms import Alarms
from edge.config import EdgeSettings, load_settings
from edge.link import GateLink, LinkHandlers
from shared import Direction, GateEvent, encode_message
from shared.topics import ALL_EVENTS, CENTRAL_USER, events_topic
from tests.central.support import event
from tests.support.mosquitto import Broker, TlsListener
from tests.support.tls import CertificateAuthority, Issued

pytestmark = pytest.mark.broker

GUARD_HASH = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$5dT4sKJ9Ihw2nlfcPA6nFzD2cFnF0ClpXK4cD1ymGXg"


@dataclass
class Pki:
    ca: CertificateAuthority
    other_ca: CertificateAuthority
    gate: Issued
    central: Issued
    expired: Issued


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority(folder / "ca")
    return Pki(ca, CertificateAuthority(folder / "other", "Someone else's CA"), ca.issue("gate.s1.g1"),
               ca.issue("central"), ca.issue("gate.s1.old", expired=True))


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Broker]:
    """Plain listener as usual, and a TLS one whose certificate names only ``localhost``."""
    if not mosquitto_installed():
        pytest.skip("mosquitto not installed")
    server_cert = pki.ca.issue("broker", server=True, hosts=("localhost",))
    server = Broker(tmp_path_factory.mktemp("tls-broker"), tls=TlsListener(pki.ca.cert, server_cert)).start()
    server.add_gate("s1", "g1")
    yield server
    server.stop()


def central_settings(broker: Broker, pki: Pki, **tls: Any) -> MqttSettings:
    assert broker.tls is not None
    options: dict[str, Any] = {"tls": True, "tls_ca_file": pki.ca.cert, "tls_cert_file": pki.central.cert,
                               "tls_key_file": pki.central.key, **tls}
    return MqttSettings(host=options.pop("host", "localhost"), port=options.pop("port", broker.tls.port),
                        password=broker.passwords[CENTRAL_USER], reconnect_min_s=1, reconnect_max_s=2,
                        **options)


def gate_settings(broker: Broker, pki: Pki, tmp_path: Path, url: str | None = None,
                  **tls: Any) -> EdgeSettings:
    assert broker.tls is not None
    files = {"tls_ca_file": str(pki.ca.cert), "tls_cert_file": str(pki.gate.cert),
             "tls_key_file": str(pki.gate.key), **tls}
    return load_settings(None, environment="development", site_id="s1", gate_id="g1",
                         data_dir=str(tmp_path / "gate"),
                         lanes=[{"name": "entry", "direction": "entry", "camera": str(tmp_path),
                                 "trigger": "every"}],
                         broker={"url": url or f"mqtts://localhost:{broker.tls.port}",
                                 "password": broker.passwords["gate.s1.g1"], "reconnect_min_s": 0.2,
                                 "reconnect_max_s": 1, **files},
                         public_keys={}, guard={"port": 0, "accounts": {"guard1": GUARD_HASH}})


@pytest.fixture
def start_link(tmp_path: Path) -> Iterator[Callable[[EdgeSettings], tuple[GateLink, Alarms]]]:
    links: list[GateLink] = []

    def start(settings: EdgeSettings) -> tuple[GateLink, Alarms]:
        alarms = Alarms()
        link = GateLink(settings, alarms, lambda: datetime.now(UTC), LinkHandlers())
        link.start()
        links.append(link)
        return link, alarms

    yield start
    for link in links:
        link.stop()


def wait_until(probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := probe():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def _failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "edge.link" and "cannot connect" in r.getMessage()]


def refusal(alarms: Alarms) -> str:
    """The detail of the gate's broker_refused alarm, once raised."""
    return str(wait_until(lambda: next((a.detail for a in alarms.active() if a.code == codes.BROKER_REFUSED),
                                       None)))


def test_gate_and_central_with_certificates_connect_and_an_event_gets_through(
        tls_broker: Broker, pki: Pki, tmp_path: Path,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    received: queue.Queue[paho.MQTTMessage] = queue.Queue()
    central = MqttClient(central_settings(tls_broker, pki), "central-tls",
                         subscriptions=[Subscription(ALL_EVENTS)], on_message=lambda m, g: received.put(m))
    central.start()
    assert central.wait_connected(10), central.last_refusal
    link, alarms = start_link(gate_settings(tls_broker, pki, tmp_path))
    assert link.wait_connected(10)
    sent = event("s1", "g1", Direction.ENTRY, "沪A12345", datetime.now(UTC))
    assert link.publish(events_topic("s1", "g1"), encode_message(sent)) is not None
    message = received.get(timeout=10)
    assert GateEvent.model_validate_json(message.payload).event_id == sent.event_id
    assert alarms.active() == [] and central.last_refusal is None
    central.stop()


def test_a_ca_that_did_not_sign_the_broker_is_refused_clearly(
        tls_broker: Broker, pki: Pki, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    caplog.set_level(logging.DEBUG)
    link, alarms = start_link(gate_settings(tls_broker, pki, tmp_path, tls_ca_file=str(pki.other_ca.cert)))
    assert "broker's certificate was refused" in refusal(alarms)
    attempts = wait_until(lambda: len(failures := _failures(caplog)) >= 3 and failures)
    assert not link.connected
    errors = [r for r in attempts if r.levelno == logging.ERROR]
    assert len(errors) == 1, "each attempt logged again: a log flood, not one clear line"
    assert "self-signed certificate" in errors[0].getMessage()

    central = MqttClient(central_settings(tls_broker, pki, tls_ca_file=pki.other_ca.cert), "central-ca")
    central.start()
    wait_until(lambda: central.last_refusal)
    assert "broker's certificate was refused" in str(central.last_refusal) and not central.connected
    central.stop()


def test_an_expired_client_certificate_is_refused_and_named(
        tls_broker: Broker, pki: Pki, tmp_path: Path,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    link, alarms = start_link(gate_settings(tls_broker, pki, tmp_path, tls_cert_file=str(pki.expired.cert),
                                            tls_key_file=str(pki.expired.key)))
    detail = refusal(alarms)
    assert "refused our client certificate" in detail and "expired on" in detail
    assert not link.connected


def test_a_plain_connection_to_the_tls_port_is_refused_clearly(
        tls_broker: Broker, pki: Pki, tmp_path: Path,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    assert tls_broker.tls is not None
    plain = gate_settings(tls_broker, pki, tmp_path, url=f"mqtt://localhost:{tls_broker.tls.port}",
                          tls_ca_file=None, tls_cert_file=None, tls_key_file=None)
    link, alarms = start_link(plain)
    assert "is this a TLS port?" in refusal(alarms)
    central = MqttClient(central_settings(tls_broker, pki, tls=False, tls_ca_file=None, tls_cert_file=None,
                                          tls_key_file=None), "central-plain")
    central.start()
    assert "is this a TLS port?" in str(wait_until(lambda: central.last_refusal))
    central.stop()


def test_the_broker_certificate_must_name_the_host_unless_told_otherwise(
        tls_broker: Broker, pki: Pki, tmp_path: Path,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    assert tls_broker.tls is not None
    by_ip = f"mqtts://127.0.0.1:{tls_broker.tls.port}"  # the certificate names only localhost
    _, alarms = start_link(gate_settings(tls_broker, pki, tmp_path, url=by_ip))
    assert "not valid for '127.0.0.1'" in refusal(alarms)
    link, alarms = start_link(gate_settings(tls_broker, pki, tmp_path / "b", url=by_ip,
                                            tls_check_hostname=False))
    assert link.wait_connected(10) and alarms.active() == []


def test_a_missing_certificate_file_stops_the_start_naming_the_setting(pki: Pki, tmp_path: Path) -> None:
    from central.core.config import load_settings as central_load

    with pytest.raises(ConfigError, match=r"tls_cert_file: cannot use .*nowhere.crt"):
        central_load(None, mqtt={"tls": True, "tls_ca_file": str(pki.ca.cert),
                                 "tls_cert_file": str(tmp_path / "nowhere.crt"),
                                 "tls_key_file": str(pki.gate.key)})


def test_a_broker_that_is_down_is_logged_once_and_left_to_the_unreachable_delay(
        tls_broker: Broker, pki: Pki, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        start_link: Callable[[EdgeSettings], tuple[GateLink, Alarms]]) -> None:
    """Nothing listening is not a set-up fault: no broker_refused on the guard page for a restart."""
    from demo.brokers import free_port

    caplog.set_level(logging.DEBUG)
    down = gate_settings(tls_broker, pki, tmp_path, url=f"mqtt://127.0.0.1:{free_port()}",
                         tls_ca_file=None, tls_cert_file=None, tls_key_file=None)
    link, alarms = start_link(down)
    attempts = wait_until(lambda: len(failures := _failures(caplog)) >= 2 and failures)
    assert "nothing listens" in attempts[0].getMessage() and attempts[0].levelno == logging.WARNING
    assert [r.levelno for r in attempts[1:]] == [logging.DEBUG] * (len(attempts) - 1)
    assert codes.BROKER_REFUSED not in alarms.codes() and not link.connected

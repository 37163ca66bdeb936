"""Refusals of the running system, and no secret in any log line.

Covered elsewhere and not repeated here: anonymous and wrong-password broker
logins (tests/test_infra.py), a gate publishing under another gate's topic
refused with 0x87 and alarmed (tests/edge/test_outbox_broker.py), forged and
expired bundles at the gate over MQTT (same file) and at unit level
(tests/shared/test_signing.py), the guard page's CSRF and lockout in-process
(tests/edge/guard/test_api.py). Here: a rolled-back bundle replayed at a
running gate, and the refusals and lockout of the real processes, which run
at DEBUG with production settings while every log is kept for the secrets check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from shared import SignedBundle
from shared.topics import contracts_topic
from tests.e2e.stack import GUARD_PASSWORD, SITE, Central, Gate, wait_for
from tests.support.mosquitto import Broker

pytestmark = [pytest.mark.broker, pytest.mark.slow]


class BundleRecorder:
    """Someone with write access to the contracts topic who kept every bundle the central service sent."""

    def __init__(self, broker: Broker) -> None:
        self.bundles: dict[int, bytes] = {}
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="e2e-recorder", protocol=mqtt.MQTTv5)
        self.client.username_pw_set("admin", broker.passwords["admin"])
        self.client.on_connect = lambda c, *_: c.subscribe(contracts_topic(SITE), qos=1)
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._keep
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self._subscribed.wait(10)

    def _keep(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        payload = bytes(message.payload)
        self.bundles[int(SignedBundle.model_validate_json(payload).bundle["sequence"])] = payload

    def replay(self, sequence: int) -> None:
        info = self.client.publish(contracts_topic(SITE), self.bundles[sequence], qos=1, retain=True)
        info.wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_refusals_of_the_running_system_and_no_secret_in_any_log(
        e2e_broker: Broker, make_central: Callable[..., Central], make_gate: Callable[..., Gate]) -> None:
    recorder = BundleRecorder(e2e_broker)
    central = make_central(log_level="DEBUG").start()
    central.seed_site()
    wait_for("bundle 1 seen on the topic", lambda: 1 in recorder.bundles)
    central.sign("沪A12345")
    gate = make_gate(central, verbose=True, guard_accounts=("guard1", "guard2"))
    gate.show("entry", "02.jpg")  # 京C55555, no contract: denied whatever the gate holds
    gate.start()
    gate.wait_for_bundle(2)
    denied = wait_for("the denied read at central", central.events, timeout=60,
                      alive=gate.process.check_alive)[0]
    assert denied["outcome"] == "deny"

    # A captured, validly signed, older bundle replayed on the retained topic: a rollback.
    wait_for("bundle 2 seen on the topic", lambda: 2 in recorder.bundles)
    recorder.replay(1)
    recorder.close()
    with gate.guard("guard2") as guard:
        assert guard.login().status_code == 200
        alarm = wait_for("the gate refusing the rollback",
                         lambda: [a for a in guard.state()["alarms"] if a["code"] == "bundle_rejected"])[0]
        assert "lower than 2" in alarm["detail"]
        assert guard.state()["bundle_sequence"] == 2
        opened = guard.act(denied["event_id"], "open", {"reason": "visitor", "comment": "room 301"})
        assert opened.status_code == 200, opened.text
    assert gate.explain("沪A12345")["bundle_sequence"] == 2
    wait_for("the gate's alarm shown at central",
             lambda: "bundle_rejected" in central.get("/gates", site_id=SITE)[0]["alarms"])
    wait_for("the guard's opening at central", lambda: len(central.events()) == 2)

    # Central API: no token, a made-up token.
    with central.client(token="") as anonymous:
        assert anonymous.get("/events").status_code == 401
        assert anonymous.post("/contracts", json={}).status_code == 401
        assert anonymous.get("/dead-letters/count", headers={"Authorization": "Bearer pc_madeup"}
                             ).status_code == 401
    # Guard page: no login, no CSRF token, then a lockout of guard1 that even the right password meets.
    with httpx.Client(base_url=gate.guard_url) as client:
        assert client.get("/api/state").status_code == 401
        csrf = client.get("/api/session").json()["csrf"]
        url = f"/api/reads/{denied['event_id']}/open"
        assert client.post(url, json={"reason": "visitor"}, headers={"X-CSRF-Token": csrf}).status_code == 401
        assert client.post(url, json={"reason": "visitor"}).status_code == 401  # nor without CSRF
    with gate.guard("guard1") as guard:
        assert [guard.login("wrong-password").status_code for _ in range(3)] == [401, 401, 401]
        assert guard.login(GUARD_PASSWORD).status_code == 423
    assert len(central.events()) == 2  # nothing the refused requests asked for happened

    assert gate.stop() == 0
    central.stop()
    e2e_broker.stop()
    logs = {path: path.read_text(errors="replace") for path in _logs(central, gate, e2e_broker)}
    # the logs cover the moments that handle secrets: logins, the refused bundle, the guard's action
    assert "bundle refused" in logs[gate.process.log] and "connected to broker" in logs[gate.process.log]
    assert "Application startup complete" in logs[central.process.log]
    secrets = {f"broker password of {user}": password for user, password in e2e_broker.passwords.items()}
    secrets |= {"signing key": central.signing_key, "API token": central.token,
                "guard password": GUARD_PASSWORD, "guard session secret": gate.session_secret,
                "plate hash salt": gate.hash_salt}
    leaks = [f"{name} in {path.name}" for path, text in logs.items() for name, secret in secrets.items()
             if secret in text]
    assert leaks == []


def _logs(central: Central, gate: Gate, broker: Broker) -> list[Path]:
    paths = [central.process.log, central.workdir / "create-token.err", gate.process.log,
             broker.workdir / "mosquitto.log"]
    assert all(p.exists() for p in paths)
    return paths

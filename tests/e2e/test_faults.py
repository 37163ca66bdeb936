"""Faults around the running system: broker restarts, killed gates, central away, garbage, skewed clocks.

The gates here are ``tests.e2e.gate_driver`` processes: the real agent (decision,
store, outbox, relay, heartbeats) with a scripted camera and reader, so that a
thousand passages take seconds. The central service is ``parking-central serve``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from shared import Direction, GateEvent, Outcome, Reason, encode_message
from shared.topics import events_topic
from tests.e2e.stack import SITE, Central, Gate, wait_for
from tests.support.mosquitto import Broker

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _central_event_ids(central: Central) -> set[str]:
    path = central.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return {str(uuid.UUID(str(eid))) for (eid,) in conn.execute("SELECT event_id FROM gate_events")}


def test_a_thousand_events_survive_five_broker_restarts_and_two_gate_kills(
        e2e_broker: Broker, make_central: Callable[..., Central], make_gate: Callable[..., Gate]) -> None:
    central = make_central().start()
    central.seed_site()
    # an event the broker takes while the central service's subscription is gone (PUBACK 0x10, right
    # after a restart) is kept and sent again this soon
    gate = make_gate(central, overrides={"broker": {"retry_refused_s": 0.5}})
    gate.drive("--total", "1000", "--pace-s", "0.015").start()
    # (events recorded at the gate, what happens then): spread over the whole run
    faults = [(80, "broker"), (200, "broker"), (330, "kill"), (450, "broker"), (600, "broker"),
              (700, "kill"), (850, "broker")]
    for threshold, fault in faults:
        wait_for(f"{threshold} events at the gate", lambda t=threshold: len(gate.recorded()) >= t,
                 timeout=60, alive=gate.process.check_alive)
        if fault == "broker":
            e2e_broker.restart()
        else:
            gate.process.kill()  # the process that owns the outbox, mid-traffic
            gate.start()
    wait_for("1000 events at the gate", lambda: len(gate.recorded()) == 1000, timeout=60,
             alive=gate.process.check_alive)
    at_gate = {e["event_id"] for e in gate.recorded()}
    assert len(at_gate) == 1000
    wait_for("every event at central", lambda: _central_event_ids(central) >= at_gate, timeout=60,
             alive=central.process.check_alive)
    assert _central_event_ids(central) == at_gate  # exactly these 1000, each once
    wait_for("the gate's outbox drained", lambda: all(e["delivered"] for e in gate.recorded()))
    driver_log = gate.process.log.read_text()
    assert driver_log.count("to go") == 3  # started three times: the kills did happen


def test_gates_decide_from_their_cache_while_central_is_down_and_catch_up(
        make_central: Callable[..., Central], make_gate: Callable[..., Gate], tmp_path: Path) -> None:
    central = make_central().start()
    central.seed_site()
    contract = central.sign("沪A12345")
    go = tmp_path / "go"
    gate = make_gate(central).drive("--plates", "沪A12345,京C55555", "--total", "2", "--go-file", str(go))
    gate.start().wait_for_bundle(2)

    central.stop()
    go.touch()  # two cars arrive while the central service is down
    recorded = wait_for("both decided and handed to the broker",
                        lambda: len(r := gate.recorded()) == 2 and all(e["delivered"] for e in r) and r,
                        alive=gate.process.check_alive)
    decided = {e["plate"]: (e["outcome"], e["reason"], e["contract_id"]) for e in recorded}
    assert decided == {"沪A12345": ("open", "contract_ok", contract["id"]),
                       "京C55555": ("deny", "no_contract", None)}

    central.start()
    events = wait_for("the events at central after its return", lambda: len(e := central.events()) == 2 and e,
                      alive=central.process.check_alive)
    assert {e["event_id"] for e in events} == {e["event_id"] for e in recorded}
    stay = wait_for("the stay", central.stays)[0]
    assert (stay["plate"], stay["status"], stay["contract_id"]) == ("沪A12345", "open", contract["id"])


def _malformed(n: int) -> bytes:
    """Ten kinds of broken payload, in turn."""
    good = json.loads(encode_message(GateEvent(
        event_id=uuid.uuid4(), site_id=SITE, gate_id="g1", direction=Direction.ENTRY, plate_read="沪A12345",
        plate="沪A12345", confidence=0.99, outcome=Outcome.OPEN, reason=Reason.CONTRACT_OK,
        at=datetime.now(UTC))))
    kind = n % 10
    broken = {
        0: lambda: b"not json at all %d" % n,
        1: lambda: b"\xff\xfe\x00" + n.to_bytes(4, "big"),
        2: lambda: b"[1, 2, 3]",
        3: lambda: json.dumps({**good, "confidence": 1.5}).encode(),
        4: lambda: json.dumps({**good, "site_id": "another-site"}).encode(),
        5: lambda: json.dumps({**good, "at": "2025-10-15T20:00:00"}).encode(),  # naive time
        6: lambda: json.dumps({k: v for k, v in good.items() if k != "event_id"}).encode(),
        7: lambda: b"[" * 5000 + b"]" * 5000,
        8: lambda: json.dumps({**good, "direction": "sideways"}).encode(),
        9: lambda: json.dumps({**good, "v": 99, "pad": "x" * (300 * 1024 if n % 1000 == 9 else 10)}).encode(),
    }
    return broken[kind]()


def test_ten_thousand_malformed_payloads_are_dead_lettered_and_ingest_goes_on(
        e2e_broker: Broker, make_central: Callable[..., Central]) -> None:
    central = make_central().start()
    central.seed_site()
    user, password = e2e_broker.add_gate(SITE, "g1")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="e2e-garbage", protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)
    client.max_inflight_messages_set(500)
    client.connect("127.0.0.1", e2e_broker.port)
    client.loop_start()
    try:
        topic = events_topic(SITE, "g1")
        sent = [client.publish(topic, _malformed(n), qos=1) for n in range(10_000)]
        for info in sent:
            info.wait_for_publish(30)
        wait_for("10,000 dead letters", lambda: central.get("/dead-letters/count")["count"] == 10_000,
                 timeout=90, alive=central.process.check_alive)
        assert central.events() == []
        valid = GateEvent(event_id=uuid.uuid4(), site_id=SITE, gate_id="g1", direction=Direction.ENTRY,
                          plate_read="沪A12345", plate="沪A12345", confidence=0.99, outcome=Outcome.DENY,
                          reason=Reason.NO_CONTRACT, at=datetime.now(UTC))
        client.publish(topic, encode_message(valid), qos=1).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
    events = wait_for("the valid event after the garbage", central.events, alive=central.process.check_alive)
    assert [e["event_id"] for e in events] == [str(valid.event_id)]
    assert central.get("/dead-letters/count")["count"] == 10_000


def test_stays_use_the_gates_clock_and_a_skew_beyond_the_limit_raises_an_alarm(
        make_central: Callable[..., Central], make_gate: Callable[..., Gate], tmp_path: Path) -> None:
    central = make_central(ingest={"clock_skew_limit_s": 60}).start()
    central.seed_site(gates=("g1", "g2"))
    central.sign("沪A12345", "Li")
    central.sign("沪B67890", "Wang")
    go = tmp_path / "go"
    fast = make_gate(central, "g1").drive("--plates", "沪A12345", "--total", "1", "--skew-s", "600",
                                          "--go-file", str(go)).start()
    close = make_gate(central, "g2").drive("--plates", "沪B67890", "--total", "1", "--skew-s", "20",
                                           "--go-file", str(go)).start()
    fast.wait_for_bundle(3)
    close.wait_for_bundle(3)
    go.touch()

    def open_alarms() -> list[tuple[str, str]]:
        return [(a["gate_id"], a["kind"]) for a in central.get("/alarms", site_id=SITE)]

    # stale_bundle alarms come and go while the gates catch up with bundle 3; clock_skew stays
    wait_for("only the clock-skew alarm of g1", lambda: open_alarms() == [("g1", "clock_skew")],
             alive=fast.process.check_alive)
    gates = {g["gate_id"]: g for g in central.get("/gates", site_id=SITE)}
    assert 590 <= gates["g1"]["clock_skew_s"] <= 610 and gates["g2"]["clock_skew_s"] <= 30

    stays = wait_for("both stays", lambda: len(s := central.stays()) == 2 and s)
    events = {e["event_id"]: e for e in central.events()}
    for stay in stays:
        entry = events[stay["entry_event_id"]]
        assert stay["entered_at"] == entry["at"]  # the gate's time, not the time it reached us
        ahead = (datetime.fromisoformat(entry["at"]) - datetime.fromisoformat(entry["received_at"]))
        expected = 600 if stay["plate"] == "沪A12345" else 20
        assert abs(ahead - timedelta(seconds=expected)) < timedelta(seconds=10)
    ever = central.get("/alarms", site_id=SITE, open_only=False)
    assert [a["gate_id"] for a in ever if a["kind"] == "clock_skew"] == ["g1"]  # 20 s is within the limit

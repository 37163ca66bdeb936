"""Settings, store, barrier drivers and explain, without a broker."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import numpy as np
import pytest

from edge.agent import Agent
from edge.alarms import Alarms
from edge.barrier import HttpRelayBarrier, SimulatedBarrier
from edge.bundles import BundleKeeper
from edge.cli import main
from edge.config import load_settings
from edge.errors import BarrierError, ConfigError
from edge.gate import Gate, VehicleRead
from edge.reader import MissingWeightsError, PlateRead, Verdict
from edge.snapshots import Snapshots
from edge.store import Store
from shared import GateEvent, Outcome, Reason, generate_private_key, public_key_from_text, public_key_to_text
from tests.edge.conftest import WEDNESDAY_EVENING, guard_hash, signed
from tests.edge.doubles import ScriptedReader, vehicles

KEY = generate_private_key()
KEYS = {"k1": public_key_to_text(KEY.public_key())}


def settings_data(tmp_path: Path, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "environment": "development", "site_id": "s1", "gate_id": "g1", "data_dir": str(tmp_path / "gate"),
        "lanes": [{"name": "entry", "direction": "entry", "camera": "0"},
                  {"name": "exit", "direction": "exit", "camera": "1"}],
        "public_keys": KEYS, "guard": {"accounts": {"guard1": guard_hash()}},
    }
    return {**data, **overrides}


@pytest.mark.parametrize(("override", "field"), [
    ({"site_id": "Bad Site"}, "site_id"),
    ({"broker": {"url": "http://x"}}, "broker.url"),
    ({"reader": {"min_confidence": 1.5}}, "reader.min_confidence"),
    ({"guard": {"accounts": {"g": "plain-password"}}}, "guard.accounts"),
    ({"public_keys": {"k1": "not-a-key"}}, "public_keys"),
    ({"lanes": []}, "lanes"),
    ({"surprise": 1}, "surprise"),
])
def test_wrong_values_are_refused_naming_the_field(tmp_path: Path, override: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, **override))
    assert error.value.field == field


def test_dev_secrets_refused_in_production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="guard.session_secret"):
        load_settings(None, **settings_data(tmp_path, environment="production"))
    monkeypatch.setenv("PARKING_EDGE_GUARD__SESSION_SECRET", "a-long-enough-session-secret")
    monkeypatch.setenv("PARKING_EDGE_RETENTION__HASH_SALT", "a-long-enough-plate-salt")
    settings = load_settings(None, **settings_data(tmp_path, environment="production"))
    assert settings.session_secret() == "a-long-enough-session-secret"


def test_example_and_dev_configs_load(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert load_settings(repo / "config" / "edge.yaml").environment == "development"
    monkeypatch.setenv("PARKING_EDGE_PUBLIC_KEYS", json.dumps({"prod-1": KEYS["k1"]}))
    monkeypatch.setenv("PARKING_EDGE_GUARD__SESSION_SECRET", "a-long-enough-session-secret")
    monkeypatch.setenv("PARKING_EDGE_RETENTION__HASH_SALT", "a-long-enough-plate-salt")
    monkeypatch.setenv("PARKING_EDGE_GUARD__ACCOUNTS", json.dumps({"guard1": guard_hash()}))
    assert load_settings(repo / "config" / "edge.example.yaml").gate_id == "north"


def _event(plate: str | None, contract_id: str | None = None, at: datetime = WEDNESDAY_EVENING) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="s1", gate_id="g1", direction="entry", plate=plate,
                     plate_read=plate or "", confidence=0.99, outcome=Outcome.DENY, reason=Reason.NO_CONTRACT,
                     contract_id=contract_id, at=at)


def test_pending_events_are_settled_after_a_crash_and_plates_hashed_later(tmp_path: Path) -> None:
    store = Store(tmp_path / "gate.db")
    unknown, contracted = _event("沪B99999"), _event("沪A12345", "c1")
    store.record(unknown, "entry")
    store.record(contracted, "entry")
    assert store.undelivered(10, set(), WEDNESDAY_EVENING) == []  # not settled: not sent yet
    store.close()
    store = Store(tmp_path / "gate.db")  # the "restart"
    assert store.release_pending() == 2
    assert len(store.undelivered(10, set(), WEDNESDAY_EVENING)) == 2
    later = WEDNESDAY_EVENING + timedelta(hours=25)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 0  # undelivered rows keep plates
    store.mark_delivered([str(unknown.event_id), str(contracted.event_id)], later)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 1
    assert store.event(str(unknown.event_id)).data["plate"].startswith("h:")  # type: ignore[union-attr]
    assert store.event(str(contracted.event_id)).data["plate"] == "沪A12345"  # type: ignore[union-attr]


def test_barrier_fault_turns_the_opening_into_a_review(tmp_path: Path) -> None:
    settings = load_settings(None, **settings_data(tmp_path))
    store = Store(settings.data_dir / "gate.db")
    keys = {"k1": public_key_from_text(KEYS["k1"])}
    alarms = Alarms()
    bundles = BundleKeeper("s1", store, keys, alarms, lambda: WEDNESDAY_EVENING, timedelta(hours=1))
    assert bundles.offer(signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    gate = Gate(settings, store, bundles, SimulatedBarrier(fail=True), Snapshots(tmp_path / "s", store),
                alarms, lambda: WEDNESDAY_EVENING)
    event = gate.pass_vehicle(settings.lanes[0], VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.AGREED))
    assert (event.outcome, event.reason) == (Outcome.REVIEW, Reason.BARRIER_FAULT)
    assert store.event(str(event.event_id)).data["reason"] == "barrier_fault"  # type: ignore[union-attr]
    assert store.inside() == {}  # the car did not get in
    assert "barrier_fault:entry" in alarms.codes()


class _SlowBarrier(SimulatedBarrier):
    def open(self, lane: str, decision_ref: str) -> None:
        time.sleep(0.2)  # a real relay takes a moment: the window in which a second lane could decide
        super().open(lane, decision_ref)


def test_two_entry_lanes_cannot_both_admit_one_plate(tmp_path: Path) -> None:
    lanes = [{"name": "entry-1", "direction": "entry", "camera": "0"},
             {"name": "entry-2", "direction": "entry", "camera": "1"}]
    settings = load_settings(None, **settings_data(tmp_path, lanes=lanes))
    store = Store(settings.data_dir / "gate.db")
    alarms = Alarms()
    bundles = BundleKeeper("s1", store, {"k1": public_key_from_text(KEYS["k1"])}, alarms,
                           lambda: WEDNESDAY_EVENING, timedelta(hours=1))
    assert bundles.offer(signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    gate = Gate(settings, store, bundles, _SlowBarrier(), Snapshots(tmp_path / "s", store), alarms,
                lambda: WEDNESDAY_EVENING)
    read = VehicleRead("沪A12345", 0.99, "沪A12345", Verdict.AGREED)
    with ThreadPoolExecutor(2) as pool:
        events = list(pool.map(lambda lane: gate.pass_vehicle(lane, read), settings.lanes))
    assert sorted((e.outcome, e.reason) for e in events) == [
        (Outcome.OPEN, Reason.CONTRACT_OK), (Outcome.REVIEW, Reason.ALREADY_INSIDE)]
    store.close()


def test_http_relay_posts_the_pulse_and_reports_failures() -> None:
    seen: list[httpx.Request] = []

    def relay(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if request.url.path == "/ok" else 500)

    barrier = HttpRelayBarrier({"entry": "http://relay/ok", "exit": "http://relay/broken"}, 700, 1.0,
                               token="t0ken", transport=httpx.MockTransport(relay))
    barrier.open("entry", "ref-1")
    assert json.loads(seen[0].content) == {"lane": "entry", "pulse_ms": 700, "ref": "ref-1"}
    assert seen[0].headers["Authorization"] == "Bearer t0ken"
    with pytest.raises(BarrierError, match="HTTP 500"):
        barrier.open("exit", "ref-2")
    with pytest.raises(BarrierError, match="no relay URL"):
        barrier.open("side", "ref-3")


def test_explain_from_the_gates_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    data = settings_data(tmp_path)
    store = Store(tmp_path / "gate" / "gate.db")
    keys = {"k1": public_key_from_text(KEYS["k1"])}
    BundleKeeper("s1", store, keys, Alarms(), lambda: WEDNESDAY_EVENING, timedelta(0)).offer(
        signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    store.close()
    config = tmp_path / "edge.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    at = WEDNESDAY_EVENING.isoformat()
    assert main(["explain", "--config", str(config), "--plate", "沪a12345", "--at", at, "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (result["outcome"], result["reason"], result["contract_id"]) == ("open", "contract_ok", "c1")
    morning = datetime(2025, 10, 16, 4, 0, tzinfo=UTC).isoformat()  # 12:00 in Shanghai
    assert main(["explain", "--config", str(config), "--plate", "沪A12345", "--at", morning]) == 0
    assert "outside_window" in capsys.readouterr().out
    assert main(["explain", "--config", str(config), "--plate", "nonsense"]) == 2


class _FaultOnFirstFrame(ScriptedReader):
    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        if int(frame[0, 0, 0]) == 0:
            raise RuntimeError("onnxruntime: bad input")
        return super().read_frame(frame)


def test_a_failing_vehicle_raises_an_alarm_and_the_lane_goes_on(tmp_path: Path) -> None:
    settings = load_settings(None, **settings_data(tmp_path))
    exit_lane = settings.lanes[1]
    reader = _FaultOnFirstFrame(["沪A12345", "沪B67890"])
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING, reader=reader,
                  vehicles={exit_lane.name: list(vehicles(2))})
    try:
        agent._lane_loop(exit_lane)
        assert [r.data["plate"] for r in agent.store.recent_events(10)] == ["沪B67890"]  # the next car left
        assert "reader_fault:exit" not in agent.alarms.codes()  # cleared by the vehicle that passed
    finally:
        agent.store.close()


class _NoWeights(ScriptedReader):
    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        raise MissingWeightsError("english_g2.pth", Path("/models"))


def test_a_reader_without_weights_still_lets_cars_out_and_opens_no_entry(tmp_path: Path) -> None:
    settings = load_settings(None, **settings_data(tmp_path))
    entry_lane, exit_lane = settings.lanes
    agent = Agent(settings, clock=lambda: WEDNESDAY_EVENING, reader=_NoWeights([]),
                  vehicles={entry_lane.name: list(vehicles(1)), exit_lane.name: list(vehicles(1))})
    try:
        agent._lane_loop(exit_lane)
        agent._lane_loop(entry_lane)
        got = [(r.data["direction"], r.data["outcome"], r.data["reason"])
               for r in agent.store.recent_events(10)]
        # an unread entry never opens (here no bundle is held either); the exit opens all the same
        assert got == [("entry", "deny", "no_bundle"), ("exit", "open", "exit")]
        assert agent.barrier.commands[0].lane == exit_lane.name  # type: ignore[attr-defined]
        assert "reader_fault:entry" in agent.alarms.codes()
    finally:
        agent.store.close()


def test_a_refused_url_is_shown_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, broker={"url": "mqtt://gate:hunter2-pass@host/x"}))
    assert error.value.field == "broker.url"
    assert "hunter2" not in str(error.value)


def test_guessed_account_names_do_not_grow_the_lockout_table() -> None:
    from argon2 import PasswordHasher

    from edge.guard.security import Accounts

    now = datetime(2026, 11, 24, tzinfo=UTC)
    accounts = Accounts({"guard1": PasswordHasher().hash("right")}, max_failures=3,
                        lockout=timedelta(minutes=15), clock=lambda: now)
    for n in range(20):  # each check costs an argon2 verification (~0.1 s)
        assert not accounts.check(f"nobody{n}", "x")
        assert not accounts.locked(f"nobody{n}")
    assert len(accounts._failures) == 0
    for _ in range(3):
        assert not accounts.check("guard1", "wrong")
    assert accounts.locked("guard1") and len(accounts._failures) == 1

"""``parking-edge explain``: the gate's own decision for a plate, from its store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import yaml

from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.cli import main
from edge.explain import site_moment
from edge.store import Store
from shared import (
    BlacklistEntry,
    Direction,
    GateEvent,
    Outcome,
    OwnVehicle,
    Reason,
    public_key_from_text,
    sign_bundle,
)
from tests.edge.conftest import KEY, KEYS, WEDNESDAY_EVENING, settings_data, signed
from tests.shared.factories import bundle, contract


def test_explain_from_the_gates_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
    assert main(["explain", "--config", str(config), "--plate", "沪A12346", "--at", at]) == 0
    assert "near miss: 沪A12345 (contract c1)" in capsys.readouterr().out
    assert main(["explain", "--config", str(config), "--plate", "nonsense"]) == 2


def _gate_with(tmp_path: Path, payload: bytes, inside: tuple[GateEvent, ...] = ()) -> Path:
    """A gate's store holding ``payload`` (verified) and the vehicles ``inside``; its config file."""
    store = Store(tmp_path / "gate" / "gate.db")
    keys = {"k1": public_key_from_text(KEYS["k1"])}
    assert BundleKeeper("s1", store, keys, Alarms(), lambda: WEDNESDAY_EVENING, timedelta(0)).offer(payload)
    for event in inside:
        store.record(event, "entry")
        store.settle(event)
    store.close()
    config = tmp_path / "edge.yaml"
    config.write_text(yaml.safe_dump(settings_data(tmp_path), allow_unicode=True), encoding="utf-8")
    return config


def _explain(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["explain", "--config", str(config), *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return result


def test_a_time_without_offset_is_the_sites_and_times_print_in_the_sites_zone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _gate_with(tmp_path, signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    evening = _explain(config, capsys, "--plate", "沪A12345", "--at", "2025-10-15T20:00")
    assert (evening["at"], evening["site_timezone"]) == ("2025-10-15T20:00:00+08:00", "Asia/Shanghai")
    assert (evening["outcome"], evening["deadline"]) == ("open", "2025-10-16T07:30:00+08:00")
    noon = _explain(config, capsys, "--plate", "沪A12345", "--at", "2025-10-16 12:00")
    assert (noon["at"], noon["reason"]) == ("2025-10-16T12:00:00+08:00", "outside_window")
    utc = _explain(config, capsys, "--plate", "沪A12345", "--at", "2025-10-16T12:00+00:00")  # 20:00 local
    assert (utc["at"], utc["reason"]) == ("2025-10-16T20:00:00+08:00", "contract_ok")
    today = _explain(config, capsys, "--plate", "沪A12345", "--at", "12:00")  # today, on the site's clock
    assert today["at"].endswith("T12:00:00+08:00")


def test_site_moment_reads_a_time_of_day_as_today_in_the_sites_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    late = datetime(2025, 10, 15, 17, 0, tzinfo=UTC)  # already 16 October, 01:00, in Shanghai
    assert site_moment(time(12, 0), shanghai, late) == datetime(2025, 10, 16, 12, 0, tzinfo=shanghai)
    naive = datetime(2025, 10, 15, 20, 0)
    assert site_moment(naive, shanghai, late) == datetime(2025, 10, 15, 12, 0, tzinfo=UTC)
    assert site_moment(None, shanghai, late) == late


def test_a_bad_time_is_refused_naming_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _gate_with(tmp_path, signed(KEY, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "--config", str(config), "--plate", "沪A12345", "--at", "tonight"])
    assert exit_.value.code == 2
    assert "--at" in capsys.readouterr().err


def _entered(plate: str, contract_id: str | None) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="s1", gate_id="g1", direction=Direction.ENTRY, plate=plate,
                     plate_read=plate, confidence=0.99, outcome=Outcome.OPEN, reason=Reason.CONTRACT_OK,
                     contract_id=contract_id, at=WEDNESDAY_EVENING - timedelta(minutes=30))


def test_explain_shows_own_vehicle_blacklist_and_contract_in_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = bundle((contract(("沪A12345", "沪B22222")),), issued_at=WEDNESDAY_EVENING - timedelta(hours=1),
                   own_vehicles=(OwnVehicle(plate="沪C00001", holder="张主任"),),
                   blacklist=(BlacklistEntry(plate="沪D66666", reason="多次超时未离场"),))
    config = _gate_with(tmp_path, sign_bundle(rules, KEY).to_bytes(), (_entered("沪A12345", "c1"),))
    at = "2025-10-15T20:00"
    own = _explain(config, capsys, "--plate", "沪C00001", "--at", at)
    assert (own["outcome"], own["reason"], own["reason_zh"]) == ("open", "own_vehicle", "本单位车辆")
    assert own["own_vehicle"] == {"holder": "张主任", "windows": []} and own["deadline"] is None
    barred = _explain(config, capsys, "--plate", "沪D66666", "--at", at)
    assert (barred["outcome"], barred["reason"]) == ("deny", "blacklisted")
    assert barred["detail"] == "多次超时未离场"
    assert barred["blacklist"] == {"reason": "多次超时未离场", "until": None}
    in_use = _explain(config, capsys, "--plate", "沪B22222", "--at", at)
    assert (in_use["outcome"], in_use["reason"], in_use["contract_id"]) == ("deny", "contract_in_use", "c1")
    assert (in_use["detail"], in_use["reason_zh"]) == ("沪A12345", "该合约已有车辆在场")
    assert main(["explain", "--config", str(config), "--plate", "沪D66666", "--at", at]) == 0
    text = capsys.readouterr().out
    assert "blacklisted (黑名单车辆 / blacklisted vehicle)" in text
    assert "blacklisted: 多次超时未离场 (until lifted)" in text
    assert main(["explain", "--config", str(config), "--plate", "沪C00001", "--at", at]) == 0
    assert "own vehicle: 张主任 (any time)" in capsys.readouterr().out

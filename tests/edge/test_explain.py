"""``parking-edge explain``: the gate's own decision for a plate, from its store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.cli import main
from edge.store import Store
from shared import public_key_from_text
from tests.edge.conftest import KEY, KEYS, WEDNESDAY_EVENING, settings_data, signed


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

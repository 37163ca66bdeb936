"""``parking-edge run``: a gate that cannot read plates does not start."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
import yaml

from edge.cli import main
from tests.edge.conftest import settings_data


def test_run_stops_at_start_with_a_clear_message_when_the_model_is_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = settings_data(tmp_path, guard={"enabled": False})
    data["reader"] = {**data.get("reader", {}), "options": {"model_dir": str(tmp_path / "no-models")}}
    config = tmp_path / "edge.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    ends_a_started_gate = threading.Timer(30, os.kill, (os.getpid(), signal.SIGTERM))
    ends_a_started_gate.start()
    try:
        code = main(["run", "--config", str(config)])
    finally:
        ends_a_started_gate.cancel()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert code != 0
    assert "missing weights file" in capsys.readouterr().err

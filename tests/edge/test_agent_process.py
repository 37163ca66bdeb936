"""The agent as it runs at a gate: the real reader on real photos, and a SIGKILL in the middle."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.agent import Agent
from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings
from edge.store import Store
from shared import Outcome, public_key_from_text, sign_bundle
from tests.edge.conftest import WEDNESDAY_EVENING, Central, SteppingClock, signed, wait_until
from tests.shared.factories import bundle, contract
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[2]


def seed_bundle(settings: EdgeSettings, payload: bytes, now: datetime) -> None:
    """Install a verified bundle before the agent starts, as if received on an earlier run."""
    store = Store(settings.data_dir / "gate.db")
    keys = {k: public_key_from_text(v) for k, v in settings.public_keys.items()}
    assert BundleKeeper(settings.site_id, store, keys, Alarms(), lambda: now, timedelta(0)).offer(payload)
    store.close()


@pytest.mark.plates
@pytest.mark.slow
def test_real_reader_on_real_photos_through_the_broker(
        plates_dir: Path, tmp_path: Path, gate_settings: Callable[..., EdgeSettings], central: Central,
        clock: SteppingClock, signing_key: Ed25519PrivateKey) -> None:
    with (plates_dir / "labels.csv").open(encoding="utf-8") as f:
        frames = [row for row in csv.DictReader(f) if row["kind"] == "frame"][:6]
    camera = tmp_path / "camera"
    camera.mkdir()
    for i, row in enumerate(frames):
        shutil.copy(plates_dir / row["file"], camera / f"{i:02d}.jpg")
    contracted = tuple(row["plate"] for row in frames[:3])  # three residents, one contract each
    settings = gate_settings(lanes=[{"name": "entry", "direction": "entry", "camera": str(camera),
                                     "trigger": "every", "frames_per_read": 1}])
    held = bundle(tuple(contract((plate,), contract_id=f"c{n}") for n, plate in enumerate(contracted)),
                  issued_at=WEDNESDAY_EVENING)
    seed_bundle(settings, sign_bundle(held, signing_key).to_bytes(), clock())
    agent = Agent(settings, clock=clock)  # the default reader engine, the folder as the camera
    agent.start()
    try:
        assert agent.lanes_done.wait(120)
        wait_until(lambda: len(central.event_ids()) == 6, what="6 events at central")
    finally:
        agent.stop()
    read = {e.plate for e in central.events}
    assert len(read & {row["plate"] for row in frames}) >= 5
    for event in central.events:
        assert (event.outcome is Outcome.OPEN) == (event.plate in contracted)
        assert event.snapshot_sha256 is not None
        sha = event.snapshot_sha256
        assert (settings.data_dir / "snapshots" / sha[:2] / f"{sha}.jpg").is_file()


def _write_config(path: Path, settings: EdgeSettings, camera: Path) -> None:
    data = settings.model_dump(mode="json", exclude={"broker": {"password"}})
    data["lanes"] = [{"name": "entry", "direction": "entry", "camera": str(camera), "trigger": "every",
                      "frames_per_read": 1}]
    data["guard"]["session_secret"] = None
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _start(config: Path, password: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PARKING_EDGE_BROKER__PASSWORD": password}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                                cwd=REPO, env=env, stdout=out, stderr=out)


def _recorded(db: Path) -> set[str]:
    if not db.exists():
        return set()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {eid for (eid,) in conn.execute("SELECT event_id FROM events")}


@pytest.mark.slow
def test_sigkill_in_the_middle_loses_nothing(tmp_path: Path, gate_settings: Callable[..., EdgeSettings],
                                             central: Central, broker: Broker, signing_key: object) -> None:
    camera = tmp_path / "camera"
    shutil.copytree(REPO / "demo" / "frames" / "entry", camera)
    settings = gate_settings()
    _, password = broker.add_gate(settings.site_id, settings.gate_id)
    seed_bundle(settings, signed(signing_key, issued_at=datetime.now(UTC) - timedelta(hours=1)),
                datetime.now(UTC))
    config = tmp_path / "edge.yaml"
    _write_config(config, settings, camera)
    db = settings.data_dir / "gate.db"
    log = tmp_path / "agent.log"

    broker.stop()  # central unreachable: every event waits in the outbox
    try:
        agent = _start(config, password, log)
        wait_until(lambda: len(_recorded(db)) >= 5, timeout=90, what="5 events recorded")
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
    finally:
        broker.start()
    recorded = _recorded(db)
    assert 5 <= len(recorded) < 15, "killed in the middle of the folder"

    for image in camera.iterdir():  # the restarted gate sees no more cars
        image.unlink()
    agent = _start(config, password, log)
    try:
        wait_until(lambda: central.event_ids() >= recorded, timeout=60,
                   what=f"all {len(recorded)} events after the restart; log: {log}")
    finally:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(20) == 0

"""``parking-central broker add-gate | new-password | remove-gate``, as docs/deploy.md has them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from central import db
from central.db.migrate import upgrade_to_head
from shared import utc_now
from tests.central.broker.conftest import connack
from tests.central.support import seed_site
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker

REPO = Path(__file__).resolve().parents[3]


def test_the_broker_commands_add_rekey_and_remove_a_gate(tmp_path: Path, dynsec_broker: Broker) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade_to_head(url)
    database = db.Database(url)
    seed_site(database, "s1", utc_now(), gates=())
    database.dispose()
    config = tmp_path / "central.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": url}, "mqtt": {"host": "127.0.0.1", "port": dynsec_broker.port},
        "broker_accounts": {"manager": "dynsec", "admin_username": "central-admin"}}))
    admin = dynsec_broker.passwords["central-admin"]
    env = {**os.environ, "PARKING_CENTRAL_BROKER_ACCOUNTS__ADMIN_PASSWORD": admin}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "central.cli", "broker", *args, "--config", str(config)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def password(out: str) -> str:
        found = re.search(r"^password: (\S+)$", out, re.MULTILINE)
        assert found, out
        return found.group(1)

    added = run("add-gate", "s1/east", "--name", "东门")
    assert "username: gate.s1.east" in added
    first = password(added)
    assert connack(dynsec_broker.port, "gate.s1.east", first) == 0
    second = password(run("new-password", "s1/east"))
    assert connack(dynsec_broker.port, "gate.s1.east", first) == 0x87
    assert connack(dynsec_broker.port, "gate.s1.east", second) == 0
    assert "removed" in run("remove-gate", "s1/east")
    assert connack(dynsec_broker.port, "gate.s1.east", second) == 0x87

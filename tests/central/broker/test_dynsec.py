"""The dynamic-security data: roles are exactly shared.topics' rules, passwords hashed as Mosquitto does."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from central.broker import dynsec
from shared.topics import ALL_EVENTS, Access, TopicRule, central_rules, gate_rules, gate_username

REPO = Path(__file__).resolve().parents[3]


def test_a_gate_role_is_its_topic_rules_and_nothing_more() -> None:
    acls = dynsec.role_acls(gate_rules("s1", "g1"))
    granted = {(a["acltype"], a["topic"]) for a in acls}
    assert granted == {
        ("publishClientSend", "parking/v1/sites/s1/gates/g1/events"),
        ("publishClientSend", "parking/v1/sites/s1/gates/g1/status"),
        ("subscribePattern", "parking/v1/sites/s1/contracts"),
        ("subscribePattern", "$share/+/parking/v1/sites/s1/contracts"),  # the plugin keeps the prefix
        ("publishClientReceive", "parking/v1/sites/s1/contracts"),
        ("subscribePattern", "parking/v1/sites/s1/alerts"),
        ("subscribePattern", "$share/+/parking/v1/sites/s1/alerts"),
        ("publishClientReceive", "parking/v1/sites/s1/alerts"),
    }
    assert all(a["allow"] is True for a in acls)


def test_read_write_and_both_map_to_the_plugins_acl_types() -> None:
    kinds = {access: {a["acltype"] for a in dynsec.role_acls([TopicRule(access, ALL_EVENTS)])}
             for access in Access}
    assert kinds == {Access.READ: {"subscribePattern", "publishClientReceive"},
                     Access.WRITE: {"publishClientSend"},
                     Access.READWRITE: {"subscribePattern", "publishClientReceive", "publishClientSend"}}


def test_passwords_are_hashed_as_mosquitto_ctrl_hashes_them() -> None:
    # Written by `mosquitto_ctrl dynsec init` (Mosquitto 2.0.11) for the password "adminpw".
    stored = dynsec.hashed_password("adminpw", salt=base64.b64decode("Xu5MUbCngDxS3run"), iterations=101)
    assert stored == {"password": "FkTNeVOxtV7683C/mu5KUqHsXrRlisnIcuwPQqYXBmf2ZgmNm3bj"
                                  "H/NWYKJVXpAgrhwTdH8TPrYgCSotBWz0fw==",
                      "salt": "Xu5MUbCngDxS3run", "iterations": 101}
    first, second = dynsec.hashed_password("same"), dynsec.hashed_password("same")
    assert first["salt"] != second["salt"] and first["password"] != second["password"]


def test_the_first_file_denies_what_no_role_grants_and_holds_no_plaintext() -> None:
    account = dynsec.Account("central", "central-password-123", central_rules())
    document = dynsec.first_file([account])
    assert document["defaultACLAccess"] == {"publishClientSend": False, "publishClientReceive": False,
                                            "subscribe": False, "unsubscribe": True}
    assert "central-password-123" not in json.dumps(document)
    assert document["clients"][0]["roles"] == [{"rolename": "central"}]
    assert "central-password-123" not in repr(account)


def _init(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "central.cli", "broker", "init", "--file",
                           str(tmp_path / "dynsec.json"), *args], cwd=REPO, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env}, check=False)


def test_broker_init_writes_the_file_once_and_keeps_it_after(tmp_path: Path) -> None:
    env = {"MQTT_ADMIN_PASSWORD": "admin-password-0123", "MQTT_CENTRAL_PASSWORD": "central-password-0123",
           "GATE_PW": "gate-password-0123"}
    done = _init(tmp_path, "--gate", "demo/main=GATE_PW", **env)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "dynsec.json").read_text()
    document = json.loads(written)
    assert [c["username"] for c in document["clients"]] == ["central-admin", "central",
                                                            gate_username("demo", "main")]
    assert (tmp_path / "dynsec.json").stat().st_mode & 0o777 == 0o600
    assert not any(value in written + done.stdout for value in env.values())
    again = _init(tmp_path, **{**env, "MQTT_CENTRAL_PASSWORD": "another-password-0123"})
    assert again.returncode == 0 and "kept" in again.stdout
    assert (tmp_path / "dynsec.json").read_text() == written  # accounts added since are not rewritten


@pytest.mark.parametrize("env", [{}, {"MQTT_ADMIN_PASSWORD": "short", "MQTT_CENTRAL_PASSWORD": "x" * 20}])
def test_broker_init_refuses_a_missing_or_short_password(tmp_path: Path, env: dict[str, str]) -> None:
    done = _init(tmp_path, **env)
    assert done.returncode != 0 and "MQTT_ADMIN_PASSWORD" in done.stderr
    assert not (tmp_path / "dynsec.json").exists()

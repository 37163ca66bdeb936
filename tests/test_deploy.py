"""Deployment files say what the code does: ACL from the shared rules, compose valid, no default secrets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared.topics import central_acl, gate_acl

REPO = Path(__file__).resolve().parents[1]
SECRETS = ["POSTGRES_PASSWORD", "CENTRAL_SIGNING_KEY_ID", "CENTRAL_SIGNING_KEY", "GATE_PUBLIC_KEYS",
           "MQTT_ADMIN_PASSWORD", "MQTT_CENTRAL_PASSWORD", "MQTT_GATE_PASSWORD", "GUARD_SESSION_SECRET",
           "GUARD_ACCOUNTS", "EDGE_HASH_SALT"]


def test_mosquitto_acl_is_what_broker_acl_writes(tmp_path: Path) -> None:
    """The shipped ACL is exactly the command's output: regenerating it changes nothing (healthcheck too)."""
    done = subprocess.run([sys.executable, "-m", "central.cli", "broker-acl", "--no-database", "--gate",
                           "demo/main", "--output", str(tmp_path / "acl")], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (REPO / "config/mosquitto/acl").read_text() == (tmp_path / "acl").read_text()
    assert (tmp_path / "acl").read_text().splitlines() == [*central_acl(), "", *gate_acl("demo", "main")]


def test_compose_secrets_have_no_defaults() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    for name in SECRETS:
        assert f"${{{name}:?" in text, f"{name} must be required (${{{name}:?...}})"
    assert ":-" not in text, "no secret may fall back to a default"


def test_compose_services_wait_for_healthy_dependencies() -> None:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"broker-init", "mosquitto", "postgres", "central", "edge"}
    for name in ("mosquitto", "postgres", "central"):
        assert "healthcheck" in services[name], name
    # the broker's accounts are written once, before its first start, never by its entrypoint
    assert services["mosquitto"]["depends_on"]["broker-init"]["condition"] == "service_completed_successfully"
    assert "mosquitto_passwd" not in (REPO / "config/mosquitto/entrypoint.sh").read_text()
    assert services["central"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["edge"]["depends_on"]["central"]["condition"] == "service_healthy"
    assert ":" in services["mosquitto"]["image"] and not services["mosquitto"]["image"].endswith(":latest")


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_compose_file_validates() -> None:
    env = {**os.environ, **dict.fromkeys(SECRETS, "x")}
    for files in (["docker-compose.yml"], ["docker-compose.yml", "docker-compose.tls.yml"]):
        done = subprocess.run(["docker-compose", *(f"-f{REPO / name}" for name in files), "config", "-q"],
                              env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{files}: {done.stderr}"
    env.pop("POSTGRES_PASSWORD")
    done = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "POSTGRES_PASSWORD" in done.stderr


def _compose_env(service: str, values_from: dict[str, str] | None = None) -> dict[str, str]:
    """The service's environment from docker-compose.yml, with sample secrets filled in."""
    import json

    from argon2 import PasswordHasher

    from shared import generate_private_key, private_key_to_text, public_key_to_text

    key = generate_private_key()
    values = {"POSTGRES_PASSWORD": "pg-password-0123456789", "MQTT_CENTRAL_PASSWORD": "central-0123456789",
              "MQTT_ADMIN_PASSWORD": "admin-0123456789", "MQTT_GATE_PASSWORD": "gate-0123456789abcdef",
              "CENTRAL_SIGNING_KEY_ID": "prod-1", "CENTRAL_SIGNING_KEY": private_key_to_text(key),
              "GATE_PUBLIC_KEYS": json.dumps({"prod-1": public_key_to_text(key.public_key())}),
              "GUARD_SESSION_SECRET": "session-secret-0123456789", "EDGE_HASH_SALT": "salt-0123456789abcdef",
              "GUARD_ACCOUNTS": json.dumps({"guard1": PasswordHasher().hash("a long passphrase")}),
              **(values_from or {})}
    env = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"][service]["environment"]
    out = {}
    for name, template in env.items():
        text = str(template)
        for var, value in values.items():
            text = text.replace(f"${{{var}:?set {var}}}", value)
        assert "${" not in text, f"{name} left unfilled: {text}"
        out[name] = text
    return out


def test_compose_configs_load_with_the_compose_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from central.core.config import load_settings as central_settings
    from edge.config import load_settings as edge_settings

    for name, value in {**_compose_env("central"), **_compose_env("edge")}.items():
        monkeypatch.setenv(name, value)
    central = central_settings(REPO / "config/central.compose.yaml")
    assert central.environment == "production" and central.database.url.startswith("postgresql+psycopg://")
    assert "pg-password" in central.database.url  # the environment wins over the file
    edge = edge_settings(REPO / "config/edge.compose.yaml")
    assert edge.environment == "production" and edge.broker_username == "gate.demo.main"
    assert "prod-1" in edge.public_keys and edge.session_secret() == "session-secret-0123456789"


def test_keygen_prints_what_compose_reads_and_the_gate_accepts_what_central_signs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from central.core.config import load_settings as central_settings
    from central.distribution.bundles import Signer
    from edge.config import load_settings as edge_settings
    from shared import ContractBundle, SiteInfo, sign_bundle, verify_bundle

    done = subprocess.run([sys.executable, "-m", "central.cli", "keygen", "--key-id", "prod-2"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    printed = dict(line.split("=", 1) for line in done.stdout.splitlines() if not line.startswith("#"))
    assert set(printed) == {"CENTRAL_SIGNING_KEY_ID", "CENTRAL_SIGNING_KEY", "GATE_PUBLIC_KEYS"}
    compose = (REPO / "docker-compose.yml").read_text()
    assert all(f"${{{name}:?set {name}}}" in compose for name in printed)
    docs = (REPO / "docs/deploy.md").read_text()
    assert all(name in docs for name in printed)
    for name, value in {**_compose_env("central", printed), **_compose_env("edge", printed)}.items():
        monkeypatch.setenv(name, value)
    signer = Signer.from_settings(central_settings(REPO / "config/central.compose.yaml").signing)
    gate = edge_settings(REPO / "config/edge.compose.yaml")
    now = datetime.now(UTC)
    bundle = ContractBundle(site=SiteInfo(site_id="demo", shared_capacity=1), sequence=1, issued_at=now,
                            expires_at=now.replace(year=now.year + 1), key_id=signer.key_id, contracts=())
    signed = sign_bundle(bundle, signer.key).to_bytes()
    assert signer.key_id == "prod-2"
    assert verify_bundle(signed, gate.verification_keys(), now).sequence == 1


def _undocumented(model: type, example: object, where: str = "") -> list[str]:
    """Fields of the settings model (and its sections) that the example file leaves out."""
    from pydantic import BaseModel

    missing = []
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        if not isinstance(example, dict) or name not in example:
            missing.append(where + name)
            continue
        kind = info.annotation
        value = example[name]
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            missing += _undocumented(kind, value, f"{where}{name}.")
        elif getattr(kind, "__args__", None) and isinstance(value, list) and value:
            section = kind.__args__[0]  # tuple[LaneSettings, ...]
            if isinstance(section, type) and issubclass(section, BaseModel):
                missing += _undocumented(section, value[0], f"{where}{name}[0].")
    return missing


@pytest.mark.parametrize("service", ["central", "edge"])
def test_example_configs_show_every_field(service: str) -> None:
    from central.core.config import Settings
    from edge.config import EdgeSettings

    model = {"central": Settings, "edge": EdgeSettings}[service]
    example = yaml.safe_load((REPO / f"config/{service}.example.yaml").read_text(encoding="utf-8"))
    assert _undocumented(model, example) == []

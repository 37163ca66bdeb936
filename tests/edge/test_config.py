"""Settings: wrong values stop the agent at load with the field named; secrets are never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.config import load_settings
from edge.errors import ConfigError
from edge.reader import ENGINE_NAMES
from tests.edge.conftest import KEYS, guard_hash, settings_data


@pytest.mark.parametrize(("override", "field"), [
    ({"site_id": "Bad Site"}, "site_id"),
    ({"broker": {"url": "http://x"}}, "broker.url"),
    ({"reader": {"min_confidence": 1.5}}, "reader.min_confidence"),
    ({"reader": {"engine": "ppcor"}}, "reader.engine"),
    ({"guard": {"accounts": {"g": "plain-password"}}}, "guard.accounts"),
    ({"public_keys": {"k1": "not-a-key"}}, "public_keys"),
    ({"lanes": []}, "lanes"),
    ({"surprise": 1}, "surprise"),
])
def test_wrong_values_are_refused_naming_the_field(tmp_path: Path, override: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, **override))
    assert error.value.field == field


def test_a_mistyped_reader_engine_is_refused_at_load_naming_the_engines(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, reader={"engine": "paddle"}))
    message = str(error.value)
    assert "reader.engine" in message and "'paddle'" in message
    assert all(name in message for name in ENGINE_NAMES)
    for name in ENGINE_NAMES:  # every engine that exists loads (its package may still be missing)
        assert load_settings(None, **settings_data(tmp_path, reader={"engine": name})).reader.engine == name


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


def test_a_refused_url_is_shown_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, **settings_data(tmp_path, broker={"url": "mqtt://gate:hunter2-pass@host/x"}))
    assert error.value.field == "broker.url"
    assert "hunter2" not in str(error.value)

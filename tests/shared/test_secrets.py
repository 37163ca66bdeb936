"""One rule for secrets in every process: the file wins over the inline value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from central.core.config import MqttSettings
from edge.config import BrokerSettings, _secret
from edge.errors import ConfigError
from shared import SecretFileError, read_secret


def test_the_file_wins_over_the_inline_value(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-the-file\n", encoding="utf-8")
    assert read_secret(SecretStr("inline"), path, "x") == "from-the-file"
    assert read_secret(SecretStr("inline"), None, "x") == "inline"
    assert read_secret(None, None, "x") is None


def test_central_and_edge_resolve_a_broker_password_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("file-password-0123456789", encoding="utf-8")
    central = MqttSettings(password=SecretStr("inline-password"), password_file=path)
    assert central.password_text() == "file-password-0123456789"
    edge = BrokerSettings(password=SecretStr("inline-password"), password_file=path)
    assert _secret(edge.password, edge.password_file, "broker.password") == "file-password-0123456789"


def test_an_unreadable_file_names_the_setting_and_never_the_inline_secret(tmp_path: Path) -> None:
    with pytest.raises(SecretFileError) as caught:
        read_secret(SecretStr("do-not-show-me"), tmp_path / "missing", "mqtt.password")
    assert "mqtt.password_file" in str(caught.value) and "missing" in str(caught.value)
    assert "do-not-show-me" not in str(caught.value)
    with pytest.raises(ConfigError, match="broker.password"):
        _secret(None, tmp_path / "missing", "broker.password")

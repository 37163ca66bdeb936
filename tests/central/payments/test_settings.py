"""The payments settings: the sandbox only where it belongs, every provider complete before it
starts, secrets from files, and no key ever shown in an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from central.core.config import load_settings
from central.core.payment_settings import DEV_SANDBOX_SECRET
from central.errors import ConfigError
from central.payments import Sandbox, WechatPay, payment_service_from_settings
from shared import utc_now
from tests.central.payments.conftest import payment_settings
from tests.central.payments.support import Keys, private_pem, write

REAL_SECRETS: dict[str, Any] = {"signing": {"key": "xKIVUbIsZ0sMkbZ+b/bXW/5gY0YX7ekJvHh8b7DH2Hw="},
                                "mqtt": {"password": "a real broker password"}}


def _settings(environment: str = "development", **payments: Any) -> Any:
    extra = REAL_SECRETS if environment != "development" else {}
    return load_settings(None, environment=environment, payments=payments, **extra)


def test_development_pays_in_the_sandbox_unless_told_otherwise() -> None:
    settings = _settings()
    assert settings.payments.enabled("development") == ("sandbox",)
    service = payment_service_from_settings(settings, utc_now)
    assert service.provider_names == ("sandbox",) and isinstance(service.provider("sandbox"), Sandbox)
    assert _settings(providers=[]).payments.enabled("development") == ()


def test_elsewhere_nothing_is_offered_unless_configured() -> None:
    assert _settings("staging").payments.enabled("staging") == ()


def test_the_sandbox_is_refused_in_production_and_its_dev_secret_outside_development(tmp_path: Path) -> None:
    secret = write(tmp_path, "sandbox_secret", "a staging sandbox secret\n")
    with pytest.raises(ConfigError, match="sandbox takes no money and is refused in production"):
        _settings("production", providers=["sandbox"], public_url="https://park.example.cn",
                  sandbox={"secret_file": str(secret)})
    with pytest.raises(ConfigError, match="payments.sandbox.secret: the development secret"):
        _settings("staging", providers=["sandbox"], public_url="https://park.example.cn")
    staging = _settings("staging", providers=["sandbox"], public_url="https://park.example.cn",
                        sandbox={"secret": "inline loses", "secret_file": str(secret)})
    assert staging.payments.sandbox.secret_text() == "a staging sandbox secret"  # the file wins
    assert _settings().payments.sandbox.secret_text() == DEV_SANDBOX_SECRET


def test_outside_development_the_providers_need_our_https_address(tmp_path: Path) -> None:
    secret = str(write(tmp_path, "s", "a staging sandbox secret"))
    with pytest.raises(ConfigError, match="payments.public_url: needed outside development"):
        _settings("staging", providers=["sandbox"], sandbox={"secret_file": secret})
    with pytest.raises(ConfigError, match="payments.public_url: https is needed"):
        _settings("staging", providers=["sandbox"], public_url="http://park.example.cn",
                  sandbox={"secret_file": secret})


def test_a_wechatpay_setup_is_complete_before_the_service_starts(tmp_path: Path, keys: Keys) -> None:
    full = payment_settings(tmp_path, keys, "http://127.0.0.1:1", "http://127.0.0.1:2")
    wechat = {**full["wechatpay"]}
    service = payment_service_from_settings(_settings(providers=["wechatpay"], wechatpay=wechat), utc_now)
    assert isinstance(service.provider("wechatpay"), WechatPay)
    for field, value, said in [
        ("mchid", None, "payments.wechatpay.mchid is needed"),
        ("private_key_file", None, "payments.wechatpay.private_key"),
        ("apiv3_key_file", str(write(tmp_path, "short", "too short")), "apiv3_key: must be 32 bytes"),
        ("platform_public_key", "not a key", "platform_public_key: not a readable public key"),
        ("private_key_file", str(tmp_path / "missing.pem"), "missing.pem"),
    ]:
        with pytest.raises(ConfigError, match=said):
            _settings(providers=["wechatpay"], wechatpay={**wechat, field: value})


def test_a_private_key_never_appears_in_an_error(tmp_path: Path, keys: Keys) -> None:
    full = payment_settings(tmp_path, keys, "http://127.0.0.1:1", "http://127.0.0.1:2")
    pem = private_pem(keys.merchant)
    alipay = {**full["alipay"], "private_key_file": None, "private_key": pem, "alipay_public_key": "AAAA"}
    with pytest.raises(ConfigError) as refused:
        _settings(providers=["alipay"], alipay=alipay)
    assert "alipay_public_key: not a readable public key" in str(refused.value)
    body = "".join(pem.splitlines()[1:-1])
    assert body[:20] not in str(refused.value) and "BEGIN" not in str(refused.value)


def test_a_small_rsa_key_is_refused(tmp_path: Path, keys: Keys) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    full = payment_settings(tmp_path, keys, "http://127.0.0.1:1", "http://127.0.0.1:2")
    with pytest.raises(ConfigError, match="at least 2048 bits"):
        _settings(providers=["alipay"], alipay={**full["alipay"], "private_key_file": None,
                                                "private_key": private_pem(small)})

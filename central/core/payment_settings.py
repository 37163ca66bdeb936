"""The ``payments:`` section of the central settings, and how the providers' RSA keys are read.

Which providers take money: ``providers`` (unset: the ``sandbox`` in development, none
elsewhere). Each provider has its own subsection; secrets (private keys, the APIv3 key, the
sandbox secret) come from the setting or its ``*_file``, the file winning (``shared.read_secret``).
A key that cannot be read stops the start, naming the field, never showing the key.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import (
    load_der_private_key,
    load_der_public_key,
    load_pem_private_key,
    load_pem_public_key,
)
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from shared import read_secret

ProviderName = Literal["sandbox", "wechatpay", "alipay"]
PROVIDER_NAMES: tuple[ProviderName, ...] = ("sandbox", "wechatpay", "alipay")
DEV_SANDBOX_SECRET = "development-sandbox-secret-not-secret"
MIN_RSA_BITS = 2048
_URL = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def rsa_private_key(text: str, field: str) -> RSAPrivateKey:
    """A PEM private key, or the bare base64 DER (PKCS#8 or PKCS#1) the providers' key tools write."""
    try:
        key = load_pem_private_key(text.encode(), None) if "-----BEGIN" in text else \
            load_der_private_key(base64.b64decode("".join(text.split()), validate=True), None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError(f"{field}: not a readable unencrypted private key") from exc
    if not isinstance(key, RSAPrivateKey) or key.key_size < MIN_RSA_BITS:
        raise ValueError(f"{field}: an RSA key of at least {MIN_RSA_BITS} bits is needed")
    return key


def rsa_public_key(text: str, field: str) -> RSAPublicKey:
    """A PEM public key or certificate, or the bare base64 DER public key the providers show."""
    key: object
    try:
        if "-----BEGIN CERTIFICATE" in text:
            key = x509.load_pem_x509_certificate(text.encode()).public_key()
        elif "-----BEGIN" in text:
            key = load_pem_public_key(text.encode())
        else:
            key = load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError(f"{field}: not a readable public key or certificate") from exc
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise ValueError(f"{field}: an RSA key of at least {MIN_RSA_BITS} bits is needed")
    return key


def _text(inline: str | SecretStr | None, path: Path | None, field: str) -> str | None:
    secret = SecretStr(inline) if isinstance(inline, str) else inline
    return read_secret(secret, path, field)


class SandboxSettings(_Section):
    """Our own page that plays a provider: no money moves. Never in production."""

    secret: SecretStr | None = Field(default=None, description="HMAC key of the sandbox's callbacks")
    secret_file: Path | None = Field(default=None, description="file holding the sandbox secret")

    def secret_text(self) -> str:
        return read_secret(self.secret, self.secret_file, "payments.sandbox.secret") or DEV_SANDBOX_SECRET


class WechatPaySettings(_Section):
    """WeChat Pay API v3, direct merchant (直连商户)."""

    mchid: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$", description="merchant id (商户号)")
    appid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{1,32}$",
                              description="app id bound to the merchant (公众号/移动应用 AppID)")
    serial_no: str | None = Field(default=None, pattern=r"^[0-9A-Fa-f]{8,64}$",
                                  description="serial number of the merchant's API certificate")
    private_key: SecretStr | None = Field(default=None, description="merchant API private key (PEM)")
    private_key_file: Path | None = Field(default=None, description="apiclient_key.pem")
    apiv3_key: SecretStr | None = Field(default=None, description="APIv3 key: 32 characters")
    apiv3_key_file: Path | None = Field(default=None, description="file holding the APIv3 key")
    platform_public_key: str | None = Field(default=None, max_length=10000,
                                            description="WeChat Pay public key or platform certificate (PEM)")
    platform_public_key_file: Path | None = Field(default=None, description="file holding it")
    platform_serial: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{1,64}$",
                                        description="its id as Wechatpay-Serial names it (PUB_KEY_ID_... "
                                                    "or the certificate's serial number)")
    api_url: str = Field(default="https://api.mch.weixin.qq.com", pattern=_URL, max_length=200,
                         description="API root")

    def private_key_text(self) -> str | None:
        return _text(self.private_key, self.private_key_file, "payments.wechatpay.private_key")

    def apiv3_key_text(self) -> str | None:
        return _text(self.apiv3_key, self.apiv3_key_file, "payments.wechatpay.apiv3_key")

    def platform_key_text(self) -> str | None:
        return _text(self.platform_public_key, self.platform_public_key_file,
                     "payments.wechatpay.platform_public_key")

    def check(self) -> None:
        """Everything the adapter needs is there and readable (when ``wechatpay`` is enabled)."""
        for name in ("mchid", "appid", "serial_no", "platform_serial"):
            if getattr(self, name) is None:
                raise ValueError(f"payments.wechatpay.{name} is needed when wechatpay is enabled")
        rsa_private_key(_required(self.private_key_text(), "wechatpay.private_key"),
                        "payments.wechatpay.private_key")
        rsa_public_key(_required(self.platform_key_text(), "wechatpay.platform_public_key"),
                       "payments.wechatpay.platform_public_key")
        if len(_required(self.apiv3_key_text(), "wechatpay.apiv3_key").encode()) != 32:
            raise ValueError("payments.wechatpay.apiv3_key: must be 32 bytes")


class AlipaySettings(_Section):
    """Alipay open platform, RSA2 (SHA256withRSA) with public keys (公钥模式)."""

    app_id: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$", description="the app's APPID")
    private_key: SecretStr | None = Field(default=None, description="the app's private key")
    private_key_file: Path | None = Field(default=None, description="file holding the app's private key")
    alipay_public_key: str | None = Field(default=None, max_length=10000,
                                          description="Alipay's public key (支付宝公钥), PEM or base64")
    alipay_public_key_file: Path | None = Field(default=None, description="file holding it")
    seller_id: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$",
                                  description="our Alipay user id (2088...): notifications must name it")
    gateway_url: str = Field(default="https://openapi.alipay.com/gateway.do", pattern=_URL, max_length=200,
                             description="open platform gateway")

    def private_key_text(self) -> str | None:
        return _text(self.private_key, self.private_key_file, "payments.alipay.private_key")

    def public_key_text(self) -> str | None:
        return _text(self.alipay_public_key, self.alipay_public_key_file, "payments.alipay.alipay_public_key")

    def check(self) -> None:
        if self.app_id is None:
            raise ValueError("payments.alipay.app_id is needed when alipay is enabled")
        rsa_private_key(_required(self.private_key_text(), "alipay.private_key"),
                        "payments.alipay.private_key")
        rsa_public_key(_required(self.public_key_text(), "alipay.alipay_public_key"),
                       "payments.alipay.alipay_public_key")


def _required(value: str | None, field: str) -> str:
    if not value:
        raise ValueError(f"payments.{field} (or its _file) is needed when the provider is enabled")
    return value


class PaymentSettings(_Section):
    """How residents pay (docs/residents.md, "Payment")."""

    providers: tuple[ProviderName, ...] | None = Field(
        default=None, max_length=3,
        description="providers offered to residents; unset: sandbox in development, none elsewhere")
    public_url: str | None = Field(
        default=None, pattern=_URL, max_length=200,
        description="our address as the providers and residents' browsers reach it (https://...): "
                    "callbacks go to <public_url>/api/v1/payments/<provider>/notify; "
                    "unset (development only): the address of the request that starts a payment")
    timeout_s: float = Field(default=10.0, gt=0, le=60, description="wait this long for a provider")
    callback_skew_s: int = Field(default=300, ge=30, le=3600,
                                 description="a signed callback older or newer than this is refused")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings, description="the sandbox provider")
    wechatpay: WechatPaySettings = Field(default_factory=WechatPaySettings, description="WeChat Pay v3")
    alipay: AlipaySettings = Field(default_factory=AlipaySettings, description="Alipay (RSA2)")

    def enabled(self, environment: str) -> tuple[ProviderName, ...]:
        if self.providers is not None:
            return self.providers
        return ("sandbox",) if environment == "development" else ()

    @model_validator(mode="after")
    def _check(self) -> PaymentSettings:
        if self.providers is not None and len(set(self.providers)) != len(self.providers):
            raise ValueError(f"providers: each at most once (got {list(self.providers)})")
        if "wechatpay" in (self.providers or ()):
            self.wechatpay.check()
        if "alipay" in (self.providers or ()):
            self.alipay.check()
        return self

    def refuse_development_defaults(self, environment: str) -> None:
        """Outside development: no sandbox in production, no built-in sandbox secret, real addresses."""
        enabled = self.enabled(environment)
        if "sandbox" in enabled and environment == "production":
            raise ValueError("payments.providers: sandbox takes no money and is refused in production")
        if "sandbox" in enabled and self.sandbox.secret_text() == DEV_SANDBOX_SECRET:
            raise ValueError("payments.sandbox.secret: the development secret is refused outside development")
        if enabled and self.public_url is None:
            raise ValueError("payments.public_url: needed outside development (the providers call it)")
        urls = {"public_url": self.public_url,
                "wechatpay.api_url": self.wechatpay.api_url if "wechatpay" in enabled else None,
                "alipay.gateway_url": self.alipay.gateway_url if "alipay" in enabled else None}
        for name, url in urls.items():
            if url is not None and not url.startswith("https://"):
                raise ValueError(f"payments.{name}: https is needed outside development (got {url!r})")

"""Settings of the central service: a YAML file plus PARKING_CENTRAL_* environment variables.

Environment variables win over the file; nested fields use ``__``
(``PARKING_CENTRAL_DATABASE__URL``). Secrets come from the environment or
from a ``*_file``, the file winning when both are set (``shared.read_secret``);
the built-in development secrets are refused unless ``environment: development``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from central.core.order_settings import OrderSettings
from central.core.payment_settings import PaymentSettings
from central.errors import ConfigError
from central.overstay import DEFAULT_GRACE_MINUTES
from shared import ID_PATTERN, private_key_from_text, read_secret
from shared.connection import TlsFiles, client_context

# Development-only secrets: known to everybody, refused outside development.
DEV_SIGNING_KEY = "rErryTztGHM4k7dSoR8r69lfL8/72OO8epd5HilTxEo="
DEV_MQTT_PASSWORD = "central-secret"
DEV_BROKER_ADMIN_PASSWORD = "central-admin-secret"
# The broker configs' message_size_limit (config/mosquitto, the demo's and the tests' brokers).
# Not shared.messages.MAX_PAYLOAD_BYTES (256 KiB, a gate's message): the largest message is a
# site's signed bundle, about 450 bytes a contract, so 1 MiB holds some 2,300 contracts.
MESSAGE_SIZE_LIMIT = 1024 * 1024
DEV_PHONE_KEY = "development-phone-key-not-secret"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field(default="sqlite:///var/central.db", min_length=1, max_length=500,
                     description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://...")
    pool_size: int = Field(default=10, ge=1, le=200, description="connections kept open (PostgreSQL)")
    echo: bool = Field(default=False, description="log every SQL statement (debugging only)")


class MqttSettings(_Section):
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255, description="broker host")
    port: int = Field(default=1883, ge=1, le=65535, description="broker port")
    username: str = Field(default="central", min_length=1, max_length=64, description="broker account")
    password: SecretStr | None = Field(default=None, description="broker password (prefer password_file)")
    password_file: Path | None = Field(default=None, description="file holding the broker password")
    client_id: str = Field(default="central", pattern=r"^[A-Za-z0-9_-]{1,40}$",
                           description="client id prefix; each process appends its role")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive")
    reconnect_min_s: int = Field(default=1, ge=1, le=60, description="first reconnect delay")
    reconnect_max_s: int = Field(default=60, ge=1, le=3600, description="longest reconnect delay")
    publish_timeout_s: float = Field(default=10.0, gt=0, le=300, description="wait for a PUBACK")
    protocol: Literal["mqtt5", "mqtt311"] = Field(
        default="mqtt5", description="mqtt5 (production); mqtt311 only for the demo's embedded broker")
    tls: bool = Field(default=False, description="connect with TLS (the broker's TLS port, usually 8883)")
    tls_ca_file: Path | None = Field(default=None, description="CA that signed the broker's certificate; "
                                                               "none: the system's CAs")
    tls_cert_file: Path | None = Field(default=None, description="client certificate, when the broker "
                                                                 "requires one (with tls_key_file)")
    tls_key_file: Path | None = Field(default=None, description="client certificate's private key")
    tls_check_hostname: bool = Field(default=True, description="the broker's certificate must name host")
    message_size_limit: int = Field(
        default=MESSAGE_SIZE_LIMIT, ge=1024, le=256 * 1024 * 1024,
        description="the broker's message_size_limit: a larger message is not sent (the broker drops it)")
    probe_interval_s: float = Field(default=5.0, ge=0.2, le=300,
                                    description="while connected, ask the broker for an answer this often")
    link_timeout_s: float = Field(
        default=5.0, ge=0.2, le=300,
        description="no answer from the broker this long (to a probe, or to a connection attempt): the "
                    "link is reported down at once (a warning, /api/v1/health), not after the keepalive")

    def password_text(self) -> str:
        return read_secret(self.password, self.password_file, "mqtt.password") or DEV_MQTT_PASSWORD

    def tls_files(self) -> TlsFiles | None:
        if not self.tls:
            return None
        return TlsFiles(self.tls_ca_file, self.tls_cert_file, self.tls_key_file, self.tls_check_hostname)

    @model_validator(mode="after")
    def _check(self) -> MqttSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be at least reconnect_min_s")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if not self.tls and (self.tls_ca_file or self.tls_cert_file):
            raise ValueError("tls_ca_file and tls_cert_file need tls: true")
        if (files := self.tls_files()) is not None:
            client_context(files)  # a missing or unreadable file stops the start, naming it
        return self


class BrokerAccountSettings(_Section):
    """How gates get their broker accounts (docs/deploy.md)."""

    manager: Literal["dynsec", "password_file"] = Field(
        default="password_file",
        description="dynsec: central makes, rotates and removes gate accounts through Mosquitto's "
                    "dynamic-security plugin; password_file: the operator edits the broker's files")
    admin_username: str = Field(default="central-admin", min_length=1, max_length=64,
                                description="broker account allowed to manage accounts (dynsec)")
    admin_password: SecretStr | None = Field(default=None, description="its password (prefer the file)")
    admin_password_file: Path | None = Field(default=None, description="file holding its password")
    reply_timeout_s: float = Field(default=10.0, gt=0, le=120,
                                   description="wait this long for the broker to confirm a change")

    def admin_password_text(self) -> str:
        found = read_secret(self.admin_password, self.admin_password_file, "broker_accounts.admin_password")
        return found or DEV_BROKER_ADMIN_PASSWORD


class SigningSettings(_Section):
    key: SecretStr | None = Field(default=None, description="Ed25519 private key, base64 raw 32 bytes")
    key_file: Path | None = Field(default=None, description="file holding the private key")
    key_id: str = Field(default="dev-1", min_length=1, max_length=64,
                        description="key id gates use to pick the public key (rotation)")
    bundle_ttl_hours: int = Field(default=7 * 24, ge=1, le=90 * 24, description="bundle lifetime")
    refresh_before_hours: int = Field(default=2 * 24, ge=1, le=89 * 24,
                                      description="re-issue a bundle this long before it expires")
    publish_interval_s: float = Field(default=2.0, gt=0, le=3600,
                                      description="how often the outbox publisher looks for work")

    def key_text(self) -> str:
        return read_secret(self.key, self.key_file, "signing.key") or DEV_SIGNING_KEY

    @model_validator(mode="after")
    def _check(self) -> SigningSettings:
        if self.refresh_before_hours >= self.bundle_ttl_hours:
            raise ValueError("refresh_before_hours must be shorter than bundle_ttl_hours")
        try:
            private_key_from_text(self.key_text())
        except ValueError as exc:
            raise ValueError(f"key: {exc}") from exc
        return self


class IngestSettings(_Section):
    in_process: bool = Field(default=True, description="run the ingest consumer inside serve")
    group: str = Field(default="central", pattern=ID_PATTERN, description="shared subscription group")
    store_process: bool = Field(
        default=True, description="store batches in a child process of the consumer's own, so that receiving "
                                  "and storing use two cores; false: in the consumer's process")
    batch_max: int = Field(default=500, ge=1, le=5000, description="messages per transaction at most")
    linger_ms: int = Field(default=5, ge=0, le=1000, description="wait this long to fill a batch")
    receive_maximum: int = Field(default=1000, ge=1, le=65535,
                                 description="unacknowledged messages the broker may send us")
    session_expiry_s: int = Field(default=86400, ge=0, le=30 * 86400,
                                  description="broker keeps our queue this long while we are away")
    clock_skew_limit_s: int = Field(default=120, ge=1, le=86400, description="gate clock skew alarm")
    event_max_age_days: int = Field(
        default=30, ge=1, le=3650, description="an event whose gate time is older than this is dead-lettered")
    event_max_ahead_hours: int = Field(default=24, ge=1, le=30 * 24,
                                       description="an event whose gate time is this far ahead of ours is "
                                                   "dead-lettered")
    dead_letter_payload_bytes: int = Field(
        default=4096, ge=0, le=MESSAGE_SIZE_LIMIT,
        description="a dead letter keeps at most this much of the payload, with its full size and SHA-256")


class HealthSettings(_Section):
    """When ``/api/v1/health`` says degraded (503) besides a database or a broker link that is down."""

    outbox_max_age_s: float = Field(default=120.0, gt=0, le=86400,
                                    description="an unsent outbox row (a bundle, an alert) older than this")
    ingest_lag_max_s: float = Field(default=60.0, gt=0, le=86400,
                                    description="a received message not yet stored for longer than this")
    last_message_max_age_s: float | None = Field(
        default=None, gt=0, le=7 * 86400,
        description="no message from any gate for this long (none: reported, never degraded; gates "
                    "send a status every few seconds, so a few minutes suits a site with gates)")


class MetricsSettings(_Section):
    """Prometheus metrics: ``/metrics`` on the API (docs/metrics.md)."""

    enabled: bool = Field(default=True, description="serve /metrics")
    token: SecretStr | None = Field(default=None, description="bearer token a scrape must send "
                                                              "(prefer token_file); none: no token asked")
    token_file: Path | None = Field(default=None, description="file holding the scrape token")
    ingest_host: str = Field(default="127.0.0.1", min_length=1, max_length=255,
                             description="parking-central ingest: where its own /metrics listens")
    ingest_port: int | None = Field(
        default=None, ge=1, le=65535, description="parking-central ingest: /metrics port (unset: off)")

    def token_text(self) -> str | None:
        return read_secret(self.token, self.token_file, "metrics.token") or None


class ContractSettings(_Section):
    oversubscription: float = Field(default=1.0, ge=1.0, le=5.0,
                                    description="active contracts may reach a site's shared spaces (and "
                                                "a product's quota) x this factor")
    max_validity_days: int = Field(default=366, ge=1, le=3 * 366, description="longest contract")


class ApiSettings(_Section):
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255, description="listen address")
    port: int = Field(default=8000, ge=1, le=65535, description="listen port")
    page_max: int = Field(default=500, ge=1, le=10000, description="most rows one list returns")


class EnforcementSettings(_Section):
    """Departure enforcement: reminders, overstay violations, suspensions, resident notifications."""

    enabled: bool = Field(default=True, description="run the enforcement scheduler inside serve")
    interval_s: float = Field(default=30.0, gt=0, le=3600, description="how often open stays are checked")
    reminders_minutes: tuple[int, ...] = Field(default=(30, 10), min_length=0, max_length=5,
                                               description="reminders this many minutes before the deadline")
    violations_to_suspend: int = Field(default=3, ge=1, le=100,
                                       description="N: violations that suspend a contract ...")
    window_days: int = Field(default=30, ge=1, le=365, description="... within M days")
    lookback_hours: int = Field(default=48, ge=1, le=24 * 31,
                                description="closed stays this recent are checked for a late exit")
    default_grace_minutes: int = Field(default=DEFAULT_GRACE_MINUTES, ge=0, le=24 * 60,
                                       description="grace for a stay without a contract")
    webhook_url: HttpUrl | None = Field(default=None, description="resident webhook; none: no webhook")
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60, description="one webhook call at most")
    max_attempts: int = Field(default=8, ge=1, le=100, description="then a notification is marked failed")
    retry_base_s: float = Field(default=30.0, gt=0, le=3600, description="first retry delay; doubles")

    @model_validator(mode="after")
    def _check(self) -> EnforcementSettings:
        if any(m <= 0 or m > 24 * 60 for m in self.reminders_minutes):
            raise ValueError(f"reminders_minutes: each between 1 and 1440 (got {self.reminders_minutes})")
        return self


class SmsSettings(_Section):
    sender: Literal["console", "http"] | None = Field(
        default=None, description="console: codes in the log (development only); http: the gateway "
                                  "below; unset: console in development, resident sign-in off elsewhere")
    url: str | None = Field(default=None, pattern=r"^https?://", max_length=500,
                            description="HTTP SMS gateway: where the signed JSON request is POSTed")
    secret: SecretStr | None = Field(default=None, description="HMAC key of the gateway (prefer secret_file)")
    secret_file: Path | None = Field(default=None, description="file holding the gateway's HMAC key")
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="wait this long for the gateway")

    def secret_text(self) -> str:
        return read_secret(self.secret, self.secret_file, "web.sms.secret") or ""

    @model_validator(mode="after")
    def _check(self) -> SmsSettings:
        if self.sender == "http" and (self.url is None or not self.secret_text()):
            raise ValueError("sender http needs url and secret (or secret_file)")
        return self


class WebSettings(_Section):
    """The resident app and the operator console: sessions, sign-in limits, language, SMS."""

    https: bool = Field(default=False, description="served over HTTPS: session cookies get Secure")
    timezone: str = Field(default="Asia/Shanghai", min_length=1, max_length=64,
                          description="zone in which pages show times not tied to a site")
    default_language: Literal["zh-CN", "en"] = Field(default="zh-CN", description="language of a new visitor")
    staff_idle_minutes: int = Field(default=60, ge=5, le=24 * 60, description="staff session idle expiry")
    staff_max_hours: int = Field(default=12, ge=1, le=7 * 24, description="staff session absolute expiry")
    resident_idle_minutes: int = Field(default=7 * 24 * 60, ge=5, le=90 * 24 * 60,
                                       description="resident session idle expiry")
    resident_max_hours: int = Field(default=30 * 24, ge=1, le=365 * 24,
                                    description="resident session absolute expiry")
    lockout_failures: int = Field(default=5, ge=1, le=100, description="failed logins that lock an account")
    lockout_address_failures: int = Field(default=20, ge=1, le=1000,
                                          description="failed logins that lock a client address")
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60, description="window and length of a lockout")
    code_ttl_s: int = Field(default=300, ge=60, le=1800, description="a sign-in code expires after this")
    code_attempts: int = Field(default=5, ge=1, le=10, description="wrong tries that void a sign-in code")
    code_resend_s: int = Field(default=60, ge=0, le=600, description="least wait before another code")
    codes_per_number_hour: int = Field(default=5, ge=1, le=100, description="codes one number gets per hour")
    codes_per_address_hour: int = Field(default=20, ge=1, le=10000,
                                        description="codes one client address may request per hour")
    live_interval_s: int = Field(default=5, ge=1, le=60,
                                 description="seconds between the console's live figures pushed to a page")
    phone_key: SecretStr | None = Field(default=None, description="HMAC key of phone and code hashes")
    phone_key_file: Path | None = Field(default=None, description="file holding phone_key")
    sms: SmsSettings = Field(default_factory=SmsSettings, description="how sign-in codes are sent")

    def phone_key_text(self) -> str:
        return read_secret(self.phone_key, self.phone_key_file, "web.phone_key") or DEV_PHONE_KEY

    @model_validator(mode="after")
    def _check(self) -> WebSettings:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown zone {self.timezone!r}") from exc
        return self

    def refuse_development_defaults(self) -> None:
        """Outside development: no codes in the log, no built-in phone key while codes are sent."""
        if self.sms.sender == "console":
            raise ValueError("web.sms.sender: console (codes in the log) is refused outside development")
        if self.sms.sender == "http" and self.phone_key_text() == DEV_PHONE_KEY:
            raise ValueError("web.phone_key: the development key is refused outside development")


class Settings(BaseSettings):
    """One per central process."""

    model_config = SettingsConfigDict(env_prefix="PARKING_CENTRAL_", env_nested_delimiter="__",
                                      extra="forbid", frozen=True)

    environment: Literal["development", "staging", "production"] = Field(
        default="development", description="anything but development refuses the built-in secrets")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="log level")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text: one readable line; json: one JSON object a line (log collectors)")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="database")
    mqtt: MqttSettings = Field(default_factory=MqttSettings, description="broker connection")
    broker_accounts: BrokerAccountSettings = Field(default_factory=BrokerAccountSettings,
                                                   description="gate accounts on the broker")
    signing: SigningSettings = Field(default_factory=SigningSettings, description="bundle signing")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="event ingestion")
    contracts: ContractSettings = Field(default_factory=ContractSettings, description="contract rules")
    api: ApiSettings = Field(default_factory=ApiSettings, description="HTTP API")
    enforcement: EnforcementSettings = Field(default_factory=EnforcementSettings,
                                             description="departure enforcement")
    web: WebSettings = Field(default_factory=WebSettings, description="resident app and operator console")
    payments: PaymentSettings = Field(default_factory=PaymentSettings,
                                      description="how residents pay: sandbox, WeChat Pay, Alipay")
    health: HealthSettings = Field(default_factory=HealthSettings, description="what /api/v1/health judges")
    metrics: MetricsSettings = Field(default_factory=MetricsSettings, description="Prometheus metrics")
    orders: OrderSettings = Field(default_factory=OrderSettings,
                                  description="residents' orders: terms, how long an unpaid order holds")

    @model_validator(mode="after")
    def _no_default_secrets(self) -> Settings:
        if self.environment == "development":
            return self
        if self.signing.key_text() == DEV_SIGNING_KEY:
            raise ValueError("signing.key: the development key is refused outside development")
        if self.mqtt.password_text() == DEV_MQTT_PASSWORD:
            raise ValueError("mqtt.password: the development password is refused outside development")
        if self.broker_accounts.manager == "dynsec" and \
                self.broker_accounts.admin_password_text() == DEV_BROKER_ADMIN_PASSWORD:
            raise ValueError("broker_accounts.admin_password: the development password is refused "
                             "outside development")
        self.web.refuse_development_defaults()
        self.payments.refuse_development_defaults(self.environment)
        return self

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        if _YAML_PATH.path is not None:
            sources += (YamlConfigSettingsSource(settings_cls, yaml_file=_YAML_PATH.path),)
        return sources


class _YamlPath:
    path: Path | None = None


_YAML_PATH = _YamlPath()


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Read the YAML file (if any) and the environment; refuse a wrong value naming its field."""
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"config file {path} does not exist")
    _YAML_PATH.path = Path(path) if path is not None else None
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from exc
    finally:
        _YAML_PATH.path = None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "settings"
        value = error.get("input")
        # A section's own check sees the whole section: its input may hold a key, so only a
        # plain value is shown, and never one of a secret-like field.
        secret = "secret" in field or "key" in field or "password" in field
        shown = "" if secret or isinstance(value, dict | list | tuple) else f" (got {value!r:.80})"
        lines.append(f"{field}: {error['msg']}{shown}")
    return "invalid settings: " + "; ".join(lines)

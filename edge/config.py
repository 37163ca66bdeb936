"""Settings of one gate agent: a YAML file in config/ plus PARKING_EDGE_* environment variables.

Environment variables win over the file; nested fields use ``__``
(``PARKING_EDGE_BROKER__PASSWORD``). Secrets come from the environment or from
``*_file`` paths, never from a committed file outside development. A wrong value
stops the agent at start with the field named (``ConfigError``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from edge.errors import ConfigError
from edge.reader import DEFAULT_ENGINE, ENGINE_NAMES
from shared import ID_PATTERN, Direction, SecretFileError, gate_username, public_key_from_text, read_secret
from shared.connection import TlsFiles, client_context

DEV_SESSION_SECRET = "dev-only-session-secret-change-me"
DEV_HASH_SALT = "dev-only-plate-salt-change-me"
_ARGON2 = re.compile(r"^\$argon2(id|i|d)\$")
_SECRET_FIELD = re.compile(r"secret|password|token|salt")
_URL_USER = re.compile(r"//[^/@\s]*@")  # rtsp://user:pass@host: the part an error must not repeat


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _secret(value: SecretStr | None, path: Path | None, field: str) -> str | None:
    """The shared rule (``shared.read_secret``: the file wins), refused as this process's ConfigError."""
    try:
        return read_secret(value, path, field)
    except SecretFileError as exc:
        raise ConfigError(field, str(exc)) from exc


class LaneSettings(_Section):
    name: str = Field(pattern=ID_PATTERN, description="lane id, unique at this gate (entry, exit-1)")
    direction: Direction = Field(description="entry or exit; exits always open")
    camera: str = Field(min_length=1, max_length=500,
                        description="frame source: a folder or file of images, a device index, an RTSP URL")
    trigger: Literal["motion", "every", "loop"] = Field(
        default="motion", description="motion: a run of moving frames is one vehicle; every: one per frame; "
                                      "loop: frames while the loop input (loop_input) reports a vehicle")
    loop_input: Path | None = Field(default=None, description="trigger loop: value file of the loop "
                                                              "detector ('1' occupied), e.g. a GPIO value")
    frames_per_read: int = Field(default=3, ge=1, le=20, description="frames read per vehicle for consensus")
    replay_interval_s: float = Field(default=0.0, ge=0, le=3600,
                                     description="folder cameras only: seconds between replayed frames")
    replay_delay_s: float = Field(default=0.0, ge=0, le=3600,
                                  description="folder cameras only: seconds before the first frame")
    relay_url: str | None = Field(default=None, max_length=500,
                                  description="http_relay driver: URL that pulses this lane's barrier")


class ReaderSettings(_Section):
    engine: str = Field(default=DEFAULT_ENGINE, min_length=1, max_length=40,
                        description=f"plate reading engine: one of {', '.join(ENGINE_NAMES)}")
    options: dict[str, Any] = Field(default_factory=dict, description="engine options, passed as keywords")
    min_confidence: float = Field(default=0.90, ge=0.0, le=1.0,
                                  description="below this a contracted plate goes to the guard")
    single_read_confidence: float = Field(
        default=0.95, ge=0.0, le=1.0,
        description="a trigger-frame read this confident decides alone; 1.0 always votes over frames")

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, name: str) -> str:
        if name not in ENGINE_NAMES:
            raise ValueError(f"unknown engine, expected one of {', '.join(ENGINE_NAMES)}")
        return name


class BrokerSettings(_Section):
    url: str = Field(default="mqtt://127.0.0.1:1883", pattern=r"^mqtts?://[^/\s]+$",
                     description="mqtt://host:port or mqtts://host:port (TLS)")
    username: str | None = Field(default=None, max_length=200,
                                 description="broker account; default gate.<site>.<gate>")
    password: SecretStr | None = Field(default=None, description="broker password (env only)")
    password_file: Path | None = Field(default=None, description="file holding the broker password")
    tls_ca_file: Path | None = Field(default=None, description="CA bundle for mqtts")
    tls_cert_file: Path | None = Field(default=None, description="client certificate for mqtts")
    tls_key_file: Path | None = Field(default=None, description="client key for mqtts")
    tls_check_hostname: bool = Field(default=True, description="the broker's certificate must name the "
                                                               "url's host (mqtts)")
    keepalive_s: int = Field(default=30, ge=5, le=600, description="MQTT keepalive")
    protocol: Literal["mqtt5", "mqtt311"] = Field(
        default="mqtt5", description="mqtt5 (production); mqtt311 only for the demo's embedded broker")
    reconnect_min_s: float = Field(default=1.0, ge=0.1, le=60, description="first reconnect delay")
    reconnect_max_s: float = Field(default=60.0, ge=1, le=3600, description="longest reconnect delay")
    heartbeat_s: float = Field(default=30.0, ge=0.2, le=3600, description="status heartbeat period")
    max_inflight: int = Field(default=20, ge=1, le=1000, description="outbox rows awaiting PUBACK at once")
    retry_refused_s: float = Field(default=60.0, ge=0.1, le=86400,
                                   description="wait before re-sending a row the broker refused")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return self.url.startswith("mqtts://")

    def tls_files(self) -> TlsFiles | None:
        if not self.tls:
            return None
        return TlsFiles(self.tls_ca_file, self.tls_cert_file, self.tls_key_file, self.tls_check_hostname)

    @model_validator(mode="after")
    def _check(self) -> BrokerSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be at least reconnect_min_s")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.tls_cert_file is not None and not self.tls:
            raise ValueError("client certificates need an mqtts:// url")
        if (files := self.tls_files()) is not None:
            client_context(files)  # a missing or unreadable file stops the start, naming it
        return self


class BarrierSettings(_Section):
    driver: Literal["simulated", "http_relay"] = Field(default="simulated", description="barrier driver")
    pulse_ms: int = Field(default=500, ge=50, le=10_000, description="relay pulse length")
    timeout_s: float = Field(default=2.0, ge=0.1, le=30, description="driver timeout; past it, a fault")
    token: SecretStr | None = Field(default=None, description="bearer token for the relay (env only)")
    token_file: Path | None = Field(default=None, description="file holding the relay token")
    fail: bool = Field(default=False, description="simulated driver only: every command fails (tests)")


class GuardSettings(_Section):
    enabled: bool = Field(default=True, description="serve the guard page")
    host: str = Field(default="127.0.0.1", max_length=200, description="listen address of the guard page")
    port: int = Field(default=8080, ge=0, le=65535, description="listen port (0: any free port)")
    accounts: dict[str, str] = Field(default_factory=dict,
                                     description="guard name -> argon2 hash (parking-edge hash-password)")
    session_secret: SecretStr | None = Field(default=None, description="cookie signing secret (env only)")
    session_secret_file: Path | None = Field(default=None, description="file holding the cookie secret")
    session_hours: float = Field(default=12, gt=0, le=168, description="a login lasts this long")
    max_failures: int = Field(default=5, ge=1, le=100,
                              description="failed logins of one account before it is locked")
    max_address_failures: int = Field(default=10, ge=1, le=1000,
                                      description="failed logins from one client address before it is locked")
    lockout_minutes: float = Field(default=15, gt=0, le=1440, description="how long a lockout lasts")
    secure_cookie: bool = Field(default=False, description="cookie only over HTTPS (behind a TLS proxy)")
    trusted_proxies: tuple[str, ...] = Field(
        default=(), max_length=16,
        description="reverse proxies whose X-Forwarded-For names the client (lockout by address)")
    recent_reads: int = Field(default=20, ge=1, le=200, description="reads shown on the live list")
    review_window_minutes: float = Field(
        default=240, gt=0, le=10_080, description="reviews older than this leave the queue (driver gone)")
    stream_heartbeat_s: float = Field(
        default=10, ge=0.2, le=60,
        description="live stream keep-alive; the page calls its data stale after 2.5 of these without word")
    poll_s: float = Field(default=3, ge=0.5, le=60,
                          description="how often the page asks for the state when the live stream is down")

    @field_validator("accounts")
    @classmethod
    def _hashed(cls, accounts: dict[str, str]) -> dict[str, str]:
        for name, hashed in accounts.items():
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
                raise ValueError(f"guard name {name!r}: 1-64 of letters, digits, _ . -")
            if not _ARGON2.match(hashed):
                raise ValueError(f"guard {name!r}: not an argon2 hash (never a plain password)")
        return accounts


class RetentionSettings(_Section):
    snapshot_days: float = Field(default=30, gt=0, le=3650, description="days a snapshot JPEG is kept")
    unknown_plate_hours: float = Field(default=24, gt=0, le=24 * 365,
                                       description="hours before plates without a contract are hashed")
    hash_salt: SecretStr | None = Field(default=None, description="salt of plate hashes (env only)")
    hash_salt_file: Path | None = Field(default=None, description="file holding the plate salt")
    sweep_minutes: float = Field(default=10, gt=0, le=1440, description="how often retention runs")


class AlarmSettings(_Section):
    bundle_expiry_warning_hours: float = Field(default=24, ge=0, le=24 * 60,
                                               description="alarm when the held bundle expires within this")
    central_unreachable_s: float = Field(default=120, ge=0, le=86400,
                                         description="broker down this long raises an alarm")
    outbox_depth: int = Field(default=500, ge=1, le=10_000_000, description="outbox rows that raise an alarm")
    camera_down_s: float = Field(default=30, ge=1, le=86400, description="no frame this long: camera down")


class StorageSettings(_Section):
    check_at_start: bool = Field(default=True, description="read the whole database once at start "
                                                           "(quick_check): a corrupt file is moved aside")
    memory_outbox_max: int = Field(
        default=2000, ge=0, le=1_000_000,
        description="while the store runs in memory (disk failing), automatic entries go to the guard "
                    "once this many events wait undelivered; exits always open")


class MetricsSettings(_Section):
    port: int | None = Field(default=None, ge=0, le=65535,
                             description="also serve /metrics on this port (0: any free port); "
                                         "the guard page serves it at /metrics either way")
    host: str = Field(default="127.0.0.1", max_length=200, description="listen address of that port")


class EdgeSettings(BaseSettings):
    """Everything one gate agent needs."""

    model_config = SettingsConfigDict(env_prefix="PARKING_EDGE_", env_nested_delimiter="__",
                                      extra="forbid", frozen=True)

    environment: Literal["development", "production"] = Field(
        default="production", description="development allows the built-in dev secrets")
    site_id: str = Field(pattern=ID_PATTERN, description="site id as the central service knows it")
    gate_id: str = Field(pattern=ID_PATTERN, description="gate id, unique in the site")
    data_dir: Path = Field(default=Path("var/edge"), description="database and snapshots")
    lanes: tuple[LaneSettings, ...] = Field(min_length=1, max_length=8, description="the gate's lanes")
    reader: ReaderSettings = Field(default_factory=ReaderSettings, description="plate reader")
    broker: BrokerSettings = Field(default_factory=BrokerSettings, description="MQTT broker")
    barrier: BarrierSettings = Field(default_factory=BarrierSettings, description="barrier driver")
    public_keys: dict[str, str] = Field(
        default_factory=dict, description="key id -> base64 Ed25519 public key of the central service")
    guard: GuardSettings = Field(default_factory=GuardSettings, description="guard page")
    retention: RetentionSettings = Field(default_factory=RetentionSettings, description="data retention")
    alarms: AlarmSettings = Field(default_factory=AlarmSettings, description="alarm thresholds")
    storage: StorageSettings = Field(default_factory=StorageSettings, description="when the disk fails")
    metrics: MetricsSettings = Field(default_factory=MetricsSettings, description="Prometheus metrics")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init arguments; the environment overrides it.
        return env_settings, init_settings

    @field_validator("public_keys")
    @classmethod
    def _keys(cls, keys: dict[str, str]) -> dict[str, str]:
        for key_id, text in keys.items():
            try:
                public_key_from_text(text)
            except ValueError as exc:
                raise ValueError(f"key {key_id!r}: {exc}") from exc
        return keys

    @model_validator(mode="after")
    def _check(self) -> EdgeSettings:
        missing_loop = [lane.name for lane in self.lanes
                        if lane.trigger == "loop" and lane.loop_input is None]
        if missing_loop:
            raise ValueError(f"trigger loop needs loop_input on lanes {missing_loop}")
        names = [lane.name for lane in self.lanes]
        if len(set(names)) != len(names):
            raise ValueError(f"lane names repeat: {names}")
        if self.barrier.driver == "http_relay":
            missing = [lane.name for lane in self.lanes if not lane.relay_url]
            if missing:
                raise ValueError(f"http_relay driver needs relay_url on lanes {missing}")
        if self.guard.enabled and not self.guard.accounts:
            raise ValueError("guard.accounts is empty: nobody could log in to the guard page")
        if self.guard.enabled and self.metrics.port and self.metrics.port == self.guard.port:
            raise ValueError("metrics.port is the guard page's port, which serves /metrics already")
        return self

    def verification_keys(self) -> dict[str, Ed25519PublicKey]:
        """The central service's public keys by key id, parsed (``_keys`` checked them at load)."""
        return {key_id: public_key_from_text(text) for key_id, text in self.public_keys.items()}

    @property
    def broker_username(self) -> str:
        return self.broker.username or gate_username(self.site_id, self.gate_id)

    def broker_password(self) -> str | None:
        return _secret(self.broker.password, self.broker.password_file, "broker.password")

    def barrier_token(self) -> str | None:
        return _secret(self.barrier.token, self.barrier.token_file, "barrier.token")

    def session_secret(self) -> str:
        value = _secret(self.guard.session_secret, self.guard.session_secret_file, "guard.session_secret")
        return self._not_default(value, DEV_SESSION_SECRET, "guard.session_secret")

    def hash_salt(self) -> str:
        value = _secret(self.retention.hash_salt, self.retention.hash_salt_file, "retention.hash_salt")
        return self._not_default(value, DEV_HASH_SALT, "retention.hash_salt")

    def _not_default(self, value: str | None, default: str, field: str) -> str:
        if value and value != default and len(value) >= 16:
            return value
        if self.environment == "development":
            return value or default
        raise ConfigError(field, "missing, too short (< 16) or the dev default; set it by env or *_file")

    def check_secrets(self) -> None:
        """Read every secret once, so a missing one stops the agent at start."""
        self.session_secret()
        self.hash_salt()
        self.broker_password()
        self.barrier_token()


def load_settings(path: Path | None = None, *, require_secrets: bool = True,
                  **overrides: Any) -> EdgeSettings:
    """Read the YAML file (if any), apply the environment, check; raise ConfigError naming the field.

    ``require_secrets=False`` serves read-only tools (``explain``) that need no secret.
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(str(path), f"cannot read: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(str(path), "must hold a mapping of settings")
        data = loaded
    data.update(overrides)
    try:
        settings = EdgeSettings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(field, f"{first['msg']}{_shown_input(field, first.get('input'))}") from exc
    if require_secrets:
        settings.check_secrets()
    return settings


def _shown_input(field: str, value: object) -> str:
    """The refused value for the error message: never a secret, never a URL's user and password."""
    if _SECRET_FIELD.search(field):
        return ""
    text = _URL_USER.sub("//***@", value) if isinstance(value, str) else value
    return f" (got {text!r:.80})"

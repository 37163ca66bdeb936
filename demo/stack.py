"""The whole product on one machine: broker, central service and one gate, as real processes.

Every secret is random for the run and reaches the processes through their
environment, never their config files or command lines.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from argon2 import PasswordHasher

from central.broker import dynsec
from demo.brokers import (
    ADMIN_USER,
    EmbeddedBroker,
    MosquittoBroker,
    RunningBroker,
    dynsec_installed,
    free_port,
    mosquitto_installed,
)
from shared import (
    CENTRAL_USER,
    central_rules,
    gate_rules,
    gate_username,
    generate_private_key,
    private_key_to_text,
    public_key_to_text,
)

logger = logging.getLogger(__name__)

SITE, GATE, KEY_ID = "demo", "main", "demo-1"
GUARD_USER = "guard"


@dataclass
class Secrets:
    central_mqtt: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    broker_admin: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    gate_mqtt: str = field(default_factory=lambda: secrets.token_urlsafe(18))  # central makes it (dynsec)
    guard_password: str = field(default_factory=lambda: "demo-" + secrets.token_hex(4))
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    hash_salt: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    signing_key: Any = field(default_factory=generate_private_key)

    def values(self) -> list[str]:
        """Everything that must never appear in a log line."""
        return [self.central_mqtt, self.broker_admin, self.gate_mqtt, self.guard_password,
                self.session_secret, self.hash_salt, private_key_to_text(self.signing_key)]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def tail(self, chars: int = 1500) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class Stack:
    """Start with ``start_broker``, ``start_central``, ``start_edge``; ``stop`` ends all."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.secrets = Secrets()
        self.central_port = free_port()
        self.guard_port = free_port()
        self.broker: RunningBroker | None = None
        self.accounts_by_central = False  # the broker's plugin: central makes the gate's account
        self.processes: list[Process] = []

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.central_port}/api/v1"

    @property
    def guard_url(self) -> str:
        return f"http://127.0.0.1:{self.guard_port}/"

    # -- broker ------------------------------------------------------------------

    def start_broker(self, kind: str = "auto") -> str:
        """Mosquitto (with its dynamic-security plugin when installed: central then makes the gate's
        account when the gate is added), else the embedded broker with the gate's account made here."""
        accounts = {CENTRAL_USER: (self.secrets.central_mqtt, central_rules())}
        if kind == "mosquitto" or (kind == "auto" and mosquitto_installed()):
            broker = MosquittoBroker(self.workdir / "mosquitto", dynsec=dynsec_installed())
            if broker.dynsec:
                broker.add_user(ADMIN_USER, self.secrets.broker_admin, dynsec.ADMIN_RULES)
            else:
                accounts[gate_username(SITE, GATE)] = (self.secrets.gate_mqtt, gate_rules(SITE, GATE))
            for user, (password, rules) in accounts.items():
                broker.add_user(user, password, rules)
            self.broker = broker.start()
            self.accounts_by_central = broker.dynsec
            return "Mosquitto (MQTT 5, accounts in its dynamic-security plugin)" if broker.dynsec \
                else "Mosquitto (MQTT 5)"
        accounts[gate_username(SITE, GATE)] = (self.secrets.gate_mqtt, gate_rules(SITE, GATE))
        passwords = {user: password for user, (password, _) in accounts.items()}
        by_user = {user: mine for user, (_, mine) in accounts.items()}
        self.broker = EmbeddedBroker(self.workdir / "amqtt", passwords, by_user).start()
        return "embedded amqtt (MQTT 3.1.1; install mosquitto for MQTT 5)"

    @property
    def _protocol(self) -> str:
        return "mqtt5" if self.broker is not None and self.broker.mqtt5 else "mqtt311"

    # -- central -----------------------------------------------------------------

    def start_central(self, scheduler_interval_s: float = 2.0) -> None:
        assert self.broker is not None
        # development: resident sign-in codes go to the log (the demo shows them) and the sandbox
        # payment provider is on. Every secret is still this run's own (the environment below).
        config = {
            "environment": "development",
            "log_level": "INFO",
            "database": {"url": f"sqlite:///{self.workdir / 'central.db'}"},
            "mqtt": {"host": "127.0.0.1", "port": self.broker.port, "protocol": self._protocol},
            "broker_accounts": {"manager": "dynsec" if self.accounts_by_central else "password_file"},
            "signing": {"key_id": KEY_ID, "publish_interval_s": 0.5},
            "api": {"host": "127.0.0.1", "port": self.central_port},
            "enforcement": {"interval_s": scheduler_interval_s},
        }
        path = self._write("central.yaml", config)
        self._spawn("central", ["-m", "central.cli", "serve", "--config", str(path)], self._central_env())
        self._wait_http(f"{self.api}/health", "central")

    def create_token(self) -> str:
        done = self.central_command("create-token", "--role", "admin", "--name", "demo")
        done.check_returncode()
        return done.stdout.strip().splitlines()[-1]

    def central_command(self, *args: str,
                        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "central.cli", *args,
                               "--config", str(self.workdir / "central.yaml")],
                              env={**(env or os.environ), **self._central_env()}, capture_output=True,
                              text=True, check=False)

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.central_port}"

    def _central_env(self) -> dict[str, str]:
        return {"PARKING_CENTRAL_MQTT__PASSWORD": self.secrets.central_mqtt,
                "PARKING_CENTRAL_BROKER_ACCOUNTS__ADMIN_PASSWORD": self.secrets.broker_admin,
                "PARKING_CENTRAL_SIGNING__KEY": private_key_to_text(self.secrets.signing_key)}

    # -- edge --------------------------------------------------------------------

    def start_edge(self, frames: Path, entry_every_s: float, exit_delay_s: float,
                   exit_every_s: float) -> None:
        assert self.broker is not None
        lanes = [
            {"name": "entry", "direction": "entry", "camera": str(frames / "entry"), "trigger": "every",
             "replay_interval_s": entry_every_s, "replay_delay_s": 3.0},
            {"name": "exit", "direction": "exit", "camera": str(frames / "exit"), "trigger": "every",
             "replay_interval_s": exit_every_s, "replay_delay_s": exit_delay_s},
        ]
        config = {
            "environment": "production", "site_id": SITE, "gate_id": GATE,
            "data_dir": str(self.workdir / "edge"), "lanes": lanes,
            "broker": {"url": f"mqtt://127.0.0.1:{self.broker.port}", "protocol": self._protocol,
                       "heartbeat_s": 5},
            "public_keys": {KEY_ID: public_key_to_text(self.secrets.signing_key.public_key())},
            "guard": {"host": "127.0.0.1", "port": self.guard_port,
                      "accounts": {GUARD_USER: PasswordHasher().hash(self.secrets.guard_password)}},
        }
        path = self._write("edge.yaml", config)
        env = {"PARKING_EDGE_BROKER__PASSWORD": self.secrets.gate_mqtt,
               "PARKING_EDGE_GUARD__SESSION_SECRET": self.secrets.session_secret,
               "PARKING_EDGE_RETENTION__HASH_SALT": self.secrets.hash_salt}
        self._spawn("edge", ["-m", "edge.cli", "run", "--config", str(path)], env)
        self._wait_http(self.guard_url, "edge")

    # -- plumbing ----------------------------------------------------------------

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None

    def _write(self, name: str, config: dict[str, Any]) -> Path:
        path = self.workdir / name
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen([sys.executable, *args], env={**os.environ, **env},
                                     stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def _wait_http(self, url: str, name: str, timeout: float = 60) -> None:
        process = next(p for p in self.processes if p.name == name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.alive():
                raise RuntimeError(f"{name} exited at start:\n{process.tail()}")
            try:
                httpx.get(url, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.3)
        raise RuntimeError(f"{name} did not answer on {url} within {timeout}s:\n{process.tail()}")

"""MQTT brokers for the demo and the tests, always with passwords and topic rules.

``MosquittoBroker`` runs the real Mosquitto on a loopback port from a generated
config; it can stop and start again with its persistence kept. Its accounts
are in a password file and an ACL, or (``dynsec=True``) in the dynamic-security
plugin, as production runs it. ``EmbeddedBroker`` runs amqtt in a thread when
Mosquitto is not installed: it speaks MQTT 3.1.1 only, so it serves the demo,
never production.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from central.broker import dynsec
from central.core.config import MESSAGE_SIZE_LIMIT
from shared.topics import Access, TopicRule, acl_block

logger = logging.getLogger(__name__)

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
DYNSEC_PLUGIN = next((p for p in (Path("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"),
                                  Path("/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so"),
                                  Path("/usr/lib/mosquitto_dynamic_security.so")) if p.exists()),
                     Path("/usr/lib/mosquitto_dynamic_security.so"))
ADMIN_USER = "central-admin"  # the dynamic-security admin (central's broker_accounts.admin_username)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def mosquitto_installed() -> bool:
    return Path(MOSQUITTO).exists() and Path(MOSQUITTO_PASSWD).exists()


def dynsec_installed() -> bool:
    return DYNSEC_PLUGIN.exists()


class RunningBroker(Protocol):
    port: int
    mqtt5: bool

    def stop(self) -> None: ...


@dataclass
class MosquittoBroker:
    """Mosquitto on a free port; every account has a password and its topic rules.

    With ``dynsec`` the accounts are in the dynamic-security plugin's file, written
    before the first start only (as ``parking-central broker init`` does); accounts
    added while it runs go through the plugin's control topic as the admin account
    ``central-admin``. Otherwise a password file and an ACL, reloaded by SIGHUP.
    """

    workdir: Path
    port: int = field(default_factory=free_port)
    dynsec: bool = False
    passwords: dict[str, str] = field(default_factory=dict)
    rules: dict[str, tuple[TopicRule, ...]] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    mqtt5: bool = True

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.dynsec:  # a caller may give it another password before the start
            self.add_user(ADMIN_USER, secrets.token_urlsafe(18), dynsec.ADMIN_RULES)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def dynsec_file(self) -> Path:
        return self.workdir / "dynamic-security.json"

    def add_user(self, user: str, password: str, rules: tuple[TopicRule, ...]) -> None:
        self.passwords[user] = password
        self.rules[user] = tuple(rules)
        if not self.running:
            return
        if self.dynsec:
            self._dynsec_create(user)
            return
        self._write_files()
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)  # reloads passwords and ACL
        time.sleep(0.1)

    def start(self) -> MosquittoBroker:
        self._write_files()
        with (self.workdir / "mosquitto.log").open("ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.workdir / "mosquitto.conf")], stdout=log, stderr=log)
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            log_tail = (self.workdir / "mosquitto.log").read_text(errors="replace")[-800:]
            raise RuntimeError(f"mosquitto did not start: {log_tail}") from None
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def admin_settings(self) -> tuple[Any, Any]:
        """Central's (mqtt, broker_accounts) settings for this broker's dynamic-security admin."""
        from pydantic import SecretStr

        from central.core.config import BrokerAccountSettings, MqttSettings

        return (MqttSettings(host="127.0.0.1", port=self.port, client_id="broker-helper"),
                BrokerAccountSettings(manager="dynsec", admin_username=ADMIN_USER,
                                      admin_password=SecretStr(self.passwords[ADMIN_USER])))

    def config_lines(self) -> list[str]:
        """The generated mosquitto.conf; a subclass may add listeners."""
        accounts = [f"plugin {DYNSEC_PLUGIN}", f"plugin_opt_config_file {self.dynsec_file}"] if self.dynsec \
            else [f"password_file {self.workdir / 'passwd'}", f"acl_file {self.workdir / 'acl'}"]
        return [
            "per_listener_settings false",
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous false",
            f"user {getpass.getuser()}",  # as root, do not drop to 'mosquitto': it cannot read tmp
            *accounts,
            f"message_size_limit {MESSAGE_SIZE_LIMIT}",
            "persistence true",
            f"persistence_location {self.workdir}/",
            "autosave_interval 1",
            "max_queued_messages 100000",
            "log_type error", "log_type warning", "log_type notice",
        ]

    def _write_files(self) -> None:
        if self.dynsec:
            self._write_dynsec_file()
        else:
            self._write_password_file()
        (self.workdir / "mosquitto.conf").write_text("\n".join(self.config_lines()) + "\n")

    def _write_password_file(self) -> None:
        passwd = self.workdir / "passwd"
        passwd.write_text("")
        passwd.chmod(0o600)
        for user, password in self.passwords.items():
            subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwd), user, password], check=True,
                           capture_output=True)
        acl = [line for user, rules in self.rules.items() for line in ["", *acl_block(user, rules)]]
        (self.workdir / "acl").write_text("\n".join(acl) + "\n")

    def _write_dynsec_file(self) -> None:
        if self.dynsec_file.exists():
            return  # the plugin keeps its own file from the first start on
        accounts = [dynsec.Account(u, self.passwords[u], r) for u, r in self.rules.items()]
        self.dynsec_file.write_text(json.dumps(dynsec.first_file(accounts), indent=1))
        self.dynsec_file.chmod(0o600)

    def _dynsec_create(self, user: str) -> None:
        from central.broker.control import DynsecControl

        control = DynsecControl(*self.admin_settings())
        with control.conversation() as talk:
            answers = talk.run(dynsec.create_commands(dynsec.Account(user, self.passwords[user],
                                                                     self.rules[user])))
        errors = [a["error"] for a in answers if a.get("error")]
        if errors:
            raise RuntimeError(f"dynamic-security refused {user}: {errors}")


class EmbeddedBroker:
    """amqtt in a background thread: passwords (argon2) and topic ACLs, MQTT 3.1.1."""

    mqtt5 = False

    def __init__(self, workdir: Path, passwords: dict[str, str],
                 rules: dict[str, tuple[TopicRule, ...]]) -> None:
        self.port = free_port()
        self._config = self._config_for(workdir, passwords, rules)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker: Any = None

    def _config_for(self, workdir: Path, passwords: dict[str, str],
                    rules: dict[str, tuple[TopicRule, ...]]) -> dict[str, Any]:
        from argon2 import PasswordHasher

        workdir.mkdir(parents=True, exist_ok=True)
        passwd = workdir / "amqtt-passwd"
        hasher = PasswordHasher()
        passwd.write_text("".join(f"{u}:{hasher.hash(p)}\n" for u, p in passwords.items()))
        publish, subscribe = _acl_maps(rules)
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.FileAuthPlugin": {"password_file": str(passwd)},
                "amqtt.plugins.topic_checking.TopicAccessControlListPlugin": {
                    "publish_acl": publish, "acl": subscribe},
            },
        }

    def start(self) -> EmbeddedBroker:
        from amqtt.broker import Broker

        self._thread.start()

        async def boot() -> None:
            self._broker = Broker(self._config)
            await self._broker.start()

        asyncio.run_coroutine_threadsafe(boot(), self._loop).result(timeout=20)  # listening on return
        return self

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(timeout=20)
            self._broker = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def _acl_maps(rules: dict[str, tuple[TopicRule, ...]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each account's topic rules as amqtt's publish and subscribe maps."""
    publish = {user: [r.topic for r in mine if r.access in (Access.WRITE, Access.READWRITE)]
               for user, mine in rules.items()}
    subscribe = {user: [r.topic for r in mine if r.access in (Access.READ, Access.READWRITE)]
                 for user, mine in rules.items()}
    return publish, subscribe

"""MQTT brokers for the demo and the tests, always with passwords and ACLs.

``MosquittoBroker`` runs the real Mosquitto on a loopback port from a generated
config; it can stop and start again with its persistence kept. ``EmbeddedBroker``
runs amqtt in a thread when Mosquitto is not installed: it speaks MQTT 3.1.1
only, so it serves the demo, never production.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


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


class RunningBroker(Protocol):
    port: int
    mqtt5: bool

    def stop(self) -> None: ...


@dataclass
class MosquittoBroker:
    """Mosquitto with a password file and an ACL (Mosquitto's syntax), on a free port."""

    workdir: Path
    port: int = field(default_factory=free_port)
    passwords: dict[str, str] = field(default_factory=dict)
    acl: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    mqtt5: bool = True

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def add_user(self, user: str, password: str, acl: list[str]) -> None:
        self.passwords[user] = password
        self.acl.extend(["", *acl])
        if self.running:
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

    def _write_files(self) -> None:
        passwd = self.workdir / "passwd"
        passwd.write_text("")
        passwd.chmod(0o600)
        for user, password in self.passwords.items():
            subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwd), user, password], check=True,
                           capture_output=True)
        (self.workdir / "acl").write_text("\n".join(self.acl) + "\n")
        (self.workdir / "mosquitto.conf").write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            f"user {getpass.getuser()}\n"  # as root, do not drop to 'mosquitto': it cannot read tmp
            f"password_file {passwd}\n"
            f"acl_file {self.workdir / 'acl'}\n"
            "persistence true\n"
            f"persistence_location {self.workdir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 100000\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )


class EmbeddedBroker:
    """amqtt in a background thread: passwords (argon2) and topic ACLs, MQTT 3.1.1."""

    mqtt5 = False

    def __init__(self, workdir: Path, passwords: dict[str, str], acl: list[str]) -> None:
        self.port = free_port()
        self._config = self._config_for(workdir, passwords, acl)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker: Any = None

    def _config_for(self, workdir: Path, passwords: dict[str, str], acl: list[str]) -> dict[str, Any]:
        from argon2 import PasswordHasher

        workdir.mkdir(parents=True, exist_ok=True)
        passwd = workdir / "amqtt-passwd"
        hasher = PasswordHasher()
        passwd.write_text("".join(f"{u}:{hasher.hash(p)}\n" for u, p in passwords.items()))
        publish, subscribe = _acl_maps(acl)
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


def _acl_maps(acl: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Mosquitto ACL lines ('user u', 'topic read|write|readwrite t') as amqtt's maps."""
    publish: dict[str, list[str]] = {}
    subscribe: dict[str, list[str]] = {}
    user = ""
    for line in acl:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "user":
            user = parts[1]
            publish.setdefault(user, [])
            subscribe.setdefault(user, [])
        elif len(parts) == 3 and parts[0] == "topic":
            if parts[1] in ("write", "readwrite"):
                publish[user].append(parts[2])
            if parts[1] in ("read", "readwrite"):
                subscribe[user].append(parts[2])
    return publish, subscribe

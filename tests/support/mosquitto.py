"""A real Mosquitto on a free loopback port, from a generated config.

No anonymous access: every client has a password and the ACL from
``shared.topics``. The broker can be stopped and started again on the same
port with its persistence (retained messages, queued QoS 1) kept.
"""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.topics import CENTRAL_USER, central_acl, gate_acl, gate_username

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


@dataclass
class Broker:
    workdir: Path
    port: int = field(default_factory=free_port)
    passwords: dict[str, str] = field(default_factory=dict)
    acl: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.add_user(CENTRAL_USER, "central-secret", central_acl())
        self.add_user("admin", "admin-secret", ["user admin", "topic readwrite #"])

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def add_user(self, user: str, password: str, acl: list[str]) -> None:
        self.passwords[user] = password
        self.acl.extend(["", *acl])
        if self.running:
            self._write_files()
            assert self.process is not None
            self.process.send_signal(signal.SIGHUP)  # reloads passwords and ACL
            time.sleep(0.1)

    def add_gate(self, site: str, gate: str, password: str | None = None) -> tuple[str, str]:
        user = gate_username(site, gate)
        secret = password or f"{user}-secret"
        if user not in self.passwords:
            self.add_user(user, secret, gate_acl(site, gate))
        return user, self.passwords[user]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> Broker:
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

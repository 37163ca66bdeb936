"""docker-compose's broker, run here: its own config files, broker-init command and healthcheck.

There is no Docker engine on the test machine, so the files are used as they
are with only the container paths and the port changed: ``config/mosquitto/
mosquitto.conf`` with the dynamic-security file that compose's ``broker-init``
command writes, its TLS listener (``tls.conf``) with certificates made for the
test, and ``password-file.conf`` with the ACL ``parking-central broker-acl``
regenerates. The compose healthcheck must pass on both, and accounts made at
run time must survive a restart and another ``broker-init``.
"""

from __future__ import annotations

import getpass
import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from central.broker import DynsecAccounts
from central.broker.control import DynsecControl
from central.core.config import BrokerAccountSettings, MqttSettings
from central.mqtt import MqttClient
from demo.brokers import DYNSEC_PLUGIN, MOSQUITTO_PASSWD, dynsec_installed, free_port, mosquitto_installed
from demo.brokers import wait_for_port as wait_for
from tests.central.broker.conftest import connack
from tests.support.tls import CertificateAuthority

pytestmark = pytest.mark.broker

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]


class ComposeBroker:
    """One of config/mosquitto's files, its container paths moved under ``root``."""

    def __init__(self, root: Path, config: str) -> None:
        self.root, self.port, self.tls_port = root, free_port(), free_port()
        for folder in ("data", "conf.d"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.conf = root / config
        self.conf.write_text(self.local((REPO / "config/mosquitto" / config).read_text())
                             + f"user {getpass.getuser()}\n")
        self.process: subprocess.Popen[bytes] | None = None

    def local(self, text: str) -> str:
        for container, here in (("/usr/lib/mosquitto_dynamic_security.so", str(DYNSEC_PLUGIN)),
                                ("/mosquitto/data/", f"{self.root}/data/"),
                                ("/mosquitto/config/acl", f"{self.root}/acl"),
                                ("/mosquitto/conf.d", f"{self.root}/conf.d"),
                                ("listener 1883", f"listener {self.port} 127.0.0.1"),
                                ("listener 8883", f"listener {self.tls_port} 127.0.0.1"),
                                ("log_dest stdout", "log_dest stderr")):
            text = text.replace(container, here)
        return text

    def start(self) -> ComposeBroker:
        with (self.root / "mosquitto.log").open("ab") as log:
            self.process = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=log, stderr=log)
        wait_for(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def healthcheck(self, central_password: str) -> subprocess.CompletedProcess[str]:
        """docker-compose.yml's mosquitto healthcheck, as the container's shell would run it."""
        command = COMPOSE["mosquitto"]["healthcheck"]["test"][1].replace("$$", "$")
        command = command.replace("-p 1883", f"-p {self.port}")
        env = {**os.environ, "MQTT_CENTRAL_PASSWORD": central_password}
        return subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=20,
                              check=False)

    @property
    def log(self) -> str:
        return (self.root / "mosquitto.log").read_text(errors="replace")


@pytest.fixture
def passwords() -> dict[str, str]:
    names = COMPOSE["broker-init"]["environment"]
    return {name: secrets.token_urlsafe(18) for name in names}


def broker_init(root: Path, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """compose's broker-init command, the volume path moved under ``root``."""
    command = [part.replace("/mosquitto/data/", f"{root}/data/")
               for part in COMPOSE["broker-init"]["command"]]
    assert command[:3] == ["parking-central", "broker", "init"]
    return subprocess.run([sys.executable, "-m", "central.cli", *command[1:]], cwd=REPO,
                          env={**os.environ, **passwords}, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[ComposeBroker]]:
    if not (mosquitto_installed() and dynsec_installed()):
        pytest.skip("mosquitto with its dynamic-security plugin not installed")
    started: list[ComposeBroker] = []
    yield started
    for broker in started:
        broker.stop()


def test_the_compose_broker_keeps_run_time_accounts_over_restarts_and_passes_its_healthcheck(
        tmp_path: Path, passwords: dict[str, str], running: list[ComposeBroker]) -> None:
    ca = CertificateAuthority(tmp_path / "pki")
    served, central_tls = ca.issue("mosquitto", server=True, hosts=("localhost",)), ca.issue("central")
    broker = ComposeBroker(tmp_path / "volume", "mosquitto.conf")
    tls = broker.local((REPO / "config/mosquitto/tls.conf").read_text())
    for secret, path in (("/run/secrets/mqtt_ca", ca.cert), ("/run/secrets/mqtt_server_cert", served.cert),
                         ("/run/secrets/mqtt_server_key", served.key)):
        tls = tls.replace(secret, str(path))
    (broker.root / "conf.d" / "tls.conf").write_text(tls)  # as docker-compose.tls.yml mounts it
    first = broker_init(broker.root, passwords)
    assert first.returncode == 0, first.stderr
    running.append(broker.start())
    assert broker.healthcheck(passwords["MQTT_CENTRAL_PASSWORD"]).returncode == 0, broker.log

    mqtt = MqttSettings(host="127.0.0.1", port=broker.port, client_id="compose-test")
    admin = BrokerAccountSettings(manager="dynsec", admin_username="central-admin",
                                  admin_password=passwords["MQTT_ADMIN_PASSWORD"])
    added = DynsecAccounts(DynsecControl(mqtt, admin)).create("demo", "north")  # a gate added at run time

    broker.stop()
    changed = {**passwords, "MQTT_GATE_PASSWORD": "changed-" + passwords["MQTT_GATE_PASSWORD"]}
    again = broker_init(broker.root, changed)  # compose runs it at every `up`
    assert again.returncode == 0 and "kept" in again.stdout
    broker.start()
    assert connack(broker.port, added.username, added.password) == 0, "the run-time account was lost"
    assert connack(broker.port, "gate.demo.main", passwords["MQTT_GATE_PASSWORD"]) == 0
    assert broker.healthcheck(passwords["MQTT_CENTRAL_PASSWORD"]).returncode == 0, broker.log

    over_tls = MqttClient(MqttSettings(host="localhost", port=broker.tls_port, tls=True, tls_ca_file=ca.cert,
                                       tls_cert_file=central_tls.cert, tls_key_file=central_tls.key,
                                       password=passwords["MQTT_CENTRAL_PASSWORD"]), "compose-tls")
    over_tls.start()
    assert over_tls.wait_connected(10), over_tls.last_refusal
    over_tls.stop()


def test_a_regenerated_acl_keeps_the_password_file_broker_healthy(
        tmp_path: Path, running: list[ComposeBroker]) -> None:
    broker = ComposeBroker(tmp_path / "volume", "password-file.conf")
    password = secrets.token_urlsafe(18)
    passwd = broker.root / "data" / "passwd"
    passwd.touch(mode=0o600)
    subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwd), "central", password], check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-m", "central.cli", "broker-acl", "--no-database", "--gate",
                           "demo/main", "--output", str(broker.root / "acl")], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    running.append(broker.start())
    check = broker.healthcheck(password)
    assert check.returncode == 0, f"{shlex.quote(check.stderr)}\n{broker.log}"
    assert broker.healthcheck("wrong-password").returncode != 0

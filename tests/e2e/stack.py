"""The whole system as it is deployed, for the end-to-end tests.

Mosquitto with generated passwords and the ACL from ``shared.topics``; the
central service as ``parking-central serve --config FILE``; gates as
``parking-edge run --config FILE`` (or ``tests.e2e.gate_driver`` where a
camera and the reader would be too slow). Every configuration file is written
into a temporary folder, every secret is generated for the test and handed
over by environment variable or file, as production would, and every process
writes its log to a file the tests can read afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import yaml

from demo.brokers import free_port
from shared import generate_private_key, private_key_to_text, public_key_to_text
from shared.topics import CENTRAL_USER
from tests.support.mosquitto import Broker

REPO = Path(__file__).resolve().parents[2]
FRAMES = REPO / "demo" / "frames"
BIN = Path(sys.executable).parent
API = "/api/v1"
SITE = "s1"
KEY_ID = "e2e-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
GUARD_PASSWORD = "guard-e2e-" + secrets.token_hex(6)
# Every day type, all day: the contract holds whenever the test happens to run.
ALL_DAY = [{"day_type": "working", "start": "00:00", "end": "00:00"},
           {"day_type": "rest", "start": "00:00", "end": "00:00"}]
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0,
             alive: Callable[[], None] | None = None) -> T:
    """Bounded polling for what crosses processes; ``alive`` raises if a process died meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _command(name: str, module: str) -> list[str]:
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def frame(name: str) -> Path:
    """A demo photograph by file name (00-04 at the entry, 05-07 at the exit)."""
    found = sorted(FRAMES.glob(f"*/{name}"))
    assert found, f"no demo frame {name}"
    return found[0]


def guard_hash(password: str = GUARD_PASSWORD) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8192).hash(password)


@dataclass
class Process:
    """One service process, its log appended to one file over restarts."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.command, cwd=REPO, env={**os.environ, **self.env},
                                          stdout=out, stderr=subprocess.STDOUT)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait; the exit status (None if it was not running)."""
        if self.popen is None:
            return None
        popen, self.popen = self.popen, None
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                return popen.wait(timeout)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
                raise AssertionError(f"{self.name} did not stop within {timeout}s") from None
        return popen.returncode

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut or the OOM killer."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        self.popen = None


@dataclass
class Central:
    """``parking-central serve`` with its own configuration file and an admin token."""

    workdir: Path
    broker: Broker
    database_url: str
    log_level: str = "INFO"
    log_format: str = "text"
    ingest: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)  # settings sections (merged) or values
    port: int = field(default_factory=free_port)
    signing_key: str = field(default_factory=lambda: private_key_to_text(generate_private_key()))
    key_id: str = KEY_ID
    token: str = ""

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        key_file = self.workdir / "signing.key"
        key_file.write_text(self.signing_key)
        key_file.chmod(0o600)
        settings = {
            "environment": "production", "log_level": self.log_level, "log_format": self.log_format,
            "database": {"url": self.database_url, "pool_size": 5},
            "mqtt": {"host": "127.0.0.1", "port": self.broker.port, "username": CENTRAL_USER,
                     "client_id": "e2e", "reconnect_min_s": 1, "reconnect_max_s": 2},
            "signing": {"key_file": str(key_file), "key_id": self.key_id, "publish_interval_s": 0.2},
            "ingest": {"linger_ms": 20, **self.ingest},
            "api": {"host": "127.0.0.1", "port": self.port},
        }
        for key, value in self.overrides.items():
            settings[key] = {**settings.get(key, {}), **value} if isinstance(value, dict) else value
        self.config = self.workdir / "central.yaml"
        self.config.write_text(yaml.safe_dump(settings))
        # The broker password comes from the environment, never from the file.
        env = {"PARKING_CENTRAL_MQTT__PASSWORD": self.broker.passwords[CENTRAL_USER]}
        self.process = Process("parking-central serve",
                               [*_command("parking-central", "central.cli"), "serve", "--config",
                                str(self.config)], env, self.workdir / "central.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_key(self) -> str:
        from shared import private_key_from_text

        return public_key_to_text(private_key_from_text(self.signing_key).public_key())

    def start(self) -> Central:
        self.process.start()
        wait_for("the central API", self._answers, timeout=60, alive=self.process.check_alive)
        if not self.token:
            self.token = self._create_token()
        return self

    def stop(self) -> int | None:
        return self.process.stop()

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}{API}/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _create_token(self) -> str:
        done = self.command("create-token", "--role", "admin", "--name", "e2e")
        assert done.returncode == 0, done.stderr
        (self.workdir / "create-token.err").write_text(done.stderr)  # its log lines, for the secrets check
        return done.stdout.strip().splitlines()[-1]

    def bill(self, month: str, preview: bool = False) -> subprocess.CompletedProcess[str]:
        """``parking-central bill --month YYYY-MM [--preview]``: the month's statements (the preview's CSV
        on stdout)."""
        return self.command("bill", "--month", month, "--no-progress",
                            *(("--preview",) if preview else ()),
                            "--csv", str(self.workdir / f"statements-{month}.csv"))

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``parking-central ARGS --config FILE`` with the service's environment (its secrets)."""
        command = [*_command("parking-central", "central.cli"), *args, "--config", str(self.config)]
        return subprocess.run(command, cwd=REPO, env={**os.environ, **self.process.env},
                              capture_output=True, text=True, timeout=120, check=False)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"} if token != "" else {}
        return httpx.Client(base_url=self.url + API, headers=headers, timeout=15)

    def get(self, path: str, **params: Any) -> Any:
        with self.client() as client:
            response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        with self.client() as client:
            response = client.post(path, json=body)
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()

    def seed_site(self, gates: tuple[str, ...] = ("g1",), quota: int = 5) -> None:
        """Institution, site, an all-day product and the gates, through the API."""
        self.post("/institutions", {"id": "inst1", "name": "徐汇区某中学"})
        self.post("/sites", {"id": SITE, "institution_id": "inst1", "name": "North car park", "lat": 31.19,
                             "lon": 121.44, "shared_capacity": 20})
        self.post("/products", {"id": "s1-allday", "site_id": SITE, "name": "All day", "windows": ALL_DAY,
                                "min_stay_minutes": 0, "quota": quota, "monthly_fee_fen": 30000,
                                "usage_rate_fen": 200, "overstay_rate_fen": 500})
        for gate in gates:
            self.post("/gates", {"site_id": SITE, "gate_id": gate})

    def sign(self, plate: str, name: str = "Li") -> dict[str, Any]:
        resident = self.post("/residents", {"display_name": name})["id"]
        today = datetime.now(SHANGHAI).date()  # the site's date
        return dict(self.post("/contracts", {
            "product_id": "s1-allday", "plates": [plate], "resident_id": resident,
            "valid_from": str(today), "valid_to": str(today + timedelta(days=30))}))

    def events(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("/events", site_id=SITE, limit=500, **params))

    def stays(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("/stays", site_id=SITE, limit=500, **params))


@dataclass
class Gate:
    """One gate agent: ``parking-edge run`` (or the scripted driver), its folders, its guard page."""

    workdir: Path
    broker: Broker
    central: Central
    gate_id: str = "g1"
    verbose: bool = False
    guard_accounts: tuple[str, ...] = ("guard1",)
    overrides: dict[str, Any] = field(default_factory=dict)
    guard_port: int = field(default_factory=free_port)
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    hash_salt: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.lanes = {"entry": self.workdir / "camera-entry", "exit": self.workdir / "camera-exit"}
        for folder in self.lanes.values():
            folder.mkdir(exist_ok=True)
        self.user, password = self.broker.add_gate(SITE, self.gate_id)
        hashed = guard_hash()
        settings: dict[str, Any] = {
            "environment": "production", "site_id": SITE, "gate_id": self.gate_id,
            "data_dir": str(self.workdir / "data"),
            "lanes": [{"name": name, "direction": name, "camera": str(folder), "trigger": "every"}
                      for name, folder in self.lanes.items()],
            "broker": {"url": self.broker.url, "reconnect_min_s": 0.2, "reconnect_max_s": 1,
                       "heartbeat_s": 0.5},
            "public_keys": {KEY_ID: self.central.public_key},
            "guard": {"host": "127.0.0.1", "port": self.guard_port, "max_failures": 3,
                      "accounts": dict.fromkeys(self.guard_accounts, hashed)},
        }
        for key, value in self.overrides.items():
            settings[key] = {**settings[key], **value} if isinstance(value, dict) else value
        self.config = self.workdir / "edge.yaml"
        self.config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        self.env = {"PARKING_EDGE_BROKER__PASSWORD": password,
                    "PARKING_EDGE_GUARD__SESSION_SECRET": self.session_secret,
                    "PARKING_EDGE_RETENTION__HASH_SALT": self.hash_salt}
        edge = _command("parking-edge", "edge.cli")
        verbose = ["-v"] if self.verbose else []
        self.process = Process(f"parking-edge run ({self.gate_id})",
                               [*edge, *verbose, "run", "--config", str(self.config)], self.env,
                               self.workdir / "edge.log")

    @property
    def db(self) -> Path:
        return self.workdir / "data" / "gate.db"

    @property
    def guard_url(self) -> str:
        return f"http://127.0.0.1:{self.guard_port}"

    def show(self, lane: str, *names: str) -> None:
        """Put these demo photographs, and only these, in front of the lane's camera."""
        folder = self.lanes[lane]
        for old in folder.iterdir():
            old.unlink()
        for name in names:
            shutil.copy(frame(name), folder / name)

    def drive(self, *args: str) -> Gate:
        """Run the gate as ``tests.e2e.gate_driver`` (scripted camera and reader) with these arguments."""
        self.process = Process(f"gate driver ({self.gate_id})",
                               [sys.executable, "-m", "tests.e2e.gate_driver", "--config", str(self.config),
                                *args], self.env, self.workdir / "driver.log")
        return self

    def start(self) -> Gate:
        self.process.start()
        return self

    def recorded(self) -> list[dict[str, Any]]:
        """The events in the gate's own store, with whether the broker has taken them."""
        import sqlite3

        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as conn:
                rows = conn.execute("SELECT payload, delivered_at FROM events ORDER BY seq").fetchall()
        except sqlite3.OperationalError:  # no file yet, or the gate has made it but not its tables
            return []
        return [{**json.loads(payload), "delivered": delivered is not None} for payload, delivered in rows]

    def stop(self) -> int | None:
        return self.process.stop()

    def explain(self, plate: str) -> dict[str, Any]:
        """``parking-edge explain --json``: what the gate would decide now, from its own store."""
        done = subprocess.run([*_command("parking-edge", "edge.cli"), "explain", "--config", str(self.config),
                               "--plate", plate, "--json"], cwd=REPO, env={**os.environ, **self.env},
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def wait_for_bundle(self, sequence: int, timeout: float = 60) -> None:
        """The gate holds the site's bundle ``sequence`` (read from its own store, as explain does)."""
        wait_for(f"bundle {sequence} at the gate", lambda: self._sequence() >= sequence, timeout,
                 alive=self.process.check_alive)

    def _sequence(self) -> int:
        import sqlite3

        if not self.db.exists():
            return 0
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as conn:
                row = conn.execute("SELECT MAX(sequence) FROM bundle").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0] or 0) if row else 0

    def guard(self, account: str = "guard1", password: str = GUARD_PASSWORD) -> GuardClient:
        return GuardClient(self.guard_url, account, password)


class GuardClient:
    """The guard page over HTTP, as the tablet's JavaScript uses it: session, CSRF header, login."""

    def __init__(self, url: str, account: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=15)
        self.account, self.password = account, password
        self.csrf = ""

    def __enter__(self) -> GuardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def session(self) -> str:
        self.csrf = str(self.http.get("/api/session").json()["csrf"])
        return self.csrf

    def login(self, password: str | None = None) -> httpx.Response:
        response = self.http.post("/api/login", json={"username": self.account,
                                                      "password": password or self.password},
                                  headers={"X-CSRF-Token": self.session()})
        if response.status_code == 200:
            self.csrf = response.json()["csrf"]
        return response

    def state(self) -> dict[str, Any]:
        response = self.http.get("/api/state")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def act(self, event_id: str, action: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"/api/reads/{event_id}/{action}", json=body,
                              headers={"X-CSRF-Token": self.csrf})

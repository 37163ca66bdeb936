"""Screenshots of the guard page for docs/guards.md, taken in headless Chromium.

    PYTHONPATH=. .venv/bin/python scripts/screenshots_guard.py [--out docs/screenshots]

Runs a real gate agent (its store, decision, guard desk and guard page) on a temporary
folder, with a Mosquitto on a free port, a signed contract bundle and the demo's synthetic
camera frames (demo/frames: drawn by demo/make_frames.py, never real photographs). Then it
logs in as a guard and photographs the page in tablet landscape (1024x768) and portrait
(768x1024), in Chinese and in English, the near-miss confirmation, the snapshot viewer and
the stale-data banner. Nothing here is faked in the page: every screen is the real one.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from uuid import uuid4

import cv2
import numpy as np
import paho.mqtt.client as mqtt
from argon2 import PasswordHasher
from paho.mqtt.enums import CallbackAPIVersion

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.brokers import MosquittoBroker, free_port  # noqa: E402
from edge.agent import Agent  # noqa: E402
from edge.config import EdgeSettings, load_settings  # noqa: E402
from edge.gate import VehicleRead  # noqa: E402
from edge.guard.server import GuardServer  # noqa: E402
from edge.reader import PlateRead, Verdict  # noqa: E402
from shared import (  # noqa: E402
    AlertKind,
    Contract,
    ContractBundle,
    DayType,
    OverrideReason,
    SiteAlert,
    SiteInfo,
    TimeWindow,
    generate_private_key,
    public_key_to_text,
    sign_bundle,
)
from shared.topics import ALL_EVENTS, Access, TopicRule, gate_rules, gate_username  # noqa: E402

logger = logging.getLogger("screenshots")
CHROMIUM = "/usr/bin/chromium"
FRAMES = REPO / "demo" / "frames" / "entry"
PASSWORD = "screenshot-pass-1"
GUARD = "wang"
EVENING = datetime(2025, 10, 15, 12, 30, tzinfo=UTC)  # Wednesday 20:30 in Shanghai


class GateClock:
    """Gate time: a chosen moment that moves on with the real clock."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, moment: datetime) -> None:
        self._start, self._t0 = moment, time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class NoReader:
    """The frames are decided from what the script says was read; no engine is loaded."""

    name = "none"

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        return []

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return []

    def versions(self) -> dict[str, str]:
        return {}


def bundle() -> ContractBundle:
    windows = (TimeWindow(day_type=DayType.WORKING, start=clock_time(19, 0), end=clock_time(7, 30)),
               TimeWindow(day_type=DayType.REST, start=clock_time(0, 0), end=clock_time(7, 30),
                          end_day_offset=1))
    held = [("c-2025-0142", "沪A12345"), ("c-2025-0217", "沪B67890"), ("c-2025-0233", "沪AD12345")]
    contracts = tuple(Contract(contract_id=cid, holder_ref=f"r{n}", plates=(plate,), site_id="xuhui-1",
                               product_id="night", windows=windows, valid_from=date(2025, 9, 1),
                               valid_to=date(2026, 8, 31)) for n, (cid, plate) in enumerate(held))
    site = SiteInfo(site_id="xuhui-1", name="徐汇区政务中心", shared_capacity=40)
    issued = EVENING - timedelta(hours=2)
    return ContractBundle(site=site, sequence=12, issued_at=issued, expires_at=issued + timedelta(days=7),
                          key_id="k1", contracts=contracts)


def plate_box(frame: np.ndarray) -> tuple[int, int, int, int] | None:
    """Where the blue plate is in a demo frame (the reader's box, found by its colour)."""
    blue, green, red = (channel.astype(int) for channel in cv2.split(frame))
    mask = ((blue > 140) & (green < 120) & (red < 90)).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    return (x - 4, y - 4, x + w + 4, y + h + 4) if w > 20 else None


def glare(frame: np.ndarray) -> np.ndarray:
    """Headlights into the lens: the plate cannot be read."""
    blurred = cv2.GaussianBlur(frame, (0, 0), 7)
    light = np.zeros_like(frame)
    height, width = frame.shape[:2]
    cv2.circle(light, (width // 2, height * 2 // 3), height // 3, (255, 255, 255), -1)
    return cv2.addWeighted(blurred, 1.0, cv2.GaussianBlur(light, (0, 0), 60), 0.9, 0)


class CentralStandIn:
    """Takes the gate's events off the broker, as the central service would."""

    def __init__(self, broker: MosquittoBroker) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.username_pw_set("admin", broker.passwords["admin"])
        self.client.on_connect = lambda client, *_: client.subscribe(ALL_EVENTS, qos=1)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Stage:
    agent: Agent
    server: GuardServer
    broker: MosquittoBroker
    central: CentralStandIn
    clock: GateClock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self.server.stop()
        self.agent.stop()
        self.central.stop()
        self.broker.stop()


def settings(workdir: Path, broker: MosquittoBroker, password: str, key: Any) -> EdgeSettings:
    frames = workdir / "no-camera"
    frames.mkdir(exist_ok=True)
    lanes = [{"name": name, "direction": name, "camera": str(frames), "trigger": "every"}
             for name in ("entry", "exit")]
    return load_settings(None, environment="development", site_id="xuhui-1", gate_id="north",
                         data_dir=str(workdir / "gate"), lanes=lanes,
                         broker={"url": broker.url, "password": password},
                         public_keys={"k1": public_key_to_text(key.public_key())},
                         guard={"port": free_port(), "accounts": {GUARD: PasswordHasher().hash(PASSWORD)},
                                "stream_heartbeat_s": 1, "poll_s": 1})


def start_stage(workdir: Path) -> Stage:
    key = generate_private_key()
    broker = MosquittoBroker(workdir / "broker")
    broker.add_user("admin", "admin-secret", (TopicRule(Access.READWRITE, "#"),))
    user, password = gate_username("xuhui-1", "north"), "gate-secret-for-screens"
    broker.add_user(user, password, gate_rules("xuhui-1", "north"))
    broker.start()
    central = CentralStandIn(broker)
    clock = GateClock(EVENING - timedelta(minutes=70))
    agent = Agent(settings(workdir, broker, password, key), clock=clock, reader=NoReader(),
                  vehicles={"entry": [], "exit": []})
    agent.bundles.offer(sign_bundle(bundle(), key).to_bytes())
    agent.start()
    server = GuardServer(agent)
    server.start()
    return Stage(agent, server, broker, central, clock)


def pass_car(stage: Stage, at: datetime, frame_no: int, plate: str | None, confidence: float,
             lane: int = 0) -> str:
    stage.clock.set(at)
    frame = cv2.imread(str(FRAMES / f"{frame_no:02d}.jpg"))
    frame = frame if plate else glare(frame)
    read = VehicleRead(plate, confidence, plate or "", Verdict.AGREED if plate else Verdict.NO_READ, frame,
                       plate_box(frame) if plate else None)
    event = stage.agent.gate.pass_vehicle(stage.agent.settings.lanes[lane], read)
    return str(event.event_id)


def story(stage: Stage) -> None:
    """An evening at the north gate: two contract holders, a stranger let in as a visitor, one
    car leaving, a reminder from central, then two cars waiting for the guard."""
    pass_car(stage, EVENING - timedelta(minutes=62), 1, "沪AD12345", 0.99)
    pass_car(stage, EVENING - timedelta(minutes=41), 4, "沪B67890", 0.98)
    stranger = pass_car(stage, EVENING - timedelta(minutes=25), 2, "京C55555", 0.97)
    stage.clock.set(EVENING - timedelta(minutes=24))
    stage.agent.desk.open(GUARD, stranger, OverrideReason.VISITOR, "3号楼来访，已登记")
    pass_car(stage, EVENING - timedelta(minutes=12), 1, "沪AD12345", 0.99, lane=1)
    alert = SiteAlert(alert_id=uuid4(), site_id="xuhui-1", kind=AlertKind.REMINDER,
                      at=EVENING - timedelta(minutes=5), plate="沪B67890", contract_id="c-2025-0217",
                      deadline=EVENING + timedelta(hours=11), minutes_left=660)
    stage.agent.store.add_alert(alert)
    pass_car(stage, EVENING - timedelta(minutes=3), 2, None, 0.0)
    pass_car(stage, EVENING - timedelta(seconds=75), 3, "沪A12346", 0.96)
    stage.clock.set(EVENING)


def login(page: Any, url: str) -> None:
    page.goto(url)
    page.fill("#username", GUARD)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#queue .card")
    page.wait_for_timeout(400)  # the snapshots load


def shoot(page: Any, out: Path, name: str) -> Path:
    path = out / f"guard-{name}.png"
    page.screenshot(path=str(path))
    logger.info("wrote %s", path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return path


def zoom_on_plate(page: Any) -> None:
    """A double tap on the plate, as a guard would do to read it."""
    frame = cv2.imread(str(FRAMES / "03.jpg"))
    box = plate_box(frame)
    assert box is not None, "the near-miss frame has a blue plate"
    page.wait_for_function("document.getElementById('zoom-img').complete")
    shown = page.locator("#zoom-img").bounding_box()
    scale = shown["width"] / frame.shape[1]
    x = shown["x"] + (box[0] + box[2]) / 2 * scale
    y = shown["y"] + (box[1] + box[3]) / 2 * scale
    page.mouse.dblclick(x, y)
    page.wait_for_timeout(300)


def photograph(stage: Stage, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            login_page = browser.new_page(viewport={"width": 1024, "height": 768})
            login_page.goto(stage.url)
            login_page.wait_for_selector("#login-button:has-text('登录')")
            shoot(login_page, out, "login")
            for name, size in (("landscape", (1024, 768)), ("portrait", (768, 1024))):
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                login(page, stage.url)
                shoot(page, out, name)
                page.close()
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            login(page, stage.url)
            page.locator(".near-miss").first.click()
            shoot(page, out, "open-as")
            page.click("#action-cancel")
            page.locator("#queue .card .shot").first.click()
            zoom_on_plate(page)
            shoot(page, out, "zoom")
            page.click("#zoom-close")
            page.click("#lang")
            page.wait_for_timeout(200)
            shoot(page, out, "english")
            page.click("#lang")
            stage.agent.alarms.raise_("camera_down:exit", "no frame for 41 s", stage.clock())
            page.wait_for_selector(".alarm")
            stage.server.stop()  # the gatehouse loses the gate: the page must say its data is old
            page.wait_for_selector("#stale", state="visible", timeout=15000)
            shoot(page, out, "stale")
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("edge").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        stage = start_stage(Path(workdir))
        try:
            story(stage)
            photograph(stage, args.out)
        finally:
            stage.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

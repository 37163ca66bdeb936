"""Pages in real Chromium: the central app under uvicorn on a loopback port, and browser fixtures.

Registered for every test by ``pytest_plugins`` in tests/conftest.py:

- ``browser`` (module): headless Chromium (/usr/bin/chromium) through Playwright's sync API;
- ``phone_page`` (390x844, touch), ``tablet_page`` (1024x768, touch), ``desktop_page`` (1366x900):
  a fresh page in a fresh context (no cookies), zh-CN locale, that may reach loopback only;
- ``web_clock``: the clock the app runs on, moved by hand (never sleep to wait for time);
- ``central_web``: central on a free port with a migrated database, on SQLite and PostgreSQL
  (``database_url``), its dev SMS sender readable by ``last_code(phone)``.

``LiveCentral`` and ``web_settings`` serve tests that need other settings or a restart.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from central import db
from central.accounts import ConsoleSmsSender, normalise_phone
from central.api import create_app
from central.core.config import Settings, load_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1366, "height": 900}
_LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")


@dataclass
class MovingClock:
    """The app's clock in a test: moved by hand with ``advance``."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 3, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def web_settings(database_url: str, **overrides: Any) -> Settings:
    """Development settings on ``database_url``; ``web={...}`` and others override."""
    return load_settings(None, database={"url": database_url}, **overrides)


class LiveCentral:
    """The central app under uvicorn in a thread of the test process, on a free loopback port."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.app = create_app(settings, clock=clock)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", ws="none",
                                timeout_graceful_shutdown=5)  # a live page's event stream may still be open
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="live-central", daemon=True)
        self.database = db.Database(settings.database.url)  # for seeding and inspecting rows

    def start(self) -> LiveCentral:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("central did not start under uvicorn")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(15)
        self._socket.close()
        self.database.dispose()

    @property
    def sms(self) -> ConsoleSmsSender:
        sender = self.app.state.web.sender
        assert isinstance(sender, ConsoleSmsSender), "the development SMS sender is not in use"
        return sender

    def last_code(self, phone: str) -> str:
        """The code in the last text sent to ``phone`` (as typed: ``+86 138...`` is fine)."""
        message = self.sms.last_to(normalise_phone(phone))
        assert message is not None, f"no text was sent to {phone}"
        found = re.search(r"\d{6}", message.text)
        assert found is not None, message.text
        return found.group(0)

    def http(self) -> httpx.Client:
        """A plain HTTP client on the app (cookies kept, redirects not followed)."""
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=10)


def chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        from tests.conftest import _unavailable

        _unavailable("chromium")


def new_page(browser: Browser, viewport: dict[str, int], *, touch: bool) -> Page:
    """A page in a new context (no cookies) that may reach loopback only; other requests fail."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=touch,
                                  is_mobile=touch and viewport["width"] < 600,
                                  device_scale_factor=2 if touch else 1)
    context.route(re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])[:/]).*"),
                  lambda route: route.abort("internetdisconnected"))
    return context.new_page()


def external_requests(page: Page) -> list[str]:
    """Start recording the page's requests that leave loopback (they fail; none should be made)."""
    seen: list[str] = []
    page.on("request", lambda request: None if _LOOPBACK.match(request.url) or
            request.url.startswith(("data:", "blob:", "about:")) else seen.append(request.url))
    return seen


def assert_touch_targets(page: Page, selector: str, minimum: int) -> None:
    """Every visible element matching ``selector`` is at least ``minimum`` CSS pixels both ways."""
    page.wait_for_load_state("load")  # the stylesheets applied
    small = page.eval_on_selector_all(selector, """(els, min) => els
        .filter(el => el.offsetParent !== null)
        .map(el => [el.id || el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, r]) => r.width < min - 0.5 || r.height < min - 0.5)
        .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)""", minimum)
    assert small == [], f"touch targets smaller than {minimum} px: {small}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, not per session: Playwright's sync API allows one instance at a time, and other
    tests (tests/edge/test_guard_page.py) start their own."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser, PHONE, touch=True)
    yield page
    page.context.close()


@pytest.fixture
def tablet_page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser, TABLET, touch=True)
    yield page
    page.context.close()


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser, DESKTOP, touch=False)
    yield page
    page.context.close()


@pytest.fixture
def web_clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def central_web(database_url: str, web_clock: MovingClock) -> Iterator[LiveCentral]:
    server = LiveCentral(web_settings(database_url), web_clock).start()
    yield server
    server.stop()

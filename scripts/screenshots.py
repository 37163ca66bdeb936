"""The web apps' screenshots, taken in headless Chromium from a demo central (run by ``scripts/screenshots``).

Each entry of ``SHOTS`` is a function that drives one browser page and saves its PNGs; to add
a page, write one more such function (sign in with the helpers of tests/support/web.py) and
list it. The demo data is made fresh each run in a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from central.core.security import Role
from shared import utc_now
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, TABLET, LiveCentral, web_settings
from tests.support.web import browser_resident_login, browser_staff_login, seed_staff

DEMO_PHONE = "13812345678"
Shot = Callable[[Browser, LiveCentral, Path], None]


def _page(browser: Browser, viewport: dict[str, int], touch: bool) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=touch, is_mobile=touch,
                                  device_scale_factor=2 if touch else 1)
    return context.new_page()


def _save(page: Page, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"wrote {out / name}.png")


def resident_sign_in(browser: Browser, central: LiveCentral, out: Path) -> None:
    page = _page(browser, PHONE, touch=True)
    page.goto(f"{central.url}/app/login")
    _save(page, out, "resident-login")
    browser_resident_login(page, central, DEMO_PHONE)
    _save(page, out, "resident-home")
    page.goto(f"{central.url}/app/?lang=en")
    _save(page, out, "resident-home-en")
    page.context.close()


def console_sign_in(browser: Browser, central: LiveCentral, out: Path) -> None:
    page = _page(browser, DESKTOP, touch=False)
    page.goto(f"{central.url}/console/login")
    _save(page, out, "console-login")
    browser_staff_login(page, central)
    page.wait_for_url(f"{central.url}/console/")
    _save(page, out, "console-home")
    page.context.close()
    tablet = _page(browser, TABLET, touch=True)
    browser_staff_login(tablet, central)
    tablet.goto(f"{central.url}/console/password")
    _save(tablet, out, "console-password-tablet")
    tablet.context.close()


def api_docs(browser: Browser, central: LiveCentral, out: Path) -> None:
    page = _page(browser, DESKTOP, touch=False)
    page.goto(f"{central.url}/docs")
    page.wait_for_selector(".opblock")
    page.screenshot(path=str(out / "api-docs.png"))  # the top: the list is long
    print(f"wrote {out / 'api-docs'}.png")
    page.context.close()


def sandbox_payment(browser: Browser, central: LiveCentral, out: Path) -> None:
    """The sandbox provider's page for a month's order (started as the orders page starts one)."""
    from datetime import timedelta

    from central.payments import PaymentOrder, PaymentService

    service: PaymentService = central.app.state.payments
    order = PaymentOrder("demo-order-0001", 30000, "城东医院 夜间月卡 1个月",
                         utc_now() + timedelta(minutes=15), "/app/")
    with central.database.transaction() as session:
        checkout = service.start(session, order, "sandbox", base_url=central.url)
    page = _page(browser, PHONE, touch=True)
    page.goto(central.url + checkout.url)
    _save(page, out, "sandbox-pay")
    page.context.close()


def _save_whole(page: Page, out: Path, name: str) -> None:
    """The whole page on a phone as tall as the page, so the tab bar sits at its end as it would."""
    width = page.viewport_size["width"] if page.viewport_size else PHONE["width"]
    page.set_viewport_size({"width": width, "height": page.evaluate("document.documentElement.scrollHeight")})
    _save(page, out, name)
    page.set_viewport_size(PHONE)


def resident_pages(browser: Browser, central: LiveCentral, out: Path) -> None:
    """My parking, vehicles, finding parking, a statement and reminders, on a central of their own whose
    clock stands at Tuesday 4 March 2025, 08:40 in Shanghai: a car 70 minutes past its deadline."""
    from datetime import UTC, datetime

    from tests.support.browser import MovingClock
    from tests.support.residents import NEAR_POINT, seed_resident_story

    clock = MovingClock(datetime(2025, 3, 4, 0, 40, tzinfo=UTC))
    with tempfile.TemporaryDirectory(prefix="parking-shots-resident-") as workdir:
        own = LiveCentral(web_settings(f"sqlite:///{workdir}/central.db"), clock).start()
        try:
            context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True,
                                          device_scale_factor=2, permissions=["geolocation"],
                                          geolocation={"latitude": NEAR_POINT[0], "longitude": NEAR_POINT[1]})
            page = context.new_page()
            browser_resident_login(page, own, DEMO_PHONE)
            contract = seed_resident_story(own, DEMO_PHONE)
            page.goto(f"{own.url}/app/")
            _save_whole(page, out, "resident-parking")
            page.goto(f"{own.url}/app/vehicles")
            page.fill("#number", "ad·12345")
            _save_whole(page, out, "resident-vehicles")
            page.goto(f"{own.url}/app/find")
            page.click("#use-location")
            page.wait_for_selector("#site-map")
            _save_whole(page, out, "resident-find")
            page.goto(f"{own.url}/app/statements/{contract}/2025-02")
            _save_whole(page, out, "resident-statement")
            page.goto(f"{own.url}/app/reminders")
            _save_whole(page, out, "resident-reminders")
            page.goto(f"{own.url}/app/find?lang=en&lat={NEAR_POINT[0]}&lon={NEAR_POINT[1]}")
            _save_whole(page, out, "resident-find-en")
            context.close()
        finally:
            own.stop()


SHOTS: dict[str, Shot] = {"resident": resident_sign_in, "console": console_sign_in, "docs": api_docs,
                          "sandbox": sandbox_payment, "resident-pages": resident_pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", nargs="*", choices=sorted(SHOTS), default=sorted(SHOTS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="parking-shots-") as workdir:
        central = LiveCentral(web_settings(f"sqlite:///{workdir}/central.db"), utc_now).start()
        try:
            seed_staff(central, "op1", Role.OPERATOR)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                for name in args.only:
                    SHOTS[name](browser, central, args.out)
                browser.close()
        finally:
            central.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

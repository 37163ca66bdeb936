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
from tests.support.console import dynsec_settings, seed_operated_site
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


_CHART_PENDING = "figure[data-chart]:not([data-state])"  # console-charts.js sets data-state once drawn


def console_live(browser: Browser, central: LiveCentral, out: Path) -> None:
    """The live and report pages of a site with three months of nights (tests/central/console/seed.py)."""
    from tests.central.console.seed import seed_demo

    seed_demo(central.database, utc_now())
    page = _page(browser, DESKTOP, touch=False)
    browser_staff_login(page, central)
    page.wait_for_url(f"{central.url}/console/")
    pages = (("/console/occupancy/sites/east", "console-live"), ("/console/reports", "console-reports"),
             ("/console/violations", "console-violations"))
    for path, name in pages:
        page.goto(central.url + path)
        page.wait_for_selector(_CHART_PENDING, state="detached")
        _save(page, out, name)
    page.context.close()
    tablet = _page(browser, TABLET, touch=True)
    browser_staff_login(tablet, central)
    tablet.goto(f"{central.url}/console/reports?lang=en")
    tablet.wait_for_selector(_CHART_PENDING, state="detached")
    _save(tablet, out, "console-reports-tablet-en")
    tablet.context.close()


def console_admin(browser: Browser, central: LiveCentral, out: Path) -> None:
    """The administration pages: a site with its gates and products, a new product's preview, a gate
    just added (its password shown once; a broker that makes accounts is started if installed), own
    vehicles, a contract, the holiday calendar, API tokens; one on a tablet."""
    contract_id = seed_operated_site(central)
    _seed_vehicles(central)
    page = _signed_in(_page(browser, DESKTOP, touch=False), central)
    for path, name in (("/console/sites/s1", "console-site"),
                       ("/console/sites/s1/products/new", "console-product-new"),
                       ("/console/sites/s1/vehicles", "console-vehicles"),
                       (f"/console/contracts/{contract_id}", "console-contract"),
                       ("/console/calendar?year=2026", "console-calendar")):
        page.goto(central.url + path)
        _save(page, out, name)
    page.goto(f"{central.url}/console/sites/s1?lang=en")
    _save(page, out, "console-site-en")
    page.goto(f"{central.url}/console/sites/s1?lang=zh-CN")
    _gate_added(browser, out)
    page.context.close()
    tablet = _signed_in(_page(browser, TABLET, touch=True), central)
    tablet.goto(f"{central.url}/console/contracts")
    _save(tablet, out, "console-contracts-tablet")
    tablet.context.close()
    admin = _signed_in(_page(browser, DESKTOP, touch=False), central, "chief")
    admin.goto(f"{central.url}/console/tokens")
    admin.fill("#token_name", "停车诱导屏")
    admin.select_option("#institution_id", "inst1")
    admin.click("#token-create")
    _save(admin, out, "console-tokens")
    admin.context.close()


def _seed_vehicles(central: LiveCentral) -> None:
    """An own vehicle with a window and a blacklisted plate at site s1."""
    from datetime import time, timedelta

    from central import vehicles
    from central.core.security import Principal
    from shared import DayType, TimeWindow

    state, admin = central.app.state.central, Principal(Role.ADMIN)
    now = state.clock()
    early = TimeWindow(day_type=DayType.WORKING, start=time(7), end=time(21))
    with central.database.transaction() as session:
        vehicles.add_own_vehicle(session, admin, "s1", "沪A88888", "院办 王师傅", [early], state.signer, now)
        vehicles.add_own_vehicle(session, admin, "s1", "沪AD66666", "急诊值班车", [], state.signer, now)
        until = now + timedelta(days=30)
        vehicles.add_blacklist_entry(session, admin, "s1", "沪C13579", "多次超时不缴费", until, state.signer,
                                     now)


def _signed_in(page: Page, central: LiveCentral, username: str = "op1") -> Page:
    browser_staff_login(page, central, username)
    page.wait_for_url(f"{central.url}/console/")
    return page


def _gate_added(browser: Browser, out: Path) -> None:
    """A gate added on a broker that makes its account (dynamic security), if one can be started here."""
    from demo.brokers import dynsec_installed, mosquitto_installed
    from tests.support.mosquitto import Broker

    if not (mosquitto_installed() and dynsec_installed()):
        print("skipped console-gate-added: mosquitto with its dynamic-security plugin is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="parking-shots-gate-") as workdir:
        broker = Broker(Path(workdir) / "dynsec", dynsec=True).start()
        central = LiveCentral(dynsec_settings(f"sqlite:///{workdir}/central.db", broker), utc_now).start()
        try:
            seed_staff(central, "op1", Role.OPERATOR)
            seed_operated_site(central)
            page = _signed_in(_page(browser, DESKTOP, touch=False), central)
            page.goto(f"{central.url}/console/sites/s1")
            page.fill("#gate_id", "south")
            page.fill("#gate_name", "南门")
            page.click("#gate-add")
            page.wait_for_selector("#broker-password")
            _save(page, out, "console-gate-added")
            page.context.close()
        finally:
            central.stop()
            broker.stop()


def _seed_product(central: LiveCentral) -> str:
    """A hospital's car park with a night product, as an operator would set it up."""
    from central import db

    now = utc_now()
    nights = [{"day_type": "working", "start": "19:00", "end": "07:30"},
              {"day_type": "rest", "start": "00:00", "end": "00:00"}]
    with central.database.transaction() as session:
        if session.get(db.Institution, "inst1") is None:
            session.add(db.Institution(id="inst1", name="城东医院", created_at=now))
            session.flush()
        session.add(db.Site(id="shot-site", institution_id="inst1", name="城东医院 北停车场", lat=31.2,
                            lon=121.4, shared_capacity=40, total_spaces=40, created_at=now))
        session.flush()
        session.add(db.Product(id="shot-nights", site_id="shot-site", name="夜间月卡", windows=nights,
                               quota=30, monthly_fee_fen=30000, overstay_rate_fen=1000, created_at=now))
    return "shot-nights"


def resident_orders(browser: Browser, central: LiveCentral, out: Path) -> None:
    """A product's rules and the sign form, then the order paid in the sandbox, then cancelling."""
    product = _seed_product(central)
    page = _page(browser, PHONE, touch=True)
    browser_resident_login(page, central, "13912345678")
    page.goto(f"{central.url}/app/products/{product}")
    page.fill("#plate", "沪A12345")
    _save(page, out, "resident-sign")
    page.click("#confirm")
    page.click("#pay")
    page.wait_for_selector("#contract-active")
    _save(page, out, "resident-order-paid")
    page.click("#cancel-contract")
    _save(page, out, "resident-cancel")
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
            page.wait_for_url(lambda url: "lat=" in url)  # the page asks again with the phone's position
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
                          "sandbox": sandbox_payment, "orders": resident_orders,
                          "resident-pages": resident_pages, "console-live": console_live,
                          "console-admin": console_admin}


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
            seed_staff(central, "chief", Role.ADMIN, None)
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

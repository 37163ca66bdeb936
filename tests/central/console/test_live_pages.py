"""The live and report pages in real Chromium, as an operator uses them: the night curve read in
Chinese, a live figure arriving without a reload, the CSV files downloaded, and every page looked
at on a desktop (1366x900: no English on the Chinese page) and a tablet (1024x768: 48 px targets),
neither wider than the screen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from central.billing import Month
from central.billing.run import bill_month
from central.web.i18n import CONSOLE
from tests.central.console.seed import (
    NIGHT_STAYS,
    OWN_PLATES,
    PLATES,
    StaySpec,
    add_orders,
    add_stays,
    local,
    seed_site,
)
from tests.central.web.test_language import _assert_no_english
from tests.support.browser import LiveCentral, MovingClock, assert_touch_targets, web_settings
from tests.support.web import browser_staff_login, seed_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
# Vehicles inside at each half hour of the night of Sunday 2 March, 18:00 to 08:30 (tests/central/
# console/seed.py): c1 18:40-07:10, c2 20:00-23:30, a visitor 21:00-22:00, c3 22:15-08:05.
NIGHT_CURVE = [0, 0, 1, 1, 2, 2, 3, 3, 2, 3, 3] + [2] * 16 + [1, 1, 0]
PAGES = ["/console/occupancy", "/console/occupancy/sites/east", "/console/reports?site=east&night=2025-03-02",
         "/console/violations", "/console/exports", "/console/orders"]


@pytest.fixture
def live(web_clock: MovingClock, tmp_path: Path) -> Iterator[LiveCentral]:
    """Central on SQLite (the pages are the same on both backends; their queries are tested on both),
    pushing live figures every second, with the seeded site and an operator signed in by the test."""
    server = LiveCentral(web_settings(f"sqlite:///{tmp_path}/central.db", web={"live_interval_s": 1}),
                         web_clock).start()
    seed_staff(server, "op1")
    seed_site(server.database)
    add_stays(server.database, NIGHT_STAYS)
    add_orders(server.database)
    yield server
    server.stop()


def _sign_in(page: Page, central: LiveCentral) -> None:
    browser_staff_login(page, central)
    page.wait_for_url(f"{central.url}/console/")


def test_an_operator_reads_the_night_curve_in_chinese(live: LiveCentral, desktop_page: Page) -> None:
    from playwright.sync_api import expect

    bill_month(live.database, Month(2025, 2), local("2025-03-01 06:00"))
    _sign_in(desktop_page, live)
    desktop_page.click("nav >> text=报表")
    desktop_page.fill("#night", "2025-03-02")
    desktop_page.click("#show-report")
    chart = desktop_page.locator("#night-chart")
    expect(chart).to_have_attribute("data-state", "drawn")
    points = chart.locator(".point")
    expect(points).to_have_count(30)
    assert [int(v) for v in points.evaluate_all("els => els.map(e => e.dataset.value)")] == NIGHT_CURVE
    assert points.first.get_attribute("data-label") == "18:00"
    expect(chart.locator("figcaption")).to_have_text("夜间占用曲线 · 2025年3月2日 周日")
    expect(chart.locator(".y-title")).to_have_text("在场车辆（辆）")
    expect(chart.locator(".x-title")).to_have_text("时间")
    expect(chart.locator(".legend")).to_have_text(["在场车辆", "车位总数"])
    expect(chart.locator("line.reference[data-value]")).to_have_attribute("data-value", "40")
    revenue = desktop_page.locator("#revenue-chart")
    expect(revenue).to_have_attribute("data-state", "drawn")
    expect(revenue.locator(".bar")).to_have_count(12)
    expect(revenue.locator(".bar").last.locator("title")).to_have_text("2025年2月: ¥1,200.00")
    for other in ("#share-chart", "#violations-chart"):
        expect(desktop_page.locator(other)).to_have_attribute("data-state", "drawn")
    _assert_no_english(desktop_page, CONSOLE)
    desktop_page.goto(f"{live.url}/console/reports?site=east&night=2025-03-02&lang=en")
    expect(chart.locator(".y-title")).to_have_text("Vehicles inside")


def test_a_live_figure_arrives_without_a_reload(live: LiveCentral, desktop_page: Page,
                                                 web_clock: MovingClock) -> None:
    from playwright.sync_api import expect

    add_stays(live.database, (StaySpec(OWN_PLATES[0], None, "2025-03-03 08:00", None),))
    _sign_in(desktop_page, live)
    desktop_page.goto(f"{live.url}/console/occupancy/sites/east")
    figures = desktop_page.locator(".figures")
    expect(figures.locator("[data-figure=inside]")).to_have_text("1")
    expect(desktop_page.locator("#live-updated-at")).to_have_text("20:00:00")
    expect(desktop_page.locator("#arrivals-table tbody tr")).to_have_count(4)  # c1-c4 tonight, none in yet
    desktop_page.evaluate("window.notReloaded = true")
    add_stays(live.database, (StaySpec(PLATES["c4"], "c4", "2025-03-03 20:00", None, "2025-03-04 07:30"),))
    web_clock.advance(seconds=5)
    expect(figures.locator("[data-figure=inside]")).to_have_text("2")
    expect(figures.locator("[data-figure=shared_used]")).to_have_text("1")
    expect(figures.locator("[data-figure=shared_free]")).to_have_text("9")
    expect(desktop_page.locator("#live-updated-at")).to_have_text("20:00:05")
    expect(desktop_page.locator("#live-stale")).to_be_hidden()
    assert desktop_page.evaluate("window.notReloaded") is True


def _download(page: Page, button: str) -> list[dict[str, str]]:
    with page.expect_download() as download:
        page.click(button)
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_exports_download_with_the_right_rows(live: LiveCentral, desktop_page: Page) -> None:
    add_stays(live.database, (StaySpec(PLATES["c1"], "c1", "2025-02-10 19:00", "2025-02-11 07:00",
                                       "2025-02-11 07:30"),))
    bill_month(live.database, Month(2025, 2), local("2025-03-01 06:00"))
    _sign_in(desktop_page, live)
    desktop_page.goto(f"{live.url}/console/exports")
    assert desktop_page.input_value("#month") == "2025-02"  # the last month that has ended
    statements = _download(desktop_page, "#export-statements")
    assert sorted((row["contract_id"], row["kind"]) for row in statements) == [
        ("c1", "monthly_fee"), ("c1", "stay"), ("c2", "monthly_fee"), ("c3", "monthly_fee"),
        ("c4", "monthly_fee")]
    desktop_page.fill("#month", "2025-03")
    stays = _download(desktop_page, "#export-stays")
    assert [row["plate"] for row in stays] == [PLATES["c1"], PLATES["c2"], "沪C55555", PLATES["c3"]]
    assert [row["overstay_minutes"] for row in stays] == ["0", "0", "", "35"]


def test_every_page_fits_a_desktop_and_a_tablet(live: LiveCentral, desktop_page: Page,
                                                tablet_page: Page) -> None:
    from playwright.sync_api import expect

    for page, touch in ((desktop_page, False), (tablet_page, True)):
        _sign_in(page, live)
        for path in PAGES:
            page.goto(live.url + path)
            expect(page.locator("h1")).to_be_visible()
            if "reports" in path or "sites" in path:
                expect(page.locator("#night-chart")).to_have_attribute("data-state", "drawn")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is wider than the screen by {overflow} px"
            if touch:
                assert_touch_targets(page, "main button, main a, main input, main select", 48)
            else:
                _assert_no_english(page, CONSOLE)

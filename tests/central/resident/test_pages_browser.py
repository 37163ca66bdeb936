"""The resident pages in Chromium on a phone (390x844, zh-CN): what a resident sees and does.

One browser for the module; SQLite only (the HTTP tests run both backends).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from central.web import resident_live as live
from central.web.i18n import RESIDENT
from shared import PlateError, parse_plate
from tests.central.resident.conftest import FIRST, World
from tests.central.resident.test_notices import _scheduler
from tests.support.browser import assert_touch_targets, external_requests
from tests.support.residents import NEAR_POINT, add_contract, add_stay, bill, local, resident_id
from tests.support.web import browser_resident_login

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PLATE = "沪A12345"
# Plates both rule sets must judge alike: valid of each kind, near misses, separators and full width.
PLATES = ["沪A12345", "沪a·12345", "沪Ａ１２３４５", "沪 A-12345", "沪AD12345", "沪AF1234D", "粤B12345D",
          "沪A1234", "沪A123456", "沪AI2345", "沪AO2345", "沪A12O45", "沪A1234警", "粤Z1234港", "使123456",
          "A12345", "美A12345", "沪1A2345", "沪AD1234", "沪A12345D", "沪AB12345", ""]
_LATIN = re.compile(r"[A-Za-z]{2,}")


def _signed_in(world: World, page: Page) -> str:
    browser_resident_login(page, world.central, FIRST)
    return resident_id(world.central, FIRST)


def _kind(text: str) -> str | None:
    try:
        return parse_plate(text).kind.value
    except PlateError:
        return None


def test_a_plate_is_checked_as_it_is_typed_by_the_same_rules_as_the_server(world: World,
                                                                           phone_page: Page) -> None:
    from playwright.sync_api import expect

    _signed_in(world, phone_page)
    phone_page.goto(f"{world.central.url}/app/vehicles")
    judged = phone_page.evaluate("plates => plates.map(p => window.parkingPlates.kindOf(p))", PLATES)
    assert judged == [_kind(p) for p in PLATES]
    phone_page.fill("#number", "A1234")
    phone_page.locator("#number").blur()
    expect(phone_page.locator("#number-error")).to_contain_text("车牌格式不正确")
    phone_page.fill("#number", "ad·12345")  # corrected as it is typed: the message goes, the plate shows
    expect(phone_page.locator("#number-error")).to_have_text("")
    expect(phone_page.locator("#plate-preview")).to_have_text("将绑定：沪AD12345 · 新能源车牌")
    phone_page.select_option("#province", "京")
    expect(phone_page.locator("#plate-preview")).to_have_text("将绑定：京AD12345 · 新能源车牌")
    phone_page.fill("#number", "AO12345")
    expect(phone_page.locator("#number-error")).to_contain_text("车牌格式不正确")
    phone_page.click("#bind")  # refused in the page: nothing is sent
    assert phone_page.url.endswith("/app/vehicles")
    phone_page.fill("#number", "ad·12345")
    phone_page.click("#bind")
    expect(phone_page.locator("#vehicles .plate")).to_have_text(["京AD12345"])
    assert_touch_targets(phone_page, "button, a, input, select", 44)


def test_find_near_me_lists_the_nearest_first_beside_a_map(world: World, phone_page: Page) -> None:
    from playwright.sync_api import expect

    _signed_in(world, phone_page)
    outside = external_requests(phone_page)
    phone_page.goto(f"{world.central.url}/app/find")
    expect(phone_page.locator("#site-map")).to_be_visible()  # every open site, before any location
    assert phone_page.locator("#mark-you").count() == 0  # no location asked on page load
    phone_page.context.grant_permissions(["geolocation"])
    phone_page.context.set_geolocation({"latitude": NEAR_POINT[0], "longitude": NEAR_POINT[1]})
    phone_page.click("#use-location")
    expect(phone_page.locator("#results-title")).to_have_text("离您最近的停车场")
    distances = [int(d) for d in phone_page.locator("#sites > li").evaluate_all(
        "items => items.map(i => i.dataset.distance)")]
    assert len(distances) == 4 and distances == sorted(distances)
    expect(phone_page.locator("#sites > li").first).to_contain_text("徐汇区行政服务中心")
    expect(phone_page.locator("#sites > li").first).to_contain_text("步行约 3 分钟")
    expect(phone_page.locator("#mark-you")).to_be_visible()
    expect(phone_page.locator("#site-map .map-site")).to_have_count(4)
    phone_page.select_option("#window", "weekends")
    phone_page.click("#search")  # the filters keep the location
    expect(phone_page.locator("#sites > li")).to_have_count(3)
    expect(phone_page.locator("#mark-you")).to_be_visible()
    assert_touch_targets(phone_page, "button, a, input, select", 44)
    assert outside == []


def test_my_parking_shows_the_overstay_charge_running(world: World, phone_page: Page,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr(live, "PARKING_EVERY_S", 0.5)
    resident = _signed_in(world, phone_page)
    contract = add_contract(world.central.database, resident, "xh-gov-nights", PLATE, date(2025, 3, 1),
                            date(2025, 3, 31), world.clock.now)
    add_stay(world.central.database, contract, PLATE, "2025-03-02 21:00", None, "2025-03-03 07:30")
    phone_page.goto(f"{world.central.url}/app/")
    overstay = phone_page.locator(".overstay")
    expect(overstay).to_contain_text("已超时 12 小时 30 分钟，超时费 ¥130.00")
    expect(phone_page.locator(".deadline")).to_have_text("离场截止 2025年3月4日 周二 07:30")
    phone_page.evaluate("window.notReloaded = true")
    world.clock.advance(minutes=31)  # a 14th hour starts: the page follows without a reload
    expect(overstay).to_contain_text("超时费 ¥140.00", timeout=10_000)
    expect(phone_page.locator(".running-total")).to_have_text("¥440.00")
    assert phone_page.evaluate("window.notReloaded") is True
    assert_touch_targets(phone_page, "button, a, input, select", 44)


def _billed_february(world: World, resident: str) -> str:
    """A contract of February and March with one night in February that overstayed 40 minutes, billed."""
    db = world.central.database
    contract = add_contract(db, resident, "xh-gov-nights", PLATE, date(2025, 2, 1), date(2025, 3, 31),
                            world.clock.now)
    add_stay(db, contract, PLATE, "2025-02-10 20:00", "2025-02-11 08:10", "2025-02-11 07:30")
    bill(db, "2025-02", world.clock.now)
    return contract


def test_a_statement_downloads_as_csv_and_pdf(world: World, phone_page: Page) -> None:
    resident = _signed_in(world, phone_page)
    contract = _billed_february(world, resident)
    phone_page.goto(f"{world.central.url}/app/statements")
    phone_page.click(f'a[href="/app/statements/{contract}/2025-02"]')
    with phone_page.expect_download() as csv_download:
        phone_page.click("#download-csv")
    assert csv_download.value.suggested_filename == f"statement-{contract}-2025-02.csv"
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert "停车,沪A12345,2025-02-10 20:00,2025-02-11 08:10,730,0.00,10.00,10.00" in text
    with phone_page.expect_download() as pdf_download:
        phone_page.click("#download-pdf")
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF-")
    assert_touch_targets(phone_page, "button, a, input, select", 44)


def test_a_reminder_appears_live(world: World, phone_page: Page) -> None:
    from playwright.sync_api import expect

    resident = _signed_in(world, phone_page)
    contract = add_contract(world.central.database, resident, "xh-gov-nights", PLATE, date(2025, 3, 1),
                            date(2025, 3, 31), world.clock.now)
    add_stay(world.central.database, contract, PLATE, "2025-03-03 19:30", None, "2025-03-04 07:30")
    phone_page.goto(f"{world.central.url}/app/reminders")
    expect(phone_page.locator("#no-notices")).to_be_visible()
    world.clock.now = local("2025-03-04 07:22")
    _scheduler(world).tick()  # enforcement sends the 10-minute reminder
    expect(phone_page.locator("#notices li")).to_have_count(1, timeout=10_000)
    expect(phone_page.locator("#notices li").first).to_contain_text("还有 10 分钟")
    expect(phone_page.locator("#live-notice")).to_be_visible()
    phone_page.click("#live-notice-close")
    expect(phone_page.locator("#live-notice")).to_be_hidden()
    assert_touch_targets(phone_page, "button, a, input, select", 44)


def test_every_page_is_chinese_and_fits_a_thumb(world: World, phone_page: Page) -> None:
    resident = _signed_in(world, phone_page)
    contract = _billed_february(world, resident)
    english = {text.split("{")[0].strip() for key, text in RESIDENT.messages["en"].items()
               if _LATIN.search(text) and text != RESIDENT.messages["zh-CN"][key]} - {""}
    for path in ("/app/", "/app/vehicles", "/app/find", f"/app/find?lat={NEAR_POINT[0]}&lon={NEAR_POINT[1]}",
                 "/app/statements", f"/app/statements/{contract}/2025-02", "/app/reminders"):
        phone_page.goto(f"{world.central.url}{path}")
        words = phone_page.evaluate("document.body.innerText + document.title")
        assert sorted(t for t in english if t in words) == [], path
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, f"{path} scrolls sideways"
        assert_touch_targets(phone_page, "button, a, input, select", 44)

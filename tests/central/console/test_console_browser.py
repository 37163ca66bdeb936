"""The console's administration pages in real Chromium, as an operator uses them: set up a site, its
product (windows as rules, previewed over the next 14 days), a gate (its broker password shown once and
working), an own vehicle; find a contract, suspend and reinstate it with a reason. Chinese only, and
every control at least 48 px on a tablet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from central.web.i18n import CONSOLE
from tests.central.broker.conftest import connack
from tests.central.web.test_language import _assert_no_english
from tests.support.browser import LiveCentral, MovingClock, assert_touch_targets
from tests.support.console import seed_operated_site
from tests.support.mosquitto import Broker
from tests.support.web import browser_staff_login

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def web_clock() -> MovingClock:
    return MovingClock(datetime(2025, 3, 31, 4, 0, tzinfo=UTC))  # the next 14 days hold Qingming (4 April)


def _new_site(page: Page, central: LiveCentral) -> None:
    from playwright.sync_api import expect

    page.goto(f"{central.url}/console/sites")
    page.click("#site-new")
    page.fill("#id", "s1")
    page.fill("#name", "城东医院停车场")
    page.fill("#lat", "31.2304")
    page.fill("#lon", "121.4737")
    page.fill("#shared_capacity", "40")
    page.fill("#reserved_spaces", "10")
    page.fill("#total_spaces", "45")
    page.locator("#total_spaces").blur()  # checked as you type: 45 < 40 + 10
    expect(page.locator("#total_spaces-error")).to_have_text(CONSOLE.text("zh-CN", "site.total_invalid"))
    page.fill("#total_spaces", "60")
    page.click("#site-save")
    expect(page).to_have_url(f"{central.url}/console/sites/s1")
    expect(page.locator("#site-shared")).to_have_text("40")


def _new_product(page: Page, central: LiveCentral) -> None:
    from playwright.sync_api import expect

    page.click("#product-new")
    preview = page.locator("#preview-table tbody tr")
    expect(preview).to_have_count(14)
    qingming = preview.filter(has_text="2025年4月4日")
    expect(qingming).to_contain_text("法定节假日")
    expect(qingming).to_contain_text("00:00–07:30")  # a rest day's window, on a Friday
    page.locator("[name=w_start]").first.fill("20:00")
    page.locator("[name=w_start]").first.dispatch_event("change")
    expect(preview.filter(has_text="2025年4月1日")).to_contain_text("20:00–07:30")  # the preview followed
    page.fill("#id", "s1-nights")
    page.fill("#name", "夜间月卡")
    page.fill("#quota", "50")
    page.locator("#quota").blur()
    expect(page.locator("#quota-error")).to_have_text(CONSOLE.text("zh-CN", "field.quota_invalid"))
    page.fill("#quota", "30")
    page.fill("#monthly_fee", "300")
    page.click("#product-save")
    expect(page).to_have_url(f"{central.url}/console/products/s1-nights")
    expect(page.locator("#product-fee")).to_have_text("¥300.00")
    expect(page.locator("#product-rules")).to_contain_text("工作日 20:00–07:30")


def test_an_operator_sets_up_a_site_a_product_a_gate_and_an_own_vehicle(
        dynsec_console: LiveCentral, dynsec_broker: Broker, desktop_page: Page) -> None:
    from playwright.sync_api import expect

    page, central = desktop_page, dynsec_console
    browser_staff_login(page, central, "op1")
    _new_site(page, central)
    _new_product(page, central)

    page.goto(f"{central.url}/console/sites/s1")
    page.fill("#gate_id", "north")
    page.fill("#gate_name", "北门")
    page.click("#gate-add")
    expect(page.locator("#broker-username")).to_have_text("gate.s1.north")
    password = page.locator("#broker-password").inner_text()
    assert connack(dynsec_broker.port, "gate.s1.north", password) == 0  # the account works at once
    page.click("#back-to-site")
    expect(page.locator("#gate-rows")).to_contain_text("north")
    assert password not in page.content()  # shown once, never again

    page.click("#site-vehicles")
    page.fill("#own_plate", "沪a 12345")
    page.fill("#holder", "王师傅")
    page.click("#own-add")
    expect(page.locator("#own-vehicles")).to_contain_text("沪A12345")
    expect(page.locator("#own-vehicles")).to_contain_text("任何时间")


def test_on_a_tablet_an_operator_suspends_and_reinstates_a_contract(console: LiveCentral,
                                                                     tablet_page: Page) -> None:
    from playwright.sync_api import expect

    page = tablet_page
    contract_id = seed_operated_site(console)
    browser_staff_login(page, console, "op1")
    page.goto(f"{console.url}/console/contracts")
    page.fill("#plate", "沪A12345")
    page.click("#contract-search-go")
    page.locator("#contracts a", has_text="查看").click()
    expect(page).to_have_url(f"{console.url}/console/contracts/{contract_id}")
    expect(page.locator("#contract-status")).to_have_text("生效中")
    assert_touch_targets(page, "button, a, input, select", 48)
    _assert_no_english(page, CONSOLE)

    page.click("#suspend")  # no reason yet: refused as you type, nothing sent
    expect(page.locator("#suspend-reason-error")).to_have_text(CONSOLE.text("zh-CN", "field.reason_invalid"))
    page.fill("#suspend-reason", "车主申请暂停一个月")
    page.click("#suspend")
    expect(page.locator("#contract-status")).to_have_text("已暂停")
    expect(page.locator("#history")).to_contain_text("车主申请暂停一个月")
    page.fill("#reinstate-reason", "车主回来了")
    page.click("#reinstate")
    expect(page.locator("#contract-status")).to_have_text("生效中")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    expect(page.locator("#history")).to_contain_text("op1")

    for path in ("/console/sites", "/console/sites/s1", "/console/sites/s1/products/new",
                 "/console/products/s1-nights", "/console/sites/s1/vehicles", "/console/calendar"):
        response = page.goto(f"{console.url}{path}")
        assert response is not None and response.status == 200, path
        assert_touch_targets(page, "button, a, input, select", 48)
        _assert_no_english(page, CONSOLE)

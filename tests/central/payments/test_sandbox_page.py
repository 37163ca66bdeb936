"""The sandbox provider's page: a resident on a phone pays, fails or cancels; the page calls our
notify endpoint with a signed callback and brings the resident back. Chinese first, 44 px targets,
strict CSP, CSRF, nothing from outside; a changed or expired checkout pays nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from central.payments import Channel, PaymentOrder, PaymentService
from central.web.headers import CONTENT_SECURITY_POLICY
from central.web.i18n import SANDBOX
from tests.central.payments.support import FakeOrderBook
from tests.support.browser import (
    LiveCentral,
    MovingClock,
    assert_touch_targets,
    external_requests,
    web_settings,
)
from tests.support.web import browser_resident_login

if TYPE_CHECKING:
    from playwright.sync_api import Page

TEMPLATES = Path(__file__).resolve().parents[3] / "central" / "web" / "templates"
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def shop_web(central_web: LiveCentral, orders: FakeOrderBook) -> LiveCentral:
    """Central in development: the sandbox is the provider, with the development secret."""
    central_web.app.state.payments.orders = orders
    return central_web


def _checkout_path(central: LiveCentral, orders: FakeOrderBook, clock: MovingClock, order_id: str,
                   return_path: str = "/app/") -> str:
    orders.add(order_id, 30000)
    service: PaymentService = central.app.state.payments
    order = PaymentOrder(order_id, 30000, "城东医院 夜间月卡 1个月", clock() + timedelta(minutes=15),
                         return_path)
    with central.database.transaction() as session:
        checkout = service.start(session, order, "sandbox", channel=Channel.MOBILE, base_url=central.url)
    return checkout.url


def _english_texts() -> set[str]:
    return {text.split("{")[0].strip() for key, text in SANDBOX.messages["en"].items()
            if _LATIN_WORD.search(text) and text != SANDBOX.messages["zh-CN"][key]} - {""}


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_resident_pays_in_the_sandbox_on_a_phone(shop_web: LiveCentral, orders: FakeOrderBook,
                                                   web_clock: MovingClock, phone_page: Page) -> None:
    from playwright.sync_api import expect

    browser_resident_login(phone_page, shop_web, "13812345678")
    outside = external_requests(phone_page)
    path = _checkout_path(shop_web, orders, web_clock, "ord-sbx-001")

    response = phone_page.goto(shop_web.url + path)
    assert response is not None and response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    expect(phone_page.locator("h1")).to_have_text("确认付款")
    expect(phone_page.locator("#amount")).to_have_text("¥300.00")
    expect(phone_page.locator("#description")).to_have_text("城东医院 夜间月卡 1个月")
    expect(phone_page.locator("#expires")).to_have_text("2025年3月3日 20:15")
    words = phone_page.evaluate("() => document.body.innerText + document.title")
    assert [text for text in _english_texts() if text in words] == []
    assert_touch_targets(phone_page, "button, a", 44)
    assert orders.paid == []

    phone_page.click("#pay")
    phone_page.wait_for_url(f"{shop_web.url}/app/")
    expect(phone_page.locator("h1")).to_have_text("我的停车")  # back in the app, still signed in
    assert orders.paid_ids() == ["ord-sbx-001"]
    assert outside == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_sandbox_page_switches_to_english(shop_web: LiveCentral, orders: FakeOrderBook,
                                              web_clock: MovingClock, phone_page: Page) -> None:
    from playwright.sync_api import expect

    phone_page.goto(shop_web.url + _checkout_path(shop_web, orders, web_clock, "ord-sbx-002"))
    phone_page.click("#lang-switch")
    expect(phone_page.locator("h1")).to_have_text("Confirm payment")
    expect(phone_page.locator("#pay")).to_have_text("Pay ¥300.00")
    expect(phone_page.locator("#sandbox-banner")).to_contain_text("takes no money")


def _form(client: httpx.Client, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return {"csrf_token": found.group(1)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("choice", "failed_status"), [("fail", "failed"), ("cancel", "closed")])
def test_fail_and_cancel_tell_the_order_and_return(shop_web: LiveCentral, orders: FakeOrderBook,
                                                   web_clock: MovingClock, choice: str,
                                                   failed_status: str) -> None:
    path = _checkout_path(shop_web, orders, web_clock, "ord-sbx-003", "/app/orders/ord-sbx-003")
    with shop_web.http() as client:
        answer = client.post(path, data={**_form(client, path), "choice": choice})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{shop_web.url}/app/orders/ord-sbx-003"
    assert orders.paid == []
    told = [(order, notice.status.value) for order, notice in orders.failed]
    assert told == [("ord-sbx-003", failed_status)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_changed_checkout_or_a_missing_token_pays_nothing(shop_web: LiveCentral, orders: FakeOrderBook,
                                                            web_clock: MovingClock) -> None:
    path = _checkout_path(shop_web, orders, web_clock, "ord-sbx-004")
    payload, mac = path.rsplit("/", 1)[1].split(".")
    changed = f"{path.rsplit('/', 1)[0]}/{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{mac}"
    with shop_web.http() as client:
        form = _form(client, path)
        unknown = client.get(changed)
        assert unknown.status_code == 404 and "找不到此笔支付" in unknown.text
        assert client.post(changed, data={**form, "choice": "pay"}).status_code == 404
        assert client.post(path, data={"choice": "pay"}).status_code == 403  # no CSRF token
        assert client.post(path, data={"choice": "pay", "csrf_token": "x" * 43}).status_code == 403
    with httpx.Client(base_url=shop_web.url) as stranger:  # a token without its cookie
        assert stranger.post(path, data={**form, "choice": "pay"}).status_code == 403
    assert orders.paid == [] and orders.failed == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_expired_checkout_cannot_be_paid(shop_web: LiveCentral, orders: FakeOrderBook,
                                            web_clock: MovingClock) -> None:
    path = _checkout_path(shop_web, orders, web_clock, "ord-sbx-005")
    with shop_web.http() as client:
        form = _form(client, path)
        web_clock.advance(minutes=15)
        assert client.get(path).status_code == 410
        answer = client.post(path, data={**form, "choice": "pay"})
    assert answer.status_code == 410 and "支付已超时" in answer.text
    assert orders.paid == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_page_says_so_when_the_shop_does_not_take_the_callback(shop_web: LiveCentral,
                                                                   orders: FakeOrderBook,
                                                                   web_clock: MovingClock) -> None:
    path = _checkout_path(shop_web, orders, web_clock, "ord-sbx-006")
    shop_web.app.state.payments.orders = None  # orders not connected: the notify route answers 503
    with shop_web.http() as client:
        answer = client.post(path, data={**_form(client, path), "choice": "pay"})
    assert answer.status_code == 502
    assert "商户未确认" in answer.text and "HTTP 503" in answer.text


@pytest.fixture
def no_sandbox(database_url: str, web_clock: MovingClock) -> Iterator[LiveCentral]:
    central = LiveCentral(web_settings(database_url, payments={"providers": []}), web_clock).start()
    yield central
    central.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_the_sandbox_provider_there_is_no_sandbox_page(no_sandbox: LiveCentral) -> None:
    with no_sandbox.http() as client:
        assert client.get("/sandbox/pay/anything.x").status_code == 404
        assert client.post("/api/v1/payments/sandbox/notify", content=b"{}").status_code == 404


def test_every_key_a_sandbox_template_uses_is_in_its_catalogue() -> None:
    used = {key for path in [*(TEMPLATES / "sandbox").glob("*.html"), TEMPLATES / "lang_switch.html"]
            for key in re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8"))}
    assert used and used - SANDBOX.keys("zh-CN") == set()

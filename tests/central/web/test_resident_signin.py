"""A resident signs in by mobile number and one-time code, in Chromium on a phone (390x844)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from central import db
from tests.support.browser import LiveCentral, MovingClock, assert_touch_targets
from tests.support.web import browser_resident_login, csrf_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]
PHONE = "13812345678"


def test_a_new_resident_signs_in_with_the_texted_code_and_sees_my_parking(
        central_web: LiveCentral, phone_page: Page) -> None:
    from playwright.sync_api import expect

    browser_resident_login(phone_page, central_web, "+86 138 1234 5678")
    expect(phone_page.locator("h1")).to_have_text("我的停车")
    expect(phone_page.locator("#signed-in-as")).to_contain_text("138****5678")
    assert_touch_targets(phone_page, "button, a, input", 44)
    with central_web.database.transaction() as session:
        residents = session.scalars(select(db.Resident)).all()
    assert [(r.phone_masked, len(r.phone_hash or "")) for r in residents] == [("138****5678", 64)]
    assert PHONE not in (residents[0].phone_hash or "")  # stored hashed, never in clear


def test_the_phone_field_is_checked_as_it_is_typed_and_again_by_the_server(
        central_web: LiveCentral, phone_page: Page) -> None:
    from playwright.sync_api import expect

    phone_page.goto(f"{central_web.url}/app/login")
    phone_page.fill("#phone", "1381234")
    phone_page.locator("#phone").blur()
    expect(phone_page.locator("#phone-error")).to_have_text("请输入 11 位大陆手机号")
    phone_page.fill("#phone", PHONE)
    expect(phone_page.locator("#phone-error")).to_have_text("")
    with central_web.http() as client:  # the same number refused by the server, without the script
        token = csrf_of(client.get("/app/login"))
        refused = client.post("/app/login/code", data={"phone": "1381234", "csrf_token": token})
    assert refused.status_code == 400
    assert "请输入 11 位大陆手机号" in refused.text
    assert central_web.sms.sent() == []


def test_a_wrong_code_is_refused_and_the_right_one_then_works(central_web: LiveCentral,
                                                             phone_page: Page) -> None:
    from playwright.sync_api import expect

    phone_page.goto(f"{central_web.url}/app/login")
    phone_page.fill("#phone", PHONE)
    phone_page.click("#send-code")
    right = central_web.last_code(PHONE)
    phone_page.fill("#code", "000000" if right != "000000" else "111111")
    phone_page.click("#verify")
    expect(phone_page.locator("#code-error")).to_have_text("验证码不正确，还可尝试 4 次。")
    assert phone_page.url == f"{central_web.url}/app/login/verify"
    phone_page.fill("#code", right)
    phone_page.click("#verify")
    expect(phone_page.locator("h1")).to_have_text("我的停车")


def test_a_used_code_cannot_sign_in_again(central_web: LiveCentral, phone_page: Page,
                                          web_clock: MovingClock) -> None:
    browser_resident_login(phone_page, central_web, PHONE)
    code = central_web.last_code(PHONE)
    with central_web.http() as client:  # another browser with the same code, a minute later
        web_clock.advance(minutes=1)
        token = csrf_of(client.get("/app/login"))
        again = client.post("/app/login/verify", data={"phone": PHONE, "code": code, "csrf_token": token})
        assert again.status_code == 400
        assert "验证码已过期或已使用" in again.text
        assert client.get("/app/").status_code == 303  # not signed in


def test_an_expired_code_is_refused(central_web: LiveCentral, web_clock: MovingClock) -> None:
    with central_web.http() as client:
        token = csrf_of(client.get("/app/login"))
        assert client.post("/app/login/code", data={"phone": PHONE, "csrf_token": token}).status_code == 200
        web_clock.advance(minutes=5)
        late = client.post("/app/login/verify", data={"phone": PHONE, "code": central_web.last_code(PHONE),
                                                      "csrf_token": token})
    assert late.status_code == 400
    assert "验证码已过期或已使用" in late.text


def test_codes_are_limited_per_number_and_resends_must_wait(central_web: LiveCentral, phone_page: Page,
                                                            web_clock: MovingClock) -> None:
    from playwright.sync_api import expect

    for sent in range(1, 6):
        phone_page.goto(f"{central_web.url}/app/login")
        phone_page.fill("#phone", PHONE)
        phone_page.click("#send-code")
        expect(phone_page.locator("#code-sent")).to_contain_text("138****5678")
        if sent < 5:
            phone_page.goto(f"{central_web.url}/app/login")
            phone_page.fill("#phone", PHONE)
            phone_page.click("#send-code")  # at once: too soon
            expect(phone_page.locator("#phone-error")).to_have_text("验证码刚刚发送过，请稍后再试。")
        web_clock.advance(seconds=61)
    phone_page.goto(f"{central_web.url}/app/login")
    phone_page.fill("#phone", PHONE)
    phone_page.click("#send-code")
    expect(phone_page.locator("#phone-error")).to_have_text("此号码一小时内获取验证码次数已达上限，请稍后再试。")
    assert len(central_web.sms.sent()) == 5
    web_clock.advance(hours=1)
    phone_page.click("#send-code")
    expect(phone_page.locator("#code-sent")).to_contain_text("138****5678")

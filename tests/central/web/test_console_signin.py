"""Staff sign in to the console: institution shown, lockout that survives a restart, password change."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from central.core.security import Role
from tests.support.browser import LiveCentral, MovingClock, assert_touch_targets, web_settings
from tests.support.web import STAFF_PASSWORD, browser_staff_login, csrf_of, http_staff_login, seed_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.mark.browser
def test_an_operator_signs_in_and_sees_their_institution(central_web: LiveCentral,
                                                         desktop_page: Page) -> None:
    from playwright.sync_api import expect

    seed_staff(central_web, "op1", Role.OPERATOR, ("inst1", "城东医院"))
    desktop_page.goto(f"{central_web.url}/console/")  # not signed in: sent to the login page
    expect(desktop_page).to_have_url(f"{central_web.url}/console/login")
    browser_staff_login(desktop_page, central_web, "op1", "wrong password!")
    expect(desktop_page.locator(".alert-error")).to_have_text("用户名或密码不正确。")
    browser_staff_login(desktop_page, central_web, "OP1")  # usernames are not case-sensitive
    expect(desktop_page).to_have_url(f"{central_web.url}/console/")
    expect(desktop_page.locator("#institution")).to_have_text("所属单位：城东医院")
    desktop_page.click("#logout")
    expect(desktop_page).to_have_url(f"{central_web.url}/console/login")
    desktop_page.goto(f"{central_web.url}/console/")
    expect(desktop_page).to_have_url(f"{central_web.url}/console/login")


@pytest.mark.browser
def test_on_a_tablet_every_control_is_at_least_48_px(central_web: LiveCentral, tablet_page: Page) -> None:
    from playwright.sync_api import expect

    seed_staff(central_web, "admin1", Role.ADMIN, None)
    browser_staff_login(tablet_page, central_web, "admin1")
    expect(tablet_page.locator("#institution")).to_have_text("管理员（全部单位）")
    assert_touch_targets(tablet_page, "button, a, input", 48)
    tablet_page.goto(f"{central_web.url}/console/password")
    assert_touch_targets(tablet_page, "button, a, input", 48)


def test_the_lockout_counts_in_the_database_and_survives_a_restart(database_url: str,
                                                                  web_clock: MovingClock) -> None:
    settings = web_settings(database_url, web={"lockout_failures": 3, "lockout_minutes": 15})
    first = LiveCentral(settings, web_clock).start()
    try:
        seed_staff(first, "op1")
        with first.http() as client:
            for _ in range(3):
                assert http_staff_login(client, "op1", "not the password").status_code == 401
    finally:
        first.stop()
    second = LiveCentral(settings, web_clock).start()  # a new process's app on the same database
    try:
        with second.http() as client:
            refused = http_staff_login(client, "op1", STAFF_PASSWORD)
            assert refused.status_code == 429
            assert "登录失败次数过多，请 15 分钟后再试。" in refused.text
            assert client.get("/console/").status_code == 303
            web_clock.advance(minutes=15)
            assert http_staff_login(client, "op1", STAFF_PASSWORD).status_code == 303
            assert client.get("/console/").status_code == 200
    finally:
        second.stop()


def test_one_address_trying_many_accounts_is_locked_out_too(database_url: str,
                                                            web_clock: MovingClock) -> None:
    settings = web_settings(database_url, web={"lockout_failures": 5, "lockout_address_failures": 4})
    central = LiveCentral(settings, web_clock).start()
    try:
        seed_staff(central, "op1")
        with central.http() as client:
            for name in ("alice", "bob", "carol", "dave"):  # one failure each: no account is locked
                assert http_staff_login(client, name, "guess-guess-guess").status_code == 401
            assert http_staff_login(client, "op1", STAFF_PASSWORD).status_code == 429
    finally:
        central.stop()


def test_changing_the_password_ends_the_other_sessions(central_web: LiveCentral) -> None:
    seed_staff(central_web, "op1")
    with central_web.http() as laptop, central_web.http() as tablet:
        assert http_staff_login(laptop, "op1").status_code == 303
        assert http_staff_login(tablet, "op1").status_code == 303
        page = laptop.get("/console/password")
        changed = laptop.post("/console/password", data={
            "current": STAFF_PASSWORD, "new": "a brand new passphrase", "confirm": "a brand new passphrase",
            "csrf_token": csrf_of(page)})
        assert changed.status_code == 200
        assert "密码已修改" in changed.text
        assert laptop.get("/console/").status_code == 200  # the session that changed it goes on
        assert tablet.get("/console/").status_code == 303  # the other one is over
        assert http_staff_login(tablet, "op1", STAFF_PASSWORD).status_code == 401
        assert http_staff_login(tablet, "op1", "a brand new passphrase").status_code == 303


def test_a_wrong_current_password_or_a_short_new_one_changes_nothing(central_web: LiveCentral) -> None:
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        http_staff_login(client, "op1")
        token = csrf_of(client.get("/console/password"))
        wrong = client.post("/console/password", data={
            "current": "nope nope nope", "new": "another passphrase", "confirm": "another passphrase",
            "csrf_token": token})
        assert wrong.status_code == 400
        assert "当前密码不正确" in wrong.text
        short = client.post("/console/password", data={"current": STAFF_PASSWORD, "new": "short",
                                                        "confirm": "short", "csrf_token": token})
        assert short.status_code == 400
        assert "至少 10 个字符" in short.text
    with central_web.http() as other:
        assert http_staff_login(other, "op1", STAFF_PASSWORD).status_code == 303

"""Chinese first, English by a switch: every page string comes from one catalogue per app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from central.accounts import CodeCheckOutcome, CodeRequestOutcome
from central.web.i18n import CATALOGUES, CONSOLE, RESIDENT, Catalogue, merged
from tests.support.browser import LiveCentral, MovingClock
from tests.support.web import browser_resident_login, browser_staff_login, seed_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

TEMPLATES = Path(__file__).resolve().parents[3] / "central" / "web" / "templates"
_KEY_IN_TEMPLATE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Visible text plus what a person meets in attributes: placeholders, tooltips, our error messages.
_PAGE_WORDS = """() => [document.body.innerText, document.title,
    ...[...document.querySelectorAll('[placeholder],[title],[aria-label],[data-error]')].flatMap(
        el => ['placeholder', 'title', 'aria-label', 'data-error'].map(a => el.getAttribute(a) || ''))
    ].join('\\n')"""


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda c: c.name)
def test_both_languages_have_the_same_keys_and_no_empty_text(catalogue: Catalogue) -> None:
    assert catalogue.keys("zh-CN") == catalogue.keys("en")
    for lang in ("zh-CN", "en"):
        assert [key for key in catalogue.keys(lang) if not catalogue.text(lang, key).strip()] == []


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda c: c.name)
def test_placeholders_match_between_languages(catalogue: Catalogue) -> None:
    fields = re.compile(r"{(\w+)}")
    for key in catalogue.keys("en"):
        assert set(fields.findall(catalogue.messages["zh-CN"][key])) == \
            set(fields.findall(catalogue.messages["en"][key])), key


def test_every_key_a_template_or_route_uses_is_in_its_catalogue() -> None:
    for folder, catalogue in (("resident", RESIDENT), ("console", CONSOLE)):
        used = {key for path in [*(TEMPLATES / folder).glob("*.html"), TEMPLATES / "macros.html",
                                 TEMPLATES / "error.html", TEMPLATES / "lang_switch.html"]
                for key in _KEY_IN_TEMPLATE.findall(path.read_text(encoding="utf-8"))}
        assert used - catalogue.keys("zh-CN") == set(), folder
    outcomes = [*CodeRequestOutcome, *CodeCheckOutcome]
    missing = {f"code.{o.value}" for o in outcomes if o.value not in ("sent", "ok")} - RESIDENT.keys("en")
    assert missing == set()


def test_a_key_defined_twice_is_refused() -> None:
    part = {"zh-CN": {"x": "一"}, "en": {"x": "one"}}
    with pytest.raises(ValueError, match="defined twice"):
        merged("broken", part, part)


def _english_texts(catalogue: Catalogue) -> set[str]:
    """English catalogue texts that could not also be Chinese ones (they hold Latin words)."""
    return {text.split("{")[0].strip() for key, text in catalogue.messages["en"].items()
            if _LATIN_WORD.search(text) and text != catalogue.messages["zh-CN"][key]} - {""}


def _assert_no_english(page: Page, catalogue: Catalogue) -> None:
    words = page.evaluate(_PAGE_WORDS)
    leaked = sorted(text for text in _english_texts(catalogue) if text in words)
    assert leaked == [], f"English on the Chinese page {page.url}: {leaked}"


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_chinese_resident_pages_show_no_english_and_the_switch_remembers(
        central_web: LiveCentral, phone_page: Page, web_clock: MovingClock) -> None:
    from playwright.sync_api import expect

    phone_page.goto(f"{central_web.url}/app/login")
    expect(phone_page.locator("html")).to_have_attribute("lang", "zh-CN")
    _assert_no_english(phone_page, RESIDENT)
    phone_page.fill("#phone", "138")
    phone_page.locator("#phone").blur()
    _assert_no_english(phone_page, RESIDENT)  # the message shown as you type is Chinese too
    phone_page.fill("#phone", "13812345678")
    phone_page.click("#send-code")
    _assert_no_english(phone_page, RESIDENT)
    phone_page.click("#lang-switch")  # from the page a POST answered: to the start, in English
    expect(phone_page.locator("h1")).to_have_text("Sign in with your mobile number")
    phone_page.click("#lang-switch")
    expect(phone_page.locator("h1")).to_have_text("手机号登录")
    web_clock.advance(seconds=61)
    browser_resident_login(phone_page, central_web, "13812345678")
    _assert_no_english(phone_page, RESIDENT)
    phone_page.click("#lang-switch")
    expect(phone_page.locator("h1")).to_have_text("My parking")
    expect(phone_page.locator("html")).to_have_attribute("lang", "en")
    phone_page.goto(f"{central_web.url}/app/")  # no ?lang: the cookie remembers
    expect(phone_page.locator("h1")).to_have_text("My parking")
    phone_page.click("#lang-switch")
    expect(phone_page.locator("h1")).to_have_text("我的停车")


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_chinese_console_pages_show_no_english(central_web: LiveCentral, desktop_page: Page) -> None:
    from playwright.sync_api import expect

    seed_staff(central_web, "op1")
    desktop_page.goto(f"{central_web.url}/console/login")
    _assert_no_english(desktop_page, CONSOLE)
    browser_staff_login(desktop_page, central_web, "op1", "a wrong password")
    expect(desktop_page.locator(".alert-error")).to_be_visible()
    _assert_no_english(desktop_page, CONSOLE)
    browser_staff_login(desktop_page, central_web, "op1")
    for path in ("/console/", "/console/password"):
        desktop_page.goto(f"{central_web.url}{path}")
        _assert_no_english(desktop_page, CONSOLE)
    desktop_page.goto(f"{central_web.url}/console/?lang=en")
    expect(desktop_page.locator("#institution")).to_have_text("Institution: 城东医院")

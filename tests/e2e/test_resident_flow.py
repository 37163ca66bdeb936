"""A new resident signs and pays on a phone, and the running gate lets the car in: only after payment.

The whole story in real Chromium at 390x844, against ``parking-central serve`` (development
settings: the sandbox provider, sign-in codes written to the log) and a running gate agent
(``tests.e2e.gate_driver``: the real agent with a scripted camera and reader) over Mosquitto.
The car comes to the gate twice: while the order awaits payment (denied: the gate has never
heard of it) and after the sandbox's payment (admitted under the new contract, which reached
the gate in the bundle issued when the payment was confirmed).

Every step through the pages: the resident binds the plate on "my vehicles", finds the site by
the phone's location on "find near me", taps its product, and the sign form offers the bound
plate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.stack import SITE, Central, Gate, wait_for
from tests.support.browser import PHONE, assert_touch_targets, external_requests, new_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.browser]

PHONE_NUMBER, OTHER_NUMBER = "13800138000", "13900139000"
PLATE = "沪A12345"
TARGETS = "button, a.button, .lang-switch, .order-term, input:not([type=radio]):not([type=hidden])"


def _code_from_log(central: Central, masked: str) -> str:
    """The code the development SMS sender wrote to the service's log for ``masked``."""
    def latest() -> str | None:
        lines = [line for line in central.process.log.read_text(errors="replace").splitlines()
                 if f"NOT SENT to {masked}" in line]
        found = re.search(r"\):.*?(\d{6})", lines[-1]) if lines else None
        return found.group(1) if found else None
    return wait_for(f"the code for {masked} in the log", latest, timeout=15)


def _sign_in(page: Page, central: Central, number: str) -> None:
    page.goto(f"{central.url}/app/login")
    page.fill("#phone", number)
    page.click("#send-code")
    page.wait_for_selector("#code")
    page.fill("#code", _code_from_log(central, f"{number[:3]}****{number[-4:]}"))
    page.click("#verify")
    page.wait_for_url(f"{central.url}/app/")


def _decisions(gate: Gate) -> list[tuple[str, str, str | None]]:
    return [(e["outcome"], e["reason"], e["contract_id"]) for e in gate.recorded()]


def test_a_new_resident_signs_pays_and_the_running_gate_admits_the_car_only_after_payment(
        make_central: Callable[..., Central], make_gate: Callable[..., Gate], browser: Browser,
        phone_page: Page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    central = make_central(overrides={"environment": "development"}).start()
    central.seed_site()  # bundle 1: the site; an all-day product at ¥300.00 a month
    cars = tmp_path / "cars"
    cars.mkdir()
    gate = make_gate(central).drive("--plates", f"{PLATE},{PLATE}", "--total", "2", "--go-dir", str(cars))
    gate.start().wait_for_bundle(1)
    offsite = external_requests(phone_page)

    _sign_in(phone_page, central, PHONE_NUMBER)  # a new resident: the first sign-in registers
    phone_page.goto(f"{central.url}/app/vehicles")  # my vehicles: bind the car's plate
    phone_page.select_option("#province", "沪")
    phone_page.fill("#number", PLATE[1:])
    phone_page.click("#bind")
    expect(phone_page.locator("#vehicles .plate")).to_have_text([PLATE])
    phone_page.goto(f"{central.url}/app/find")  # find near me, by the phone's location
    phone_page.context.grant_permissions(["geolocation"])
    phone_page.context.set_geolocation({"latitude": 31.1905, "longitude": 121.4405})
    phone_page.click("#use-location")
    expect(phone_page.locator("#results-title")).to_have_text("离您最近的停车场")
    nearest = phone_page.locator("#sites > li").first
    assert nearest.get_attribute("id") == f"site-{SITE}"
    nearest.locator("a.button").first.click()  # the product's sign page
    assert "工作日 全天，休息日 全天" in phone_page.inner_text("#rule-windows")  # rules before the button
    assert phone_page.is_visible("#rule-refund") and phone_page.is_visible("#rule-hold")
    assert_touch_targets(phone_page, TARGETS, 44)
    assert phone_page.input_value("#plate") == PLATE  # the bound plate, offered
    phone_page.click("#confirm")  # tap 1: the order holds a place; off to the sandbox
    phone_page.wait_for_selector("#pay")
    assert phone_page.inner_text("#amount") == "¥300.00"

    (cars / "0").touch()  # the car comes while the order awaits payment
    wait_for("the first car decided", lambda: _decisions(gate), alive=gate.process.check_alive)
    assert _decisions(gate) == [("deny", "no_contract", None)]
    sequence = gate._sequence()  # noqa: SLF001 (the gate's own store: what it holds now)

    phone_page.click("#pay")  # tap 2: the sandbox sends its signed callback and returns the resident
    phone_page.wait_for_selector("#contract-active")
    assert "沪A12345" in phone_page.inner_text("#contract-active")
    assert phone_page.inner_text("#contract-status") == "生效中"
    order_url = phone_page.url
    contract = central.get("/contracts", limit=5)[0]
    assert contract["status"] == "active"

    gate.wait_for_bundle(sequence + 1)  # the bundle issued when the payment was confirmed
    (cars / "1").touch()
    wait_for("the second car decided", lambda: len(_decisions(gate)) == 2, alive=gate.process.check_alive)
    assert _decisions(gate)[1] == ("open", "contract_ok", contract["id"])
    stay = wait_for("the stay at central", lambda: central.stays(plate=PLATE, status="open"))[0]
    assert stay["contract_id"] == contract["id"]
    assert offsite == []

    other = new_page(browser, PHONE, touch=True)  # a second resident, on another phone
    try:
        _sign_in(other, central, OTHER_NUMBER)
        answer = other.goto(order_url)
        assert answer is not None and answer.status == 404
        assert PLATE not in other.inner_text("body")
        other.goto(f"{central.url}/app/orders")
        assert other.is_visible("#no-orders")
    finally:
        other.context.close()

"""The guard page in real headless Chromium (Playwright), one browser for the module.

What a guard at the gatehouse would notice: a review pushed to the page with a chime, a near
miss opened as its contract in two taps, actions that make no sense not offered, Chinese with
no English on it, times in the site's zone, 48 px touch targets in both tablet orientations,
and a page that says so when its data may be stale. The same API over plain HTTP is tested in
tests/edge/guard/test_api.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from edge.config import EdgeSettings
from edge.guard.catalogue import catalogue
from shared import AlertKind, GuardAction, OverrideReason, Reason, SiteAlert
from tests.edge.conftest import GUARD_PASSWORD, Central, SteppingClock, wait_until
from tests.edge.guard.harness import (
    CONTRACTED,
    NEAR_MISS,
    NO_CONTRACT,
    UNREADABLE,
    GuardPage,
    open_guard_page,
)

pytestmark = [pytest.mark.broker, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
LANDSCAPE, PORTRAIT = {"width": 1024, "height": 768}, {"width": 768, "height": 1024}
# Counts the chime's tones: every tone is an oscillator started (the page has no other sound).
TONE_COUNTER = """
window.__tones = 0;
const startTone = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return startTone.apply(this, args);
};
"""
CATALOGUE = catalogue()
ZH, EN = CATALOGUE["zh-CN"], CATALOGUE["en"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def guard_page(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
               signing_key: object) -> Iterator[GuardPage]:
    page = open_guard_page(gate_settings, clock, central, signing_key)
    yield page
    page.close()


@pytest.fixture
def tablet(browser: Any, guard_page: GuardPage) -> Iterator[Callable[..., Any]]:
    """Opens the page logged in as guard1 on a tablet whose own clock is in New York."""
    contexts: list[Any] = []
    script_errors: list[str] = []

    def open_page(viewport: dict[str, int] = LANDSCAPE) -> Any:
        from playwright.sync_api import expect

        context = browser.new_context(viewport=viewport, timezone_id="America/New_York")
        context.add_init_script(TONE_COUNTER)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.goto(guard_page.url)
        page.fill("#username", "guard1")
        page.fill("#password", GUARD_PASSWORD)
        page.click("#login-button")
        expect(page.locator("#feed")).to_have_text(ZH["live"])
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert script_errors == []  # the page's own scripts never threw


def _tones(page: Any) -> int:
    return int(page.evaluate("window.__tones"))


def test_a_near_miss_arrives_by_push_and_is_opened_as_its_contract_in_two_taps(
        guard_page: GuardPage, tablet: Callable[..., Any], central: Central) -> None:
    from playwright.sync_api import expect

    page = tablet()
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/api/state" in request.url else None)
    expect(page.locator("#queue-count")).to_have_text("0")
    review = guard_page.pass_car("entry", NEAR_MISS)  # 沪A12346, one character from 沪A12345 (c1)
    card = page.locator(f"#queue li[data-event-id='{review.event_id}']")
    candidate = card.locator(".near-miss")
    expect(candidate).to_have_text("疑似 沪A12345 · 合约 c1 · 现在有效")
    expect(page.locator("#queue-count")).to_have_text("1")
    page.wait_for_function("window.__tones > 0")  # the chime
    card.locator(".shot").click()  # the snapshot, full size, zoomable
    page.click("#zoom-in")
    assert "scale(1.5)" in page.locator("#zoom-img").evaluate("img => img.style.transform")
    page.click("#zoom-close")
    candidate.click()  # tap one
    page.click("#action-confirm")  # tap two
    expect(page.locator("#queue .card")).to_have_count(0)
    expect(page.locator("#queue-count")).to_have_text("0")
    audit = page.locator("#audit tbody tr").first
    for text in ("guard1", "更正车牌", "沪A12346", "沪A12345 放行 · 合约有效 合约 c1"):
        expect(audit).to_contain_text(text)
    assert polls == []  # all of it came by push
    assert guard_page.agent.store.inside()["沪A12345"].contract_id == "c1"
    wait_until(lambda: any(e.override for e in central.events), what="the correction at central")
    correction = next(e for e in central.events if e.override)
    assert correction.override is not None and correction.override.action is GuardAction.CORRECT
    assert str(correction.override.original_event_id) == str(review.event_id)


def test_guard_opens_a_denied_read_with_a_reason_and_finds_it_in_the_audit(
        guard_page: GuardPage, tablet: Callable[..., Any], central: Central) -> None:
    from playwright.sync_api import expect

    original = guard_page.pass_car("entry", NO_CONTRACT)  # 沪B99999: no contract, denied
    page = tablet()
    row = page.locator(f"#reads tr[data-event-id='{original.event_id}']")
    expect(row).to_contain_text("沪B99999")
    expect(row.locator(".reason")).to_contain_text(Reason.NO_CONTRACT.label("zh-CN"))
    expect(row.locator("img")).to_have_count(1)
    expect(row.locator(".act-deny")).to_have_count(0)  # denied already
    row.locator(".act-open").click()
    page.click("#action-confirm")  # no reason chosen: refused by the page
    expect(page.locator("#action-error")).to_have_text(ZH["reason_required"])
    page.select_option("#action-reason", "visitor")
    page.fill("#action-comment", "来访 visitor for room 301")
    page.click("#action-confirm")
    first = page.locator("#audit tbody tr").first
    expect(first).to_contain_text("guard1")
    expect(first).to_contain_text("访客 · 来访 visitor for room 301")
    expect(row).to_contain_text("guard1 已放行")  # who decided it, on the read itself
    page.click("#lang")
    expect(first).to_contain_text("Open")
    expect(first).to_contain_text("visitor")
    assert len(guard_page.agent.barrier.commands) == 1  # type: ignore[attr-defined]
    wait_until(lambda: any(e.override for e in central.events), what="override event at central")
    override = next(e for e in central.events if e.override)
    assert override.reason is Reason.GUARD_OPEN and override.override is not None
    assert override.override.reason is OverrideReason.VISITOR
    assert str(override.override.original_event_id) == str(original.event_id)


def test_the_chime_can_be_switched_off_and_the_tablet_remembers(guard_page: GuardPage,
                                                                 tablet: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = tablet()
    chime = page.locator("#chime")
    expect(chime).to_have_text(ZH["chime_on"])
    chime.click()
    expect(chime).to_have_text(ZH["chime_off"])
    guard_page.pass_car("entry", NEAR_MISS)
    expect(page.locator("#queue .card")).to_have_count(1)
    page.reload()
    expect(page.locator("#queue .card")).to_have_count(1)
    expect(chime).to_have_text(ZH["chime_off"])
    assert _tones(page) == 0
    chime.click()
    expect(chime).to_have_text(ZH["chime_on"])
    guard_page.pass_car("entry", UNREADABLE)
    expect(page.locator("#queue .card")).to_have_count(2)
    page.wait_for_function("window.__tones > 0")


def test_actions_that_make_no_sense_are_not_offered_and_a_plate_inside_needs_confirming(
        guard_page: GuardPage, tablet: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    left = guard_page.pass_car("exit", CONTRACTED)  # an exit opens, always
    guard_page.pass_car("entry", CONTRACTED)  # 沪A12345 goes in
    twin = guard_page.pass_car("entry", CONTRACTED)  # and again: review, already inside
    page = tablet()
    exit_row = page.locator(f"#reads tr[data-event-id='{left.event_id}']")
    expect(exit_row).to_contain_text(ZH["outcome.open"])
    expect(exit_row.locator("button[class^='act-']")).to_have_count(0)  # no deny, no open
    card = page.locator(f"#queue li[data-event-id='{twin.event_id}']")
    expect(card.locator(".warning")).to_contain_text("沪A12345 已于 20:0")  # the site's time, not New York's
    card.locator(".act-open").click()
    expect(page.locator("#inside-row")).to_be_visible()
    page.select_option("#action-reason", "other")
    page.click("#action-confirm")
    expect(page.locator("#action-error")).to_have_text(ZH["confirm_required"])
    page.check("#action-confirm-inside")
    page.click("#action-confirm")
    expect(page.locator("#queue .card")).to_have_count(0)
    assert len(guard_page.agent.barrier.commands) == 3  # type: ignore[attr-defined]


def _catalogue_fragments(texts: dict[str, str], wanted: re.Pattern[str]) -> set[str]:
    """The fixed pieces of the catalogue's texts (placeholders cut out) that would give it away."""
    pieces = {piece.strip(" ·:?.,") for text in texts.values() for piece in re.split(r"\{\w+\}", text)}
    return {piece for piece in pieces if wanted.search(piece)}


def _busy_evening(guard_page: GuardPage) -> None:
    agent = guard_page.agent
    denied = guard_page.pass_car("entry", NO_CONTRACT)
    agent.desk.open("guard1", str(denied.event_id), OverrideReason.VISITOR, "三号楼来访")
    guard_page.pass_car("entry", CONTRACTED)
    guard_page.pass_car("exit", CONTRACTED)
    guard_page.pass_car("entry", UNREADABLE)
    guard_page.pass_car("entry", NEAR_MISS)
    now = guard_page.clock()
    for code in ("storage_fault", "barrier_fault:exit", "flux_capacitor"):  # the last: a code from the future
        agent.alarms.raise_(code, "disk full: database or disk is full", now)
    agent.store.add_alert(SiteAlert(alert_id=uuid4(), site_id="s1", kind=AlertKind.OVERSTAY, at=now,
                                    plate="沪A12345", deadline=now - timedelta(minutes=5),
                                    message="Overstay: left after the deadline"))


def test_the_chinese_page_shows_no_english_and_the_english_page_no_chinese_catalogue_text(
        guard_page: GuardPage, tablet: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    _busy_evening(guard_page)
    page = tablet()
    console_errors: list[str] = []  # a CSP refusal (an inline style or script) shows up here
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.reload()
    expect(page.locator("#queue .card")).to_have_count(2)
    alarms = page.locator("#alarms")
    for label in ("存储故障", "道闸故障 (出口)", "未知告警: flux_capacitor"):
        expect(alarms).to_contain_text(label)
    shown = page.inner_text("body")
    assert sorted(f for f in _catalogue_fragments(EN, re.compile(r"[A-Za-z]{2}")) if f in shown) == []
    assert "disk full" not in shown and "Overstay:" not in shown  # details stay folded, central's text out
    assert re.search(r"\b20:0\d:\d\d\b", page.inner_text("#queue"))  # 20:0x in Shanghai (08:0x in New York)
    page.click("#lang")
    expect(page.locator("#queue h2, .queue h2").first).to_contain_text(EN["queue"])
    shown = page.inner_text("body")
    cjk = re.compile(r"[\u4e00-\u9fff]{2}")
    assert sorted(f for f in _catalogue_fragments(ZH, cjk) if f in shown) == []
    assert console_errors == []


# Every control a finger can reach (shown on the page, or in the open dialog) smaller than 48x48 px.
SMALL_TARGETS = """() => [...document.querySelectorAll('button, select, input, summary, a[href]')]
    .filter((el) => el.offsetParent !== null || el.closest('dialog[open]'))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.width > 0 && (r.width < 48 || r.height < 48))
    .map(([el, r]) => `${el.tagName}#${el.id}.${el.className} ${Math.round(r.width)}x${Math.round(r.height)}`)
"""


def _small_targets(page: Any) -> list[str]:
    return list(page.evaluate(SMALL_TARGETS))


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_touch_targets_are_48_px_and_nothing_spills_sideways(
        guard_page: GuardPage, tablet: Callable[..., Any], viewport: dict[str, int]) -> None:
    from playwright.sync_api import expect

    _busy_evening(guard_page)
    page = tablet(viewport)
    expect(page.locator("#queue .card")).to_have_count(2)
    assert _small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.locator("#queue .card .act-open").first.click()
    expect(page.locator("#action-dialog")).to_be_visible()
    assert _small_targets(page) == []


def test_a_dropped_stream_shows_the_stale_banner_and_polling_takes_over(
        guard_page: GuardPage, tablet: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = tablet()
    stale = page.locator("#stale")
    expect(stale).to_be_hidden()
    guard_page.stop_server()  # the tablet loses the gate
    expect(stale).to_be_visible(timeout=10_000)
    expect(stale).to_contain_text(ZH["stale"])
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/api/state" in request.url else None)
    page.route("**/api/stream", lambda route: route.abort())  # and the stream stays broken
    guard_page.start_server()
    review = guard_page.pass_car("entry", NEAR_MISS)
    expect(page.locator(f"#queue li[data-event-id='{review.event_id}']")).to_be_visible(timeout=10_000)
    expect(stale).to_be_hidden()
    expect(page.locator("#feed")).to_have_text(ZH["polling"])
    assert polls

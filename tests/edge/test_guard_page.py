"""The guard page: in real headless Chromium (Playwright), and its refusals over plain HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from edge.agent import Agent
from edge.config import EdgeSettings
from edge.guard.server import GuardServer
from shared import GuardAction, OverrideReason, Reason
from tests.edge.conftest import GUARD_PASSWORD, WEDNESDAY_EVENING, Central, SteppingClock, signed, wait_until
from tests.edge.doubles import ScriptedReader, frame_for

pytestmark = pytest.mark.broker
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class GuardPage:
    agent: Agent
    url: str


@pytest.fixture
def guard_page(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
               signing_key: object) -> Iterator[GuardPage]:
    central.publish_bundle(signed(signing_key, issued_at=WEDNESDAY_EVENING - timedelta(hours=1)))
    settings = gate_settings(guard={"max_failures": 3})
    agent = Agent(settings, clock=clock, reader=ScriptedReader(["沪B99999", "沪A12345", "沪A12346"]),
                  vehicles={"entry": [], "exit": []})
    agent.start()
    wait_until(lambda: agent.bundles.sequence == 1, what="bundle held")
    server = GuardServer(agent)
    server.start()
    try:
        yield GuardPage(agent, f"http://127.0.0.1:{server.port}")
    finally:
        server.stop()
        agent.stop()


def _session(client: httpx.Client) -> str:
    return str(client.get("/api/session").json()["csrf"])


def _login(client: httpx.Client, password: str = GUARD_PASSWORD) -> httpx.Response:
    csrf = _session(client)
    return client.post("/api/login", json={"username": "guard1", "password": password},
                       headers={"X-CSRF-Token": csrf})


@pytest.mark.browser
def test_guard_logs_in_sees_a_read_opens_with_a_reason_and_finds_it_in_the_audit(
        guard_page: GuardPage, central: Central) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    from playwright.sync_api import expect, sync_playwright

    agent = guard_page.agent
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(0)])  # 沪B99999: no contract, denied
    original = agent.store.recent_events(1)[0]
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(2)])  # 沪A12346: one character from 沪A12345
    near = agent.store.recent_events(1)[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(guard_page.url)
            page.fill("#username", "guard1")
            page.fill("#password", GUARD_PASSWORD)
            page.click("#login-button")
            row = page.locator(f"tr[data-event-id='{original.event_id}']")
            expect(row).to_contain_text("沪B99999")
            expect(row.locator(".reason")).to_contain_text(Reason.NO_CONTRACT.label("zh-CN"))
            expect(row.locator("img")).to_have_count(1)
            near_row = page.locator(f"tr[data-event-id='{near.event_id}']")
            expect(near_row.locator(".near-miss")).to_have_text("疑似 沪A12345 (合约 c1)")
            row.locator(".act-open").click()
            page.click("#action-confirm")  # no reason chosen: refused by the page
            expect(page.locator("#action-error")).not_to_be_empty()
            page.select_option("#action-reason", "visitor")
            page.fill("#action-comment", "来访 visitor for room 301")
            page.click("#action-confirm")
            expect(page.locator("#audit tbody tr").first).to_contain_text("guard1")
            expect(page.locator("#audit tbody tr").first).to_contain_text("visitor for room 301")
            page.click("#lang")
            expect(page.locator("#audit tbody tr").first).to_contain_text("Open")
            near_row.locator(".near-miss").click()  # open as that contract: the read corrected to it
            expect(page.locator("#action-plate")).to_have_value("沪A12345")
            page.click("#action-confirm")
            expect(page.locator("#audit tbody tr").first).to_contain_text("Correct plate")
        finally:
            browser.close()
    assert len(agent.barrier.commands) == 2  # type: ignore[attr-defined]
    assert agent.store.inside()["沪A12345"].contract_id == "c1"
    wait_until(lambda: any(e.override for e in central.events), what="override event at central")
    override = next(e for e in central.events if e.override)
    assert override.reason is Reason.GUARD_OPEN and override.override is not None
    assert override.override.action is GuardAction.OPEN
    assert override.override.reason is OverrideReason.VISITOR
    assert str(override.override.original_event_id) == original.event_id
    assert str(override.event_id) != original.event_id


def test_a_near_miss_shows_the_guard_the_contracted_plate_and_its_contract(guard_page: GuardPage) -> None:
    agent = guard_page.agent
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(2)])  # 沪A12346: one character from 沪A12345
    with httpx.Client(base_url=guard_page.url) as client:
        assert _login(client).status_code == 200
        read = client.get("/api/state").json()["reads"][0]
    assert (read["plate"], read["outcome"], read["reason"]) == ("沪A12346", "review", "near_miss")
    assert read["near_misses"] == [{"plate": "沪A12345", "contract_id": "c1"}]


def test_requests_without_a_session_are_refused(guard_page: GuardPage) -> None:
    agent = guard_page.agent
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(0)])
    event_id = agent.store.recent_events(1)[0].event_id
    with httpx.Client(base_url=guard_page.url) as client:
        assert client.get("/api/state").status_code == 401
        assert client.get("/api/audit").status_code == 401
        csrf = _session(client)  # an anonymous session has a CSRF token but no guard
        response = client.post(f"/api/reads/{event_id}/open", json={"reason": "visitor"},
                               headers={"X-CSRF-Token": csrf})
        assert response.status_code == 401
    assert agent.barrier.commands == []  # type: ignore[attr-defined]


def test_posts_without_the_csrf_token_are_refused(guard_page: GuardPage) -> None:
    agent = guard_page.agent
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(0)])
    event_id = agent.store.recent_events(1)[0].event_id
    with httpx.Client(base_url=guard_page.url) as client:
        assert client.post("/api/login", json={"username": "guard1", "password": GUARD_PASSWORD}
                           ).status_code == 403
        assert _login(client).status_code == 200
        url = f"/api/reads/{event_id}/open"
        assert client.post(url, json={"reason": "visitor"}).status_code == 403
        forged = {"X-CSRF-Token": "forged"}
        assert client.post(url, json={"reason": "visitor"}, headers=forged).status_code == 403
    assert agent.barrier.commands == []  # type: ignore[attr-defined]


def test_lockout_after_repeated_failures(guard_page: GuardPage, clock: SteppingClock) -> None:
    with httpx.Client(base_url=guard_page.url) as client:
        for _ in range(3):
            assert _login(client, "wrong-password").status_code == 401
        assert _login(client).status_code == 423  # even the right password, while locked
        clock.advance(timedelta(minutes=16))
        assert _login(client).status_code == 200


def test_correcting_a_plate_decides_again_and_keeps_the_original(guard_page: GuardPage) -> None:
    agent = guard_page.agent
    agent.pass_vehicle(agent.settings.lanes[0], [frame_for(0)])  # read as 沪B99999
    original = agent.store.recent_events(1)[0]
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        response = client.post(f"/api/reads/{original.event_id}/correct",
                               json={"plate": "沪a12345", "comment": "B read for A"},
                               headers={"X-CSRF-Token": csrf})
        assert response.status_code == 200, response.text
        corrected = response.json()
        decided = (corrected["plate"], corrected["reason"], corrected["outcome"])
        assert decided == ("沪A12345", "contract_ok", "open")
        assert corrected["override"]["original_plate"] == "沪B99999"
        bad = client.post(f"/api/reads/{original.event_id}/correct", json={"plate": "XYZ"},
                          headers={"X-CSRF-Token": csrf})
        assert bad.status_code == 422 and "plate" in bad.json()["detail"]
        audit = client.get("/api/audit").json()
    assert audit[0]["action"] == "correct" and audit[0]["before"]["plate"] == "沪B99999"
    assert agent.store.event(original.event_id).data["plate"] == "沪B99999"  # type: ignore[union-attr]


def test_a_guard_opens_a_lane_for_a_car_the_camera_never_read(guard_page: GuardPage,
                                                               central: Central) -> None:
    agent = guard_page.agent
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        lanes = client.get("/api/state").json()["lanes"]
        assert [lane["name"] for lane in lanes] == [lane.name for lane in agent.settings.lanes]
        headers = {"X-CSRF-Token": csrf}
        exit_lane = next(lane["name"] for lane in lanes if lane["direction"] == "exit")
        entry_lane = next(lane["name"] for lane in lanes if lane["direction"] == "entry")
        without_reason = client.post(f"/api/lanes/{exit_lane}/open", json={}, headers=headers)
        assert without_reason.status_code == 422
        opened = client.post(f"/api/lanes/{exit_lane}/open",
                             json={"reason": "emergency", "comment": "exit camera dark"}, headers=headers)
        assert opened.status_code == 200, opened.text
        assert (opened.json()["outcome"], opened.json()["reason"]) == ("open", "guard_open")
        typed = client.post(f"/api/lanes/{entry_lane}/open",
                            json={"reason": "misread", "plate": "沪a12345"}, headers=headers).json()
        assert (typed["plate"], typed["contract_id"]) == ("沪A12345", "c1")  # the stay keeps its contract
        assert client.post("/api/lanes/nowhere/open", json={"reason": "other"},
                           headers=headers).status_code == 422
        audit = client.get("/api/audit").json()
    assert [e["action"] for e in audit[:2]] == ["open_lane", "open_lane"]
    assert audit[1]["after"]["comment"] == "exit camera dark"
    commands = agent.barrier.commands  # type: ignore[attr-defined]
    assert [c.lane for c in commands[-2:]] == [exit_lane, entry_lane]
    assert "沪A12345" in agent.store.inside()
    wait_until(lambda: {opened.json()["event_id"], typed["event_id"]} <= central.event_ids(),
               what="both overrides at central")

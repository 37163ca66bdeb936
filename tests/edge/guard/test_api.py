"""The guard page over plain HTTP: sessions, lockouts, CSRF, the actions and their refusals,
the live stream. The same page in Chromium is tests/edge/test_guard_page.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from edge.config import EdgeSettings
from tests.edge.conftest import GUARD_PASSWORD, Central, SteppingClock, guard_hash, wait_until
from tests.edge.guard.harness import CONTRACTED, NEAR_MISS, NO_CONTRACT, GuardPage, login, open_guard_page
from tests.edge.guard.harness import session_token as _session

pytestmark = pytest.mark.broker


@pytest.fixture
def guard_page(gate_settings: Callable[..., EdgeSettings], clock: SteppingClock, central: Central,
               signing_key: object) -> Iterator[GuardPage]:
    page = open_guard_page(gate_settings, clock, central, signing_key, max_address_failures=4,
                           accounts={"guard1": guard_hash(), "guard2": guard_hash()})
    yield page
    page.close()


def _login(client: httpx.Client, password: str = GUARD_PASSWORD, username: str = "guard1") -> httpx.Response:
    return login(client, password, username)


def _post(client: httpx.Client, path: str, csrf: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf})


def test_a_near_miss_shows_the_guard_the_contracted_plate_and_its_contract(guard_page: GuardPage) -> None:
    guard_page.pass_car("entry", NEAR_MISS)  # 沪A12346: one character from 沪A12345
    with httpx.Client(base_url=guard_page.url) as client:
        assert _login(client).status_code == 200
        state = client.get("/api/state").json()
    read = state["reads"][0]
    assert (read["plate"], read["outcome"], read["reason"]) == ("沪A12346", "review", "near_miss")
    assert read["near_misses"] == [{"plate": "沪A12345", "contract_id": "c1"}]
    queued = state["queue"][0]
    assert queued["event_id"] == read["event_id"] and queued["actions"] == ["open", "deny", "correct"]
    assert queued["candidates"] == [{"plate": "沪A12345", "contract_id": "c1", "opens": True,
                                     "reason": "contract_ok"}]
    assert state["timezone"] == "Asia/Shanghai"


def test_requests_without_a_session_are_refused(guard_page: GuardPage) -> None:
    event_id = str(guard_page.pass_car("entry", NO_CONTRACT).event_id)
    agent = guard_page.agent
    with httpx.Client(base_url=guard_page.url) as client:
        assert client.get("/api/state").status_code == 401
        assert client.get("/api/audit").status_code == 401
        assert client.get("/api/stream").status_code == 401
        csrf = _session(client)  # the login form has a CSRF token, but nobody is logged in
        assert _post(client, f"/api/reads/{event_id}/open", csrf, {"reason": "visitor"}).status_code == 401
    assert agent.barrier.commands == []  # type: ignore[attr-defined]


def test_posts_without_the_csrf_token_are_refused(guard_page: GuardPage) -> None:
    event_id = str(guard_page.pass_car("entry", NO_CONTRACT).event_id)
    agent = guard_page.agent
    with httpx.Client(base_url=guard_page.url) as client:
        assert client.post("/api/login", json={"username": "guard1", "password": GUARD_PASSWORD}
                           ).status_code == 403
        assert _login(client).status_code == 200
        url = f"/api/reads/{event_id}/open"
        assert client.post(url, json={"reason": "visitor"}).status_code == 403
        assert _post(client, url, "forged", {"reason": "visitor"}).status_code == 403
    assert agent.barrier.commands == []  # type: ignore[attr-defined]


def test_a_logged_out_cookie_is_refused(guard_page: GuardPage) -> None:
    event_id = str(guard_page.pass_car("entry", NO_CONTRACT).event_id)
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        cookie = client.cookies["guard_session"]
        assert _post(client, "/api/logout", csrf, {}).status_code == 200
    with httpx.Client(base_url=guard_page.url, cookies={"guard_session": cookie}) as copied:
        assert copied.get("/api/state").status_code == 401
        assert copied.get("/api/stream").status_code == 401
        assert _post(copied, f"/api/reads/{event_id}/open", csrf, {"reason": "visitor"}).status_code == 401
    assert guard_page.agent.barrier.commands == []  # type: ignore[attr-defined]


def test_a_password_change_in_the_config_ends_that_guards_sessions_at_the_next_start(
        guard_page: GuardPage) -> None:
    clients = {name: httpx.Client(base_url=guard_page.url) for name in ("guard1", "guard2")}
    try:
        for name, client in clients.items():
            assert _login(client, username=name).status_code == 200
        guard = guard_page.settings.guard
        new_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("a-new-password-1")
        changed = guard_page.settings.model_copy(update={"guard": guard.model_copy(
            update={"accounts": {**guard.accounts, "guard1": new_hash}})})
        guard_page.restart(changed)
        assert clients["guard1"].get("/api/state").status_code == 401
        assert clients["guard2"].get("/api/state").status_code == 200
    finally:
        for client in clients.values():
            client.close()


def test_lockout_after_repeated_failures(guard_page: GuardPage, clock: SteppingClock) -> None:
    with httpx.Client(base_url=guard_page.url) as client:
        for _ in range(3):
            assert _login(client, "wrong-password").status_code == 401
        assert _login(client).status_code == 423  # even the right password, while locked
        clock.advance(timedelta(minutes=16))
        assert _login(client).status_code == 200


def test_a_lockout_per_address_survives_a_restart_of_the_agent(guard_page: GuardPage,
                                                               clock: SteppingClock) -> None:
    with httpx.Client(base_url=guard_page.url) as client:  # guesses at several names, one address
        for name in ("guard1", "guard2", "admin", "root"):
            assert _login(client, "wrong-password", username=name).status_code == 401
        assert _login(client, username="guard2").status_code == 423
    guard_page.restart()
    with httpx.Client(base_url=guard_page.url) as client:
        assert _login(client, username="guard2").status_code == 423
        clock.advance(timedelta(minutes=16))
        assert _login(client, username="guard2").status_code == 200


def test_correcting_a_plate_decides_again_and_keeps_the_original(guard_page: GuardPage) -> None:
    original = guard_page.pass_car("entry", NO_CONTRACT)  # read as 沪B99999
    event_id = str(original.event_id)
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        bad = _post(client, f"/api/reads/{event_id}/correct", csrf, {"plate": "XYZ"})
        assert (bad.status_code, bad.json()["code"]) == (422, "bad_plate") and "plate" in bad.json()["detail"]
        hostile = _post(client, f"/api/reads/{event_id}/correct", csrf,
                        {"plate": "沪A12345", "comment": "ok\x1b[2J\x00"})
        assert hostile.status_code == 422 and "comment" in hostile.text  # named, not a 500
        response = _post(client, f"/api/reads/{event_id}/correct", csrf,
                         {"plate": "沪a12345", "comment": "B read for A"})
        assert response.status_code == 200, response.text
        corrected = response.json()
        decided = (corrected["plate"], corrected["reason"], corrected["outcome"])
        assert decided == ("沪A12345", "contract_ok", "open")
        assert corrected["override"]["original_plate"] == "沪B99999"
        audit = client.get("/api/audit").json()
    assert audit[0]["action"] == "correct" and audit[0]["before"]["plate"] == "沪B99999"
    assert guard_page.agent.store.event(event_id).data["plate"] == "沪B99999"  # type: ignore[union-attr]


def test_actions_that_make_no_sense_are_refused_and_a_read_is_decided_once(guard_page: GuardPage) -> None:
    exit_id = str(guard_page.pass_car("exit", CONTRACTED).event_id)  # an exit opens, always
    review_id = str(guard_page.pass_car("entry", NEAR_MISS).event_id)
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        for action, body in (("deny", {}), ("open", {"reason": "other"})):
            refused = _post(client, f"/api/reads/{exit_id}/{action}", csrf, body)
            assert (refused.status_code, refused.json()["code"]) == (409, "not_offered")
        assert _post(client, f"/api/reads/{review_id}/deny", csrf, {}).status_code == 200
        again = _post(client, f"/api/reads/{review_id}/open", csrf, {"reason": "visitor"})  # a second tablet
        assert (again.status_code, again.json()["code"]) == (409, "already_decided")
        state = client.get("/api/state").json()
    assert state["queue"] == []
    decided = next(r for r in state["reads"] if r["event_id"] == review_id)
    assert decided["actions"] == [] and decided["decided"]["guard"] == "guard1"
    assert len(guard_page.agent.barrier.commands) == 1  # type: ignore[attr-defined]  # the exit's own


def test_opening_a_plate_already_inside_must_be_confirmed(guard_page: GuardPage) -> None:
    guard_page.pass_car("entry", CONTRACTED)  # 沪A12345 goes in
    twin = guard_page.pass_car("entry", CONTRACTED)  # and "again": a cloned plate, or a missed exit
    assert twin.reason == "already_inside"
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        read = client.get("/api/state").json()["queue"][0]
        assert read["inside_since"] is not None
        url = f"/api/reads/{twin.event_id}/open"
        unconfirmed = _post(client, url, csrf, {"reason": "other"})
        assert (unconfirmed.status_code, unconfirmed.json()["code"]) == (409, "confirm_inside")
        lane = _post(client, "/api/lanes/entry/open", csrf, {"reason": "other", "plate": "沪A12345"})
        assert lane.json()["code"] == "confirm_inside"
        assert _post(client, url, csrf, {"reason": "other", "confirm_inside": True}).status_code == 200
    assert len(guard_page.agent.barrier.commands) == 2  # type: ignore[attr-defined]


def test_a_guard_opens_a_lane_for_a_car_the_camera_never_read(guard_page: GuardPage,
                                                               central: Central) -> None:
    agent = guard_page.agent
    with httpx.Client(base_url=guard_page.url) as client:
        csrf = _login(client).json()["csrf"]
        lanes = client.get("/api/state").json()["lanes"]
        assert [lane["name"] for lane in lanes] == [lane.name for lane in agent.settings.lanes]
        exit_lane = next(lane["name"] for lane in lanes if lane["direction"] == "exit")
        entry_lane = next(lane["name"] for lane in lanes if lane["direction"] == "entry")
        assert _post(client, f"/api/lanes/{exit_lane}/open", csrf, {}).status_code == 422
        opened = _post(client, f"/api/lanes/{exit_lane}/open", csrf,
                       {"reason": "emergency", "comment": "exit camera dark"})
        assert opened.status_code == 200, opened.text
        assert (opened.json()["outcome"], opened.json()["reason"]) == ("open", "guard_open")
        typed = _post(client, f"/api/lanes/{entry_lane}/open", csrf,
                      {"reason": "misread", "plate": "沪a12345"}).json()
        assert (typed["plate"], typed["contract_id"]) == ("沪A12345", "c1")  # the stay keeps its contract
        assert _post(client, "/api/lanes/nowhere/open", csrf, {"reason": "other"}).status_code == 422
        audit = client.get("/api/audit").json()
    assert [e["action"] for e in audit[:2]] == ["open_lane", "open_lane"]
    assert audit[1]["after"]["comment"] == "exit camera dark"
    commands = agent.barrier.commands  # type: ignore[attr-defined]
    assert [c.lane for c in commands[-2:]] == [exit_lane, entry_lane]
    assert "沪A12345" in agent.store.inside()
    wait_until(lambda: {opened.json()["event_id"], typed["event_id"]} <= central.event_ids(),
               what="both overrides at central")


def _next_state(lines: Iterator[str]) -> dict[str, Any]:
    event = ""
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "state":
            return dict(json.loads(line[6:]))
    raise AssertionError("the stream ended")


def test_the_stream_pushes_a_new_review_and_ends_with_the_session(guard_page: GuardPage) -> None:
    with httpx.Client(base_url=guard_page.url, timeout=10) as client:
        csrf = _login(client).json()["csrf"]
        with client.stream("GET", "/api/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert _next_state(lines)["queue"] == []
            review = guard_page.pass_car("entry", NEAR_MISS)
            assert [r["event_id"] for r in _next_state(lines)["queue"]] == [str(review.event_id)]
            with httpx.Client(base_url=guard_page.url, cookies=client.cookies) as other_tab:
                assert _post(other_tab, "/api/logout", csrf, {}).status_code == 200
            assert "event: ended" in list(lines)  # at the next heartbeat, then the stream closes

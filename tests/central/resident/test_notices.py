"""Reminders in the app: enforcement's reminders and overstay notices reach the resident through the
in-app adapter, once each, shown in the site's time, to that resident only, and pushed to an open page."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from central import db
from central.contracts.service import ContractRules
from central.core.config import EnforcementSettings
from central.enforcement.scheduler import EnforcementScheduler, bundle_suspender
from central.errors import NotifyError
from central.residents import InAppNotifier
from central.web import resident_live as live
from shared import AlertKind, SiteAlert
from tests.central.resident.conftest import FIRST, SECOND, World
from tests.support.residents import add_contract, add_stay, local

PLATE = "沪A12345"


def _scheduler(world: World) -> EnforcementScheduler:
    app = InAppNotifier(world.central.database, world.clock)
    return EnforcementScheduler(world.central.database, EnforcementSettings(),
                                bundle_suspender(world.central.app.state.central.signer, ContractRules()),
                                {"app": app}, clock=world.clock)


def _parked(world: World, resident: str) -> None:
    contract = add_contract(world.central.database, resident, "xh-gov-nights", PLATE, date(2025, 3, 1),
                            date(2025, 3, 31), world.clock.now)
    add_stay(world.central.database, contract, PLATE, "2025-03-03 19:30", None, "2025-03-04 07:30")


def _notice_count(world: World) -> int:
    with world.central.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(db.ResidentNotice)) or 0


def test_enforcements_reminder_and_overstay_notice_reach_the_app(world: World) -> None:
    me, other = world.resident(FIRST), world.resident(SECOND)
    _parked(world, me.id)
    scheduler = _scheduler(world)
    world.clock.now = local("2025-03-04 07:05")
    scheduler.tick()
    world.clock.now = local("2025-03-04 07:46")  # past 07:30 and the 15 minutes' grace
    scheduler.tick()
    scheduler.tick()  # nothing twice
    page = me.client.get("/app/reminders").text
    assert "沪A12345 请在 2025年3月4日 07:30 前驶离徐汇区行政服务中心，还有 30 分钟。" in page
    assert "沪A12345 已超过离场截止时间 2025年3月4日 07:30，正在计收超时费" in page
    assert page.index("已超过离场截止时间") < page.index("还有 30 分钟")  # newest first
    assert page.count('class="badge badge-new"') == 2
    assert me.client.get("/app/reminders").text.count('class="badge badge-new"') == 0  # seen now
    assert "还有 30 分钟" not in other.client.get("/app/reminders").text
    english = me.client.get("/app/reminders?lang=en").text
    assert "沪A12345: leave 徐汇区行政服务中心 by 4 Mar 2025, 07:30, 30 minutes from now." in english


def test_the_adapter_stores_an_alert_once_and_refuses_what_is_no_alert(world: World) -> None:
    me = world.resident(FIRST)
    alert = SiteAlert(alert_id=uuid.uuid4(), site_id="xh-gov", kind=AlertKind.REMINDER, at=world.clock.now,
                      plate=PLATE, deadline=local("2025-03-04 07:30"), minutes_left=10)
    app = InAppNotifier(world.central.database, world.clock)
    payload = {**alert.model_dump(mode="json"), "resident_id": me.id}
    app.send(payload)
    app.send(payload)  # the outbox delivered it again after a lost commit
    assert _notice_count(world) == 1
    with pytest.raises(NotifyError, match="names no resident"):
        app.send(alert.model_dump(mode="json"))
    with pytest.raises(NotifyError, match="not an alert"):
        app.send({"resident_id": me.id, "kind": "reminder"})
    assert _notice_count(world) == 1


def _events(lines: Iterator[str], wanted: str, limit: int = 50) -> dict[str, object]:
    """Read the stream's lines until an event named ``wanted``; its data."""
    event = ""
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == wanted:
            found: dict[str, object] = json.loads(line.removeprefix("data: "))
            return found
        limit -= 1
        assert limit > 0, f"no {wanted} event"
    raise AssertionError(f"the stream ended before a {wanted} event")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_live_stream_pushes_a_new_notice_and_ends_with_the_session(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "SESSION_EVERY_S", 0.5)
    me = world.resident(FIRST)
    _parked(world, me.id)
    world.clock.now = local("2025-03-04 07:05")
    with me.client.stream("GET", "/app/live", timeout=20) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        _scheduler(world).tick()
        notice = _events(lines, "notice")
        assert "还有 30 分钟" in str(notice["text"]) and notice["kind"] == "reminder"
        assert me.post("/app/logout").status_code == 303
        assert _events(lines, "ended") == {}
    with world.central.http() as stranger:
        assert stranger.get("/app/live").status_code == 303  # no session, no stream


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_stream_sends_the_cards_that_changed_before_it_connected(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page names the cards it shows: a charge that grew between the page and its stream (a slow
    phone, a reconnect) reaches the page, and cards the page already shows are not sent again."""
    monkeypatch.setattr(live, "PARKING_EVERY_S", 0.3)
    monkeypatch.setattr(live, "STREAM_S", 2.0)
    me = world.resident(FIRST)
    contract = add_contract(world.central.database, me.id, "xh-gov-nights", PLATE, date(2025, 3, 1),
                            date(2025, 3, 31), world.clock.now)
    add_stay(world.central.database, contract, PLATE, "2025-03-02 21:00", None, "2025-03-03 07:30")
    page = me.client.get("/app/").text
    assert "超时费 ¥130.00" in page
    found = re.search(r'data-query="parking=([0-9a-f]+)&after=\d+"', page)
    assert found, "the page names no cards for its stream"
    shown = found.group(1)
    with me.client.stream("GET", f"/app/live?parking={shown}", timeout=20) as stream:
        events = [line for line in stream.iter_lines() if line.startswith("event: ")]
    assert "event: parking" not in events  # the stream ran to its end: nothing changed
    world.clock.advance(minutes=31)  # a 14th hour starts before the stream connects
    with me.client.stream("GET", f"/app/live?parking={shown}", timeout=20) as stream:
        cards = _events(stream.iter_lines(), "parking")
    assert "超时费 ¥140.00" in str(cards["html"]) and cards["digest"] != shown
    with me.client.stream("GET", "/app/live?parking=not-a-digest", timeout=20) as refused:
        assert refused.status_code == 422

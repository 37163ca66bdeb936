"""Who may read the live and report pages, over plain HTTP: an operator their own institution's sites
only (another's answers 404 like an unknown one, pages, scripts' JSON, the stream and the files
alike); no session, no figures; the event stream ends when the session does; CSV files as Excel
wants them."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import httpx
import pytest

from central.core.security import Role
from tests.central.console.seed import (
    NIGHT_STAYS,
    PLATES,
    SITE_NAME,
    StaySpec,
    add_stays,
    add_violation,
    local,
    seed_site,
)
from tests.support.browser import LiveCentral, MovingClock, web_settings
from tests.support.web import csrf_of, http_staff_login, seed_staff

SITE_PAGES = ["/console/occupancy/sites/east", "/console/reports?site=east", "/console/violations?site=east",
              "/console/exports/stays.csv?site=east&month=2025-03",
              "/console/exports/statements.csv?site=east&month=2025-02"]
SITE_SCRIPTS = ["/console/reports/sites/east/night?night=2025-03-02",
                "/console/reports/sites/east/shared-use", "/console/reports/sites/east/revenue",
                "/console/reports/sites/east/violations",
                "/console/occupancy/live?site=east", "/console/occupancy/stream?site=east"]
JSON = {"Accept": "application/json"}


def test_a_stranger_operator_gets_404_for_another_institution_s_site(central_web: LiveCentral) -> None:
    seed_site(central_web.database)
    add_stays(central_web.database, NIGHT_STAYS)
    seed_staff(central_web, "op1", Role.OPERATOR, ("inst1", "城东医院"))
    seed_staff(central_web, "stranger", Role.OPERATOR, ("inst2", "城西医院"))
    with central_web.http() as owner, central_web.http() as stranger:
        assert http_staff_login(owner, "op1").status_code == 303
        assert http_staff_login(stranger, "stranger").status_code == 303
        for path in SITE_PAGES[:3] + SITE_SCRIPTS[:-1]:
            assert owner.get(path, headers=JSON).status_code == 200, path
        for path in SITE_PAGES:
            refused = stranger.get(path)
            assert refused.status_code == 404, path
            assert "该车场不存在，或不属于您的单位。" in refused.text
            unknown = stranger.get(path.replace("east", "nowhere"))  # the same page: no hint that it exists
            assert refused.text.replace("east", "nowhere") == unknown.text
        for path in SITE_SCRIPTS:
            assert stranger.get(path, headers=JSON).status_code == 404, path
        for path in ("/console/occupancy", "/console/reports", "/console/violations", "/console/exports"):
            page = stranger.get(path)
            assert page.status_code == 200 and SITE_NAME not in page.text, path
        assert SITE_NAME in owner.get("/console/occupancy").text


def test_without_a_session_pages_send_to_the_login_and_scripts_get_401(central_web: LiveCentral) -> None:
    seed_site(central_web.database)
    with central_web.http() as client:
        page = client.get("/console/reports?site=east")
        assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
        assert client.get("/console/reports/sites/east/revenue", headers=JSON).status_code == 401
        assert client.get("/console/occupancy/live?site=east", headers=JSON).status_code == 401


@pytest.fixture
def fast_live(web_clock: MovingClock, tmp_path: object) -> Iterator[LiveCentral]:
    """Central on SQLite pushing live figures every second."""
    server = LiveCentral(web_settings(f"sqlite:///{tmp_path}/central.db", web={"live_interval_s": 1}),
                         web_clock).start()
    yield server
    server.stop()


def _events(response: httpx.Response, limit_s: float = 15) -> Iterator[str]:
    """The stream's events (their ``event:`` name, or ``data``), as they come, for ``limit_s`` at most."""
    ends = time.monotonic() + limit_s
    for line in response.iter_lines():
        if time.monotonic() > ends:
            raise AssertionError("the stream did not say what was expected in time")
        if line.startswith("event: "):
            yield line.removeprefix("event: ")
        elif line.startswith("data: ") and not line.startswith("data: {}"):
            yield "data"


def test_the_event_stream_ends_when_the_session_ends(fast_live: LiveCentral) -> None:
    seed_site(fast_live.database)
    seed_staff(fast_live, "op1")
    with fast_live.http() as client:
        http_staff_login(client, "op1")
        token = csrf_of(client.get("/console/occupancy"))
        with client.stream("GET", "/console/occupancy/stream?site=east", timeout=20) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream)
            assert next(events) == "data"
            assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
            assert next(event for event in events if event != "data") == "signed-out"


def test_csv_files_are_utf8_with_a_bom_named_by_site_and_month(central_web: LiveCentral) -> None:
    seed_site(central_web.database)
    add_stays(central_web.database, NIGHT_STAYS)
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        http_staff_login(client, "op1")
        stays = client.get("/console/exports/stays.csv", params={"site": "east", "month": "2025-03"})
        assert stays.status_code == 200 and stays.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="stays-east-2025-03.csv"' in stays.headers["content-disposition"]
        assert stays.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
        rows = list(csv.DictReader(io.StringIO(stays.content.decode("utf-8-sig"))))
        assert sorted(row["plate"] for row in rows) == sorted(spec.plate for spec in NIGHT_STAYS)
        assert stays.content.count(b"\r\n") == len(rows) + 1  # Excel's line ends
        refused = client.get("/console/exports/stays.csv", params={"site": "east", "month": "2025-13"})
        assert refused.status_code == 400 and "月份“2025-13”无效" in refused.text


def test_the_violations_page_says_how_late_in_the_site_s_time(central_web: LiveCentral,
                                                              web_clock: MovingClock) -> None:
    seed_site(central_web.database)
    stays = add_stays(central_web.database, NIGHT_STAYS[2:3])  # c3: deadline 07:30, out at 08:05
    add_violation(central_web.database, stays[0], PLATES["c3"], "c3", "2025-03-03 07:30")
    inside = add_stays(central_web.database, (StaySpec(PLATES["c1"], "c1", "2025-03-02 19:00", None,
                                                       "2025-03-03 07:30"),))
    add_violation(central_web.database, inside[0], PLATES["c1"], "c1", "2025-03-03 07:30")
    web_clock.now = local("2025-03-03 09:00")
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        http_staff_login(client, "op1")
        page = client.get("/console/violations").text
        assert "2025年3月3日 周一 07:45" in page  # when the overstay began, in Shanghai time
        assert "35 分钟" in page and "1 小时 30 分钟" in page and "（仍在场）" in page
        found = client.get("/console/violations", params={"q": "a10003"}).text
        assert PLATES["c3"] in found and PLATES["c1"] not in found

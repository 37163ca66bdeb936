"""The console's forms over plain HTTP: the server checks every field again (the message names it, in
the page's language), a refusal leaves nothing it half wrote, and what is saved is what was typed
(money in fen, times in the site's zone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from central import db
from central.web.i18n import CONSOLE
from tests.support.browser import LiveCentral, MovingClock
from tests.support.console import seed_operated_site
from tests.support.web import csrf_of, http_staff_login

SITE_FORM = {
    "id": "s2",
    "name": "城西停车场",
    "lat": "31.2",
    "lon": "121.4",
    "timezone": "Asia/Shanghai",
    "shared_capacity": "10",
    "reserved_spaces": "2",
    "hourly_rate": "4.50",
}
PRODUCT_FORM = {
    "id": "p2",
    "name": "周末卡",
    "w_day_type": ["rest"],
    "w_start": ["08:00"],
    "w_end": ["20:00"],
    "w_end_day": ["0"],
    "quota": "10",
    "monthly_fee": "120.5",
    "usage_rate": "0",
    "usage_period_minutes": "60",
    "overstay_period_minutes": "30",
    "grace_minutes": "10",
    "min_stay_minutes": "0",
    "refund_unused": "on",
}


@contextmanager
def _operator(central: LiveCentral, username: str = "op1") -> Iterator[tuple[httpx.Client, str]]:
    with central.http() as client:
        assert http_staff_login(client, username).status_code == 303
        yield client, csrf_of(client.get("/console/sites/new"))


def _text(key: str, **params: object) -> str:
    return CONSOLE.text("zh-CN", key, **params)


def test_a_refused_site_change_leaves_the_site_and_its_bundle_as_they_were(console: LiveCentral) -> None:
    seed_operated_site(console)
    with console.database.transaction() as session:
        sequence = session.get_one(db.BundleState, "s1").sequence
    with _operator(console) as (client, token):
        too_few = client.post(
            "/console/sites/s1/edit",
            data={
                "csrf_token": token,
                "name": "改名了",
                "lat": "31.2",
                "lon": "121.4",
                "timezone": "Asia/Shanghai",
                "shared_capacity": "5",
                "total_spaces": "60",
            },
        )
        assert too_few.status_code == 409  # the product sells 30: lower its quota first
        assert _text("site.refused") in too_few.text and "quotas first: s1-nights (30)" in too_few.text
        bad = client.post(
            "/console/sites/s1/edit",
            data={
                "csrf_token": token,
                "name": "",
                "lat": "north",
                "lon": "121.4",
                "timezone": "Mars/Olympus",
            },
        )
        assert bad.status_code == 400
        for key in ("field.lat_invalid", "field.timezone_invalid"):
            assert _text(key) in bad.text
        cramped = client.post("/console/sites", data=SITE_FORM | {"csrf_token": token, "total_spaces": "11"})
        assert cramped.status_code == 409 and "total_spaces 11" in cramped.text
        money = client.post("/console/sites", data=SITE_FORM | {"csrf_token": token, "hourly_rate": "4.505"})
        assert money.status_code == 400 and _text("field.money_invalid") in money.text
    with console.database.transaction() as session:
        site = session.get_one(db.Site, "s1")
        assert (site.name, site.shared_capacity) == ("城东医院停车场", 40)
        assert session.get_one(db.BundleState, "s1").sequence == sequence
        assert session.get(db.Site, "s2") is None


def test_a_site_and_product_are_saved_as_typed(console: LiveCentral) -> None:
    seed_operated_site(console)
    with _operator(console) as (client, token):
        assert client.post("/console/sites", data=SITE_FORM | {"csrf_token": token}).status_code == 303
        over = client.post(
            "/console/sites/s2/products", data=PRODUCT_FORM | {"csrf_token": token, "quota": "11"}
        )
        assert over.status_code == 409 and "10 shared spaces" in over.text
        backwards = client.post(
            "/console/sites/s2/products",
            data=PRODUCT_FORM
            | {"csrf_token": token, "w_start": ["20:00"], "w_end": ["08:00"], "w_end_day": ["0"]},
        )
        assert backwards.status_code == 400 and _text("field.windows_invalid") in backwards.text
        made = client.post("/console/sites/s2/products", data=PRODUCT_FORM | {"csrf_token": token})
        assert made.status_code == 303 and made.headers["location"] == "/console/products/p2"
        page = client.get("/console/products/p2").text
        assert "¥120.50" in page and "休息日 08:00–20:00" in page
        changed = client.post(
            "/console/products/p2",
            data={
                "csrf_token": token,
                "name": "周末卡",
                "quota": "8",
                "monthly_fee": "99",
                "daily_cap": "",
                "on_sale": "on",
            },
        )
        assert changed.status_code == 303
        assert client.post("/console/products/p2/close", data={"csrf_token": token}).status_code == 303
    with console.database.transaction() as session:
        site = session.get_one(db.Site, "s2")
        assert (site.total_spaces, site.hourly_rate_fen, site.institution_id) == (12, 450, "inst1")
        product = session.get_one(db.Product, "p2")
        assert (product.monthly_fee_fen, product.quota, product.overstay_rate_fen, product.daily_cap_fen) == (
            9900,
            8,
            450,
            None,
        )  # overstay: the site's hourly rate
        assert product.windows == [
            {"day_type": "rest", "start": "08:00:00", "end": "20:00:00", "end_day_offset": 0}
        ]
        assert product.closed_at is not None and not product.on_sale


def test_the_preview_follows_the_rules_in_the_sites_zone(console: LiveCentral) -> None:
    seed_operated_site(console)
    with _operator(console) as (client, _):
        night = client.get(
            "/console/sites/s1/preview",
            params={"w_day_type": "working", "w_start": "22:00", "w_end": "06:00", "w_end_day": "1"},
        )
        assert night.status_code == 200
        rows = re.findall(r"<tr class=\"day-[^\"]+\">(.*?)</tr>", night.text, re.S)
        assert len(rows) == 14
        assert "2025年3月3日 周一" in rows[0] and "22:00–06:00" in rows[0] and "（次日）" in rows[0]
        assert "2025年3月8日 周六" in rows[5] and _text("preview.closed") in rows[5]
        broken = client.get(
            "/console/sites/s1/preview",
            params={"w_day_type": "working", "w_start": "25:00", "w_end": "06:00", "w_end_day": "1"},
        )
        assert _text("field.windows_invalid") in broken.text


def test_a_cancellation_needs_a_reason_and_shows_its_last_day_and_refund_rule(console: LiveCentral) -> None:
    contract_id = seed_operated_site(console)
    path = f"/console/contracts/{contract_id}"
    with _operator(console) as (client, token):
        assert _text("contract.refund_rule") in client.get(path).text
        silent = client.post(f"{path}/cancel", data={"csrf_token": token, "reason": " "})
        assert silent.status_code == 400 and _text("field.reason_invalid") in silent.text
        ahead = client.post(
            f"{path}/cancel", data={"csrf_token": token, "reason": "搬家", "effective_on": "2025-03-09"}
        )
        assert ahead.status_code == 409 and _text("contract.refused_cancel") in ahead.text
        done = client.post(
            f"{path}/cancel", data={"csrf_token": token, "reason": "搬家", "effective_on": "2025-03-03"}
        )
        assert done.status_code == 303
        page = client.get(path).text
        assert _text("status.cancelled") in page and "2025年3月3日" in page and "搬家" in page
        assert _text("contract.refund_none_due") in page  # nothing was billed yet
        assert 'id="cancel-form"' not in page  # a cancelled contract offers no actions
    with console.database.transaction() as session:
        contract = session.get_one(db.Contract, contract_id)
        assert contract.status == "cancelled" and str(contract.ends_on) == "2025-03-03"
        assert [(a.action, a.reason) for a in session.query(db.ContractAction)] == [("cancel", "搬家")]


def test_contracts_are_found_by_plate_resident_and_status_a_page_at_a_time(console: LiveCentral) -> None:
    from central.accounts import phone_hash

    seed_operated_site(console)
    key = console.settings.web.phone_key_text()
    with console.database.transaction() as session:
        session.get_one(db.Resident, "r-s1").phone_hash = phone_hash("13812345678", key)
    state = console.app.state.central
    with console.database.transaction() as session:
        from central.contracts.service import SignRequest, sign_contract
        from central.core.security import Principal, Role

        session.add(db.Resident(id="r-many", display_name="张先生", created_at=state.clock()))
        session.flush()
        for n in range(24):
            sign_contract(
                session,
                Principal(Role.ADMIN),
                SignRequest(
                    "s1-nights", (f"沪B{n:05d}",), state.clock().date(), state.clock().date(), "r-many"
                ),
                state.signer,
                state.rules,
                state.clock(),
            )
    with _operator(console) as (client, _):
        by_phone = client.get("/console/contracts", params={"resident": "138 1234 5678"}).text
        assert "沪A12345" in by_phone and "沪B00000" not in by_phone
        assert (
            'id="contracts-empty"'
            in client.get("/console/contracts", params={"resident": "13900000000"}).text
        )
        assert "沪B00003" in client.get("/console/contracts", params={"plate": "沪b00003"}).text
        bad = client.get("/console/contracts", params={"plate": "ABC"})
        assert bad.status_code == 200 and _text("field.plate_invalid") in bad.text
        first = client.get("/console/contracts", params={"status": "active"}).text
        assert _text("list.range", first=1, last=20, total=25) in first
        second = client.get("/console/contracts", params={"status": "active", "p": 2}).text
        assert _text("list.range", first=21, last=25, total=25) in second
        assert 'id="contracts-empty"' in client.get("/console/contracts", params={"status": "suspended"}).text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_gates_table_labels_alarms_and_times_in_the_page_language(console: LiveCentral) -> None:
    seed_operated_site(console)
    now = console.app.state.central.clock()
    with console.database.transaction() as session:
        gate = session.query(db.Gate).filter_by(site_id="s1", gate_id="north").one()
        gate.alarms, gate.clock_skew_s = ["camera_down:entry"], 42.0
        session.add(
            db.Alarm(
                site_id="s1",
                gate_id="north",
                kind="stale_bundle",
                message="gate runs bundle 1",
                raised_at=now,
            )
        )
    with _operator(console) as (client, _):
        rows = client.get("/console/sites/s1/gates").text
        assert "摄像头故障 (entry)" in rows and _text("alarm.stale_bundle") in rows
        assert "2025年3月3日 20:00" in rows and "42 秒" in rows  # 12:00 UTC is 20:00 in Shanghai
        english = client.get("/console/sites/s1/gates?lang=en").text
        assert "camera down (entry)" in english and "Gate runs an old contract bundle" in english
        assert "3 Mar 2025, 20:00" in english


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_gate_on_a_broker_kept_by_hand_names_the_steps_and_no_password(console: LiveCentral) -> None:
    seed_operated_site(console)
    with _operator(console) as (client, token):
        added = client.post(
            "/console/sites/s1/gates", data={"csrf_token": token, "gate_id": "east", "name": "东门"}
        )
        assert added.status_code == 201 and added.headers["cache-control"] == "no-store"
        assert "gate.s1.east" in added.text and "mosquitto_passwd" in added.text
        assert 'id="broker-password"' not in added.text
        again = client.post("/console/sites/s1/gates", data={"csrf_token": token, "gate_id": "east"})
        assert again.status_code == 409 and _text("gate.refused") in again.text
        bad = client.post("/console/sites/s1/gates", data={"csrf_token": token, "gate_id": "East Gate"})
        assert bad.status_code == 400 and _text("field.id_invalid") in bad.text


def test_own_vehicles_and_the_blacklist_in_the_sites_zone(console: LiveCentral) -> None:
    seed_operated_site(console)
    with _operator(console) as (client, token):
        banned = client.post(
            "/console/sites/s1/blacklist",
            data={
                "csrf_token": token,
                "plate": "沪C 12345",
                "reason": "多次逃费",
                "until": "2025-03-10T18:00",
            },
        )
        assert banned.status_code == 303
        listed = client.get("/console/sites/s1/vehicles").text
        assert "2025年3月10日 18:00" in listed and "多次逃费" in listed
        clash = client.post("/console/sites/s1/vehicles", data={"csrf_token": token, "plate": "沪C12345"})
        assert clash.status_code == 409 and _text("vehicle.refused") in clash.text
        holds = client.post("/console/sites/s1/vehicles", data={"csrf_token": token, "plate": "沪A12345"})
        assert holds.status_code == 409  # it holds a contract here
        added = client.post(
            "/console/sites/s1/vehicles",
            data={
                "csrf_token": token,
                "plate": "沪D88888",
                "holder": "院长",
                "w_day_type": ["working"],
                "w_start": ["07:00"],
                "w_end": ["20:00"],
                "w_end_day": ["0"],
            },
        )
        assert added.status_code == 303
        with console.database.transaction() as session:
            car = session.query(db.OwnVehicle).one()
            ban = session.query(db.BlacklistEntry).one()
            assert ban.until == datetime(2025, 3, 10, 10, 0, tzinfo=UTC) and ban.plate == "沪C12345"
            assert car.windows == [
                {"day_type": "working", "start": "07:00:00", "end": "20:00:00", "end_day_offset": 0}
            ]
        edit = client.post(
            f"/console/sites/s1/vehicles/{car.id}",
            data={"csrf_token": token, "plate": "沪D88888", "holder": "副院长"},
        )
        assert edit.status_code == 303
        lift = client.post(f"/console/sites/s1/blacklist/{ban.id}/remove", data={"csrf_token": token})
        assert lift.status_code == 303
    with console.database.transaction() as session:
        car = session.query(db.OwnVehicle).one()
        assert (car.holder, car.windows) == ("副院长", [])  # no rows: at any time
        assert session.query(db.BlacklistEntry).count() == 0


def test_an_admin_imports_next_years_schedule_and_the_alarm_clears(
    console: LiveCentral, web_clock: MovingClock
) -> None:
    web_clock.now = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    seed_operated_site(console)  # a 90-day contract: into 2027
    alarm = _text("calendar.unpublished_alarm", year=2027)
    with _operator(console, "chief") as (client, token):
        assert alarm in client.get("/console/calendar").text
        site_page = client.get("/console/sites/s1").text
        assert alarm in site_page
        assert "Asia/Shanghai" in site_page and "UTC+08:00" in site_page  # the zone and what it means
        bad = client.post(
            "/console/calendar/import",
            data={
                "csrf_token": token,
                "source": "国办发明电〔2026〕1号",
                "schedule": "date,kind\n2027-01-01,rest\n2027-02-30,rest",
            },
        )
        assert bad.status_code == 422 and "line 3" in bad.text
        good = client.post(
            "/console/calendar/import",
            files={"file": ("2027.csv", "2027-01-01,休\n2027-02-07,班\n")},
            data={"csrf_token": token, "source": "国办发明电〔2026〕1号"},
        )
        assert good.status_code == 200 and _text("calendar.imported", years="2027") in good.text
        assert alarm not in good.text and alarm not in client.get("/console/sites/s1").text
        year = client.get("/console/calendar", params={"year": 2027}).text
        assert re.search(r'class="day-rest day-holiday"[^>]*>1<', year)
        assert re.search(r'class="day-working day-makeup"[^>]*>7<', year)
        assert client.post("/console/calendar/2027/withdraw", data={"csrf_token": token}).status_code == 303
        assert alarm in client.get("/console/calendar").text


def test_a_contract_paid_ahead_online_shows_what_cancelling_refunds_through_the_provider(
        console: LiveCentral) -> None:
    """The operator sees, before cancelling, what the resident gets back for the unused part of the term."""
    from datetime import timedelta

    contract_id = seed_operated_site(console)
    now = console.app.state.central.clock()
    with console.database.transaction() as session:
        contract = session.get_one(db.Contract, contract_id)
        session.add(db.Order(
            id="o-paid", kind=db.OrderKind.NEW, status=db.OrderStatus.PAID,
            resident_id=contract.resident_id, site_id=contract.site_id, product_id=contract.product_id,
            contract_id=contract.id, plate="沪A12345",
            months=3, starts_on=contract.valid_from, ends_on=contract.valid_to, monthly_fee_fen=30000,
            amount_fen=90000, currency="CNY", hold_until=now + timedelta(minutes=15), created_at=now,
            updated_at=now, paid_at=now, paid_with="sandbox", refunded_fen=0))
    with _operator(console) as (client, _):
        page = client.get(f"/console/contracts/{contract_id}").text
        shown = re.search(r'id="prepaid-refund">([^<]*)<', page)
    assert shown is not None
    amount = re.search(r"¥([\d,]+\.\d\d)", shown.group(1))
    assert amount is not None and 0 < float(amount.group(1).replace(",", "")) <= 900
    assert shown.group(1).startswith(_text("contract.prepaid_due", amount="").split("¥")[0][:8])
    row = re.search(r'<table class="table" id="orders">.*?<tbody>\s*<tr>(.*?)</tr>', page, re.S)
    assert row is not None  # the order itself, as the resident paid it
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert [cells[0], cells[1], cells[3], cells[4]] == ["o-paid", "新签", "¥900.00", "已支付"]

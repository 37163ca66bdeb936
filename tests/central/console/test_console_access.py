"""Who may see what in the console, over plain HTTP: an operator of another institution gets 404 for
every page and action of a site that is not theirs (and changes nothing); operators may not open the
admin pages; an API token is shown once, listed without its text, and refused by the API once revoked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from central import db
from tests.support.browser import LiveCentral
from tests.support.console import seed_operated_site
from tests.support.web import csrf_of, http_staff_login


@contextmanager
def _signed_in(central: LiveCentral, username: str) -> Iterator[httpx.Client]:
    with central.http() as client:
        assert http_staff_login(client, username).status_code == 303
        yield client


def test_an_operator_of_another_institution_gets_404_for_a_site_and_changes_nothing(
    console: LiveCentral,
) -> None:
    contract_id = seed_operated_site(console)
    now = console.app.state.central.clock()
    with console.database.transaction() as session:
        car = db.OwnVehicle(
            site_id="s1", plate="沪B11111", holder="", windows=[], created_at=now, updated_at=now
        )
        session.add(car)
        session.flush()
        car_id = car.id
    pages = [
        "/console/sites/s1",
        "/console/sites/s1/edit",
        "/console/sites/s1/gates",
        "/console/sites/s1/vehicles",
        "/console/sites/s1/products/new",
        "/console/sites/s1/preview",
        "/console/products/s1-nights",
        f"/console/contracts/{contract_id}",
        f"/console/sites/s1/vehicles/{car_id}",
    ]
    actions = [
        ("/console/sites/s1/close", {}),
        ("/console/sites/s1/edit", {"name": "x", "lat": "1", "lon": "1"}),
        ("/console/sites/s1/gates", {"gate_id": "sneaky"}),
        ("/console/products/s1-nights/close", {}),
        (f"/console/contracts/{contract_id}/suspend", {"reason": "not mine"}),
        ("/console/sites/s1/vehicles", {"plate": "沪C22222"}),
        (f"/console/sites/s1/vehicles/{car_id}/remove", {}),
    ]
    with _signed_in(console, "op1") as owner, _signed_in(console, "op2") as stranger:
        assert [owner.get(path).status_code for path in pages] == [200] * len(pages)
        token = csrf_of(stranger.get("/console/sites"))
        for path in pages:
            refused = stranger.get(path)
            assert refused.status_code == 404, path
            assert "找不到此页面" in refused.text and "城东医院停车场" not in refused.text
        for path, form in actions:
            assert stranger.post(path, data=form | {"csrf_token": token}).status_code == 404, path
        assert "城东医院停车场" not in stranger.get("/console/sites").text
        assert 'id="contracts-empty"' in stranger.get("/console/contracts").text  # none of theirs
        new_site = {
            "csrf_token": token,
            "id": "s9",
            "institution_id": "inst1",
            "name": "借壳",
            "lat": "31",
            "lon": "121",
            "timezone": "Asia/Shanghai",
            "shared_capacity": "5",
        }
        stranger.post("/console/sites", data=new_site)  # an operator's site is always their own institution's
    with console.database.transaction() as session:
        site, product = session.get_one(db.Site, "s1"), session.get_one(db.Product, "s1-nights")
        assert (site.closed_at, site.name, product.closed_at) == (None, "城东医院停车场", None)
        assert session.get_one(db.Contract, contract_id).status == "active"
        assert session.query(db.Gate).filter_by(gate_id="sneaky").count() == 0
        assert session.query(db.OwnVehicle).count() == 1
        assert session.get_one(db.Site, "s9").institution_id == "inst2"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_operators_may_not_open_the_admin_pages(console: LiveCentral) -> None:
    with _signed_in(console, "op1") as operator:
        token = csrf_of(operator.get("/console/sites"))
        for path in ("/console/institutions", "/console/staff", "/console/tokens"):
            refused = operator.get(path)
            assert refused.status_code == 403 and "无权访问" in refused.text, path
        assert (
            operator.post("/console/tokens", data={"csrf_token": token, "role": "admin"}).status_code == 403
        )
        assert (
            operator.post(
                "/console/calendar/import",
                data={"csrf_token": token, "source": "x", "schedule": "2027-01-01,rest"},
            ).status_code
            == 403
        )
        assert "/console/tokens" not in operator.get("/console/").text  # not offered in the menu either


def test_an_admin_makes_an_institution_and_its_operator_who_then_signs_in(console: LiveCentral) -> None:
    with _signed_in(console, "chief") as admin:
        token = csrf_of(admin.get("/console/institutions"))
        made = admin.post(
            "/console/institutions", data={"csrf_token": token, "id": "inst3", "name": "区档案馆"}
        )
        assert made.status_code == 303
        taken = admin.post(
            "/console/institutions", data={"csrf_token": token, "id": "inst3", "name": "again"}
        )
        assert taken.status_code == 409 and "单位未能创建" in taken.text
        bad = admin.post(
            "/console/staff",
            data={
                "csrf_token": token,
                "username": "X",
                "password": "short",
                "role": "operator",
                "institution_id": "inst3",
            },
        )
        assert bad.status_code == 400 and "用户名须为" in bad.text and "至少 10 个字符" in bad.text
        assert (
            admin.post(
                "/console/staff",
                data={
                    "csrf_token": token,
                    "username": "archivist",
                    "password": "a long enough passphrase",
                    "role": "operator",
                    "institution_id": "inst3",
                },
            ).status_code
            == 303
        )
        listed = admin.get("/console/institutions").text
        assert re.search(r"inst3</td><td>区档案馆</td><td class=\"num\">0</td><td class=\"num\">1<", listed)
    with console.http() as newcomer:
        assert http_staff_login(newcomer, "archivist", "a long enough passphrase").status_code == 303
        assert "所属单位：区档案馆" in newcomer.get("/console/").text


def test_an_api_token_is_shown_once_listed_without_its_text_and_refused_once_revoked(
    console: LiveCentral,
) -> None:
    with _signed_in(console, "chief") as admin:
        form = csrf_of(admin.get("/console/tokens"))
        needs_institution = admin.post("/console/tokens", data={"csrf_token": form, "role": "operator"})
        assert needs_institution.status_code == 400 and "运营权限的令牌必须选择单位" in needs_institution.text
        made = admin.post(
            "/console/tokens",
            data={"csrf_token": form, "role": "operator", "institution_id": "inst1", "name": "停车诱导屏"},
        )
        assert made.status_code == 201
        found = re.search(r'id="new-token">(pc_[^<]+)<', made.text)
        assert found is not None
        token = found.group(1)
        bearer = {"Authorization": f"Bearer {token}"}
        assert admin.get("/api/v1/sites", headers=bearer).status_code == 200
        listing = admin.get("/console/tokens").text
        assert "停车诱导屏" in listing and token not in listing
        token_id = re.search(r'data-token="(\d+)"', listing)
        assert token_id is not None
        assert (
            admin.post(f"/console/tokens/{token_id.group(1)}/revoke", data={"csrf_token": form}).status_code
            == 303
        )
        assert admin.get("/api/v1/sites", headers=bearer).status_code == 401
        assert "已于" in admin.get("/console/tokens").text  # revoked on ...
        again = admin.post(f"/console/tokens/{token_id.group(1)}/revoke", data={"csrf_token": form})
        assert again.status_code == 409

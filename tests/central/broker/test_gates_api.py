"""``POST /api/v1/sites/{site}/gates``: a gate and its broker account, the password shown once.

The operator console calls this route; a broker with the dynamic-security plugin
makes the account at once, a broker kept by its password file gets none (and the
answer says so). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from central.api import create_app
from tests.central.broker.conftest import Probe, connack
from tests.central.conftest import API, Api, Clock, TestClient, admin_headers, make_settings
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker


@pytest.fixture
def dynsec_api(database_url: str, clock: Clock, dynsec_broker: Broker) -> Iterator[Api]:
    admin, admin_password = "central-admin", dynsec_broker.passwords["central-admin"]
    settings = make_settings(database_url, dynsec_broker, broker_accounts={
        "manager": "dynsec", "admin_username": admin, "admin_password": admin_password})
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, admin_headers(settings, clock), clock)


def _add(api: Api, gate: str, token: dict[str, str] | None = None) -> Any:
    return api.post("/sites/s1/gates", {"gate_id": gate, "name": "北门"}, token)


def test_a_gate_added_through_the_api_logs_in_with_the_password_shown_once(
        dynsec_api: Api, dynsec_broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dynsec_api.seed_site()
    response = _add(dynsec_api, "east")
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    account = body["broker"]
    assert (body["gate"]["site_id"], body["gate"]["gate_id"], body["gate"]["name"]) == ("s1", "east", "北门")
    assert account["username"] == "gate.s1.east" and account["managed"] is True
    password = account["password"]
    probe = Probe(dynsec_broker.port, account["username"], password)
    assert probe.connack == 0
    probe.close()

    assert _add(dynsec_api, "east").status_code == 409  # no second account, no second password
    listed = dynsec_api.get("/gates", site_id="s1").json()
    assert "east" in {g["gate_id"] for g in listed} and password not in str(listed)
    assert password not in caplog.text, "the gate's password reached a log line"


def test_a_gate_removed_through_the_api_cannot_log_in_again(dynsec_api: Api, dynsec_broker: Broker) -> None:
    dynsec_api.seed_site()
    account = _add(dynsec_api, "west").json()["broker"]
    gate = Probe(dynsec_broker.port, account["username"], account["password"])
    removed = dynsec_api.client.delete(f"{API}/sites/s1/gates/west", headers=dynsec_api.admin)
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"site_id": "s1", "gate_id": "west", "broker_account_removed": True}
    assert gate.disconnected.wait(5)
    assert connack(dynsec_broker.port, account["username"], account["password"]) == 0x87
    assert "west" not in {g["gate_id"] for g in dynsec_api.get("/gates", site_id="s1").json()}
    gone = dynsec_api.client.delete(f"{API}/sites/s1/gates/west", headers=dynsec_api.admin)
    assert gone.status_code == 404
    gate.close()


def test_a_new_password_through_the_api_refuses_the_old_one(dynsec_api: Api, dynsec_broker: Broker) -> None:
    dynsec_api.seed_site()
    old = _add(dynsec_api, "south").json()["broker"]
    response = dynsec_api.post("/sites/s1/gates/south/password", {})
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["username"] == old["username"] and new["password"] != old["password"]
    assert connack(dynsec_broker.port, old["username"], old["password"]) == 0x87
    assert connack(dynsec_broker.port, new["username"], new["password"]) == 0
    assert dynsec_api.post("/sites/s1/gates/nowhere/password", {}).status_code == 404


def test_an_operator_adds_gates_only_at_sites_of_their_institution(dynsec_api: Api) -> None:
    dynsec_api.seed_site()
    assert dynsec_api.post("/institutions", {"id": "inst2", "name": "Library"}).status_code == 201
    outsider = dynsec_api.token("operator", institution_id="inst2")
    assert _add(dynsec_api, "north", outsider).status_code == 404
    insider = dynsec_api.token("operator", institution_id="inst1")
    assert _add(dynsec_api, "north", insider).status_code == 201


def test_with_a_password_file_broker_the_gate_is_registered_and_no_password_made(api: Api) -> None:
    api.seed_site()
    response = _add(api, "east")
    assert response.status_code == 201, response.text
    assert response.json()["broker"] == {"username": "gate.s1.east", "password": None, "managed": False}
    refused = api.post("/sites/s1/gates/east/password", {})
    assert refused.status_code == 409 and "mosquitto_passwd" in refused.json()["detail"]
    removed = api.client.delete(f"{API}/sites/s1/gates/east", headers=api.admin)
    assert removed.json()["broker_account_removed"] is False


def test_a_broker_that_cannot_be_reached_leaves_no_gate_behind(database_url: str, clock: Clock) -> None:
    from central.core.config import load_settings
    from demo.brokers import free_port

    settings = load_settings(None, database={"url": database_url}, broker_accounts={
        "manager": "dynsec", "admin_password": "admin-password-0123", "reply_timeout_s": 1.0},
        mqtt={"host": "127.0.0.1", "port": free_port(), "reconnect_min_s": 1, "reconnect_max_s": 2})
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client, admin_headers(settings, clock), clock)
        api.seed_site()
        response = _add(api, "east")
        assert response.status_code == 503 and "connection refused" in response.json()["detail"]
        assert "east" not in {g["gate_id"] for g in api.get("/gates", site_id="s1").json()}

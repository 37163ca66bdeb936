"""Own vehicles and the blacklist over HTTP: operators of the site's institution only, every change in
the next signed bundle; tonight's free shared places counted from central's open stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from central import db
from shared import Direction, encode_message, verify_bundle
from shared.topics import contracts_topic, events_topic
from tests.central.conftest import API, Api
from tests.central.support import event


def _bundle(api: Api) -> Any:
    state = api.client.app.state.central  # type: ignore[attr-defined]
    with state.database.transaction() as session:
        rows = session.query(db.MqttOutbox).filter_by(topic=contracts_topic("s1")).order_by(db.MqttOutbox.id)
        payload = rows.all()[-1].payload
    return verify_bundle(payload, {state.signer.key_id: state.signer.key.public_key()}, api.clock())


def _with_operator(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    api.seed_site()
    api.post("/institutions", {"id": "inst2", "name": "School"})
    return api.token("operator", institution_id="inst1"), api.token("operator", institution_id="inst2")


def test_own_vehicles_are_kept_by_their_institution_and_signed_into_the_bundle(api: Api) -> None:
    mine, other = _with_operator(api)
    before = _bundle(api).sequence
    added = api.post("/sites/s1/own-vehicles", {"plate": "沪a·88888", "holder": "院长车",
                                                 "windows": [{"day_type": "working", "start": "07:00",
                                                              "end": "20:00"}]}, mine)
    assert added.status_code == 201, added.text
    vehicle = added.json()
    assert vehicle["plate"] == "沪A88888"
    bundle = _bundle(api)
    assert bundle.sequence == before + 1
    assert [(v.plate, v.holder, len(v.windows)) for v in bundle.own_vehicles] == [("沪A88888", "院长车", 1)]
    assert api.post("/sites/s1/own-vehicles", {"plate": "沪A88888"}, mine).status_code == 409
    assert api.post("/sites/s1/own-vehicles", {"plate": "沪A77777"}, other).status_code == 404
    assert api.get(f"/sites/s1/own-vehicles/{vehicle['id']}", other).status_code == 404
    listed = api.get("/sites/s1/own-vehicles", mine)
    assert [v["plate"] for v in listed.json()] == ["沪A88888"] and listed.headers["X-Total-Count"] == "1"
    changed = api.client.patch(f"{API}/sites/s1/own-vehicles/{vehicle['id']}", headers=mine,
                               json={"holder": "副院长车", "windows": []})
    assert changed.json()["holder"] == "副院长车" and changed.json()["windows"] == []
    assert _bundle(api).own_vehicles[0].windows == ()  # any time now
    gone = api.client.delete(f"{API}/sites/s1/own-vehicles/{vehicle['id']}", headers=mine)
    assert gone.status_code == 204
    assert _bundle(api).own_vehicles == () and _bundle(api).sequence == before + 3


def test_the_blacklist_travels_with_its_reason_until_it_runs_out(api: Api) -> None:
    mine, other = _with_operator(api)
    until = api.clock() + timedelta(days=1)
    banned = api.post("/sites/s1/blacklist", {"plate": "沪B66666", "reason": "冒用他人合约",
                                               "until": until.isoformat()}, mine)
    assert banned.status_code == 201, banned.text
    [entry] = _bundle(api).blacklist
    assert (entry.plate, entry.reason, entry.until) == ("沪B66666", "冒用他人合约", until)
    assert api.post("/sites/s1/blacklist", {"plate": "沪C1", "reason": "x"}, mine).status_code == 422
    bidi = api.post("/sites/s1/blacklist", {"plate": "沪C12345", "reason": "a\u202eb"}, mine)
    assert bidi.status_code == 422
    assert api.get("/sites/s1/blacklist", other).status_code == 404
    assert api.post("/sites/s1/own-vehicles", {"plate": "沪B66666"}, mine).status_code == 409
    holder = api.resident()
    assert api.sign(["沪B66666"], holder).status_code == 409  # no contract for a banned plate
    api.clock.advance(days=2)
    api.post("/sites/s1/blacklist", {"plate": "沪D12345", "reason": "another"}, mine)
    assert [e.plate for e in _bundle(api).blacklist] == ["沪D12345"]  # the first ran out
    lifted = api.client.patch(f"{API}/sites/s1/blacklist/{banned.json()['id']}", headers=mine,
                              json={"until": None, "reason": "again"})
    assert lifted.json()["until"] is None
    assert {e.plate for e in _bundle(api).blacklist} == {"沪B66666", "沪D12345"}


def test_tonights_free_places_count_contracts_once_and_own_cars_beyond_the_reserve(api: Api) -> None:
    mine, _ = _with_operator(api)
    api.client.patch(f"{API}/sites/s1", headers=api.admin,
                     json={"reserved_spaces": 1, "total_spaces": 20})
    holder = api.resident()
    two_plates = api.sign(["沪A11111", "沪A22222"], holder).json()
    for plate in ("沪E00001", "沪E00002"):
        api.post("/sites/s1/own-vehicles", {"plate": plate}, mine)
    at = api.clock()
    entries = [event("s1", "g1", Direction.ENTRY, plate, at, contract_id=two_plates["id"] if n < 2 else None)
               for n, plate in enumerate(["沪A11111", "沪A22222", "沪E00001", "沪E00002", "沪F99999"])]
    _ingest(api, entries)
    free = api.get("/sites/s1/free-places", token={}).json()  # residents need no token
    # 10 shared - 1 contract inside (two of its plates) - (2 own cars - 1 reserved); a visitor is not counted
    assert (free["contracts_inside"], free["own_vehicles_inside"], free["free"]) == (1, 2, 8)
    near = api.get("/sites/near", lat=31.2310, lon=121.4740, radius_m=2000).json()
    assert near[0]["free_tonight"] == 8 and near[0]["places_left"] == 9


def _ingest(api: Api, events: list[Any]) -> None:
    from central.ingest.store import Received, ingest_batch

    database: db.Database = api.client.app.state.central.database  # type: ignore[attr-defined]
    with database.transaction() as session:
        ingest_batch(session, [Received(events_topic("s1", "g1"), encode_message(e)) for e in events],
                     api.clock(), 120)


def test_a_contract_that_ended_yesterday_in_the_site_s_zone_no_longer_holds_its_plate(api: Api) -> None:
    """At 07:30 in Shanghai (23:30 UTC, still the day before in UTC) a contract whose last day was
    yesterday is over: its plate may become an own vehicle."""
    mine, _ = _with_operator(api)
    api.sign(["沪A66666"], api.resident(), days=0)  # its last day: 3 March, Shanghai
    api.clock.now = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)  # 4 March 07:30 in Shanghai
    added = api.post("/sites/s1/own-vehicles", {"plate": "沪A66666", "holder": "院办"}, mine)
    assert added.status_code == 201, added.text

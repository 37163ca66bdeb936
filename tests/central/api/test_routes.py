"""The HTTP API on SQLite and PostgreSQL: what a resident, an operator and an admin would see."""

from __future__ import annotations

from datetime import timedelta

from tests.central.conftest import Api


def test_sites_near_show_distance_and_places_left(api: Api) -> None:
    api.seed_site("s1", quota=2)
    api.seed_site("far", quota=5, lat=31.5, lon=121.9)
    found = api.get("/sites/near", lat=31.2310, lon=121.4740, radius_m=2000).json()
    assert [s["site"]["id"] for s in found] == ["s1"]
    assert 50 < found[0]["distance_m"] < 100
    assert found[0]["products"][0]["places_left"] == 2
    assert found[0]["products"][0]["monthly_fee_fen"] == 30000
    api.sign(["沪A12345"], api.resident())
    again = api.get("/sites/near", lat=31.2310, lon=121.4740, radius_m=2000).json()
    assert again[0]["products"][0]["places_left"] == 1


def test_products_list_windows_and_prices(api: Api) -> None:
    api.seed_site()
    products = api.get("/sites/s1/products").json()
    assert products[0]["windows"][0] == {"day_type": "working", "start": "19:00:00", "end": "07:30:00",
                                         "end_day_offset": 1}
    assert api.get("/sites/nowhere/products").status_code == 404


def test_sign_checks_plate_product_validity_and_capacity(api: Api) -> None:
    api.seed_site(quota=1)
    holder = api.resident()
    bad_plate = api.sign(["沪A1234"], holder)
    assert bad_plate.status_code == 422
    assert "plates" in str(bad_plate.json()["detail"][0]["loc"])
    assert api.sign(["沪A12345"], holder, product="nope").status_code == 404
    past = api.post("/contracts", {"product_id": "s1-nights", "plates": ["沪A12345"], "resident_id": holder,
                                   "valid_from": str(api.clock().date() - timedelta(days=3)),
                                   "valid_to": str(api.clock().date())})
    assert past.status_code == 409
    signed = api.sign(["沪a·12345"], holder)
    assert signed.status_code == 201, signed.text
    assert signed.json()["plates"] == ["沪A12345"]
    full = api.sign(["沪B12345"], api.resident("Wang"))
    assert full.status_code == 409 and "full" in full.json()["detail"]


def test_cancel_suspend_reinstate(api: Api) -> None:
    api.seed_site(quota=1)
    contract = api.sign(["沪A12345"], api.resident()).json()
    cid = contract["id"]
    suspended = api.post(f"/contracts/{cid}/suspend", None).json()
    assert suspended["status"] == "suspended" and suspended["version"] == 2
    assert api.post(f"/contracts/{cid}/suspend", None).status_code == 409
    assert api.post(f"/contracts/{cid}/reinstate", None).json()["status"] == "active"
    assert api.post(f"/contracts/{cid}/cancel", None).json()["status"] == "cancelled"
    assert api.post(f"/contracts/{cid}/reinstate", None).status_code == 409
    # the place is free again
    assert api.sign(["沪B12345"], api.resident("Wang")).status_code == 201


def test_resident_sees_only_own_contracts_and_signs_for_self(api: Api) -> None:
    api.seed_site(quota=5)
    li, wang = api.resident("Li"), api.resident("Wang")
    li_token = api.token("resident", resident_id=li)
    unpaid = api.sign(["沪A12345"], li, token=li_token)  # a resident signs through an order, paid first
    assert unpaid.status_code == 403 and "POST /orders" in unpaid.json()["detail"]
    mine = api.sign(["沪A12345"], li)  # signed for Li by staff
    assert mine.status_code == 201 and mine.json()["resident_id"] == li
    assert api.sign(["沪B12345"], wang, token=li_token).status_code == 403
    theirs = api.sign(["沪C12345"], wang).json()
    listed = api.get("/contracts", token=li_token).json()
    assert [c["id"] for c in listed] == [mine.json()["id"]]
    assert api.get(f"/contracts/{theirs['id']}", token=li_token).status_code == 404
    assert api.post(f"/contracts/{mine.json()['id']}/suspend", None, token=li_token).status_code == 403
    assert api.get("/events", token=li_token).status_code == 403


def test_operator_sees_only_own_institution(api: Api) -> None:
    api.seed_site("s1")
    api.post("/institutions", {"id": "inst2", "name": "School"})
    api.post("/sites", {"id": "s2", "institution_id": "inst2", "name": "School", "lat": 31.0, "lon": 121.0,
                        "shared_capacity": 3})
    operator = api.token("operator", institution_id="inst2")
    assert api.get("/sites/s1/occupancy", token=operator).status_code == 404
    assert api.get("/sites/s2/occupancy", token=operator).json()["free"] == 3
    assert api.sign(["沪A12345"], api.resident(), token=operator).status_code == 403
    assert [g["site_id"] for g in api.get("/gates", token=operator).json()] == []
    assert len(api.get("/gates").json()) == 1


def test_no_token_or_a_wrong_one_is_401(api: Api) -> None:
    assert api.get("/contracts", token={}).status_code == 401
    assert api.get("/contracts", token={"Authorization": "Bearer pc_nonsense"}).status_code == 401


def test_bad_input_names_the_field(api: Api) -> None:
    api.seed_site()
    response = api.get("/sites/near", lat=91, lon=121)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "lat"]
    response = api.post("/products", {"id": "Bad Id", "site_id": "s1", "name": "x", "windows": [],
                                       "quota": 1})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} >= {("body", "id"), ("body", "windows")}
    assert api.get("/events", plate="沪A\x0012345").status_code in (200, 422)
    assert api.post("/residents", {"display_name": "a\x00b"}).status_code in (201, 422)


def test_occupancy_now_and_over_time_and_stays_filters(api: Api) -> None:
    from central import db
    from central.ingest.store import Received, ingest_batch
    from shared import Direction, encode_message
    from shared.topics import events_topic
    from tests.central.support import event

    api.seed_site()
    t0 = api.clock()
    events = [event("s1", "g1", Direction.ENTRY, "沪A12345", t0),
              event("s1", "g1", Direction.ENTRY, "沪B12345", t0 + timedelta(hours=1)),
              event("s1", "g1", Direction.EXIT, "沪A12345", t0 + timedelta(hours=2))]
    database: db.Database = api.client.app.state.central.database  # type: ignore[attr-defined]
    with database.transaction() as session:
        messages = [Received(events_topic("s1", "g1"), encode_message(e)) for e in events]
        ingest_batch(session, messages, t0, 120)
    now = api.get("/sites/s1/occupancy").json()
    assert (now["occupied"], now["free"]) == (1, 9)
    history = api.get("/sites/s1/occupancy/history", start=t0.isoformat(),
                      end=(t0 + timedelta(hours=3)).isoformat(), bucket_minutes=60).json()
    assert [b["occupied"] for b in history] == [1, 2, 1]
    assert [s["plate"] for s in api.get("/stays", status="open").json()] == ["沪B12345"]
    assert len(api.get("/events", plate="沪a12345").json()) == 2
    assert api.get("/sites/s1/occupancy/history", start=t0.isoformat(), end=t0.isoformat()).status_code == 422


def test_a_cancellation_is_dated_and_staff_may_backdate_it(api: Api) -> None:
    api.seed_site(quota=5)
    li = api.resident("Li")
    li_token = api.token("resident", resident_id=li)
    mine = api.sign(["沪A12345"], li).json()  # signed for Li by staff; Li cancels it
    today = api.clock().date()
    backdated = api.post(f"/contracts/{mine['id']}/cancel", {"effective_on": str(today - timedelta(days=1))},
                         li_token)
    assert backdated.status_code == 403
    cancelled = api.post(f"/contracts/{mine['id']}/cancel", None, li_token).json()
    assert (cancelled["status"], cancelled["ends_on"]) == ("cancelled", str(today))
    assert cancelled["cancelled_at"].startswith(str(today))
    other = api.sign(["沪B12345"], li).json()
    ahead = api.post(f"/contracts/{other['id']}/cancel", {"effective_on": str(today + timedelta(days=1))})
    assert ahead.status_code == 409 and "effective_on" in ahead.json()["detail"]
    assert api.post(f"/contracts/{other['id']}/cancel", {"effective_on": "soon"}).status_code == 422


def test_a_resident_registered_with_a_mobile_number_signs_in_with_it(api: Api) -> None:
    """Staff register a resident with a number; the app's sign-in finds that resident (not a new one)."""
    from central import accounts, db
    from central.core.config import DEV_PHONE_KEY

    made = api.post("/residents", {"display_name": "李女士", "phone": "+86 139-0000-1234"})
    assert made.status_code == 201, made.text
    database: db.Database = api.client.app.state.central.database  # type: ignore[attr-defined]
    with database.transaction() as session:
        found = accounts.find_resident(session, "13900001234", DEV_PHONE_KEY)
        assert found is not None and found.id == made.json()["id"] and found.phone_masked == "139****1234"
    assert api.post("/residents", {"display_name": "又一位", "phone": "13900001234"}).status_code == 409
    wrong = api.post("/residents", {"display_name": "王", "phone": "12345"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "phone"]

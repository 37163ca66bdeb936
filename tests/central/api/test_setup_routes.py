"""Operators change what they created: sites and products updated or closed, prices for new contracts
only, capacity rules refused with a clear message; every list paged with its total."""

from __future__ import annotations

from typing import Any

import pytest

from tests.central.conftest import API, NIGHTS, Api


def _patch(api: Api, path: str, body: dict[str, Any], token: dict[str, str] | None = None) -> Any:
    return api.client.patch(API + path, json=body, headers=api.admin if token is None else token)


def test_a_product_quota_never_exceeds_the_sites_shared_spaces(api: Api) -> None:
    api.seed_site(quota=2)  # 10 shared spaces
    big = api.post("/products", {"id": "big", "site_id": "s1", "name": "Big", "windows": NIGHTS,
                                 "quota": 500})
    assert big.status_code == 409
    assert big.json()["detail"] == "quota 500 is more than site s1's 10 shared spaces"
    assert _patch(api, "/products/s1-nights", {"quota": 11}).status_code == 409
    shrink = _patch(api, "/sites/s1", {"shared_capacity": 1})
    assert shrink.status_code == 409
    assert "lower these products' quotas first: s1-nights (2)" in shrink.json()["detail"]
    spaces = _patch(api, "/sites/s1", {"reserved_spaces": 5})  # 10 shared + 5 reserved > 10 in all
    assert spaces.status_code == 409 and "total_spaces 10" in spaces.json()["detail"]
    assert _patch(api, "/sites/s1", {"reserved_spaces": 5, "total_spaces": 15}).json()["reserved_spaces"] == 5


def test_shared_spaces_and_quotas_never_drop_below_the_contracts_signed(api: Api) -> None:
    api.seed_site(quota=3)
    for n in range(3):
        assert api.sign([f"沪A1234{n}"], api.resident()).status_code == 201
    assert _patch(api, "/products/s1-nights", {"quota": 2}).json()["detail"] == \
        "quota 2: 3 contracts of product s1-nights already hold places"
    _patch(api, "/products/s1-nights", {"quota": 3})
    refused = _patch(api, "/sites/s1", {"shared_capacity": 3})
    assert refused.status_code == 200  # exactly enough
    assert _patch(api, "/sites/s1", {"name": None}).json()["detail"] == "name: cannot be null"


def test_a_price_change_applies_to_new_contracts_only(api: Api) -> None:
    api.seed_site(quota=5)
    old = api.sign(["沪A12345"], api.resident()).json()
    changed = _patch(api, "/products/s1-nights", {"monthly_fee_fen": 45000, "daily_cap_fen": None})
    assert changed.json()["monthly_fee_fen"] == 45000
    new = api.sign(["沪B12345"], api.resident()).json()
    assert (old["monthly_fee_fen"], new["monthly_fee_fen"]) == (30000, 45000)
    assert api.get(f"/contracts/{old['id']}").json()["monthly_fee_fen"] == 30000
    assert _patch(api, "/products/s1-nights", {"windows": []}).status_code == 422  # windows stay


def test_closing_stops_sales_and_hides_the_site_from_residents(api: Api) -> None:
    api.seed_site(quota=5)
    signed = api.sign(["沪A12345"], api.resident()).json()
    closed = api.post("/products/s1-nights/close", None).json()
    assert (closed["on_sale"], closed["closed_at"] is not None) == (False, True)
    assert _patch(api, "/products/s1-nights", {"on_sale": True}).status_code == 409
    assert api.sign(["沪B12345"], api.resident()).status_code == 409
    assert api.post("/sites/s1/close", None).json()["closed_at"] is not None
    assert api.get("/sites/s1/products").status_code == 404
    assert api.get("/sites/near", lat=31.2304, lon=121.4737).json() == []
    assert api.get(f"/contracts/{signed['id']}").json()["status"] == "active"  # runs to its end


def test_operators_change_only_their_own_sites(api: Api) -> None:
    api.seed_site()
    api.post("/institutions", {"id": "inst2", "name": "School"})
    stranger = api.token("operator", institution_id="inst2")
    assert _patch(api, "/sites/s1", {"name": "x"}, stranger).status_code == 404
    assert _patch(api, "/products/s1-nights", {"quota": 1}, stranger).status_code == 404
    assert api.post("/sites/s1/close", None, stranger).status_code == 404
    assert api.get("/sites", stranger).json() == []
    own = api.token("operator", institution_id="inst1")
    assert _patch(api, "/sites/s1", {"hourly_rate_fen": 800}, own).json()["hourly_rate_fen"] == 800
    made = api.post("/products", {"id": "p2", "site_id": "s1", "name": "P2", "windows": NIGHTS,
                                  "quota": 1}, own)
    assert made.json()["overstay_rate_fen"] == 800  # the site's hourly rate by default


@pytest.mark.parametrize("path", ["/sites", "/products", "/contracts", "/stays", "/events", "/violations",
                                  "/billing/statements", "/sites/s1/own-vehicles", "/sites/s1/blacklist"])
def test_every_list_is_paged_with_its_total(api: Api, path: str) -> None:
    api.seed_site("s1", quota=5)
    api.seed_site("s2", quota=5)
    response = api.get(path, limit=1, offset=0)
    assert response.status_code == 200, response.text
    assert int(response.headers["X-Total-Count"]) >= len(response.json())
    assert len(response.json()) <= 1
    assert api.get(path, limit=0).status_code == 422


def test_pages_and_search(api: Api) -> None:
    api.seed_site("s1", quota=5)
    li, wang = api.resident("Li"), api.resident("Wang")
    ids = [api.sign([f"沪A1234{n}"], li if n < 3 else wang).json()["id"] for n in range(5)]
    api.post(f"/contracts/{ids[0]}/cancel", None)
    pages = [api.get("/contracts", limit=2, offset=offset) for offset in (0, 2, 4)]
    paged = [c["id"] for page in pages for c in page.json()]
    assert len(paged) == 5 and sorted(paged) == sorted(ids)  # signed at the same instant: by id
    assert {page.headers["X-Total-Count"] for page in pages} == {"5"}
    by_resident = api.get("/contracts", resident_id=wang)
    assert sorted(c["id"] for c in by_resident.json()) == sorted(ids[3:])
    assert by_resident.headers["X-Total-Count"] == "2"
    assert [c["id"] for c in api.get("/contracts", status="cancelled").json()] == [ids[0]]
    assert [c["id"] for c in api.get("/contracts", plate="沪a12342").json()] == [ids[2]]
    assert [s["id"] for s in api.get("/sites", name="Site s").json()] == ["s1"]


def test_page_size_is_bounded_by_page_max(database_url: str, clock: Any) -> None:
    from central.api import create_app
    from tests.central.conftest import TestClient, admin_headers, make_settings

    settings = make_settings(database_url, api={"page_max": 2})
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client, admin_headers(settings, clock), clock)
        api.seed_site(quota=5)
        for n in range(3):
            api.sign([f"沪A1234{n}"], api.resident())
        page = api.get("/contracts", limit=100)
        assert len(page.json()) == 2 and page.headers["X-Total-Count"] == "3"

"""No input gets a 500: random bodies and query strings against a few endpoints, on both backends."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.central.conftest import Api

text = st.text(max_size=30)
scalars = (st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(text, inner, max_size=3), max_leaves=6)
sign_bodies = st.fixed_dictionaries({}, optional={
    "product_id": values | st.just("s1-nights"), "plates": values | st.just(["沪A12345"]),
    "valid_from": values | st.just("2025-03-03"), "valid_to": values | st.just("2025-04-01"),
    "resident_id": values, "extra": values})
queries = st.dictionaries(st.sampled_from(["lat", "lon", "radius_m", "limit", "site_id", "plate", "since",
                                           "until", "outcome", "status", "offset"]), text, max_size=5)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=sign_bodies)
def test_signing_never_fails_with_500(api: Api, body: dict[str, Any]) -> None:
    if api.get("/sites/s1/products").status_code == 404:
        api.seed_site(quota=1000, shared_capacity=1000)
    response = api.post("/contracts", body)
    assert response.status_code in (201, 403, 404, 409, 422), response.text


@FUZZ
@given(params=queries, path=st.sampled_from(["/sites/near", "/events", "/stays", "/contracts", "/gates"]))
def test_queries_never_fail_with_500(api: Api, params: dict[str, str], path: str) -> None:
    response = api.get(path, **params)
    assert response.status_code in (200, 404, 422), response.text


@FUZZ
@given(site_id=text, action=st.sampled_from(["cancel", "suspend", "reinstate", "nonsense"]))
def test_paths_never_fail_with_500(api: Api, site_id: str, action: str) -> None:
    site_id = quote(site_id, safe="")
    for response in (api.get(f"/sites/{site_id}/products"), api.get(f"/contracts/{site_id}"),
                     api.post(f"/contracts/{site_id}/{action}", None)):
        assert response.status_code in (200, 404, 405, 422), response.text

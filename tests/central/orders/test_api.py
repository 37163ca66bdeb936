"""The orders over HTTP with residents' bearer tokens: order, pay through the sandbox's callback,
renew, cancel with the refund shown first; a tampered callback activates nothing; another
resident finds none of it (404)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from central.payments import PaymentStatus, Sandbox
from tests.central.conftest import API, Api

ORDER_PATHS = ("/orders/{order}", "/contracts/{contract}", "/contracts/{contract}/refund")


@pytest.fixture
def shop(api: Api) -> Api:
    api.seed_site()
    return api


def _resident(api: Api, name: str) -> dict[str, str]:
    return api.token("resident", resident_id=api.resident(name))


def _order(api: Api, token: dict[str, str], plate: str = "沪A12345", months: int = 1) -> dict[str, Any]:
    response = api.post("/orders", {"product_id": "s1-nights", "plate": plate, "months": months}, token)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _sandbox(api: Api) -> Sandbox:
    sandbox = api.client.app.state.payments.provider("sandbox")  # type: ignore[attr-defined]
    assert isinstance(sandbox, Sandbox)
    return sandbox


def _pay(api: Api, token: dict[str, str], order_id: str, tamper: bool = False) -> int:
    """Start the payment, then deliver the callback the sandbox's "pay" button sends."""
    started = api.post(f"/orders/{order_id}/payments", {}, token)
    assert started.status_code == 200, started.text
    assert started.json()["kind"] == "redirect" and started.json()["url"].startswith("/sandbox/pay/")
    checkout = _sandbox(api).open(started.json()["url"].rsplit("/", 1)[1])
    assert checkout is not None
    headers, body = _sandbox(api).callback(checkout, PaymentStatus.PAID, api.clock())
    if tamper:  # a cheaper payment under the old signature
        body = json.dumps({**json.loads(body), "amount_fen": 1}).encode()
    return api.client.post(f"{API}/payments/sandbox/notify", content=body, headers=headers).status_code


def test_a_resident_orders_pays_and_the_contract_is_active(shop: Api) -> None:
    li = _resident(shop, "Li")
    order = _order(shop, li, months=3)
    assert (order["status"], order["amount_fen"], order["kind"]) == ("pending_payment", 90000, "new")
    contract = shop.get(f"/contracts/{order['contract_id']}", li).json()
    assert (contract["status"], contract["monthly_fee_fen"]) == ("pending_payment", 0)
    places = shop.get("/sites/s1/products").json()[0]["places_left"]
    assert places == 1  # quota 2: the unpaid order holds one
    assert _pay(shop, li, order["id"]) == 204
    assert shop.get(f"/orders/{order['id']}", li).json()["status"] == "paid"
    assert shop.get(f"/contracts/{order['contract_id']}", li).json()["status"] == "active"
    mine = shop.get("/orders", li)
    assert [o["id"] for o in mine.json()] == [order["id"]] and mine.headers["X-Total-Count"] == "1"


def test_a_tampered_callback_does_not_activate(shop: Api) -> None:
    li = _resident(shop, "Li")
    order = _order(shop, li)
    assert _pay(shop, li, order["id"], tamper=True) == 401
    assert shop.get(f"/orders/{order['id']}", li).json()["status"] == "pending_payment"
    assert shop.get(f"/contracts/{order['contract_id']}", li).json()["status"] == "pending_payment"


def test_cancelling_shows_the_refund_first_then_refunds_it(shop: Api) -> None:
    li = _resident(shop, "Li")
    order = _order(shop, li)  # 3 March to 2 April: 31 days; today, 3 March, is used
    _pay(shop, li, order["id"])
    preview = shop.get(f"/contracts/{order['contract_id']}/refund", li).json()
    assert preview == {"refund_fen": 30000 - 30000 // 31, "refunds": True}
    cancelled = shop.post(f"/contracts/{order['contract_id']}/cancellation", {}, li).json()
    assert cancelled["contract"]["status"] == "cancelled"
    assert cancelled["refunds"] == [{"order_id": order["id"], "amount_fen": preview["refund_fen"],
                                     "status": "succeeded", "detail": ""}]
    assert shop.get(f"/orders/{order['id']}", li).json()["refunded_fen"] == preview["refund_fen"]


def test_a_renewal_over_the_api(shop: Api) -> None:
    li = _resident(shop, "Li")
    order = _order(shop, li)
    _pay(shop, li, order["id"])
    renewal = shop.post(f"/contracts/{order['contract_id']}/renewals", {"months": 1}, li)
    assert renewal.status_code == 201, renewal.text
    assert (renewal.json()["kind"], renewal.json()["starts_on"]) == ("renewal", "2025-04-03")
    assert _pay(shop, li, renewal.json()["id"]) == 204
    assert shop.get(f"/contracts/{order['contract_id']}", li).json()["valid_to"] == "2025-05-02"


def test_a_second_resident_cannot_see_or_touch_the_first_ones_anything(shop: Api) -> None:
    li, wang = _resident(shop, "Li"), _resident(shop, "Wang")
    order = _order(shop, li)
    _pay(shop, li, order["id"])
    keys = {"order": order["id"], "contract": order["contract_id"]}
    for path in ORDER_PATHS:
        assert shop.get(path.format(**keys), wang).status_code == 404, path
    for path, body in (("/orders/{order}/payments", {}), ("/orders/{order}/cancel", {}),
                       ("/contracts/{contract}/renewals", {"months": 1}),
                       ("/contracts/{contract}/cancellation", {}), ("/contracts/{contract}/cancel", {})):
        assert shop.post(path.format(**keys), body, wang).status_code == 404, path
    assert shop.get("/orders", wang).json() == []
    assert shop.get("/contracts", wang).json() == []
    assert shop.get(f"/orders/{order['id']}", li).json()["status"] == "paid"  # untouched


def test_staff_read_orders_but_do_not_order(shop: Api) -> None:
    order = _order(shop, _resident(shop, "Li"))
    assert [o["id"] for o in shop.get("/orders").json()] == [order["id"]]  # the admin sees it
    refused = shop.post("/orders", {"product_id": "s1-nights", "plate": "沪B12345", "months": 1})
    assert refused.status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({"product_id": "s1-nights", "plate": "ABC", "months": 1}, "plate"),
    ({"product_id": "s1-nights", "plate": "沪A12345", "months": 0}, "months"),
    ({"product_id": "s1-nights", "plate": "沪A12345", "months": 1.5}, "months"),
])
def test_bad_input_is_refused_naming_the_field(shop: Api, body: dict[str, Any], field: str) -> None:
    refused = shop.post("/orders", body, _resident(shop, "Li"))
    assert refused.status_code == 422 and field in refused.text

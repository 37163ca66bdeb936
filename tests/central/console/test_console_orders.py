"""The console's orders page over plain HTTP: an operator sees their institution's orders (Chinese words,
money from fen, paid times in the site's zone, totals of all that is found), never another institution's,
not even by asking for its site; each filter narrows the list and one that cannot be read is named at its
field (400), never a 500 and never every order."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from central import db
from central.web.i18n import CONSOLE
from tests.central.console.seed import local
from tests.support.browser import LiveCentral
from tests.support.console import seed_operated_site
from tests.support.web import http_staff_login


@dataclass(frozen=True)
class Shop:
    """Two institutions' sites and their contracts: s1 (inst1, 沪A12345) and s2 (inst2, 沪B54321)."""

    mine: str  # the contract of s1
    theirs: str  # the contract of s2


# (order id, contract, kind, status, amount, refunded, paid at in Shanghai); created in this order, a
# minute apart, so the newest first is the reverse. 00:30 on 2 March in Shanghai is 1 March in UTC.
ORDERS = (
    ("o-s1-first", "mine", db.OrderKind.NEW, db.OrderStatus.PAID, 90000, 0, "2025-03-01 23:30"),
    ("o-s1-renewal", "mine", db.OrderKind.RENEWAL, db.OrderStatus.PAID, 30000, 10000, "2025-03-02 00:30"),
    ("o-s1-lapsed", "mine", db.OrderKind.RENEWAL, db.OrderStatus.LAPSED, 30000, 0, None),
    ("o-s2-first", "theirs", db.OrderKind.NEW, db.OrderStatus.PAID, 50000, 0, "2025-03-02 10:00"),
    ("o-s1-pending", "mine", db.OrderKind.RENEWAL, db.OrderStatus.PENDING_PAYMENT, 30000, 0, None),
)
MINE_NEWEST_FIRST = ["o-s1-pending", "o-s1-lapsed", "o-s1-renewal", "o-s1-first"]


def _text(key: str, **params: object) -> str:
    return CONSOLE.text("zh-CN", key, **params)


@pytest.fixture
def shop(console: LiveCentral) -> Shop:
    shop = Shop(seed_operated_site(console),
                seed_operated_site(console, "s2", ("inst2", "城西学校"), "沪B54321", "139****0000"))
    created = datetime(2025, 3, 1, tzinfo=UTC)
    with console.database.transaction() as session:
        for n, (order_id, which, kind, status, amount, refunded, paid) in enumerate(ORDERS):
            contract = session.get_one(db.Contract, getattr(shop, which))
            at = created + timedelta(minutes=n)
            session.add(db.Order(
                id=order_id, kind=kind, status=status, resident_id=contract.resident_id,
                site_id=contract.site_id, product_id=contract.product_id, contract_id=contract.id,
                plate=contract.plate_list[0], months=1, starts_on=contract.valid_from,
                ends_on=contract.valid_to, monthly_fee_fen=amount, amount_fen=amount, currency="CNY",
                hold_until=at + timedelta(minutes=15),
                created_at=at, updated_at=at, paid_at=local(paid) if paid else None,
                paid_with="sandbox" if paid else None, refunded_fen=refunded))
    return shop


@contextmanager
def _signed_in(central: LiveCentral, username: str) -> Iterator[httpx.Client]:
    with central.http() as client:
        assert http_staff_login(client, username).status_code == 303
        yield client


def _listed(page: httpx.Response) -> list[str]:
    return re.findall(r'<tr data-order="([^"]+)">', page.text)


def _totals(page: httpx.Response) -> str:
    found = re.search(r'id="order-totals">([^<]*)<', page.text)
    assert found is not None, page.text
    return found.group(1)


def _cells(page: httpx.Response, order_id: str) -> list[list[str]]:
    """The words of each cell of the order's row."""
    row = re.search(rf'<tr data-order="{order_id}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in cells]


def test_an_operator_sees_their_institutions_orders_newest_first_in_chinese_with_totals(
        console: LiveCentral, shop: Shop) -> None:
    with _signed_in(console, "op1") as client:
        page = client.get("/console/orders")
        assert page.status_code == 200
        assert '<a href="/console/orders">订单</a>' in client.get("/console/").text  # in the menu
    assert _listed(page) == MINE_NEWEST_FIRST
    assert _totals(page) == _text("orders.totals", count=4, net="¥1,100.00")  # 900 + 300 - 100 refunded
    renewal = _cells(page, "o-s1-renewal")
    assert renewal[:4] == [["o-s1-renewal"], ["沪A12345", "138****5678"], ["城东医院停车场", "夜间月卡"],
                           ["续约"]]
    assert renewal[5:9] == [["¥300.00"], ["¥100.00"], ["已支付"], ["2025年3月2日", "00:30"]]  # Shanghai time
    assert _cells(page, "o-s1-pending")[7:9] == [["待支付"], ["–"]]
    assert _cells(page, "o-s1-lapsed")[7] == ["未支付已失效"]
    assert f'href="/console/contracts/{shop.mine}"' in page.text
    assert "沪B54321" not in page.text and "o-s2-first" not in page.text


def test_another_institutions_orders_stay_hidden_even_when_its_site_is_asked_for(
        console: LiveCentral, shop: Shop) -> None:
    with _signed_in(console, "op1") as client:
        asked = client.get("/console/orders", params={"site": "s2"})
        nowhere = client.get("/console/orders", params={"site": "s9"})
    assert asked.status_code == nowhere.status_code == 400  # the same for theirs as for none at all
    assert _text("orders.bad_site", value="s2") in asked.text
    assert _listed(asked) == [] and "o-s2-first" not in asked.text and "沪B54321" not in asked.text
    assert 'id="order-totals"' not in asked.text
    with _signed_in(console, "op2") as client:
        theirs = client.get("/console/orders")
        assert _listed(client.get("/console/orders", params={"site": "s1"})) == []
    assert _listed(theirs) == ["o-s2-first"]
    assert _totals(theirs) == _text("orders.totals", count=1, net="¥500.00")
    with _signed_in(console, "chief") as client:
        everyone = client.get("/console/orders")
    assert sorted(_listed(everyone)) == sorted(order[0] for order in ORDERS)
    assert _totals(everyone) == _text("orders.totals", count=5, net="¥1,600.00")


@pytest.mark.parametrize(("query", "listed", "count", "net"), [
    ({"status": "paid"}, ["o-s1-renewal", "o-s1-first"], 2, "¥1,100.00"),
    ({"status": "pending_payment"}, ["o-s1-pending"], 1, "¥0.00"),
    ({"site": "s1", "plate": " 沪a12345 "}, MINE_NEWEST_FIRST, 4, "¥1,100.00"),  # typed loosely
    ({"plate": "沪A99999"}, [], 0, "¥0.00"),
    ({"paid_from": "2025-03-02", "paid_to": "2025-03-02"}, ["o-s1-renewal"], 1, "¥200.00"),  # Shanghai's day
    ({"paid_to": "2025-03-01"}, ["o-s1-first"], 1, "¥900.00"),
    ({"paid_from": "2025-03-03"}, [], 0, "¥0.00"),
])
def test_each_filter_narrows_the_list_and_its_totals(console: LiveCentral, shop: Shop, query: dict[str, str],
                                                      listed: list[str], count: int, net: str) -> None:
    with _signed_in(console, "op1") as client:
        page = client.get("/console/orders", params=query)
    assert page.status_code == 200
    assert _listed(page) == listed
    assert _totals(page) == _text("orders.totals", count=count, net=net)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("query", "field", "message"), [
    ({"status": "refunded"}, "status", _text("orders.bad_status", value="refunded")),
    ({"paid_from": "2025-02-30"}, "paid_from", _text("orders.bad_date", value="2025-02-30")),
    ({"paid_to": "' OR 1=1 --"}, "paid_to", _text("orders.bad_date", value="' OR 1=1 --")),
    ({"paid_from": "2025-03-05", "paid_to": "2025-03-01"}, "paid_to",
     _text("orders.bad_range", first="2025-03-05", last="2025-03-01")),
    ({"plate": "<script>x</script>"}, "plate", _text("field.plate_invalid")),
])
def test_a_filter_that_cannot_be_read_is_named_at_its_field_and_nothing_is_listed(
        console: LiveCentral, shop: Shop, query: dict[str, str], field: str, message: str) -> None:
    with _signed_in(console, "op1") as client:
        page = client.get("/console/orders", params=query)
    assert page.status_code == 400
    shown = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page.text)
    assert shown is not None and shown.group(1) == message.replace("'", "&#39;").replace('"', "&#34;")
    assert _listed(page) == [] and _text("orders.refused") in page.text
    assert "<script>x" not in page.text  # what was typed comes back escaped


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_overlong_values_are_refused_and_nobody_signed_out_sees_any_order(console: LiveCentral,
                                                                         shop: Shop) -> None:
    with _signed_in(console, "op1") as client:
        assert client.get("/console/orders", params={"status": "x" * 65}).status_code == 422
        assert client.get("/console/orders", params={"p": "0"}).status_code == 422
    with console.http() as stranger:
        page = stranger.get("/console/orders")
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_csv_has_every_order_the_search_finds_and_nothing_a_spreadsheet_would_run(
        console: LiveCentral, shop: Shop) -> None:
    with console.database.transaction() as session:
        session.get_one(db.Order, "o-s1-lapsed").plate = "=HYPERLINK(1)"  # as if a plate came in unchecked
    with _signed_in(console, "op1") as client:
        page = client.get("/console/orders", params={"site": "s1"})
        link = re.search(r'id="order-csv" href="([^"]+)"', page.text)
        assert link is not None
        download = client.get(link.group(1).replace("&amp;", "&"))
        refused = client.get("/console/orders.csv", params={"site": "s2"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [row["order_id"] for row in rows] == MINE_NEWEST_FIRST
    renewal = next(row for row in rows if row["order_id"] == "o-s1-renewal")
    assert (renewal["amount_fen"], renewal["refunded_fen"], renewal["refunded_yuan"]) == (
        "30000", "10000", "100.00")
    assert renewal["paid_at"] == "2025-03-02T00:30:00+08:00" and renewal["resident_phone"] == "138****5678"
    assert next(row["plate"] for row in rows if row["order_id"] == "o-s1-lapsed") == "'=HYPERLINK(1)"
    assert refused.status_code == 400 and "o-s2-first" not in refused.text  # not theirs: no file

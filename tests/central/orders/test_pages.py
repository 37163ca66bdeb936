"""The order pages over plain HTTP (the browser story is tests/e2e/test_resident_flow.py): the rules
before the button, the sandbox's round trip, refusals as pages, CSRF, a lapsed order, and another
resident's order not found."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from central import db
from central.orders import OrderTicker
from tests.support.browser import LiveCentral, MovingClock, web_settings
from tests.support.web import csrf_of, http_resident_login

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30"},
          {"day_type": "rest", "start": "00:00", "end": "00:00"}]
LI, WANG = "13800138000", "13900139000"


def seed_product(central: LiveCentral, quota: int = 2, refund_unused: bool = True) -> None:
    now = central.app.state.central.clock()
    with central.database.transaction() as session:
        session.add(db.Institution(id="inst1", name="城东医院", created_at=now))
        session.flush()
        session.add(db.Site(id="s1", institution_id="inst1", name="城东医院停车场", lat=31.2, lon=121.4,
                            shared_capacity=5, total_spaces=5, created_at=now))
        session.flush()
        session.add(db.Product(id="p1", site_id="s1", name="夜间月卡", windows=NIGHTS, quota=quota,
                               monthly_fee_fen=30000, overstay_rate_fen=500, refund_unused=refund_unused,
                               created_at=now))


@pytest.fixture
def store(database_url: str, web_clock: MovingClock) -> Iterator[LiveCentral]:
    central = LiveCentral(web_settings(database_url), web_clock).start()
    seed_product(central)
    yield central
    central.stop()


@pytest.fixture
def login(store: LiveCentral) -> Iterator[Callable[[str], httpx.Client]]:
    """A resident signed in over plain HTTP, by phone number; the clients are closed afterwards."""
    made: list[httpx.Client] = []

    def sign_in(phone: str) -> httpx.Client:
        made.append(store.http())
        assert http_resident_login(made[-1], store, phone).status_code == 303
        return made[-1]

    yield sign_in
    for client in made:
        client.close()


Login = Callable[[str], httpx.Client]


def order(client: httpx.Client, plate: str = "沪A12345", months: int = 1) -> httpx.Response:
    token = csrf_of(client.get("/app/products/p1"))
    return client.post("/app/orders", data={"product_id": "p1", "plate": plate, "months": str(months),
                                            "csrf_token": token})


def pay_in_sandbox(client: httpx.Client, checkout: str, choice: str = "pay") -> httpx.Response:
    page = client.get(checkout)
    assert page.status_code == 200, page.text
    return client.post(checkout, data={"choice": choice, "csrf_token": csrf_of(page)})


def order_id(location: str) -> str:
    found = re.search(r"/app/orders/(od\w+)", location)
    assert found is not None, location
    return found.group(1)


def test_the_product_page_shows_the_rules_before_the_button(login: Login, store: LiveCentral) -> None:
    page = login(LI).get("/app/products/p1")
    assert page.status_code == 200
    text = page.text
    for shown in ("工作日 19:00–次日07:30，休息日 全天", "次日07:30", "15 分钟", "¥5.00", "¥300.00",
                  "剩余天数的预付费用按天折算", "15 分钟内完成支付", "剩余 2 个名额"):
        assert shown in text, shown
    assert text.index('id="rules"') < text.index('id="confirm"')
    english = login(WANG).get("/app/products/p1?lang=en").text
    assert "Working days 19:00–07:30 next day; Rest days all day" in english


def test_sign_pay_in_the_sandbox_and_come_back_to_the_contract_in_force(login: Login,
                                                                        store: LiveCentral) -> None:
    li = login(LI)
    made = order(li, months=3)
    assert made.status_code == 303 and made.headers["location"].startswith("/sandbox/pay/")
    back = pay_in_sandbox(li, made.headers["location"])
    assert back.status_code == 303
    shown = li.get(back.headers["location"])
    assert "合约已生效" in shown.text and "¥900.00" in shown.text and "沪A12345" in shown.text
    with store.database.transaction() as session:
        assert session.scalars(select(db.Contract.status)).one() == "active"
    assert "已支付" in li.get("/app/orders").text


def test_a_cancelled_sandbox_payment_leaves_the_order_to_pay_again(login: Login, store: LiveCentral) -> None:
    li = login(LI)
    made = order(li)
    back = pay_in_sandbox(li, made.headers["location"], "cancel")
    shown = li.get(back.headers["location"])
    assert "待支付" in shown.text and 'id="pay"' in shown.text
    number = order_id(back.headers["location"])
    again = li.post(f"/app/orders/{number}/pay", data={"csrf_token": csrf_of(shown)})
    assert again.status_code == 303 and again.headers["location"].startswith("/sandbox/pay/")


def test_refusals_are_pages_in_the_residents_language(login: Login, store: LiveCentral) -> None:
    li, wang = login(LI), login(WANG)
    bad = order(li, plate="ABC123")
    assert bad.status_code == 400 and "请输入正确的车牌号" in bad.text
    order(li)
    taken = order(wang)  # the same plate at the same site
    assert taken.status_code == 409 and "此车牌在该停车场已有合约" in taken.text
    order(wang, plate="沪B12345")  # quota 2: now full
    full = login("13700137000").get("/app/products/p1")
    assert "名额已满" in full.text and 'id="confirm"' not in full.text


def test_an_order_without_the_csrf_token_is_refused(login: Login, store: LiveCentral) -> None:
    li = login(LI)
    refused = li.post("/app/orders", data={"product_id": "p1", "plate": "沪A12345", "months": "1"})
    assert refused.status_code == 403
    with store.database.transaction() as session:
        assert session.query(db.Order).count() == 0


def test_a_lapsed_order_frees_its_place(login: Login, store: LiveCentral, web_clock: MovingClock) -> None:
    li = login(LI)
    made = order(li)
    ticker = OrderTicker(store.database, store.app.state.payments, web_clock, 30)
    web_clock.advance(minutes=15)
    assert len(ticker.tick().lapsed) == 1
    shown = li.get(f"/app/orders/{order_id(li.get('/app/orders').text)}")
    assert "已失效" in shown.text and 'id="pay"' not in shown.text
    assert "剩余 2 个名额" in li.get("/app/products/p1").text
    expired = li.get(made.headers["location"])  # the provider's page closes with the hold
    assert expired.status_code == 410


def test_another_resident_finds_none_of_the_first_ones_pages(login: Login, store: LiveCentral) -> None:
    li, wang = login(LI), login(WANG)
    made = order(li)
    pay_in_sandbox(li, made.headers["location"])
    number = order_id(li.get("/app/orders").text)
    with store.database.transaction() as session:
        contract_id = session.get_one(db.Order, number).contract_id
    token = csrf_of(wang.get("/app/products/p1"))
    for path in (f"/app/orders/{number}", f"/app/contracts/{contract_id}/cancel",
                 f"/app/contracts/{contract_id}/renew"):
        answer = wang.get(path)
        assert answer.status_code == 404 and "沪A12345" not in answer.text, path
        assert "城东医院停车场" not in answer.text, path
    for path in (f"/app/orders/{number}/pay", f"/app/orders/{number}/cancel",
                 f"/app/contracts/{contract_id}/cancel", f"/app/contracts/{contract_id}/renew"):
        assert wang.post(path, data={"csrf_token": token, "months": "1"}).status_code == 404, path
    assert number not in wang.get("/app/orders").text
    assert "合约已生效" in li.get(f"/app/orders/{number}").text  # untouched


def test_cancelling_shows_the_refund_then_gives_it(login: Login, store: LiveCentral) -> None:
    li = login(LI)
    made = order(li)
    back = pay_in_sandbox(li, made.headers["location"])
    number = order_id(back.headers["location"])
    with store.database.transaction() as session:
        contract_id = session.get_one(db.Order, number).contract_id
    form = li.get(f"/app/contracts/{contract_id}/cancel")
    refund = "¥290.33"  # 30000 - 30000 x 1 // 31 fen: today is used
    assert refund in form.text and "按天折算" in form.text
    done = li.post(f"/app/contracts/{contract_id}/cancel", data={"csrf_token": csrf_of(form)})
    assert done.status_code == 200 and f"已退款 {refund}" in done.text
    assert "已退款" in li.get(f"/app/orders/{number}").text


def test_the_chinese_order_pages_show_no_english_catalogue_text(login: Login, store: LiveCentral) -> None:
    from central.web.i18n import RESIDENT
    from tests.central.web.test_language import _english_texts

    li = login(LI)
    made = order(li)
    back = pay_in_sandbox(li, made.headers["location"])
    number = order_id(back.headers["location"])
    with store.database.transaction() as session:
        contract_id = session.get_one(db.Order, number).contract_id
    english = _english_texts(RESIDENT)
    for path in ("/app/products/p1", f"/app/orders/{number}", "/app/orders",
                 f"/app/contracts/{contract_id}/renew", f"/app/contracts/{contract_id}/cancel"):
        text = re.sub(r"<[^>]*>", " ", li.get(path).text)  # what the page shows, not its markup
        assert [words for words in english if words in text] == [], path

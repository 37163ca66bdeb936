"""My parking over plain HTTP: the window and deadline in the site's zone, the car inside, running charges.

The clock stands at Monday 3 March 2025, 20:00 in Shanghai. The night product's windows are
working days 19:00-07:30 and rest days 00:00-07:30 the next morning; overstay is ¥10 per started
hour after the deadline (15 minutes' grace, forgiven only to those who use it).
"""

from __future__ import annotations

import re
from datetime import date

from tests.central.resident.conftest import FIRST, SECOND, World
from tests.support.residents import add_contract, add_stay

PLATE = "沪A12345"


def _contract(world: World, resident: str, status: str = "active") -> str:
    return add_contract(world.central.database, resident, "xh-gov-nights", PLATE, date(2025, 2, 1),
                        date(2025, 3, 31), world.clock.now, status)


def _card(html: str, contract: str) -> str:
    found = re.search(rf'<section class="card contract" id="contract-{contract}".*?</section>', html, re.S)
    assert found is not None, "no card for the contract"
    return found.group(0)


def test_an_active_contract_shows_tonights_window_and_no_car(world: World) -> None:
    me = world.resident(FIRST)
    contract = _contract(world, me.id)
    card = _card(me.client.get("/app/").text, contract)
    assert "当前可停时段" in card  # 20:00 on a working day: the night is open
    assert "离场截止 2025年3月4日 周二 07:30" in card
    assert "车辆不在场" in card and "¥300.00" in card  # March's whole fee, no stay yet
    world.clock.advance(hours=12)  # Tuesday 08:00: between windows
    card = _card(me.client.get("/app/").text, contract)
    assert "下次可停时段" in card and "2025年3月4日 周二 19:00 起" in card
    assert "离场截止 2025年3月5日 周三 07:30" in card


def test_a_car_past_its_deadline_shows_its_overstay_growing(world: World) -> None:
    me = world.resident(FIRST)
    contract = _contract(world, me.id)
    db = world.central.database
    add_stay(db, contract, PLATE, "2025-03-01 09:00", "2025-03-01 11:00", "2025-03-03 07:30")
    add_stay(db, contract, PLATE, "2025-03-02 21:00", None, "2025-03-03 07:30")
    card = _card(me.client.get("/app/").text, contract)
    assert "车辆在场：沪A12345，2025年3月2日 21:00 入场" in card
    # In since Sunday night, deadline Monday 07:30, now 20:00: 12 h 30 min over, 13 started hours.
    assert "已超时 12 小时 30 分钟，超时费 ¥130.00" in card
    assert re.search(r'running-total">¥430\.00<', card)  # fee 300 + overstay 130 (usage is free)
    assert card.count("<tr") == 3  # a header and this month's two stays
    world.clock.advance(minutes=31)  # 13 h 01 min: a 14th hour has started
    card = _card(me.client.get("/app/").text, contract)
    assert "已超时 13 小时 1 分钟，超时费 ¥140.00" in card


def test_a_suspended_contract_says_so_and_a_cancelled_one_is_gone(world: World) -> None:
    me = world.resident(FIRST)
    suspended = _contract(world, me.id, "suspended")
    cancelled = add_contract(world.central.database, me.id, "xh-lib-weeknights", "沪B12345",
                             date(2025, 2, 1), date(2025, 2, 28), world.clock.now, "cancelled")
    page = me.client.get("/app/").text
    assert "合约已暂停，暂时不能入场" in _card(page, suspended)
    assert f"contract-{cancelled}" not in page


def test_another_resident_sees_none_of_my_parking(world: World) -> None:
    me, other = world.resident(FIRST), world.resident(SECOND)
    contract = _contract(world, me.id)
    add_stay(world.central.database, contract, PLATE, "2025-03-03 19:30", None, "2025-03-04 07:30")
    theirs = other.client.get("/app/").text
    assert contract not in theirs and PLATE not in theirs and "您还没有停车合约" in theirs

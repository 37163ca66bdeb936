"""Finding parking over plain HTTP: nearest first, the closed site never, filters, places, the map."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.central.resident.conftest import FIRST, World
from tests.support.residents import NEAR_POINT, add_contract, add_stay

_SITE = re.compile(r'<li class="site" id="site-([\w-]+)" data-distance="(\d*)">')
_PRODUCT = re.compile(r'<li class="product" id="product-([\w-]+)">')


def _sites(html: str) -> list[tuple[str, str]]:
    return _SITE.findall(html)


def test_sites_near_my_location_come_nearest_first_with_their_offer(world: World) -> None:
    me = world.resident(FIRST)
    page = me.client.get(f"/app/find?lat={NEAR_POINT[0]}&lon={NEAR_POINT[1]}")
    assert page.status_code == 200
    found = _sites(page.text)
    assert [site for site, _ in found] == ["xh-gov", "xh-lib", "ja-edu", "hp-hosp"]  # never xh-old (closed)
    distances = [int(d) for _, d in found]
    assert distances == sorted(distances) and distances[0] < 300 < 5000 < distances[-1]
    assert "离您最近的停车场" in page.text
    assert "工作日 19:00–次日07:30，休息日 全天至次日07:30" in page.text
    assert "¥300.00/月" in page.text and "今晚余位 3" in page.text
    assert 'href="/app/products/xh-gov-nights"' in page.text
    assert page.text.count('class="map-site"') == 4 and 'id="mark-you"' in page.text


def test_tonights_free_places_count_the_cars_inside(world: World) -> None:
    me = world.resident(FIRST)
    contract = add_contract(world.central.database, me.id, "xh-gov-nights", "沪A12345",
                            world.clock.now.date(), world.clock.now.date(), world.clock.now)
    add_stay(world.central.database, contract, "沪A12345", "2025-03-03 19:30", None, "2025-03-04 07:30")
    page = me.client.get(f"/app/find?lat={NEAR_POINT[0]}&lon={NEAR_POINT[1]}").text
    assert "今晚余位 2" in page  # 3 shared spaces, one taken


def test_filters_by_hours_and_by_monthly_fee(world: World) -> None:
    me = world.resident(FIRST)
    near = f"lat={NEAR_POINT[0]}&lon={NEAR_POINT[1]}"
    weekends = me.client.get(f"/app/find?{near}&window=weekends").text
    assert [s for s, _ in _sites(weekends)] == ["xh-gov", "ja-edu", "hp-hosp"]  # xh-lib sells weeknights only
    assert _PRODUCT.findall(weekends)[:2] == ["xh-gov-nights", "xh-gov-weekends"]
    assert len(_sites(me.client.get(f"/app/find?{near}&window=any&max_fee=").text)) == 4  # "any fee"
    cheap = me.client.get(f"/app/find?{near}&max_fee=20000").text
    assert _PRODUCT.findall(cheap) == ["xh-gov-weekends", "xh-lib-weeknights"]
    nothing = me.client.get(f"/app/find?{near}&window=all_day&max_fee=20000").text
    assert _sites(nothing) == [] and "附近没有符合条件的停车场" in nothing


def test_a_place_from_the_sites_addresses_is_an_origin_and_an_unknown_one_is_said(world: World) -> None:
    me = world.resident(FIRST)
    picker = me.client.get("/app/find").text
    assert '<option value="徐汇区">' in picker and '<option value="上海市静安区昌平路500号">' in picker
    assert "徐汇区旧仓库" not in picker and "龙华路" not in picker  # the closed site is no place
    district = me.client.get(f"/app/find?place={quote('徐汇区')}").text
    assert [s for s, _ in _sites(district)][:2] in (["xh-gov", "xh-lib"], ["xh-lib", "xh-gov"])
    assert "“徐汇区”附近的停车场" in district
    address = me.client.get(f"/app/find?place={quote('昌平路')}").text
    assert _sites(address)[0] == ("ja-edu", "0")
    unknown = me.client.get(f"/app/find?place={quote('火星')}")
    assert unknown.status_code == 404 and "没有找到“火星”" in unknown.text
    assert "全部停车场" in unknown.text and len(_sites(unknown.text)) == 4  # still something to look at

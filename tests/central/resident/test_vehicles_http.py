"""My vehicles over plain HTTP: what the server takes, normalises and refuses, and whose it is."""

from __future__ import annotations

import re

from tests.central.resident.conftest import FIRST, SECOND, World

_PLATES = re.compile(r'<span class="plate[^"]*">([^<]+)</span>')


def _plates(world_page: str) -> list[str]:
    return _PLATES.findall(world_page)


def test_plates_are_normalised_validated_and_at_most_three(world: World) -> None:
    me = world.resident(FIRST)
    assert me.post("/app/vehicles", province="沪", number="a·123 45").status_code == 303
    assert me.post("/app/vehicles", province="沪", number="AD12345").status_code == 303  # green, small car
    bad = me.post("/app/vehicles", province="沪", number="AO1234")  # O is no serial letter, 6 long
    assert bad.status_code == 400
    assert "车牌格式不正确" in bad.text
    assert 'value="AO1234"' in bad.text  # what was typed stays in the field
    again = me.post("/app/vehicles", province="京", number="沪a12345")  # a whole plate typed wins
    assert again.status_code == 409 and "此车牌已经绑定" in again.text
    assert me.post("/app/vehicles", province="粤", number="B12345D").status_code == 303  # green, large car
    full = me.post("/app/vehicles", province="苏", number="E12345")
    assert full.status_code == 409 and "最多绑定 3 辆车" in full.text
    page = me.client.get("/app/vehicles").text
    assert _plates(page) == ["沪A12345", "沪AD12345", "粤B12345D"]
    assert "新能源车牌" in page and 'id="bind-form"' not in page  # full: no form


def test_another_resident_neither_sees_nor_removes_my_plates(world: World) -> None:
    me, other = world.resident(FIRST), world.resident(SECOND)
    assert me.post("/app/vehicles", province="沪", number="A12345").status_code == 303
    mine = re.search(r'action="/app/vehicles/(\d+)/remove"', me.client.get("/app/vehicles").text)
    assert mine is not None
    assert _plates(other.client.get("/app/vehicles").text) == []
    refused = other.post(f"/app/vehicles/{mine.group(1)}/remove")
    assert refused.status_code == 404 and "没有找到" in refused.text
    assert _plates(me.client.get("/app/vehicles").text) == ["沪A12345"]
    assert me.post(f"/app/vehicles/{mine.group(1)}/remove").status_code == 303
    assert _plates(me.client.get("/app/vehicles").text) == []


def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    me = world.resident(FIRST)
    refused = me.client.post("/app/vehicles", data={"province": "沪", "number": "A12345"})
    assert refused.status_code == 403
    assert _plates(me.client.get("/app/vehicles").text) == []
    with world.central.http() as stranger:  # and without a session, nothing at all
        assert stranger.get("/app/vehicles").status_code == 303
        assert stranger.post("/app/vehicles", data={"number": "A12345"}).status_code in (401, 403)

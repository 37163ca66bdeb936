"""A product's hours in words, the window filter's kinds, and the map's drawing: pure functions."""

from __future__ import annotations

import math

import pytest

from central.residents import WindowFilter, draw_map, window_kinds
from central.residents.find import district_of
from central.web.i18n import RESIDENT
from central.web.windows import departure_words, windows_in_words
from shared import TimeWindow
from tests.support.residents import NIGHTS, WEEKENDS, WEEKNIGHTS


def _windows(raw: list[dict[str, object]]) -> list[TimeWindow]:
    return [TimeWindow.model_validate(w) for w in raw]


def _words(raw: list[dict[str, object]], lang: str = "zh-CN") -> str:
    return windows_in_words(_windows(raw), lambda key, **p: RESIDENT.text(lang, key, **p))


def _leave(raw: list[dict[str, object]], lang: str = "zh-CN") -> str:
    return departure_words(_windows(raw), lambda key, **p: RESIDENT.text(lang, key, **p))


@pytest.mark.parametrize(("raw", "zh", "en"), [
    (NIGHTS, "工作日 19:00–次日07:30，休息日 全天至次日07:30",
     "Working days 19:00–07:30 next day; Rest days all day to 07:30 next day"),
    (WEEKNIGHTS, "工作日 19:00–次日07:30", "Working days 19:00–07:30 next day"),
    (WEEKENDS, "休息日 08:00–20:00", "Rest days 08:00–20:00"),
    ([{"day_type": "rest", "start": "00:00", "end": "00:00"}], "休息日 全天", "Rest days all day"),
    ([{"day_type": "working", "start": "12:00", "end": "13:30"},
      {"day_type": "working", "start": "19:00", "end": "23:00"}],
     "工作日 12:00–13:30、19:00–23:00", "Working days 12:00–13:30, 19:00–23:00"),
])
def test_windows_read_as_a_resident_says_them(raw: list[dict[str, object]], zh: str, en: str) -> None:
    assert _words(raw) == zh
    assert _words(raw, "en") == en


@pytest.mark.parametrize(("raw", "zh", "en"), [
    (NIGHTS, "次日07:30", "07:30 next day"),  # both day types leave at 07:30 the next morning: said once
    (WEEKENDS, "20:00", "20:00"),
    ([{"day_type": "rest", "start": "00:00", "end": "00:00"}], "", ""),  # all day: no time to leave by
    ([{"day_type": "working", "start": "19:00", "end": "23:00"},
      {"day_type": "rest", "start": "19:00", "end": "07:00"}], "23:00、次日07:00", "23:00, 07:00 next day"),
])
def test_departure_reads_when_cars_must_leave(raw: list[dict[str, object]], zh: str, en: str) -> None:
    assert _leave(raw) == zh
    assert _leave(raw, "en") == en


def test_the_window_filter_knows_nights_weekends_and_whole_days() -> None:
    assert window_kinds(_windows(NIGHTS)) == set(WindowFilter)
    assert window_kinds(_windows(WEEKNIGHTS)) == {WindowFilter.ANY, WindowFilter.NIGHTS}
    assert window_kinds(_windows(WEEKENDS)) == {WindowFilter.ANY, WindowFilter.WEEKENDS}
    lunch = [{"day_type": "working", "start": "12:00", "end": "13:30"}]
    assert window_kinds(_windows(lunch)) == {WindowFilter.ANY}


@pytest.mark.parametrize(("address", "district"), [
    ("上海市徐汇区南丹东路80号", "徐汇区"), ("浦东新区世纪大道100号", "浦东新区"), ("崇明县城桥镇", "崇明县"),
    ("南丹东路80号", None), ("", None),
])
def test_a_district_is_read_from_an_address(address: str, district: str | None) -> None:
    assert district_of(address) == district


def test_the_map_puts_the_resident_and_the_sites_where_they_are() -> None:
    you = (31.1950, 121.4380)
    sites = [(1, 31.1937, 121.4372), (2, 31.1790, 121.4390), (3, 31.2390, 121.4470)]
    drawn = draw_map(you, sites)
    assert drawn is not None and drawn.you is not None
    marks = {m.number: m for m in drawn.marks}
    assert all(0 <= m.x <= drawn.width and 0 <= m.y <= drawn.height for m in drawn.marks)
    assert marks[2].y > drawn.you.y > marks[3].y  # south is down, north up
    near = math.hypot(marks[1].x - drawn.you.x, marks[1].y - drawn.you.y)
    far = math.hypot(marks[3].x - drawn.you.x, marks[3].y - drawn.you.y)
    assert far > 20 * near  # 160 m against 5 km
    assert drawn.rings and drawn.rings[-1].metres >= 5000  # the largest ring reaches the farthest site
    assert 0 < drawn.scale_px < drawn.width / 2


def test_no_site_no_map_and_one_site_still_a_map() -> None:
    assert draw_map((31.2, 121.4), []) is None
    alone = draw_map(None, [(1, 31.2, 121.4)])
    assert alone is not None and alone.you is None and alone.rings == ()
    assert (alone.marks[0].x, alone.marks[0].y) == (alone.width / 2, alone.height / 2)

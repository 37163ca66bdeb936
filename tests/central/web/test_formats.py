"""Money from fen and times in the site's zone, as Chinese and English readers expect them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from central.web import local_date, local_datetime, local_time, money
from central.web.formats import utc_offset


@pytest.mark.parametrize(("fen", "shown"), [(30000, "¥300.00"), (0, "¥0.00"), (5, "¥0.05"),
                                            (123456789, "¥1,234,567.89"), (-500, "-¥5.00")])
def test_money_is_shown_in_yuan_from_integer_fen(fen: int, shown: str) -> None:
    assert money(fen) == shown


def test_a_utc_instant_is_shown_on_the_wall_clock_of_shanghai_across_midnight() -> None:
    late = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)  # 00:30 on Tuesday the 4th in Shanghai
    assert local_datetime(late, "Asia/Shanghai", "zh-CN") == "2025年3月4日 00:30"
    assert local_datetime(late, "Asia/Shanghai", "zh-CN", weekday=True) == "2025年3月4日 周二 00:30"
    assert local_datetime(late, "Asia/Shanghai", "en", weekday=True) == "Tue 4 Mar 2025, 00:30"
    assert local_datetime(late, "UTC", "en") == "3 Mar 2025, 16:30"
    assert local_time(late, "Asia/Shanghai") == "00:30"
    assert local_date(date(2025, 10, 1), "zh-CN", weekday=True) == "2025年10月1日 周三"


def test_a_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_datetime(datetime(2025, 3, 3, 12, 0), "Asia/Shanghai", "zh-CN")  # noqa: DTZ001


@pytest.mark.parametrize(("zone", "moment", "shown"), [
    ("Asia/Shanghai", datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "UTC+08:00"),
    ("Europe/London", datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "UTC+01:00"),  # summer time
    ("Europe/London", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "UTC+00:00"),
    ("America/St_Johns", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "UTC-03:30"),
])
def test_a_zone_is_shown_with_its_offset_at_that_moment(zone: str, moment: datetime, shown: str) -> None:
    assert utc_offset(zone, moment) == shown

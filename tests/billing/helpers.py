"""Shared builders for the billing tests: local Shanghai times, products, tariffs."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from central.billing import ContractHours, Tariff
from shared import DayType, TimeWindow
from tests.shared.factories import CALENDAR

SHANGHAI = ZoneInfo("Asia/Shanghai")

EVERY_NIGHT = (
    TimeWindow(day_type=DayType.WORKING, start=time(19), end=time(7, 30)),
    TimeWindow(day_type=DayType.REST, start=time(19), end=time(7, 30)),
)
# Working nights, and whole rest days chained to them: Friday 19:00 to Monday 07:30.
WEEKEND_CHAIN = (
    TimeWindow(day_type=DayType.WORKING, start=time(19), end=time(7, 30)),
    TimeWindow(day_type=DayType.REST, start=time(0), end=time(7, 30), end_day_offset=1),
)
REST_DAYTIME = (TimeWindow(day_type=DayType.REST, start=time(8), end=time(20)),)

HOURLY = Tariff(usage_rate_fen=500, usage_period_minutes=60, overstay_rate_fen=1000,
                overstay_period_minutes=30, grace_minutes=15)
CAPPED = Tariff(usage_rate_fen=500, usage_period_minutes=60, daily_cap_fen=3000,
                overstay_rate_fen=1000, overstay_period_minutes=30, grace_minutes=15)


def local(text: str) -> datetime:
    """'2025-09-30 20:00[:ss[.ffffff]]' in Shanghai, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def hours(windows: tuple[TimeWindow, ...] = EVERY_NIGHT, valid_from: date | None = None,
          valid_to: date | None = None) -> ContractHours:
    return ContractHours(windows, SHANGHAI, CALENDAR, valid_from, valid_to)

"""The charge of one stay: the cases the issue names, and the rounding rules of docs/billing.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central.billing import ContractHours, StayError, Tariff, TariffError, charge_stay
from shared import DayType, TimeWindow
from tests.billing.helpers import (
    CAPPED,
    EVERY_NIGHT,
    HOURLY,
    REST_DAYTIME,
    SHANGHAI,
    WEEKEND_CHAIN,
    hours,
    local,
)
from tests.shared.factories import CALENDAR


def test_window_crossing_midnight_is_one_billing_day_not_split_at_midnight() -> None:
    # 20:10 to 07:05 is 10h55: 11 started hours. Split at midnight it would be 4 + 8 = 12.
    charge = charge_stay(HOURLY, hours(), local("2025-09-16 20:10"), local("2025-09-17 07:05"),
                         deadline=local("2025-09-17 07:30"))
    assert [(d.day, d.seconds, d.periods) for d in charge.days] == [(date(2025, 9, 16), 39300, 11)]
    assert charge.total_fen == 11 * 500
    assert charge.overstay_fen == 0


def test_time_before_the_window_opens_is_not_usage() -> None:
    # A guard let the car in at 18:00; the window opens at 19:00.
    charge = charge_stay(HOURLY, hours(), local("2025-09-16 18:00"), local("2025-09-16 21:00"),
                         deadline=local("2025-09-17 07:30"))
    assert charge.usage_seconds == 2 * 3600
    assert charge.usage_fen == 1000


def test_stay_crossing_a_month_boundary_is_one_night_of_the_month_it_starts() -> None:
    charge = charge_stay(CAPPED, hours(), local("2026-10-31 20:00"), local("2026-11-01 07:00"),
                         deadline=local("2026-11-01 07:30"))
    assert [d.day for d in charge.days] == [date(2026, 10, 31)]
    assert charge.usage_periods == 11
    assert charge.usage_fen == 3000  # one daily cap, not two


@pytest.mark.parametrize(("exit_at", "overstay_seconds", "overstay_fen"), [
    ("2025-09-17 07:30:00", 0, 0),            # at the deadline
    ("2025-09-17 07:45:00", 0, 0),            # exactly at the end of grace
    ("2025-09-17 07:45:00.999", 0, 0),        # times are floored to the second
    ("2025-09-17 07:45:01", 15 * 60 + 1, 1000),  # past grace: counted from the deadline
    ("2025-09-17 08:00:00", 30 * 60, 1000),   # exactly one period
    ("2025-09-17 08:00:01", 30 * 60 + 1, 2000),  # a second into the second period
])
def test_exit_around_the_end_of_grace(exit_at: str, overstay_seconds: int, overstay_fen: int) -> None:
    charge = charge_stay(HOURLY, hours(), local("2025-09-16 19:00"), local(exit_at),
                         deadline=local("2025-09-17 07:30"))
    assert charge.overstay_seconds == overstay_seconds
    assert charge.overstay_fen == overstay_fen
    assert charge.usage_seconds == 12 * 3600 + 30 * 60  # usage stops at the deadline


def test_public_holiday_is_a_rest_day_and_the_make_up_sunday_a_working_day() -> None:
    daytime = hours(REST_DAYTIME)
    # 2025-10-01 (a Wednesday) is National Day: the rest-day window applies.
    holiday = charge_stay(HOURLY, daytime, local("2025-10-01 10:00"), local("2025-10-01 13:30"),
                          deadline=local("2025-10-01 20:00"))
    assert holiday.usage_periods == 4
    # 2025-09-28 (a Sunday) is a make-up working day: no rest-day window, nothing to charge.
    makeup = charge_stay(HOURLY, daytime, local("2025-09-28 10:00"), local("2025-09-28 13:30"),
                         deadline=None)
    assert makeup.days == ()
    assert makeup.total_fen == 0


def test_make_up_working_day_follows_the_working_windows() -> None:
    working_nights = hours((TimeWindow(day_type=DayType.WORKING, start=EVERY_NIGHT[0].start,
                                       end=EVERY_NIGHT[0].end),))
    charge = charge_stay(HOURLY, working_nights, local("2025-09-28 19:00"), local("2025-09-28 21:00"),
                         deadline=local("2025-09-29 07:30"))
    assert charge.usage_periods == 2
    holiday_night = charge_stay(HOURLY, working_nights, local("2025-10-01 19:00"),
                                local("2025-10-01 21:00"), deadline=None)
    assert holiday_night.usage_periods == 0


def test_daily_cap_applies_per_billing_day() -> None:
    # Friday 19:00 to Monday 07:30 chains; the car stays Friday 20:00 to Monday 07:00.
    charge = charge_stay(CAPPED, hours(WEEKEND_CHAIN), local("2025-09-19 20:00"),
                         local("2025-09-22 07:00"), deadline=local("2025-09-22 07:30"))
    days = {d.day: d for d in charge.days}
    # Friday's night holds Saturday 00:00-07:30, where Saturday's rest window overlaps it.
    assert days[date(2025, 9, 19)].seconds == int(timedelta(hours=11, minutes=30).total_seconds())
    assert days[date(2025, 9, 20)].seconds == 24 * 3600
    assert days[date(2025, 9, 21)].seconds == 23 * 3600 + 30 * 60
    assert all(d.capped and d.amount_fen == 3000 for d in charge.days)
    assert charge.usage_fen == 3 * 3000


def test_a_day_under_the_cap_is_not_capped() -> None:
    charge = charge_stay(CAPPED, hours(), local("2025-09-16 19:00"), local("2025-09-16 23:59"),
                         deadline=local("2025-09-17 07:30"))
    assert charge.usage_fen == 2500
    assert not charge.days[0].capped


def test_open_stay_accrues_overstay_until_now() -> None:
    deadline = local("2025-09-17 07:30")
    charge = charge_stay(HOURLY, hours(), local("2025-09-16 19:00"), local("2025-09-17 09:10"), deadline)
    assert charge.overstay_periods == 4  # 1h40 from the deadline: 4 started half hours
    assert charge.overstay_fen == 4000


def test_no_deadline_means_no_overstay() -> None:
    charge = charge_stay(HOURLY, hours(), local("2025-09-16 19:00"), local("2025-09-17 12:00"), None)
    assert charge.overstay_fen == 0
    assert charge.usage_seconds == 12 * 3600 + 30 * 60


def test_windows_outside_the_contracts_valid_days_are_not_usage() -> None:
    charge = charge_stay(HOURLY, hours(valid_to=date(2025, 9, 16)), local("2025-09-16 19:00"),
                         local("2025-09-17 21:00"), None)
    assert [d.day for d in charge.days] == [date(2025, 9, 16)]


def test_exit_before_entry_is_refused() -> None:
    with pytest.raises(StayError, match="before its entry"):
        charge_stay(HOURLY, hours(), local("2025-09-16 20:00"), local("2025-09-16 19:00"), None)


@pytest.mark.parametrize(("field", "value"), [
    ("usage_rate_fen", 5.5), ("usage_rate_fen", -1), ("usage_period_minutes", 0),
    ("daily_cap_fen", True), ("grace_minutes", 24 * 60 + 1),
])
def test_bad_tariff_names_the_field(field: str, value: object) -> None:
    with pytest.raises(TariffError, match=field):
        Tariff(**{field: value})  # type: ignore[arg-type]


@given(
    enter=st.integers(0, 3 * 24 * 3600), length=st.integers(0, 3 * 24 * 3600),
    more=st.integers(0, 6 * 3600), deadline=st.integers(0, 4 * 24 * 3600),
)
def test_a_later_exit_never_costs_less(enter: int, length: int, more: int, deadline: int) -> None:
    start = local("2025-09-26 00:00")  # spans the make-up Sunday and National Day
    chained = ContractHours(WEEKEND_CHAIN, SHANGHAI, CALENDAR)
    entered = start + timedelta(seconds=enter)
    due = start + timedelta(seconds=deadline)
    first = charge_stay(CAPPED, chained, entered, entered + timedelta(seconds=length), due)
    later = charge_stay(CAPPED, chained, entered, entered + timedelta(seconds=length + more), due)
    assert later.total_fen >= first.total_fen
    assert first.usage_seconds <= length

"""Contracts and bundles as the tests need them, built with the real models."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared import (
    BlacklistEntry,
    Contract,
    ContractBundle,
    ContractStatus,
    DayType,
    OfficialCalendar,
    OwnVehicle,
    SiteInfo,
    TimeWindow,
    schedule_from_holidays,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The official schedules the tests' dates fall in (2027 is left unpublished on purpose).
CALENDAR = OfficialCalendar(years=tuple(schedule_from_holidays(y) for y in (2024, 2025, 2026)))

# Weekdays 19:00 to 07:30 the next morning; rest days all day until 07:30 the next morning.
OFFPEAK = (
    TimeWindow(day_type=DayType.WORKING, start=time(19, 0), end=time(7, 30)),
    TimeWindow(day_type=DayType.REST, start=time(0, 0), end=time(7, 30), end_day_offset=1),
)


def local(text: str) -> datetime:
    """'2025-10-01 20:00' in Shanghai, as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def contract(
    plates: tuple[str, ...] = ("沪A12345",),
    contract_id: str = "c1",
    site_id: str = "s1",
    status: ContractStatus = ContractStatus.ACTIVE,
    valid_from: date = date(2025, 1, 1),
    valid_to: date = date(2026, 12, 31),
    windows: tuple[TimeWindow, ...] = OFFPEAK,
    min_stay_minutes: int = 60,
) -> Contract:
    return Contract(
        contract_id=contract_id, holder_ref="r1", plates=plates, site_id=site_id,
        product_id="night", windows=windows, min_stay_minutes=min_stay_minutes,
        grace_minutes=15, valid_from=valid_from, valid_to=valid_to, status=status,
    )


def site(site_id: str = "s1", capacity: int = 10, reserved: int = 0) -> SiteInfo:
    return SiteInfo(site_id=site_id, name="Test site", shared_capacity=capacity, reserved_spaces=reserved)


def bundle(contracts: tuple[Contract, ...], sequence: int = 1, key_id: str = "k1",
           issued_at: datetime | None = None, ttl: timedelta = timedelta(days=7),
           capacity: int = 10, reserved: int = 0, own_vehicles: tuple[OwnVehicle, ...] = (),
           blacklist: tuple[BlacklistEntry, ...] = (),
           calendar: OfficialCalendar = CALENDAR) -> ContractBundle:
    issued = issued_at or datetime(2025, 9, 1, tzinfo=UTC)
    return ContractBundle(site=site(capacity=capacity, reserved=reserved), sequence=sequence,
                          issued_at=issued, expires_at=issued + ttl, key_id=key_id, contracts=contracts,
                          own_vehicles=own_vehicles, blacklist=blacklist, calendar=calendar)

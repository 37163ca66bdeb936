"""A resident's parking now: each contract's current or next window, the car inside or not, and
this month's stays with what they cost so far.

Charges come from billing's own rules (``central.billing.tariff``): the stays this month's
statement will hold (those that left this month, site-local) and the cars still inside, charged
up to now, so a car past its deadline and grace shows its overstay growing. Stays that left
just before the month and share its first night count towards that night's rounding and cap,
as the bill run counts them. Adjustments and refunds appear on the statement only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central import db
from central.billing.month import Month
from central.billing.statement import monthly_fee_line
from central.billing.stays import SHARED_NIGHT_S
from central.billing.tariff import Charge, ContractHours, Tariff, charge_in_order
from central.calendar import load_calendar
from central.core.security import Principal
from central.db import StayStatus
from central.overstay import seconds_of
from central.residents.caller import resident_of
from shared import ContractStatus, Coverage, OfficialCalendar, TimeWindow, coverage_at

LOOK_AHEAD_DAYS = 14  # a contract with no window in two weeks shows none


@dataclass(frozen=True, slots=True)
class StayCharge:
    stay_id: int
    plate: str
    entered_at: datetime
    exited_at: datetime | None  # None: the car is inside
    deadline: datetime | None
    charge: Charge

    @property
    def inside(self) -> bool:
        return self.exited_at is None

    @property
    def overstaying(self) -> bool:
        return self.inside and self.charge.overstay_seconds > 0


@dataclass(frozen=True, slots=True)
class ParkingContract:
    contract: db.Contract
    site: db.Site
    product: db.Product
    windows: tuple[TimeWindow, ...]  # the product's
    status: ContractStatus
    as_of: datetime  # when the figures were made (the charges of cars inside run to here)
    window: Coverage | None  # the chain of windows now or next: its end is the departure deadline
    month: Month
    fee_fen: int  # this month's fee, pro rata for the days the contract applies
    stays: tuple[StayCharge, ...]  # this month's and the open ones, newest first

    @property
    def inside(self) -> tuple[StayCharge, ...]:
        return tuple(s for s in self.stays if s.inside)

    @property
    def usage_fen(self) -> int:
        return sum(s.charge.usage_fen for s in self.stays)

    @property
    def overstay_fen(self) -> int:
        return sum(s.charge.overstay_fen for s in self.stays)

    @property
    def total_fen(self) -> int:
        return self.fee_fen + self.usage_fen + self.overstay_fen

    @property
    def window_open(self) -> bool:
        """The window is open now: a car may be inside until its end (the departure deadline)."""
        return self.window is not None and self.window.start <= self.as_of


def my_parking(session: Session, principal: Principal, now: datetime) -> list[ParkingContract]:
    """The caller's contracts that still apply (or have a car inside), oldest first."""
    contracts = session.scalars(select(db.Contract).where(db.Contract.resident_id == resident_of(principal))
                                .order_by(db.Contract.valid_from, db.Contract.id)).all()
    year = now.year
    calendar = load_calendar(session, year - 1, year + 1)
    views = []
    for contract in contracts:
        site = session.get_one(db.Site, contract.site_id)
        stays = _stays(session, contract, site, now)
        if _still_shown(contract, site, now) or any(s.exited_at is None for s in stays):
            views.append(_view(session, contract, site, stays, calendar, now))
    return views


def _still_shown(contract: db.Contract, site: db.Site, now: datetime) -> bool:
    today = now.astimezone(ZoneInfo(site.timezone)).date()
    return contract.status != ContractStatus.CANCELLED.value and contract.last_day >= today


def _stays(session: Session, contract: db.Contract, site: db.Site, now: datetime) -> list[db.Stay]:
    """The month's stays, the open ones, and those that left just before the month (its first night)."""
    start, _ = Month.of(now, ZoneInfo(site.timezone)).bounds(ZoneInfo(site.timezone))
    since = start - timedelta(seconds=SHARED_NIGHT_S)
    query = (select(db.Stay).where(db.Stay.contract_id == contract.id, db.Stay.entered_at.is_not(None),
                                   or_(db.Stay.status == StayStatus.OPEN,
                                       (db.Stay.status == StayStatus.CLOSED) & (db.Stay.exited_at >= since)))
             .order_by(db.Stay.entered_at, db.Stay.id))
    return list(session.scalars(query))


def _view(session: Session, contract: db.Contract, site: db.Site, stays: list[db.Stay],
          calendar: OfficialCalendar, now: datetime) -> ParkingContract:
    tz = ZoneInfo(site.timezone)
    product = session.get_one(db.Product, contract.product_id)
    windows = tuple(TimeWindow.model_validate(w) for w in product.windows)
    hours = ContractHours(windows, tz, calendar, contract.valid_from, contract.last_day)
    tariff = Tariff(**{name: getattr(contract, name) for name in db.TARIFF_COLUMNS})
    month = Month.of(now, tz)
    fee = monthly_fee_line(month, tariff, hours)
    status = ContractStatus(contract.status)
    window = None if status is ContractStatus.CANCELLED else next_window(hours, now)
    return ParkingContract(contract, site, product, windows, status, now, window, month,
                           fee.amount_fen if fee else 0, _charged(stays, tariff, hours, month, now))


def _charged(stays: list[db.Stay], tariff: Tariff, hours: ContractHours, month: Month,
             now: datetime) -> tuple[StayCharge, ...]:
    """Each stay's charge, the nights rounded and capped over all of them (billing's rule)."""
    start = seconds_of(month.bounds(hours.tz)[0])
    at_now = seconds_of(now)
    records = [(s, seconds_of(s.entered_at or now), _until(s, at_now)) for s in stays]
    deadlines = [None if s.deadline is None else seconds_of(s.deadline) for s in stays]
    charges = charge_in_order(tariff, hours, [(entered, until, deadline) for (_, entered, until), deadline
                                              in zip(records, deadlines, strict=True)])
    shown = [StayCharge(s.id, s.plate, s.entered_at or now, s.exited_at, s.deadline, charge)
             for (s, _, until), charge in zip(records, charges, strict=True)
             if s.exited_at is None or until >= start]
    return tuple(reversed(shown))


def _until(stay: db.Stay, at_now: int) -> int:
    entered = seconds_of(stay.entered_at) if stay.entered_at else at_now
    return max(entered, at_now) if stay.exited_at is None else seconds_of(stay.exited_at)


def next_window(hours: ContractHours, now: datetime) -> Coverage | None:
    """The chain of the contract's windows covering ``now``, else the next one to open."""
    current = coverage_at(hours.windows, now, hours.tz, hours.calendar, hours.valid_from, hours.valid_to)
    if current is not None:
        return current
    today = now.astimezone(hours.tz).date()
    at_now = seconds_of(now)
    for _, start, _ in hours.occurrences(today, today + timedelta(days=LOOK_AHEAD_DAYS)):
        if start > at_now:
            return coverage_at(hours.windows, datetime.fromtimestamp(start, UTC), hours.tz, hours.calendar,
                               hours.valid_from, hours.valid_to)
    return None

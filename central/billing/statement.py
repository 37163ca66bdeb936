"""A contract's monthly statement, built from its stays. Pure: no I/O, no clock.

A stay is charged on the statement of the site-local month in which it closes
(its exit), whole: a night from 31 October to 1 November is on November's.
A statement, once issued, is never rewritten. A stay that reaches the service
after its month was issued, or whose charge changed since (a corrected exit),
becomes an adjustment line on the next statement built: its full charge when
it was never billed, the difference when it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from central.billing.month import Month
from central.billing.tariff import Charge, ContractHours, Tariff, charge_seconds
from central.overstay import seconds_of


@dataclass(frozen=True, slots=True)
class StayRecord:
    """A stay as billing sees it, times in POSIX seconds; ``exited`` is None while the car is inside."""

    stay_id: int
    plate: str
    entered: int
    exited: int | None
    deadline: int | None

    @classmethod
    def at(cls, stay_id: int, plate: str, entered_at: datetime, exited_at: datetime | None,
           deadline: datetime | None) -> StayRecord:
        """From aware datetimes (floored to the second)."""
        return cls(stay_id, plate, seconds_of(entered_at, "entered_at"),
                   None if exited_at is None else seconds_of(exited_at, "exited_at"),
                   None if deadline is None else seconds_of(deadline, "deadline"))


class LineKind(StrEnum):
    MONTHLY_FEE = "monthly_fee"
    STAY = "stay"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class StatementLine:
    kind: LineKind
    amount_fen: int
    stay_id: int | None = None
    plate: str | None = None
    entered: int | None = None  # POSIX seconds
    exited: int | None = None
    deadline: int | None = None
    usage_periods: int = 0
    usage_fen: int = 0
    overstay_periods: int = 0
    overstay_fen: int = 0
    note: str = ""

    @property
    def duration_seconds(self) -> int:
        return 0 if self.entered is None or self.exited is None else self.exited - self.entered

    @property
    def entered_at(self) -> datetime | None:
        return None if self.entered is None else datetime.fromtimestamp(self.entered, UTC)

    @property
    def exited_at(self) -> datetime | None:
        return None if self.exited is None else datetime.fromtimestamp(self.exited, UTC)


@dataclass(frozen=True, slots=True)
class Statement:
    contract_id: str
    month: Month
    lines: tuple[StatementLine, ...]

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def overstay_fen(self) -> int:
        return sum(line.overstay_fen for line in self.lines if line.kind is LineKind.STAY)

    @property
    def adjustments_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines if line.kind is LineKind.ADJUSTMENT)

    def stay_lines(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.kind is LineKind.STAY)


def build_statement(
    contract_id: str,
    month: Month,
    tariff: Tariff,
    hours: ContractHours,
    stays: Iterable[StayRecord],
    billed: Mapping[int, int] | None = None,
) -> Statement:
    """The statement of ``month``.

    ``stays`` may hold any of the contract's stays: open stays and stays closing
    after ``month`` are left for later. ``billed`` maps a stay id to what earlier
    statements charged for it in all (its line plus any adjustments).
    """
    billed = billed or {}
    fee = monthly_fee_line(month, tariff, hours)
    lines = [fee] if fee else []
    adjustments: list[StatementLine] = []
    start, end = (seconds_of(bound) for bound in month.bounds(hours.tz))
    for stay in sorted(stays, key=lambda s: (s.entered, s.stay_id)):
        if stay.exited is None or stay.exited >= end:
            continue
        line = _stay_line(tariff, hours, stay, billed.get(stay.stay_id), stay.exited >= start)
        if line is None:
            continue
        (lines if line.kind is LineKind.STAY else adjustments).append(line)
    return Statement(contract_id, month, tuple(lines + adjustments))


def monthly_fee_line(month: Month, tariff: Tariff, hours: ContractHours) -> StatementLine | None:
    """The base fee, pro rata for the days of ``month`` the contract is valid, rounded down."""
    first = max(month.first_day, hours.valid_from or month.first_day)
    last = min(month.last_day, hours.valid_to or month.last_day)
    valid_days = max(0, (last - first).days + 1)
    if tariff.monthly_fee_fen == 0 or valid_days == 0:
        return None
    amount = tariff.monthly_fee_fen * valid_days // month.days
    note = "" if valid_days == month.days else f"{valid_days} of {month.days} days"
    return StatementLine(LineKind.MONTHLY_FEE, amount, note=note)


def _stay_line(
    tariff: Tariff, hours: ContractHours, stay: StayRecord, billed: int | None, in_month: bool,
) -> StatementLine | None:
    assert stay.exited is not None
    charge = charge_seconds(tariff, hours, stay.entered, stay.exited, stay.deadline)
    if billed is not None:
        if charge.total_fen == billed:
            return None
        return _line(LineKind.ADJUSTMENT, stay, charge, charge.total_fen - billed,
                     f"recharged: {billed} fen on an earlier statement, now {charge.total_fen} fen")
    if in_month:
        return _line(LineKind.STAY, stay, charge, charge.total_fen, "")
    closed_in = Month.of(datetime.fromtimestamp(stay.exited, UTC), hours.tz)
    return _line(LineKind.ADJUSTMENT, stay, charge, charge.total_fen,
                 f"late: closed in {closed_in}, after that statement was issued")


def _line(kind: LineKind, stay: StayRecord, charge: Charge, amount: int, note: str) -> StatementLine:
    return StatementLine(
        kind, amount, stay.stay_id, stay.plate, stay.entered, stay.exited, stay.deadline,
        charge.usage_periods, charge.usage_fen, charge.overstay_periods, charge.overstay_fen, note,
    )

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
from datetime import datetime
from enum import StrEnum

from central.billing.month import Month
from central.billing.tariff import Charge, ContractHours, Tariff, charge_stay


@dataclass(frozen=True, slots=True)
class StayRecord:
    """A stay as billing sees it; ``exited_at`` is None while the car is inside."""

    stay_id: str
    plate: str
    entered_at: datetime
    exited_at: datetime | None
    deadline: datetime | None


class LineKind(StrEnum):
    MONTHLY_FEE = "monthly_fee"
    STAY = "stay"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class StatementLine:
    kind: LineKind
    amount_fen: int
    stay_id: str | None = None
    plate: str | None = None
    entered_at: datetime | None = None
    exited_at: datetime | None = None
    duration_seconds: int = 0
    usage_periods: int = 0
    usage_fen: int = 0
    overstay_periods: int = 0
    overstay_fen: int = 0
    note: str = ""


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
    billed: Mapping[str, int] | None = None,
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
    for stay in sorted(stays, key=lambda s: (s.entered_at, s.stay_id)):
        if stay.exited_at is None or Month.of(stay.exited_at, hours.tz) > month:
            continue
        line = _stay_line(month, tariff, hours, stay, billed.get(stay.stay_id))
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
    month: Month, tariff: Tariff, hours: ContractHours, stay: StayRecord, billed: int | None,
) -> StatementLine | None:
    assert stay.exited_at is not None
    charge = charge_stay(tariff, hours, stay.entered_at, stay.exited_at, stay.deadline)
    closed_in = Month.of(stay.exited_at, hours.tz)
    if billed is not None:
        if charge.total_fen == billed:
            return None
        return _line(LineKind.ADJUSTMENT, stay, charge, charge.total_fen - billed,
                     f"recharged: {billed} fen on an earlier statement, now {charge.total_fen} fen")
    if closed_in == month:
        return _line(LineKind.STAY, stay, charge, charge.total_fen, "")
    return _line(LineKind.ADJUSTMENT, stay, charge, charge.total_fen,
                 f"late: closed in {closed_in}, after that statement was issued")


def _line(kind: LineKind, stay: StayRecord, charge: Charge, amount: int, note: str) -> StatementLine:
    assert stay.exited_at is not None
    return StatementLine(
        kind=kind, amount_fen=amount, stay_id=stay.stay_id, plate=stay.plate,
        entered_at=stay.entered_at, exited_at=stay.exited_at,
        duration_seconds=int((stay.exited_at - stay.entered_at).total_seconds()),
        usage_periods=charge.usage_periods, usage_fen=charge.usage_fen,
        overstay_periods=charge.overstay_periods, overstay_fen=charge.overstay_fen, note=note,
    )

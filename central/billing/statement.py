"""A contract's monthly statement, built from its stays. Pure: no I/O, no clock.

A stay is charged on the statement of the site-local month in which it closes
(its exit), whole: a night from 31 October to 1 November is on November's.
A billing day is rounded and capped once over all the contract's stays of that
day (``tariff.charge_in_order``), also when they fall on two statements: the
stays billed earlier that share a day with the ones charged now come in as
``earlier``, so the later stay pays only what the day still owes.
A statement, once issued, is never rewritten. A stay that reaches the service
after its month was issued, or whose charge changed since (a corrected exit),
becomes an adjustment line on the next statement built: its full charge when
it was never billed, the difference when it was. The monthly fee is pro rata for
the days the contract applies (to its cancellation's day at most); a fee billed
for days after a cancellation comes back as a refund line (``refund_line``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from central.billing.month import Month
from central.billing.tariff import Charge, ContractHours, Tariff, charge_in_order
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
    REFUND = "refund"  # the fee already billed for whole days after a cancellation, given back


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
        """Adjustments and refunds: everything that corrects an earlier statement."""
        corrections = (LineKind.ADJUSTMENT, LineKind.REFUND)
        return sum(line.amount_fen for line in self.lines if line.kind in corrections)

    def stay_lines(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.kind is LineKind.STAY)


def build_statement(
    contract_id: str,
    month: Month,
    tariff: Tariff,
    hours: ContractHours,
    stays: Iterable[StayRecord],
    billed: Mapping[int, int] | None = None,
    earlier: Iterable[StayRecord] = (),
    refund: StatementLine | None = None,
) -> Statement:
    """The statement of ``month``.

    ``stays`` may hold any of the contract's stays to charge: open stays and stays closing
    after ``month`` are left for later. ``billed`` maps a stay id to what earlier statements
    charged for it in all (its line plus any adjustments). ``earlier`` are stays billed before
    and unchanged that may share a billing day with ``stays``: they count towards the day's
    rounding and cap, and get an adjustment only if their own share changed.
    """
    billed = billed or {}
    fee = monthly_fee_line(month, tariff, hours)
    lines = [fee] if fee else []
    adjustments: list[StatementLine] = []
    start, end = (seconds_of(bound) for bound in month.bounds(hours.tz))
    charging = {s.stay_id: s for s in stays if s.exited is not None and s.exited < end}
    context = [s for s in earlier if s.stay_id not in charging and s.exited is not None]
    ordered = sorted([*charging.values(), *context], key=lambda s: (s.entered, s.stay_id))
    charges = charge_in_order(tariff, hours, [(s.entered, s.exited or 0, s.deadline) for s in ordered])
    for stay, charge in zip(ordered, charges, strict=True):
        assert stay.exited is not None
        line = _stay_line(stay, charge, billed.get(stay.stay_id), stay.exited >= start, hours)
        if line is not None:
            (lines if line.kind is LineKind.STAY else adjustments).append(line)
    if refund is not None:
        adjustments.append(refund)
    return Statement(contract_id, month, tuple(lines + adjustments))


def monthly_fee_line(month: Month, tariff: Tariff, hours: ContractHours) -> StatementLine | None:
    """The base fee, pro rata for the days of ``month`` the contract applies, rounded down."""
    valid_days = _valid_days(month, hours)
    if tariff.monthly_fee_fen == 0 or valid_days == 0:
        return None
    amount = tariff.monthly_fee_fen * valid_days // month.days
    note = "" if valid_days == month.days else f"{valid_days} of {month.days} days"
    return StatementLine(LineKind.MONTHLY_FEE, amount, note=note)


def _valid_days(month: Month, hours: ContractHours) -> int:
    first = max(month.first_day, hours.valid_from or month.first_day)
    last = min(month.last_day, hours.valid_to or month.last_day)
    return max(0, (last - first).days + 1)


def refund_line(tariff: Tariff, hours: ContractHours, fee_billed: Mapping[Month, int],
                cancelled_on: date) -> StatementLine | None:
    """The fee billed for months already issued beyond what their days owe now that the contract
    ends on ``cancelled_on`` (``hours.valid_to``), as one negative line; None when nothing is owed.

    ``fee_billed`` maps each issued statement's month to its fee and refund lines together, so a
    refund is given once. Never a positive line: a cancellation only gives back.
    """
    owed = sum(0 if (fee := monthly_fee_line(month, tariff, hours)) is None else fee.amount_fen
               for month in fee_billed)
    back = min(0, owed - sum(fee_billed.values()))
    if back == 0:
        return None
    return StatementLine(LineKind.REFUND, back, note=f"fee for the whole days after the cancellation on "
                                                     f"{cancelled_on.isoformat()} given back")


def _stay_line(stay: StayRecord, charge: Charge, billed: int | None, in_month: bool,
               hours: ContractHours) -> StatementLine | None:
    assert stay.exited is not None
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

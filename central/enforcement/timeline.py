"""What departure enforcement must do now. Pure: the clock is an argument.

Given the stays being watched, what was already done (action keys), the
violations on record and the contracts' standing, ``due_actions`` answers the
reminders, overstay violations and suspensions due at ``now``. Every action
has a stable key; the caller records the keys it acted on, so asking again at
the same ``now`` gives nothing new.

- Reminders at each of ``Policy.reminders_minutes`` before the deadline, for a
  car still inside. Only the most urgent passed reminder is sent: a scheduler
  that wakes 8 minutes before the deadline sends the 10-minute one, not both.
- An overstay violation once a car is inside past deadline + grace, or left
  after it: a late exit that the scheduler never saw is still a violation,
  dated deadline + grace. The instant is billing's, from ``central.overstay``:
  a car the fee does not charge is never a violation, and the other way round.
- A suspension when an active contract has ``violations_to_suspend``
  violations within ``window_days``, counting only those after its last
  reinstatement, so an operator's reinstatement is not undone on the next tick.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from central.overstay import overstay_seconds, overstay_start_time, seconds_of
from shared import ContractStatus


@dataclass(frozen=True, slots=True)
class Policy:
    reminders_minutes: tuple[int, ...] = (30, 10)
    violations_to_suspend: int = 3
    window_days: int = 30


@dataclass(frozen=True, slots=True)
class WatchedStay:
    """A car inside, or one that left recently; ``deadline`` None means nothing to enforce."""

    stay_id: str
    site_id: str
    plate: str
    contract_id: str | None
    entered_at: datetime
    deadline: datetime | None
    grace_minutes: int
    exited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """A contract's status as enforcement needs it."""

    contract_id: str
    status: ContractStatus
    counted_since: datetime | None = None  # violations before this do not count (last suspension)


@dataclass(frozen=True, slots=True)
class ViolationRecord:
    contract_id: str | None
    site_id: str
    stay_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    stay: WatchedStay
    minutes_before: int
    at: datetime

    @property
    def key(self) -> str:
        return f"reminder:{self.stay.stay_id}:{self.minutes_before}"


@dataclass(frozen=True, slots=True)
class Overstay:
    stay: WatchedStay
    at: datetime  # deadline + grace: when the violation happened

    @property
    def key(self) -> str:
        return f"overstay:{self.stay.stay_id}"

    def record(self) -> ViolationRecord:
        return ViolationRecord(self.stay.contract_id, self.stay.site_id, self.stay.stay_id, self.at)


@dataclass(frozen=True, slots=True)
class Suspension:
    contract_id: str
    site_id: str
    violations: int
    last_stay_id: str  # the violation that tipped it over
    at: datetime

    @property
    def key(self) -> str:
        return f"suspension:{self.contract_id}:{self.last_stay_id}"


Action = Reminder | Overstay | Suspension


def due_actions(
    stays: Iterable[WatchedStay],
    done: set[str] | frozenset[str],
    violations: Sequence[ViolationRecord],
    standings: Mapping[str, Standing],
    now: datetime,
    policy: Policy = Policy(),
) -> list[Action]:
    """The actions due at ``now`` that are not in ``done``, reminders first."""
    actions: list[Action] = []
    overstays: list[Overstay] = []
    for stay in sorted(stays, key=lambda s: (s.deadline or now, s.stay_id)):
        reminder = _reminder_due(stay, now, policy)
        if reminder is not None and reminder.key not in done:
            actions.append(reminder)
        overstay = _overstay_due(stay, now)
        if overstay is not None and overstay.key not in done:
            overstays.append(overstay)
    actions.extend(overstays)
    recorded = list(violations) + [o.record() for o in overstays]
    for suspension in _suspensions_due(recorded, standings, now, policy):
        if suspension.key not in done:
            actions.append(suspension)
    return actions


def _reminder_due(stay: WatchedStay, now: datetime, policy: Policy) -> Reminder | None:
    if stay.deadline is None or stay.exited_at is not None or now >= stay.deadline:
        return None
    passed = [m for m in policy.reminders_minutes if now >= stay.deadline - timedelta(minutes=m)]
    if not passed:
        return None
    minutes = min(passed)
    return Reminder(stay, minutes, stay.deadline - timedelta(minutes=minutes))


def _overstay_due(stay: WatchedStay, now: datetime) -> Overstay | None:
    if stay.deadline is None:
        return None
    last_seen = now if stay.exited_at is None else min(stay.exited_at, now)
    deadline = seconds_of(stay.deadline, "deadline")
    if overstay_seconds(deadline, stay.grace_minutes, seconds_of(last_seen, "last_seen")) == 0:
        return None
    return Overstay(stay, overstay_start_time(stay.deadline, stay.grace_minutes))


def _suspensions_due(
    recorded: Sequence[ViolationRecord], standings: Mapping[str, Standing],
    now: datetime, policy: Policy,
) -> list[Suspension]:
    since = now - timedelta(days=policy.window_days)
    counted: dict[str, list[ViolationRecord]] = {}
    for record in recorded:
        standing = standings.get(record.contract_id or "")
        if standing is None or standing.status is not ContractStatus.ACTIVE:
            continue
        floor = max(since, standing.counted_since or since)
        if floor < record.at <= now:
            counted.setdefault(standing.contract_id, []).append(record)
    due = []
    for contract_id, records in sorted(counted.items()):
        if len(records) >= policy.violations_to_suspend:
            last = max(records, key=lambda r: (r.at, r.stay_id))
            due.append(Suspension(contract_id, last.site_id, len(records), last.stay_id, now))
    return due

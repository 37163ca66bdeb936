"""The enforcement timeline with a clock that is only an argument: nothing here sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta

from central.enforcement import (
    Action,
    Overstay,
    Policy,
    Reminder,
    Standing,
    Suspension,
    ViolationRecord,
    WatchedStay,
    due_actions,
)
from shared import ContractStatus
from tests.billing.helpers import local

DEADLINE = local("2026-11-03 07:30")
POLICY = Policy(reminders_minutes=(30, 10), violations_to_suspend=3, window_days=30)
ACTIVE = {"c1": Standing("c1", ContractStatus.ACTIVE)}


def car(stay_id: str = "s1", deadline: datetime = DEADLINE, exited_at: datetime | None = None) -> WatchedStay:
    return WatchedStay(stay_id, "campus-a", "沪A12345", "c1", deadline - timedelta(hours=10),
                       deadline, grace_minutes=15, exited_at=exited_at)


class Clock:
    """The scheduler's view: it remembers what it did, and the time moves only when told."""

    def __init__(self, now: datetime, standings: dict[str, Standing] | None = None) -> None:
        self.now = now
        self.done: set[str] = set()
        self.violations: list[ViolationRecord] = []
        self.standings = dict(standings or ACTIVE)

    def tick(self, stays: list[WatchedStay], minutes: float = 0) -> list[Action]:
        self.now += timedelta(minutes=minutes)
        actions = due_actions(stays, self.done, self.violations, self.standings, self.now, POLICY)
        for action in actions:
            self.done.add(action.key)
            if isinstance(action, Overstay):
                self.violations.append(action.record())
            if isinstance(action, Suspension):
                self.standings[action.contract_id] = Standing(action.contract_id, ContractStatus.SUSPENDED)
        return actions


def test_reminders_at_30_and_10_minutes_each_once() -> None:
    clock = Clock(DEADLINE - timedelta(minutes=31))
    stays = [car()]
    assert clock.tick(stays) == []
    (first,) = clock.tick(stays, minutes=1)
    assert isinstance(first, Reminder) and first.minutes_before == 30
    assert clock.tick(stays) == []  # same now: nothing new
    assert clock.tick(stays, minutes=5) == []
    (second,) = clock.tick(stays, minutes=15)
    assert isinstance(second, Reminder) and second.minutes_before == 10
    assert clock.tick(stays, minutes=9) == []


def test_a_late_scheduler_sends_only_the_most_urgent_reminder() -> None:
    (only,) = Clock(DEADLINE - timedelta(minutes=8)).tick([car()])
    assert isinstance(only, Reminder) and only.minutes_before == 10


def test_no_reminder_after_the_car_left() -> None:
    assert Clock(DEADLINE - timedelta(minutes=20)).tick([car(exited_at=DEADLINE - timedelta(hours=1))]) == []


def test_violation_after_deadline_plus_grace_not_at_it() -> None:
    clock = Clock(DEADLINE + timedelta(minutes=15))
    assert clock.tick([car()]) == []  # exactly the end of grace
    (violation,) = clock.tick([car()], minutes=1 / 60)
    assert isinstance(violation, Overstay)
    assert violation.at == DEADLINE + timedelta(minutes=15)
    assert clock.tick([car()], minutes=60) == []


def test_late_exit_the_scheduler_missed_is_still_a_violation() -> None:
    left_late = car(exited_at=DEADLINE + timedelta(minutes=40))
    left_on_time = car("s2", exited_at=DEADLINE + timedelta(minutes=15))
    actions = Clock(DEADLINE + timedelta(hours=2)).tick([left_late, left_on_time])
    assert [a.key for a in actions] == ["overstay:s1"]


def nights(first: int, count: int) -> list[WatchedStay]:
    return [car(f"n{first + i}", DEADLINE + timedelta(days=first + i)) for i in range(count)]


def test_suspension_after_three_violations_in_thirty_days_then_reinstatement() -> None:
    clock = Clock(DEADLINE + timedelta(minutes=16))
    for night in nights(0, 3)[:2]:
        clock.now = night.deadline + timedelta(minutes=16)  # type: ignore[operator]
        assert [type(a) for a in clock.tick([night])] == [Overstay]
    third = nights(2, 1)
    clock.now = DEADLINE + timedelta(days=2, minutes=16)
    actions = clock.tick(third)
    assert [type(a) for a in actions] == [Overstay, Suspension]
    suspension = actions[1]
    assert isinstance(suspension, Suspension)
    assert (suspension.contract_id, suspension.violations, suspension.site_id) == ("c1", 3, "campus-a")
    assert clock.tick(third, minutes=5) == []  # suspended once

    # The operator reinstates: the three old violations no longer count.
    clock.standings["c1"] = Standing("c1", ContractStatus.ACTIVE, counted_since=clock.now)
    assert clock.tick(third, minutes=5) == []
    for night in nights(3, 3):
        clock.now = night.deadline + timedelta(minutes=16)  # type: ignore[operator]
        actions = clock.tick([night])
    assert [type(a) for a in actions] == [Overstay, Suspension]


def test_violations_spread_over_more_than_the_window_do_not_suspend() -> None:
    clock = Clock(DEADLINE)
    for night in nights(0, 1) + nights(20, 1) + nights(40, 1):
        clock.now = night.deadline + timedelta(minutes=16)  # type: ignore[operator]
        assert all(isinstance(a, Overstay) for a in clock.tick([night]))
    assert clock.standings["c1"].status is ContractStatus.ACTIVE


def test_overstay_without_a_contract_alerts_but_counts_for_nobody() -> None:
    visitor = WatchedStay("v1", "campus-a", "沪B00001", None, DEADLINE - timedelta(hours=2), DEADLINE, 0)
    actions = Clock(DEADLINE + timedelta(minutes=1)).tick([visitor])
    assert [a.key for a in actions] == ["overstay:v1"]

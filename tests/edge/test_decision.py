"""The gate decision table: who opens the barrier, who waits for a guard, who is turned away."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from edge.decision import Candidate, Inside, Read, SiteIndex, SiteState, decide
from edge.reader import Verdict
from shared import MAX_NEAR_MISSES, ContractStatus, Direction, Outcome, Reason
from tests.shared.factories import bundle, contract, local

EVENING = local("2025-11-24 20:00")  # a Monday evening, inside the window
PLATE = "沪A12345"


def _index(*contracts, capacity: int = 10, issued_days_ago: int = 1) -> SiteIndex:  # type: ignore[no-untyped-def]
    """A site's 7-day bundle, current at EVENING unless issued more than 7 days before."""
    issued = EVENING - timedelta(days=issued_days_ago)
    contracts = tuple(contracts) or (contract(),)
    return SiteIndex.from_bundle(bundle(contracts, capacity=capacity, issued_at=issued))


def _entry(plate: str | None = PLATE, confidence: float = 0.98, verdict: Verdict = Verdict.AGREED) -> Read:
    return Read(plate, confidence, Direction.ENTRY, verdict)


EMPTY = SiteState()
EXPIRED = _index(issued_days_ago=8)
DISAGREE, TOO_FEW = Verdict.DISAGREEMENT, Verdict.TOO_FEW


def test_a_contract_holder_in_the_window_opens_with_the_deadline() -> None:
    got = decide(_entry(), _index(), EMPTY, EVENING)
    assert (got.outcome, got.reason, got.contract_id) == (Outcome.OPEN, Reason.CONTRACT_OK, "c1")
    assert got.deadline == local("2025-11-25 07:30")


@pytest.mark.parametrize(
    ("index", "read", "state", "now", "outcome", "reason"),
    [
        (_index(), _entry("京B99999"), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),
        (_index(), _entry(), EMPTY, local("2025-11-24 12:00"), Outcome.DENY, Reason.OUTSIDE_WINDOW),
        (_index(), _entry(), EMPTY, local("2025-11-25 06:45"), Outcome.DENY, Reason.CUTOFF_PASSED),
        (_index(contract(valid_to=date(2025, 11, 20))), _entry(), EMPTY, EVENING,
         Outcome.DENY, Reason.EXPIRED),
        (_index(contract(valid_from=date(2025, 12, 1))), _entry(), EMPTY, EVENING,
         Outcome.DENY, Reason.NOT_YET_VALID),
        (_index(contract(status=ContractStatus.SUSPENDED)), _entry(), EMPTY, EVENING,
         Outcome.DENY, Reason.SUSPENDED),
        (_index(contract(status=ContractStatus.CANCELLED)), _entry(), EMPTY, EVENING,
         Outcome.DENY, Reason.CANCELLED),
        (_index(capacity=1), _entry(), SiteState.of({"沪B11111": Inside("沪B11111", EVENING, "c9")}),
         EVENING, Outcome.DENY, Reason.SITE_FULL),
        (_index(), _entry(), SiteState.of({PLATE: Inside(PLATE, EVENING, "c1")}), EVENING,
         Outcome.REVIEW, Reason.ALREADY_INSIDE),
        (_index(), _entry(confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        (_index(), _entry("沪A1234S"), EMPTY, EVENING, Outcome.REVIEW, Reason.NEAR_MISS),
        (_index(), _entry(None, 0.0), EMPTY, EVENING, Outcome.REVIEW, Reason.UNREADABLE),
        (None, _entry(), EMPTY, EVENING, Outcome.DENY, Reason.NO_BUNDLE),
        # reads of the vehicle that do not back one plate: whatever is not refused goes to the guard
        (_index(), _entry(verdict=DISAGREE), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        (_index(), _entry(verdict=TOO_FEW), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        (_index(), _entry("沪A1234S", verdict=DISAGREE), EMPTY, EVENING,
         Outcome.REVIEW, Reason.READS_DISAGREE),
        (_index(), _entry(confidence=0.6, verdict=DISAGREE), EMPTY, EVENING,
         Outcome.REVIEW, Reason.READS_DISAGREE),
        (_index(), _entry("京B99999", verdict=DISAGREE), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),
        (_index(), _entry(verdict=DISAGREE), EMPTY, local("2025-11-24 12:00"),
         Outcome.DENY, Reason.OUTSIDE_WINDOW),
        (None, _entry(verdict=DISAGREE), EMPTY, EVENING, Outcome.DENY, Reason.NO_BUNDLE),
        (_index(), _entry(verdict=Verdict.LOW_CONFIDENCE), EMPTY, EVENING, Outcome.OPEN, Reason.CONTRACT_OK),
        # an expired bundle: what it would open goes to the guard; refusals and reviews stand
        (EXPIRED, _entry(), EMPTY, EVENING, Outcome.REVIEW, Reason.NO_BUNDLE),
        (EXPIRED, _entry("京B99999"), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),
        (EXPIRED, _entry(), EMPTY, local("2025-11-24 12:00"), Outcome.DENY, Reason.OUTSIDE_WINDOW),
        (EXPIRED, _entry(confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        (EXPIRED, _entry(verdict=DISAGREE), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        # exits always open
        (_index(), Read(PLATE, 0.3, Direction.EXIT, DISAGREE), EMPTY, EVENING, Outcome.OPEN, Reason.EXIT),
        (EXPIRED, Read(PLATE, 0.99, Direction.EXIT), EMPTY, EVENING, Outcome.OPEN, Reason.EXIT),
    ],
)
def test_decision_table(index, read, state, now, outcome, reason) -> None:  # type: ignore[no-untyped-def]
    got = decide(read, index, state, now)
    assert (got.outcome, got.reason) == (outcome, reason)


def test_near_miss_names_the_contracted_plate_and_its_contract_for_the_guard() -> None:
    got = decide(_entry("沪A1234S"), _index(), EMPTY, EVENING)
    assert got.near_misses == (Candidate(PLATE, "c1"),)
    assert not got.opens
    disagreeing = decide(_entry("沪A1234S", verdict=DISAGREE), _index(), EMPTY, EVENING)
    assert disagreeing.near_misses == got.near_misses  # the guard still sees whom it may be


def test_near_misses_are_bounded() -> None:
    neighbours = [contract((f"沪A1234{n}",), contract_id=f"c{n}") for n in range(1, 9)]
    got = decide(_entry("沪A12340"), _index(*neighbours), EMPTY, EVENING)
    assert got.reason is Reason.NEAR_MISS
    assert len(got.near_misses) == MAX_NEAR_MISSES


def test_an_expired_bundle_shows_the_guard_the_contract_and_deadline_to_confirm() -> None:
    got = decide(_entry(), EXPIRED, EMPTY, EVENING)
    assert (got.outcome, got.reason, got.contract_id) == (Outcome.REVIEW, Reason.NO_BUNDLE, "c1")
    assert got.deadline == local("2025-11-25 07:30")
    assert decide(_entry(), EXPIRED, EMPTY, EXPIRED.expires_at - timedelta(seconds=1)).opens  # type: ignore[operator]


def test_an_unknown_car_is_not_counted_against_shared_capacity() -> None:
    visitor = SiteState.of({"京B99999": Inside("京B99999", EVENING, None)})
    assert decide(_entry(), _index(capacity=1), visitor, EVENING).opens


def test_a_suspended_contract_beside_a_valid_one_still_opens() -> None:
    both = _index(contract(contract_id="old", status=ContractStatus.SUSPENDED), contract(contract_id="new"))
    got = decide(_entry(), both, EMPTY, EVENING)
    assert got.opens and got.contract_id == "new"


@pytest.mark.parametrize("index", [None, _index(), EXPIRED])
def test_exit_always_opens_even_without_contracts_or_bundle(index: SiteIndex | None) -> None:
    got = decide(Read("京B99999", 0.2, Direction.EXIT), index, EMPTY, local("2025-11-25 12:00"))
    assert (got.outcome, got.reason) == (Outcome.OPEN, Reason.EXIT)
    assert decide(Read(None, 0.0, Direction.EXIT), index, EMPTY, EVENING).opens


def test_exit_after_the_deadline_is_flagged() -> None:
    inside = SiteState.of({PLATE: Inside(PLATE, EVENING, "c1", deadline=local("2025-11-25 07:30"))})
    on_time = decide(Read(PLATE, 0.99, Direction.EXIT), _index(), inside, local("2025-11-25 07:29"))
    late = decide(Read(PLATE, 0.99, Direction.EXIT), _index(), inside, local("2025-11-25 07:31"))
    assert (on_time.reason, late.reason) == (Reason.EXIT, Reason.EXIT_OVERDUE)
    assert late.opens and late.contract_id == "c1"

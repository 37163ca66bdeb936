"""The gate policy as a table: who opens the barrier, who waits for a guard, who is turned away.

Read top to bottom, this file is the policy README's "How it decides" states in words, in the
order ``decide`` applies it to an entry: (1) no usable bundle; (2) the blacklist; (3) the
institution's own vehicles; (4) plates the bundle does not know; (5) contract plates, one car per
contract; (6) the shared places left. Exits always open.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from edge.decision import Candidate, Inside, Read, SiteIndex, SiteState, decide
from edge.reader import Verdict
from shared import (
    MAX_NEAR_MISSES,
    BlacklistEntry,
    ContractStatus,
    DayType,
    Direction,
    OfficialCalendar,
    Outcome,
    OwnVehicle,
    Reason,
    SiteInfo,
    TimeWindow,
)
from tests.shared.factories import CALENDAR, bundle, contract, local

EVENING = local("2025-11-24 20:00")  # a Monday evening, inside the window
NOON = local("2025-11-24 12:00")  # the same Monday at noon: outside the contract's window
PLATE = "沪A12345"
SECOND = "沪B22222"  # the second plate of PLATE's two-plate contract in TWO_PLATES


def _index(*contracts, capacity: int = 10, issued_days_ago: int = 1, reserved: int = 0,  # type: ignore[no-untyped-def]
           own: tuple[OwnVehicle, ...] = (), blacklist: tuple[BlacklistEntry, ...] = (),
           calendar: OfficialCalendar = CALENDAR) -> SiteIndex:
    """A site's 7-day bundle, current at EVENING unless issued more than 7 days before."""
    issued = EVENING - timedelta(days=issued_days_ago)
    contracts = tuple(contracts) or (contract(),)
    return SiteIndex.from_bundle(bundle(contracts, capacity=capacity, issued_at=issued, reserved=reserved,
                                        own_vehicles=own, blacklist=blacklist, calendar=calendar))


def _entry(plate: str | None = PLATE, confidence: float = 0.98, verdict: Verdict = Verdict.AGREED,
           disputed: bool = False) -> Read:
    return Read(plate, confidence, Direction.ENTRY, verdict, disputed)


def _inside(*vehicles: tuple[str, str | None] | str) -> SiteState:
    """Vehicles inside: (plate, contract id) of contract holders, a bare plate for an own vehicle."""
    return SiteState.of({
        v if isinstance(v, str) else v[0]:
            Inside(v, EVENING, own_vehicle=True) if isinstance(v, str) else Inside(v[0], EVENING, v[1])
        for v in vehicles})


EMPTY = SiteState()
EXPIRED = _index(issued_days_ago=8)
DISAGREE, TOO_FEW = Verdict.DISAGREEMENT, Verdict.TOO_FEW

# The institution's cars: one that may come in at any time, one on working days 07:00-19:00 only.
OWN_PLATE, DAY_PLATE = "沪C00001", "沪C00002"
OWN = OwnVehicle(plate=OWN_PLATE, holder="张主任")
DAY_CAR = OwnVehicle(plate=DAY_PLATE, holder="公务车",
                     windows=(TimeWindow(day_type=DayType.WORKING, start=time(7, 0), end=time(19, 0)),))
# The blacklist: a stranger; a contract holder; a plate one character from PLATE; one lifted yesterday.
BARRED_PLATE, BARRED_HOLDER, BARRED_NEAR, LIFTED_PLATE = "沪D66666", "沪E55555", "沪A12346", "沪D77777"
BLACKLIST = (
    BlacklistEntry(plate=BARRED_PLATE, reason="多次超时未离场"),
    BlacklistEntry(plate=BARRED_HOLDER, reason="欠费未缴", until=EVENING + timedelta(days=3)),
    BlacklistEntry(plate=BARRED_NEAR, reason="冒用车牌"),
    BlacklistEntry(plate=LIFTED_PLATE, reason="已解除", until=EVENING - timedelta(days=1)),
)
SITE = _index(contract(), contract((BARRED_HOLDER,), contract_id="c5"), own=(OWN, DAY_CAR),
              blacklist=BLACKLIST)
SITE_EXPIRED = _index(contract(), own=(OWN,), blacklist=BLACKLIST, issued_days_ago=8)
TWO_PLATES = _index(contract((PLATE, SECOND)), capacity=2)
FULL = _index(contract(), own=(OWN,), capacity=1)  # one shared place


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
        # the two recognisers disputed the plate: never opened, whatever the verdict and confidence say
        (_index(), _entry(disputed=True), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        (_index(), _entry(verdict=DISAGREE, disputed=True), EMPTY, EVENING, Outcome.REVIEW,
         Reason.READS_DISAGREE),
        (_index(), _entry("京B99999", disputed=True), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),
        (EXPIRED, _entry(disputed=True), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        # an expired bundle: what it would open goes to the guard; refusals and reviews stand
        (EXPIRED, _entry(), EMPTY, EVENING, Outcome.REVIEW, Reason.NO_BUNDLE),
        (EXPIRED, _entry("京B99999"), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),
        (EXPIRED, _entry(), EMPTY, local("2025-11-24 12:00"), Outcome.DENY, Reason.OUTSIDE_WINDOW),
        (EXPIRED, _entry(confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        (EXPIRED, _entry(verdict=DISAGREE), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        # exits always open
        (_index(), Read(PLATE, 0.3, Direction.EXIT, DISAGREE), EMPTY, EVENING, Outcome.OPEN, Reason.EXIT),
        (EXPIRED, Read(PLATE, 0.99, Direction.EXIT), EMPTY, EVENING, Outcome.OPEN, Reason.EXIT),
        (_index(), Read(PLATE, 0.99, Direction.EXIT, DISAGREE, disputed=True), EMPTY, EVENING, Outcome.OPEN,
         Reason.EXIT),
        # 2. the blacklist: denied whatever the confidence, the reads, a contract or the bundle's age
        (SITE, _entry(BARRED_PLATE), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, _entry(BARRED_PLATE, confidence=0.4), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, _entry(BARRED_PLATE, verdict=DISAGREE), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, _entry(BARRED_PLATE, disputed=True), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, _entry(BARRED_HOLDER), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, _entry(BARRED_NEAR), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),  # not a near miss
        (SITE, _entry("沪E55556"), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),  # never offered
        (SITE, _entry(LIFTED_PLATE), EMPTY, EVENING, Outcome.DENY, Reason.NO_CONTRACT),  # lifted yesterday
        (SITE_EXPIRED, _entry(BARRED_PLATE), EMPTY, EVENING, Outcome.DENY, Reason.BLACKLISTED),
        (SITE, Read(BARRED_PLATE, 0.99, Direction.EXIT), EMPTY, EVENING, Outcome.OPEN, Reason.EXIT),
        # 3. own vehicles: open at any time or in their own windows, with a guard when in doubt
        (SITE, _entry(OWN_PLATE), EMPTY, EVENING, Outcome.OPEN, Reason.OWN_VEHICLE),
        (SITE, _entry(OWN_PLATE), EMPTY, NOON, Outcome.OPEN, Reason.OWN_VEHICLE),
        (SITE, _entry(DAY_PLATE), EMPTY, NOON, Outcome.OPEN, Reason.OWN_VEHICLE),
        (SITE, _entry(DAY_PLATE), EMPTY, EVENING, Outcome.DENY, Reason.OWN_OUTSIDE_WINDOW),
        (SITE, _entry(OWN_PLATE, confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        (SITE, _entry(OWN_PLATE), _inside(OWN_PLATE), EVENING, Outcome.REVIEW, Reason.ALREADY_INSIDE),
        (SITE, _entry(OWN_PLATE, verdict=DISAGREE), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        (SITE, _entry(OWN_PLATE, disputed=True), EMPTY, EVENING, Outcome.REVIEW, Reason.READS_DISAGREE),
        (SITE_EXPIRED, _entry(OWN_PLATE), EMPTY, EVENING, Outcome.REVIEW, Reason.NO_BUNDLE),
        (FULL, _entry(OWN_PLATE), _inside(("沪B11111", "c9")), EVENING, Outcome.OPEN, Reason.OWN_VEHICLE),
        # 4. plates the bundle does not know: a guard looks at a near miss and at a doubtful read
        (_index(), _entry("京B99999", confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        (_index(), _entry("沪A1234S", confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.NEAR_MISS),
        (SITE, _entry("沪C00008"), EMPTY, EVENING, Outcome.REVIEW, Reason.NEAR_MISS),  # an own car's plate
        (EXPIRED, _entry("京B99999", confidence=0.6), EMPTY, EVENING, Outcome.REVIEW, Reason.LOW_CONFIDENCE),
        # 5. one car per contract: another plate of it inside takes the contract's one space
        (TWO_PLATES, _entry(SECOND), EMPTY, EVENING, Outcome.OPEN, Reason.CONTRACT_OK),
        (TWO_PLATES, _entry(SECOND), _inside((PLATE, "c1")), EVENING, Outcome.DENY, Reason.CONTRACT_IN_USE),
        (TWO_PLATES, _entry(SECOND, verdict=DISAGREE), _inside((PLATE, "c1")), EVENING,
         Outcome.DENY, Reason.CONTRACT_IN_USE),
        (TWO_PLATES, _entry(PLATE), _inside((PLATE, "c1")), EVENING, Outcome.REVIEW, Reason.ALREADY_INSIDE),
        (TWO_PLATES, _entry(SECOND), _inside((PLATE, "c1")), NOON, Outcome.DENY, Reason.OUTSIDE_WINDOW),
        # windows follow the official calendar the bundle carries, not the week alone
        (_index(), _entry(), EMPTY, local("2025-10-01 12:00"), Outcome.OPEN, Reason.CONTRACT_OK),  # 国庆
        (_index(calendar=OfficialCalendar()), _entry(), EMPTY, local("2025-10-01 12:00"),
         Outcome.DENY, Reason.OUTSIDE_WINDOW),  # without the schedule it is a Wednesday
        (_index(), _entry(), EMPTY, local("2025-10-11 12:00"), Outcome.DENY, Reason.OUTSIDE_WINDOW),  # 调休
        (_index(contract(valid_to=date(2027, 12, 31))), _entry(), EMPTY, local("2027-02-08 12:00"),
         Outcome.DENY, Reason.OUTSIDE_WINDOW),  # 2027 unpublished: the week alone, nobody in on a guess
        # 6. shared places: contracts inside, not plates; own cars only beyond the reserved spaces
        (_index(capacity=1), _entry(), _inside(("沪B11111", None)), EVENING,
         Outcome.OPEN, Reason.CONTRACT_OK),  # a visitor a guard let in takes no shared place
        (_index(capacity=2), _entry(), _inside(("沪B11111", "c9"), ("沪B11112", "c9")), EVENING,
         Outcome.OPEN, Reason.CONTRACT_OK),
        (_index(capacity=2, reserved=1), _entry(), _inside("沪C00001", "沪C00002"), EVENING,
         Outcome.OPEN, Reason.CONTRACT_OK),
        (_index(capacity=2, reserved=1), _entry(), _inside("沪C00001", "沪C00002", "沪C00003"), EVENING,
         Outcome.DENY, Reason.SITE_FULL),
        (_index(capacity=2, reserved=1), _entry(), _inside("沪C00001", "沪C00002", ("沪B11111", "c9")),
         EVENING, Outcome.DENY, Reason.SITE_FULL),
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


# -- 2. the blacklist ---------------------------------------------------------------------------


def test_a_blacklisted_plate_is_denied_with_the_entrys_reason_for_the_guard() -> None:
    got = decide(_entry(BARRED_HOLDER), SITE, EMPTY, EVENING)
    assert (got.outcome, got.reason, got.detail) == (Outcome.DENY, Reason.BLACKLISTED, "欠费未缴")
    assert got.contract_id is None and got.near_misses == ()
    assert decide(_entry(BARRED_HOLDER), SITE, EMPTY, EVENING + timedelta(days=3)).opens  # until passed


def test_a_blacklisted_plate_is_never_a_near_miss_candidate_even_with_a_contract() -> None:
    index = _index(contract(), contract((BARRED_NEAR,), contract_id="c6"), blacklist=BLACKLIST)
    near_both = decide(_entry("沪A12347"), index, EMPTY, EVENING)  # one character from both
    assert near_both.reason is Reason.NEAR_MISS
    assert near_both.near_misses == (Candidate(PLATE, "c1"),)


# -- 3. own vehicles ----------------------------------------------------------------------------


def test_an_own_vehicle_opens_without_a_deadline_or_a_contract_and_names_its_holder() -> None:
    got = decide(_entry(OWN_PLATE), SITE, EMPTY, EVENING)
    assert (got.outcome, got.reason, got.contract_id, got.deadline) == (Outcome.OPEN, Reason.OWN_VEHICLE,
                                                                         None, None)
    assert got.detail == "张主任"


def test_an_own_vehicle_that_also_holds_a_contract_uses_it_outside_its_own_hours() -> None:
    both = _index(contract((DAY_PLATE,), contract_id="c7"), own=(DAY_CAR,))
    assert decide(_entry(DAY_PLATE), both, EMPTY, NOON).reason is Reason.OWN_VEHICLE
    evening = decide(_entry(DAY_PLATE), both, EMPTY, EVENING)
    assert (evening.outcome, evening.reason, evening.contract_id) == (Outcome.OPEN, Reason.CONTRACT_OK, "c7")


def test_a_near_miss_of_an_own_vehicle_names_it_without_a_contract() -> None:
    got = decide(_entry("沪C00008"), SITE, EMPTY, EVENING)
    assert set(got.near_misses) == {Candidate(OWN_PLATE, None), Candidate(DAY_PLATE, None)}


# -- 5. one car per contract ----------------------------------------------------------------------


def test_a_contract_in_use_names_the_plate_inside_and_keeps_the_deadline_for_a_guard() -> None:
    got = decide(_entry(SECOND), TWO_PLATES, _inside((PLATE, "c1")), EVENING)
    assert (got.outcome, got.reason, got.contract_id) == (Outcome.DENY, Reason.CONTRACT_IN_USE, "c1")
    assert got.detail == PLATE  # the guard sees which car holds the space
    assert got.deadline == local("2025-11-25 07:30")  # carried if the guard opens anyway (audited)


def test_a_plate_on_two_contracts_uses_the_one_not_in_use() -> None:
    renewed = _index(contract((PLATE, SECOND), contract_id="old"), contract((PLATE,), contract_id="new"))
    got = decide(_entry(PLATE), renewed, _inside((SECOND, "old")), EVENING)
    assert (got.outcome, got.contract_id) == (Outcome.OPEN, "new")


# -- 6. shared places -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "reserved", "contracts_inside", "own_inside", "free"),
    [
        (10, 0, 0, 0, 10),
        (10, 0, 3, 0, 7),
        (10, 2, 3, 2, 7),  # own cars within the reserved spaces take no shared place
        (10, 2, 3, 5, 4),  # three beyond the reserve do
        (2, 0, 0, 4, -2),
    ],
)
def test_free_shared_places_put_the_institution_first(capacity: int, reserved: int, contracts_inside: int,
                                                      own_inside: int, free: int) -> None:
    site = SiteInfo(site_id="s1", shared_capacity=capacity, reserved_spaces=reserved)
    state = _inside(*[(f"沪B1111{n}", f"c{n}") for n in range(contracts_inside)],
                    *[f"沪C0000{n}" for n in range(own_inside)])
    assert state.free_shared(site) == free


def test_a_contract_inside_on_two_plates_takes_one_shared_place() -> None:
    both = _inside((PLATE, "c1"), (SECOND, "c1"))  # a guard let the second car in anyway
    assert len(both.contracts_inside) == 1
    assert both.free_shared(SiteInfo(site_id="s1", shared_capacity=2)) == 1


# -- the calendar the bundle carries ----------------------------------------------------------------


def test_the_index_knows_the_years_its_contracts_cover_without_a_schedule() -> None:
    index = _index(contract(valid_to=date(2027, 12, 31)),
                   contract(("沪B11111",), contract_id="gone", valid_to=date(2029, 1, 1),
                            status=ContractStatus.CANCELLED))
    assert index.unpublished_years == (2027,)  # a cancelled contract covers nothing
    assert index.unpublished_from(local("2027-06-01 12:00")) == (2027,)
    assert index.unpublished_from(local("2028-01-01 12:00")) == ()
    assert _index().unpublished_years == ()

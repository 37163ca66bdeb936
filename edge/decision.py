"""The gate decision: a pure function of the read, the contracts, the site state and the time.

No I/O here. The caller builds a ``SiteIndex`` once per verified bundle (it knows when the
bundle expires) and passes the state it keeps (vehicles inside) and the clock. Every route a
read can take, with its reason, is returned from here; only a barrier that does not answer
changes an outcome afterwards (edge/gate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain, islice

from edge.reader import Verdict
from shared import (
    MAX_NEAR_MISSES,
    BlacklistEntry,
    Contract,
    ContractBundle,
    ContractStatus,
    Direction,
    OfficialCalendar,
    Outcome,
    OwnVehicle,
    PlateIndex,
    Reason,
    SiteInfo,
)

DEFAULT_MIN_CONFIDENCE = 0.90

# When several contracts hold the same plate and none opens, the most telling refusal wins.
_DENIAL_RANK = {
    Reason.SUSPENDED: 0, Reason.CANCELLED: 1, Reason.CUTOFF_PASSED: 2,
    Reason.OUTSIDE_WINDOW: 3, Reason.NOT_YET_VALID: 4, Reason.EXPIRED: 5,
}
# Verdicts of reads that do not back one plate: an entry they would not refuse goes to the guard.
_DOUBTFUL = frozenset({Verdict.DISAGREEMENT, Verdict.TOO_FEW})


@dataclass(frozen=True, slots=True)
class Read:
    """What the reader (or a guard's correction) says is at the gate."""

    plate: str | None  # normalised; None when nothing could be read
    confidence: float
    direction: Direction
    verdict: Verdict = Verdict.AGREED  # how the vehicle's reads agree; a guard's typed plate agrees
    disputed: bool = False  # a second recogniser read another plate: an entry it would open goes to the guard


@dataclass(frozen=True, slots=True)
class Candidate:
    """A known plate a near-miss read may be: a contract that holds it, or None for an own vehicle."""

    plate: str
    contract_id: str | None


@dataclass(frozen=True, slots=True)
class Inside:
    """A vehicle the gate let in and has not yet seen leave."""

    plate: str
    entered_at: datetime
    contract_id: str | None = None  # the contract it came in on: that contract's one space
    deadline: datetime | None = None
    own_vehicle: bool = False  # the institution's own: counts against its reserved spaces


@dataclass(frozen=True, slots=True)
class SiteState:
    """Vehicles inside, by plate; the contracts they use (with the plate using each); own vehicles."""

    inside: Mapping[str, Inside] = field(default_factory=dict)
    contracts_inside: Mapping[str, str] = field(default_factory=dict)  # contract id -> plate inside
    own_inside: int = 0

    @classmethod
    def of(cls, inside: Mapping[str, Inside]) -> SiteState:
        contracts = {v.contract_id: v.plate for v in inside.values() if v.contract_id is not None}
        own = sum(1 for v in inside.values() if v.own_vehicle and v.contract_id is None)
        return cls(inside, contracts, own)

    def free_shared(self, site: SiteInfo) -> int:
        """Shared places left: institution first, so own vehicles beyond its reserved spaces take them.

        A contract inside takes one place whichever of its plates it is; a visitor a guard let in takes none.
        """
        own_overflow = max(0, self.own_inside - site.reserved_spaces)
        return site.shared_capacity - len(self.contracts_inside) - own_overflow


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: Reason
    contract_id: str | None = None
    deadline: datetime | None = None  # entries: when the car must be out
    near_misses: tuple[Candidate, ...] = ()  # reason near_miss: whom the read may be
    detail: str = ""  # for the guard: the blacklist reason, the own vehicle's holder, the plate inside

    @property
    def opens(self) -> bool:
        return self.outcome is Outcome.OPEN


class SiteIndex:
    """One site's verified bundle, indexed for the decision, and when it stops being current.

    Everything a decision looks up is a dict or set built here, once per bundle: contracts by
    plate, own vehicles by plate, blacklist entries by plate, and the near-miss index of the
    plates a guard may be asked about (contracted and own, never blacklisted).
    """

    def __init__(self, site: SiteInfo, contracts: Iterable[Contract], expires_at: datetime | None = None,
                 calendar: OfficialCalendar | None = None, own_vehicles: Iterable[OwnVehicle] = (),
                 blacklist: Iterable[BlacklistEntry] = ()) -> None:
        self.site = site
        self.tz = site.tz
        self.expires_at = expires_at
        self.calendar = calendar or OfficialCalendar()  # no schedule: the week alone
        self.by_plate: dict[str, list[Contract]] = {}
        for contract in contracts:
            if contract.site_id != site.site_id:
                continue
            for plate in contract.plates:
                self.by_plate.setdefault(plate, []).append(contract)
        self.own: dict[str, OwnVehicle] = {v.plate: v for v in own_vehicles}
        self.blacklist: dict[str, tuple[BlacklistEntry, ...]] = {}
        for entry in blacklist:
            self.blacklist[entry.plate] = (*self.blacklist.get(entry.plate, ()), entry)
        self.plates = PlateIndex(chain(self.by_plate, self.own))
        self.unpublished_years = _unpublished_years(self.by_plate.values(), self.calendar)

    @classmethod
    def from_bundle(cls, bundle: ContractBundle) -> SiteIndex:
        return cls(bundle.site, bundle.contracts, bundle.expires_at, bundle.calendar,
                   bundle.own_vehicles, bundle.blacklist)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def barred(self, plate: str, now: datetime) -> BlacklistEntry | None:
        """The blacklist entry refusing ``plate`` at ``now``, if any."""
        entries = self.blacklist.get(plate)
        return next((e for e in entries if e.active(now)), None) if entries else None

    def near_misses(self, plate: str, now: datetime) -> tuple[Candidate, ...]:
        """Known plates one character from ``plate`` that a guard may open as; blacklisted ones never."""
        found = (candidate for miss in self.plates.near_misses(plate) if self.barred(miss.plate, now) is None
                 for candidate in self._candidates(miss.plate))
        return tuple(islice(found, MAX_NEAR_MISSES))

    def _candidates(self, plate: str) -> Iterator[Candidate]:
        contracts = self.by_plate.get(plate)
        if not contracts:
            yield Candidate(plate, None)  # an own vehicle's plate
            return
        yield from (Candidate(plate, c.contract_id) for c in contracts)

    def unpublished_from(self, now: datetime) -> tuple[int, ...]:
        """Years from this one on that a contract covers and the bundle's calendar has no schedule for."""
        this_year = now.astimezone(self.tz).year
        return tuple(y for y in self.unpublished_years if y >= this_year)


def _unpublished_years(held: Iterable[list[Contract]], calendar: OfficialCalendar) -> tuple[int, ...]:
    years: set[int] = set()
    for contract in chain.from_iterable(held):
        if contract.status is not ContractStatus.CANCELLED:
            years.update(range(contract.valid_from.year, contract.valid_to.year + 1))
    return tuple(sorted(y for y in years if not calendar.published(y)))


def decide(
    read: Read,
    index: SiteIndex | None,
    state: SiteState,
    now: datetime,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> Decision:
    """Open, deny or review, with the reason and the contract it rests on.

    Exits always open. An entry is looked up on the bundle; what that does not refuse
    still goes to the guard when the vehicle's reads do not back one plate or the two
    recognisers dispute it (reads_disagree), or when it would open on an expired bundle
    (no_bundle: a suspension since is unknown).
    """
    if read.direction is Direction.EXIT:
        return _exit(read, state, now)
    if index is None:
        return Decision(Outcome.DENY, Reason.NO_BUNDLE)
    found = _lookup(read, index, state, now, min_confidence)
    if found.outcome is Outcome.DENY:
        return found
    if read.verdict in _DOUBTFUL or read.disputed:
        return replace(found, outcome=Outcome.REVIEW, reason=Reason.READS_DISAGREE)
    if found.opens and index.expired(now):
        return replace(found, outcome=Outcome.REVIEW, reason=Reason.NO_BUNDLE)
    return found


def _lookup(read: Read, index: SiteIndex, state: SiteState, now: datetime,
            min_confidence: float) -> Decision:
    """An entry on the bundle alone: blacklist, own vehicles, then contracts with room left."""
    plate = read.plate
    if not plate:
        return Decision(Outcome.REVIEW, Reason.UNREADABLE)
    barred = index.barred(plate, now)
    if barred is not None:  # whatever the confidence: a guard is never asked to let it in
        return Decision(Outcome.DENY, Reason.BLACKLISTED, detail=barred.reason)
    own = index.own.get(plate)
    if own is not None:
        found = _own_vehicle(own, read, index, state, now, min_confidence)
        if found is not None:
            return found
    contracts = index.by_plate.get(plate)
    if contracts:
        return _contract(read, contracts, index, state, now, min_confidence)
    if own is not None:
        return Decision(Outcome.DENY, Reason.OWN_OUTSIDE_WINDOW, detail=own.holder)
    return _unknown(read, index, now, min_confidence)


def _own_vehicle(own: OwnVehicle, read: Read, index: SiteIndex, state: SiteState, now: datetime,
                 min_confidence: float) -> Decision | None:
    """An own vehicle opens without a deadline or a shared place; None outside its windows."""
    if read.confidence < min_confidence:
        return Decision(Outcome.REVIEW, Reason.LOW_CONFIDENCE, detail=own.holder)
    if read.plate in state.inside:
        return Decision(Outcome.REVIEW, Reason.ALREADY_INSIDE, detail=own.holder)
    if not own.admits(now, index.tz, index.calendar):
        return None
    return Decision(Outcome.OPEN, Reason.OWN_VEHICLE, detail=own.holder)


def _unknown(read: Read, index: SiteIndex, now: datetime, min_confidence: float) -> Decision:
    """A plate the bundle does not know: a guard looks when it may be a known one or was read badly."""
    near = index.near_misses(read.plate or "", now)
    if near:
        return Decision(Outcome.REVIEW, Reason.NEAR_MISS, near_misses=near)
    if read.confidence < min_confidence:
        return Decision(Outcome.REVIEW, Reason.LOW_CONFIDENCE)
    return Decision(Outcome.DENY, Reason.NO_CONTRACT)


def _contract(read: Read, contracts: list[Contract], index: SiteIndex, state: SiteState, now: datetime,
              min_confidence: float) -> Decision:
    """A contracted plate: in a window, the contract's one space free, and a shared place left."""
    if read.confidence < min_confidence:
        return Decision(Outcome.REVIEW, Reason.LOW_CONFIDENCE, contracts[0].contract_id)
    inside = state.inside.get(read.plate or "")
    if inside is not None:
        return Decision(Outcome.REVIEW, Reason.ALREADY_INSIDE, inside.contract_id)
    verdicts = [_entry(c, index, now) for c in contracts]
    opening = [v for v in verdicts if v.opens]
    if not opening:
        return min(verdicts, key=lambda v: _DENIAL_RANK.get(v.reason, 99))
    best = next((v for v in opening if v.contract_id not in state.contracts_inside), None)
    if best is None:
        taken = opening[0]
        return replace(taken, outcome=Outcome.DENY, reason=Reason.CONTRACT_IN_USE,
                       detail=state.contracts_inside[taken.contract_id or ""])
    if state.free_shared(index.site) <= 0:
        return replace(best, outcome=Outcome.DENY, reason=Reason.SITE_FULL)
    return best


def _entry(contract: Contract, index: SiteIndex, now: datetime) -> Decision:
    cid = contract.contract_id
    if contract.status is ContractStatus.SUSPENDED:
        return Decision(Outcome.DENY, Reason.SUSPENDED, cid)
    if contract.status is ContractStatus.CANCELLED:
        return Decision(Outcome.DENY, Reason.CANCELLED, cid)
    coverage = contract.coverage(now, index.tz, index.calendar)
    if coverage is None:
        today = now.astimezone(index.tz).date()
        if today < contract.valid_from:
            return Decision(Outcome.DENY, Reason.NOT_YET_VALID, cid)
        if today > contract.valid_to:
            return Decision(Outcome.DENY, Reason.EXPIRED, cid)
        return Decision(Outcome.DENY, Reason.OUTSIDE_WINDOW, cid)
    if now >= contract.entry_cutoff(coverage):
        return Decision(Outcome.DENY, Reason.CUTOFF_PASSED, cid, deadline=coverage.end)
    return Decision(Outcome.OPEN, Reason.CONTRACT_OK, cid, deadline=coverage.end)


def _exit(read: Read, state: SiteState, now: datetime) -> Decision:
    """Exit always opens: a car is never trapped. Past the deadline it is flagged."""
    inside = state.inside.get(read.plate) if read.plate else None
    contract_id = inside.contract_id if inside else None
    deadline = inside.deadline if inside else None
    overdue = deadline is not None and now > deadline
    return Decision(Outcome.OPEN, Reason.EXIT_OVERDUE if overdue else Reason.EXIT,
                    contract_id, deadline=deadline)

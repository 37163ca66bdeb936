"""The gate decision: a pure function of the read, the contracts, the site state and the time.

No I/O here. The caller builds a ``SiteIndex`` once per verified bundle (it knows when the
bundle expires) and passes the state it keeps (vehicles inside) and the clock. Every route a
read can take, with its reason, is returned from here; only a barrier that does not answer
changes an outcome afterwards (edge/gate.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from edge.reader import Verdict
from shared import (
    MAX_NEAR_MISSES,
    Contract,
    ContractBundle,
    ContractStatus,
    Direction,
    OfficialCalendar,
    Outcome,
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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contracted plate a near-miss read may be, and a contract that holds it."""

    plate: str
    contract_id: str


@dataclass(frozen=True, slots=True)
class Inside:
    """A vehicle the gate let in and has not yet seen leave."""

    plate: str
    entered_at: datetime
    contract_id: str | None = None
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class SiteState:
    """Vehicles inside, by plate, and how many shared spaces they take."""

    inside: Mapping[str, Inside] = field(default_factory=dict)
    shared_in_use: int = 0

    @classmethod
    def of(cls, inside: Mapping[str, Inside]) -> SiteState:
        return cls(inside, sum(1 for v in inside.values() if v.contract_id is not None))


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: Reason
    contract_id: str | None = None
    deadline: datetime | None = None  # entries: when the car must be out
    near_misses: tuple[Candidate, ...] = ()  # reason near_miss: whom the read may be

    @property
    def opens(self) -> bool:
        return self.outcome is Outcome.OPEN


class SiteIndex:
    """One site's verified contracts, indexed for the decision, and when they stop being current."""

    def __init__(self, site: SiteInfo, contracts: tuple[Contract, ...] | list[Contract],
                 expires_at: datetime | None = None, calendar: OfficialCalendar | None = None) -> None:
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
        self.plates = PlateIndex(self.by_plate)

    @classmethod
    def from_bundle(cls, bundle: ContractBundle) -> SiteIndex:
        return cls(bundle.site, bundle.contracts, bundle.expires_at, bundle.calendar)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def near_misses(self, plate: str) -> tuple[Candidate, ...]:
        """Contracted plates one character from ``plate``, each with a contract that holds it."""
        found = (Candidate(miss.plate, contract.contract_id)
                 for miss in self.plates.near_misses(plate) for contract in self.by_plate[miss.plate])
        return tuple(islice(found, MAX_NEAR_MISSES))


def decide(
    read: Read,
    index: SiteIndex | None,
    state: SiteState,
    now: datetime,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> Decision:
    """Open, deny or review, with the reason and the contract it rests on.

    Exits always open. An entry is looked up on the contracts; what that does not refuse
    still goes to the guard when the vehicle's reads do not back one plate (reads_disagree),
    or when it would open on an expired bundle (no_bundle: a suspension since is unknown).
    """
    if read.direction is Direction.EXIT:
        return _exit(read, state, now)
    if index is None:
        return Decision(Outcome.DENY, Reason.NO_BUNDLE)
    found = _lookup(read, index, state, now, min_confidence)
    if found.outcome is Outcome.DENY:
        return found
    if read.verdict in _DOUBTFUL:
        return replace(found, outcome=Outcome.REVIEW, reason=Reason.READS_DISAGREE)
    if found.opens and index.expired(now):
        return replace(found, outcome=Outcome.REVIEW, reason=Reason.NO_BUNDLE)
    return found


def _lookup(read: Read, index: SiteIndex, state: SiteState, now: datetime,
            min_confidence: float) -> Decision:
    """An entry on the contracts alone: who holds the plate, in which window, with room left."""
    if not read.plate:
        return Decision(Outcome.REVIEW, Reason.UNREADABLE)
    contracts = index.by_plate.get(read.plate)
    if not contracts:
        near = index.near_misses(read.plate)
        if near:
            return Decision(Outcome.REVIEW, Reason.NEAR_MISS, near_misses=near)
        return Decision(Outcome.DENY, Reason.NO_CONTRACT)
    if read.confidence < min_confidence:
        return Decision(Outcome.REVIEW, Reason.LOW_CONFIDENCE, contracts[0].contract_id)
    if read.plate in state.inside:
        return Decision(Outcome.REVIEW, Reason.ALREADY_INSIDE, state.inside[read.plate].contract_id)
    verdicts = [_entry(c, index, now) for c in contracts]
    best = next((v for v in verdicts if v.opens), None)
    if best is None:
        return min(verdicts, key=lambda v: _DENIAL_RANK.get(v.reason, 99))
    if state.shared_in_use >= index.site.shared_capacity:
        return Decision(Outcome.DENY, Reason.SITE_FULL, best.contract_id)
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

"""One plate from several reads of one passing vehicle.

Each position is voted on, every read's character weighted by its confidence. The
barrier may open automatically only when enough reads agree on the whole plate and the
weakest voted character is confident; anything else is a verdict for the guard to review.
A read whose second engine disputes it (``PlateRead.disputed``) makes the verdict
``disagreement`` whatever the other reads say, and its other reading is carried in
``Consensus.alternatives`` so the guard sees both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from edge.reader.grammar import fix_confusables
from edge.reader.reads import PlateRead


class Verdict(StrEnum):
    AGREED = "agreed"  # open automatically
    NO_READ = "no_read"  # nothing plate-like could be read
    TOO_FEW = "too_few_reads"  # fewer agreeing reads than the policy asks
    DISAGREEMENT = "disagreement"  # reads name different plates, or the engines dispute one
    LOW_CONFIDENCE = "low_confidence"  # they agree, but a character is doubtful


@dataclass(frozen=True, slots=True)
class ConsensusPolicy:
    min_agreeing: int = 2  # reads that must name exactly the voted plate
    min_share: float = 0.6  # and the share of all valid reads they must be
    min_confidence: float = 0.7  # weakest voted character's confidence


@dataclass(frozen=True, slots=True)
class Consensus:
    plate: str | None
    confidence: float
    agreeing: int
    total: int
    verdict: Verdict
    char_confidences: tuple[float, ...] = ()
    alternatives: tuple[str, ...] = ()  # other plates the reads or their second engine named
    disputed: bool = False  # a second engine read another plate than one of the reads

    @property
    def agreed(self) -> bool:
        return self.verdict is Verdict.AGREED


def vote(reads: Iterable[PlateRead], policy: ConsensusPolicy | None = None) -> Consensus:
    """Consensus of the reads of one vehicle (reads with no valid plate only count in ``total``)."""
    policy = policy or ConsensusPolicy()
    all_reads = list(reads)
    valid = [r for r in all_reads if r.plate]
    if not valid:
        return Consensus(None, 0.0, 0, len(all_reads), Verdict.NO_READ)
    text, confidences = _vote_characters(_same_length_majority(valid))
    plate = fix_confusables(text)
    if plate is None:
        return Consensus(None, 0.0, 0, len(all_reads), Verdict.DISAGREEMENT)
    agreeing = sum(r.plate == plate for r in valid)
    confidence = min(confidences)
    verdict = _verdict(agreeing, len(valid), confidence, policy)
    disputed = any(r.disputed for r in valid)
    if disputed:
        verdict = Verdict.DISAGREEMENT
    return Consensus(plate, round(confidence, 4), agreeing, len(all_reads), verdict, confidences,
                     _alternatives(valid, plate), disputed)


def _alternatives(reads: list[PlateRead], plate: str) -> tuple[str, ...]:
    """Every other plate named by a read or by its second engine, most often named first."""
    named = [p for r in reads for p in (r.plate, r.second_plate) if p and p != plate]
    return tuple(sorted(set(named), key=lambda p: (-named.count(p), p)))


def _same_length_majority(reads: list[PlateRead]) -> list[PlateRead]:
    """Reads of the plate length with the most confidence behind it (7 or 8)."""
    weight: dict[int, float] = {}
    for read in reads:
        length = len(read.plate or "")
        weight[length] = weight.get(length, 0.0) + read.confidence
    length = max(weight, key=lambda n: weight[n])
    return [r for r in reads if len(r.plate or "") == length]


def _vote_characters(reads: list[PlateRead]) -> tuple[str, tuple[float, ...]]:
    """Per position: the character with the most confidence, and its share of the vote."""
    length = len(reads[0].plate or "")
    chars, confidences = [], []
    for i in range(length):
        weights: defaultdict[str, float] = defaultdict(float)
        for read in reads:
            weights[(read.plate or "")[i]] += _char_confidence(read, i)
        winner = max(weights, key=lambda c: weights[c])
        total = sum(weights.values())
        backers = [_char_confidence(r, i) for r in reads if (r.plate or "")[i] == winner]
        chars.append(winner)
        confidences.append(weights[winner] / total * max(backers) if total > 0 else 0.0)
    return "".join(chars), tuple(confidences)


def _char_confidence(read: PlateRead, index: int) -> float:
    if len(read.char_confidences) == len(read.plate or ""):
        return read.char_confidences[index]
    return read.confidence


def _verdict(agreeing: int, valid: int, confidence: float, policy: ConsensusPolicy) -> Verdict:
    if agreeing < policy.min_agreeing:
        return Verdict.TOO_FEW if agreeing == valid else Verdict.DISAGREEMENT
    if agreeing / valid < policy.min_share:
        return Verdict.DISAGREEMENT
    if confidence < policy.min_confidence:
        return Verdict.LOW_CONFIDENCE
    return Verdict.AGREED

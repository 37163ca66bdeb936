"""Several frames of one vehicle give one read; only agreeing, confident reads open."""

from __future__ import annotations

from edge.reader import ConsensusPolicy, CrossCheck, PlateRead, Verdict, vote


def read(plate: str | None, *confidences: float) -> PlateRead:
    chars = confidences if len(confidences) > 1 else (confidences[0],) * len(plate or "x")
    return PlateRead(plate, min(chars), tuple(chars), (0, 0, 10, 10), "test")


def test_agreeing_confident_reads_open() -> None:
    result = vote([read("沪A12345", 0.95), read("沪A12345", 0.9), read("沪A12345", 0.97)])
    assert result.agreed
    assert (result.plate, result.agreeing, result.total) == ("沪A12345", 3, 3)
    assert result.confidence >= 0.9


def test_a_single_read_goes_to_review() -> None:
    result = vote([read("沪A12345", 0.99)])
    assert not result.agreed
    assert result.verdict is Verdict.TOO_FEW
    assert result.plate == "沪A12345"


def test_character_vote_follows_confidence() -> None:
    weak_8 = read("沪A82345", 0.9, 0.9, 0.3, 0.9, 0.9, 0.9, 0.9)
    result = vote([read("沪AB2345", 0.9), read("沪AB2345", 0.9), weak_8])
    assert result.plate == "沪AB2345"
    assert result.agreeing == 2
    assert result.agreed  # 2 of 3 agree and the dissenting character was weak


def test_even_disagreement_goes_to_review() -> None:
    result = vote([read("沪A12345", 0.9)] * 2 + [read("沪A17345", 0.9)] * 2)
    assert not result.agreed
    assert result.verdict in (Verdict.DISAGREEMENT, Verdict.LOW_CONFIDENCE)


def test_agreeing_but_doubtful_reads_go_to_review() -> None:
    doubtful = read("沪A12345", 0.95, 0.95, 0.95, 0.4, 0.95, 0.95, 0.95)
    result = vote([doubtful, doubtful, doubtful])
    assert result.verdict is Verdict.LOW_CONFIDENCE
    assert result.plate == "沪A12345"


def test_nothing_read_is_no_read() -> None:
    result = vote([read(None, 0.01), read(None, 0.02)])
    assert (result.verdict, result.plate, result.total) == (Verdict.NO_READ, None, 2)


def test_green_plate_outvotes_a_shorter_misread() -> None:
    result = vote([read("皖AD19789", 0.9), read("皖AD19789", 0.9), read("皖A19789", 0.5)])
    assert result.plate == "皖AD19789"
    assert result.agreed


def test_policy_is_configurable() -> None:
    policy = ConsensusPolicy(min_agreeing=1, min_share=0.5, min_confidence=0.5)
    assert vote([read("沪A12345", 0.8)], policy).agreed


def disputed(plate: str, second: str, confidence: float = 0.99) -> PlateRead:
    return PlateRead(plate, confidence, (confidence,) * len(plate), (0, 0, 10, 10), "test",
                     second_plate=second, check=CrossCheck.DISPUTED)


def confirmed(plate: str, confidence: float = 0.99) -> PlateRead:
    return PlateRead(plate, confidence, (confidence,) * len(plate), (0, 0, 10, 10), "test",
                     second_plate=plate, check=CrossCheck.CONFIRMED)


def test_a_read_the_engines_dispute_never_agrees() -> None:
    """A lone confident read that a permissive policy would pass goes to the guard, with both readings."""
    permissive = ConsensusPolicy(min_agreeing=1, min_share=0.5, min_confidence=0.5)
    assert vote([confirmed("沪A12345")], permissive).agreed
    result = vote([disputed("沪A12345", "沪A12845")], permissive)
    assert result.verdict is Verdict.DISAGREEMENT and result.disputed
    assert (result.plate, result.alternatives) == ("沪A12345", ("沪A12845",))


def test_one_disputed_read_among_agreeing_frames_still_goes_to_review() -> None:
    result = vote([confirmed("沪A12345"), confirmed("沪A12345"), disputed("沪A12345", "沪A12845")])
    assert result.verdict is Verdict.DISAGREEMENT
    assert result.agreeing == 3 and result.alternatives == ("沪A12845",)


def test_confirmed_reads_agree_and_carry_no_alternatives() -> None:
    result = vote([confirmed("沪A12345"), confirmed("沪A12345")])
    assert result.agreed and not result.disputed and result.alternatives == ()

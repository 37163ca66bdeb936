"""A second engine confirms a read only when it reads exactly the same plate."""

from __future__ import annotations

from edge.reader import CrossCheck
from edge.reader.crosscheck import cross_check, trusted_first
from edge.reader.ctc import Decoded


def decoded(text: str, *confidences: float) -> Decoded:
    return Decoded(text, confidences or (0.99,) * len(text), 0.0, 0.0)


def test_the_same_plate_is_confirmed_at_the_weaker_engine_s_confidence() -> None:
    check, confidences = cross_check(decoded("沪A12345", 0.99, 0.98, 0.97, 0.99, 0.99, 0.99, 0.99),
                                     decoded("沪A12345", 0.95, 0.99, 0.99, 0.99, 0.99, 0.99, 0.92))
    assert check is CrossCheck.CONFIRMED
    assert confidences == (0.95, 0.98, 0.97, 0.99, 0.99, 0.99, 0.92)


def test_two_engines_misreading_a_character_alike_stay_under_the_gate_s_threshold() -> None:
    """Dev crop lprnet_0180 (皖AMZ210): both read the last 0 as D, at 0.99 and 0.85. Agreement adds
    nothing to the weaker engine's doubt, so the wrong plate goes to the guard, not through."""
    check, confidences = cross_check(decoded("皖AMZ21D", 1.0, 1.0, 1.0, 0.9987, 0.9998, 0.9984, 0.9918),
                                     decoded("皖AMZ21D", 1.0, 1.0, 0.9998, 0.9998, 0.9945, 0.9998, 0.853))
    assert check is CrossCheck.CONFIRMED
    assert confidences[-1] == 0.853 and min(confidences) < 0.9


def test_a_province_read_otherwise_is_disputed_and_loses_its_confidence() -> None:
    """The issue's 粤→鄂 at fair confidence: the second engine's conviction cuts it down."""
    check, confidences = cross_check(decoded("鄂B12345", 0.97, *[0.99] * 6),
                                     decoded("粤B12345", 0.9, *[0.99] * 6))
    assert check is CrossCheck.DISPUTED
    assert confidences[0] < 0.1 and confidences[1:] == (0.99,) * 6


def test_a_dropped_character_is_disputed_everywhere() -> None:
    """皖AD00518 read as 皖AD0518 (still a valid plate) by one engine: no position can be trusted."""
    check, confidences = cross_check(decoded("皖AD0518"), decoded("皖AD00518"))
    assert check is CrossCheck.DISPUTED
    assert max(confidences) < 0.05


def test_nothing_read_by_the_first_engine_is_never_confirmed() -> None:
    assert cross_check(decoded(""), decoded(""))[0] is CrossCheck.DISPUTED


def test_the_reading_shown_is_the_one_surer_of_the_characters_the_engines_differ_on() -> None:
    """皖A59D31: the first engine is unsure of its province (shared doubt) but sure of its 0; the
    second is surer of its D. The D is shown, the other reading carried."""
    first = decoded("皖A59031", 0.6, 0.99, 0.99, 0.99, 0.9, 0.99, 0.99)
    second = decoded("皖A59D31", 0.7, 0.99, 0.99, 0.99, 0.98, 0.99, 0.99)
    assert trusted_first(first, second) == (second, first)
    assert trusted_first(second, first) == (second, first)
    nothing = decoded("")
    assert trusted_first(nothing, first) == (first, nothing)  # a reading beats none

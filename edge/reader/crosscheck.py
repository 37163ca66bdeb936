"""Two independent recognisers on one plate image: agreement makes a read strong, a difference doubtful.

The second engine confirms the first's reading only when it reads exactly the same plate.
Every character's confidence combines both engines' probabilities:

- both read the same character: the lower of the two probabilities (both must be sure);
- they read different characters: the first engine's probability times the second's doubt
  about its own character, so a character the second engine reads otherwise with
  conviction drops near zero.

The reader passes as ``first`` the reading its own engine is surer of (``edge.reader.engine``):
a disputed read shows that one and carries the other, so the guard sees both.
"""

from __future__ import annotations

from edge.reader.ctc import Decoded
from edge.reader.reads import CrossCheck


def cross_check(first: Decoded, second: Decoded) -> tuple[CrossCheck, tuple[float, ...]]:
    """Whether ``second`` confirms ``first``, and the combined confidence of each character."""
    check = CrossCheck.CONFIRMED if first.text and first.text == second.text else CrossCheck.DISPUTED
    return check, combined_confidences(first, second)


def combined_confidences(first: Decoded, second: Decoded) -> tuple[float, ...]:
    if len(first.text) != len(second.text):  # no character lines up: the second engine doubts them all
        doubt = 1.0 - second.confidence
        return tuple(round(p * doubt, 4) for p in first.char_confidences)
    return tuple(
        round(min(p1, p2) if c1 == c2 else p1 * (1.0 - p2), 4)
        for c1, c2, p1, p2 in zip(
            first.text, second.text, first.char_confidences, second.char_confidences, strict=True
        )
    )

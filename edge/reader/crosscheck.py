"""Two independent recognisers on one plate image: agreement makes a read strong, a difference doubtful.

The second engine confirms the first's reading only when it reads exactly the same plate.
Every character's confidence combines both engines' probabilities:

- both read the same character: the lower of the two probabilities (both must be sure). Their
  errors are not independent, so agreement adds nothing: on the dev crop lprnet_0180 both read
  the last 0 as D (0.99 and 0.85), and a noisy-OR of the two (0.9988) would have opened the
  barrier for the wrong plate (docs/reader.md, "Confidence");
- they read different characters: the first engine's probability times the second's doubt
  about its own character, so a character the second engine reads otherwise with
  conviction drops near zero.

The reader passes as ``first`` the reading to show (``trusted_first``): where the engines
differ, the one surer of the characters they differ on. A disputed read shows that one and
carries the other, so the guard sees both.
"""

from __future__ import annotations

from edge.reader.ctc import Decoded
from edge.reader.reads import CrossCheck


def cross_check(first: Decoded, second: Decoded) -> tuple[CrossCheck, tuple[float, ...]]:
    """Whether ``second`` confirms ``first``, and the combined confidence of each character."""
    check = CrossCheck.CONFIRMED if first.text and first.text == second.text else CrossCheck.DISPUTED
    return check, combined_confidences(first, second)


def trusted_first(a: Decoded, b: Decoded) -> tuple[Decoded, Decoded]:
    """The two readings, the one to show first.

    A reading beats no reading. Readings of one length are judged on the characters they differ
    on (the weaker of its probabilities there): a doubt both share elsewhere says nothing about
    which is right. Readings of different lengths are judged on their weakest character.
    """
    if not (a.text and b.text):
        return (a, b) if a.text or not b.text else (b, a)
    if len(a.text) == len(b.text):
        differ = [i for i, (x, y) in enumerate(zip(a.text, b.text, strict=True)) if x != y]
        if differ:
            a_sure = min(a.char_confidences[i] for i in differ)
            return (b, a) if min(b.char_confidences[i] for i in differ) > a_sure else (a, b)
    return (b, a) if b.confidence > a.confidence else (a, b)


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

"""Plate grammar by position, for decoding and for fixing confusable characters.

Built on ``shared.plates``: the rules live there; this module only spells them out
position by position so a recogniser can be held to them, and repairs the usual
OCR mix-ups where the position leaves no doubt (the second character is a letter,
the serial has no I or O).
"""

from __future__ import annotations

import string

from shared.plates import (
    CONFUSABLE_PAIRS,
    DIGITS,
    PROVINCES,
    SERIAL_CHARS,
    SPECIAL_SUFFIXES,
    is_valid_plate,
    normalise_plate,
)

AUTHORITY_LETTERS = string.ascii_uppercase
NEW_ENERGY_MARKS = "DF"

# One string of allowed characters per position.
Template = tuple[str, ...]

STANDARD: Template = (PROVINCES, AUTHORITY_LETTERS, *[SERIAL_CHARS] * 4, SERIAL_CHARS + SPECIAL_SUFFIXES)
NEW_ENERGY_SMALL: Template = (PROVINCES, AUTHORITY_LETTERS, NEW_ENERGY_MARKS, SERIAL_CHARS, *[DIGITS] * 4)
NEW_ENERGY_LARGE: Template = (PROVINCES, AUTHORITY_LETTERS, *[DIGITS] * 5, NEW_ENERGY_MARKS)
TEMPLATES: tuple[Template, ...] = (STANDARD, NEW_ENERGY_SMALL, NEW_ENERGY_LARGE)

# A digit where a letter must be: the letter it is usually mistaken for (from CONFUSABLE_PAIRS,
# preferring D for 0 because D is a common authority letter and O/Q are rare).
DIGIT_TO_LETTER: dict[str, str] = {"0": "D", "8": "B", "2": "Z", "5": "S", "6": "G"}
# A letter the serial never holds: the digit it stands for.
SERIAL_LETTER_TO_DIGIT: dict[str, str] = {"I": "1", "O": "0"}

assert all((d, ltr) in CONFUSABLE_PAIRS or (ltr, d) in CONFUSABLE_PAIRS for d, ltr in DIGIT_TO_LETTER.items())


def fix_confusables(text: str) -> str | None:
    """Return the valid plate ``text`` stands for after positional fixes, or None.

    ``"沪0·12345"`` gives ``"沪D12345"``; ``"皖AI23O5"`` gives ``"皖A12305"``.
    A text that is still invalid after the fixes gives None: the caller must not guess.
    """
    plate = normalise_plate(text)
    if is_valid_plate(plate):
        return plate
    chars = list(plate)
    if len(chars) >= 2:
        chars[1] = DIGIT_TO_LETTER.get(chars[1], chars[1])
    for i in range(2, len(chars)):
        chars[i] = SERIAL_LETTER_TO_DIGIT.get(chars[i], chars[i])
    if len(chars) == 8:
        chars = _fix_new_energy_mark(chars)
    fixed = "".join(chars)
    return fixed if is_valid_plate(fixed) else None


def _fix_new_energy_mark(chars: list[str]) -> list[str]:
    """A green plate carries D or F first or last in its serial; 0 there is a D."""
    if chars[2] == "0" and chars[-1] in DIGITS:
        return [*chars[:2], "D", *chars[3:]]
    if chars[-1] == "0" and chars[2] in DIGITS:
        return [*chars[:-1], "D"]
    return chars

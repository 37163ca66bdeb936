"""Chinese licence plate text: normalise, validate, and find near misses.

Grammar (GA 36-2018):
- standard (blue, yellow): province, authority letter, 5 serial characters;
- new energy (green): province, authority letter, 6 serial characters, with
  the small-car form ``[DF]`` + letter/digit + 4 digits, or the large-car
  form 5 digits + ``[DF]``;
- special categories end in 警 学 挂 港 澳 领 after 4 serial characters,
  and embassy plates are 使 followed by 6 digits.
Serial letters never include I or O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from shared.errors import PlateError
from shared.text import refuse_control_characters

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SERIAL_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
DIGITS = "0123456789"
SERIAL_CHARS = SERIAL_LETTERS + DIGITS
SPECIAL_SUFFIXES = "警学挂港澳领"

# Pairs an OCR engine (or a tired guard) mixes up.
CONFUSABLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("O", "0"), ("I", "1"), ("B", "8"), ("D", "0"),
    ("Z", "2"), ("S", "5"), ("G", "6"), ("Q", "0"),
)

_S = f"[{SERIAL_CHARS}]"
_STANDARD = re.compile(f"^[{PROVINCES}][A-Z]{_S}{{5}}$")
_GREEN_SMALL = re.compile(f"^[{PROVINCES}][A-Z][DF]{_S}[0-9]{{4}}$")
_GREEN_LARGE = re.compile(f"^[{PROVINCES}][A-Z][0-9]{{5}}[DF]$")
_SPECIAL = re.compile(f"^[{PROVINCES}][A-Z]{_S}{{4}}[{SPECIAL_SUFFIXES}]$")
_EMBASSY = re.compile("^使[0-9]{6}$")

# Dots, middle dots, bullets, hyphens and spaces people and engines put in.
_SEPARATORS = re.compile(r"[\s.\-_·•・‧∙⋅]+")


class PlateKind(StrEnum):
    STANDARD = "standard"  # blue or yellow: the colour is not in the text
    NEW_ENERGY = "new_energy"  # green
    POLICE = "police"  # 警
    COACH = "coach"  # 学
    TRAILER = "trailer"  # 挂
    HONG_KONG = "hong_kong"  # 港
    MACAU = "macau"  # 澳
    CONSULATE = "consulate"  # 领
    EMBASSY = "embassy"  # 使


_SUFFIX_KIND = {
    "警": PlateKind.POLICE, "学": PlateKind.COACH, "挂": PlateKind.TRAILER,
    "港": PlateKind.HONG_KONG, "澳": PlateKind.MACAU, "领": PlateKind.CONSULATE,
}


@dataclass(frozen=True, slots=True)
class Plate:
    """A valid plate, normalised."""

    text: str
    kind: PlateKind

    @property
    def province(self) -> str:
        return self.text[0]

    def __str__(self) -> str:
        return self.text


def normalise_plate(text: str) -> str:
    """Fold full-width forms, drop separators, upper-case Latin letters.

    ``"沪a·12345"``, ``"沪Ａ１２３４５"`` and ``"沪 A-12345"`` all give ``"沪A12345"``.
    """
    folded = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", folded).upper()


def parse_plate(text: str) -> Plate:
    """Normalise and validate; raise PlateError naming what is wrong.

    Control characters are refused first (a NUL, an ANSI escape, a bidi override; normalising
    would drop some of them as separators and hide them), except the tab, newline and carriage
    return a pasted plate may carry around it.
    """
    _refuse_control_characters(text)
    plate = normalise_plate(text)
    kind = _kind_of(plate)
    if kind is None:
        raise PlateError(text, _why_invalid(plate))
    return Plate(plate, kind)


def is_valid_plate(text: str) -> bool:
    if _kind_of(normalise_plate(text)) is None:
        return False
    try:
        _refuse_control_characters(text)  # only once the grammar passed: the reader asks often
    except PlateError:
        return False
    return True


_PASTED_BLANKS = str.maketrans("", "", "\t\n\r")


def _refuse_control_characters(text: str) -> None:
    try:
        refuse_control_characters(text.translate(_PASTED_BLANKS))
    except ValueError as exc:
        raise PlateError(text, str(exc)) from exc


def check_plate_text(value: str) -> str:
    """A plate field of a message: ``value`` when it is normalised and free of control characters.

    Not necessarily a valid plate (a guard may type what the grammar does not know), but never a
    NUL, an ANSI escape or a bidi override; ValueError otherwise, for pydantic to name the field.
    """
    refuse_control_characters(value)
    if value != normalise_plate(value):
        raise ValueError("plate must be normalised")
    return value


PlateText = Annotated[str, AfterValidator(check_plate_text)]
"""A message's plate: normalised text without control characters (``check_plate_text``)."""


def _kind_of(plate: str) -> PlateKind | None:
    if _STANDARD.match(plate):
        return PlateKind.STANDARD
    if _GREEN_SMALL.match(plate) or _GREEN_LARGE.match(plate):
        return PlateKind.NEW_ENERGY
    if _SPECIAL.match(plate):
        return _SUFFIX_KIND[plate[-1]]
    if _EMBASSY.match(plate):
        return PlateKind.EMBASSY
    return None


def _why_invalid(plate: str) -> str:
    if not plate:
        return "empty"
    if plate[0] not in PROVINCES:
        return f"first character {plate[0]!r} is not a province"
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        return "second character must be a letter A-Z"
    serial = plate[2:]
    if "I" in serial or "O" in serial:
        return "serial contains I or O"
    if len(serial) == 6:
        return "8-character plates are new-energy plates: D or F first (small) or last (large)"
    if len(serial) != 5:
        return f"serial has {len(serial)} characters, expected 5 or 6"
    return f"serial {serial!r} has characters outside A-Z (no I, O) and 0-9"


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A known plate one step away from a read."""

    plate: str
    kind: str  # "confusable" or "edit"


def _is_confusable(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diffs) == 1 and (diffs[0] in _CONFUSABLE or diffs[0][::-1] in _CONFUSABLE)


_CONFUSABLE = frozenset(CONFUSABLE_PAIRS)


def _deletions(text: str) -> Iterable[str]:
    return (text[:i] + text[i + 1:] for i in range(len(text)))


class PlateIndex:
    """The plates of one site, for exact look-ups and near-miss search.

    Near misses use a deletion index (the symmetric-delete method): a known
    plate is a near miss when it and the read share a one-deletion variant
    (one substitution, or one character moved such as two swapped neighbours)
    or one is a deletion of the other (one character lost or gained).
    A search costs a handful of set look-ups, whatever the index size.
    """

    def __init__(self, plates: Iterable[str] = ()) -> None:
        self._plates: set[str] = set()
        self._by_deletion: dict[str, set[str]] = {}
        for plate in plates:
            self.add(plate)

    def add(self, plate: str) -> None:
        if plate in self._plates:
            return
        self._plates.add(plate)
        for variant in _deletions(plate):
            self._by_deletion.setdefault(variant, set()).add(plate)

    def __contains__(self, plate: object) -> bool:
        return plate in self._plates

    def __len__(self) -> int:
        return len(self._plates)

    def near_misses(self, read: str) -> list[NearMiss]:
        """Known plates one edit away from ``read`` (never ``read`` itself)."""
        found: set[str] = set(self._by_deletion.get(read, ()))  # read lost a character
        for variant in _deletions(read):
            found.update(self._by_deletion.get(variant, ()))  # one substitution
            if variant in self._plates:  # read gained a character
                found.add(variant)
        found.discard(read)
        return sorted(
            (NearMiss(p, "confusable" if _is_confusable(read, p) else "edit") for p in found),
            key=lambda m: (m.kind != "confusable", m.plate),
        )

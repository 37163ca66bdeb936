"""Plate text: what a reader or a guard types becomes one canonical plate, or a clear refusal."""

from __future__ import annotations

import pytest

from shared import PlateError, PlateIndex, PlateKind, is_valid_plate, normalise_plate, parse_plate


@pytest.mark.parametrize(
    ("typed", "plate"),
    [
        ("沪A12345", "沪A12345"),
        ("沪a12345", "沪A12345"),
        ("沪A·12345", "沪A12345"),
        ("沪A.12345", "沪A12345"),
        ("沪 A 12345", "沪A12345"),
        ("沪Ａ１２３４５", "沪A12345"),  # full-width
        ("沪A-123 45", "沪A12345"),
        (" 沪AD12345\n", "沪AD12345"),
    ],
)
def test_normalisation(typed: str, plate: str) -> None:
    assert normalise_plate(typed) == plate
    assert parse_plate(typed).text == plate


@pytest.mark.parametrize(
    ("plate", "kind"),
    [
        ("沪A12345", PlateKind.STANDARD),
        ("京BX7K9Z", PlateKind.STANDARD),
        ("皖AD19789", PlateKind.NEW_ENERGY),  # small new-energy: D first
        ("沪AFA1234", PlateKind.NEW_ENERGY),  # F first, then a letter
        ("粤B12345D", PlateKind.NEW_ENERGY),  # large new-energy: D last
        ("沪A1234警", PlateKind.POLICE),
        ("沪A1234学", PlateKind.COACH),
        ("沪A1234挂", PlateKind.TRAILER),
        ("粤Z1234港", PlateKind.HONG_KONG),
        ("粤Z1234澳", PlateKind.MACAU),
        ("沪A1234领", PlateKind.CONSULATE),
        ("使014578", PlateKind.EMBASSY),
    ],
)
def test_valid_plates_and_their_kind(plate: str, kind: PlateKind) -> None:
    assert parse_plate(plate).kind is kind


@pytest.mark.parametrize(
    ("plate", "why"),
    [
        ("", "empty"),
        ("A12345", "province"),
        ("沪112345", "letter"),
        ("沪AI2345", "I or O"),
        ("沪A1234O", "I or O"),
        ("沪A1234", "4 characters"),
        ("沪A1234567", "7 characters"),
        ("沪AX12345", "new-energy"),  # 8 characters but X is neither D nor F
        ("沪A12345X", "new-energy"),  # large form must end in D or F
        ("沪A1234#", "outside"),
        ("台A12345", "province"),
    ],
)
def test_invalid_plates_say_why(plate: str, why: str) -> None:
    with pytest.raises(PlateError, match=why):
        parse_plate(plate)
    assert not is_valid_plate(plate)


@pytest.mark.parametrize("hostile", ["\x00", "\x1b[31m", "\u202e", "\x1c", "\x85"])
def test_control_characters_are_refused_not_normalised_away(hostile: str) -> None:
    """A NUL or an escape is not a separator: the plate is refused, its text shown escaped."""
    with pytest.raises(PlateError, match="control character") as caught:
        parse_plate(f"沪A{hostile}12345")
    assert hostile not in str(caught.value)
    assert not is_valid_plate(f"沪A{hostile}12345")


def test_near_misses_find_confusables_and_single_edits() -> None:
    index = PlateIndex(["沪A12345", "沪B80000", "沪AD12345"])
    assert [(m.plate, m.kind) for m in index.near_misses("沪A1234S")] == [("沪A12345", "confusable")]
    assert [(m.plate, m.kind) for m in index.near_misses("沪B8OOOO")] == []  # two substitutions
    assert [(m.plate, m.kind) for m in index.near_misses("沪BB0000")] == [("沪B80000", "confusable")]
    assert [m.plate for m in index.near_misses("沪A12346")] == ["沪A12345"]  # plain substitution
    assert {m.plate for m in index.near_misses("沪A1234")} == {"沪A12345"}  # a character lost
    assert {m.plate for m in index.near_misses("沪AD123456")} == {"沪AD12345"}  # one gained
    assert index.near_misses("京Q99999") == []


def test_near_miss_never_returns_the_read_itself() -> None:
    index = PlateIndex(["沪A12345", "沪A12346"])
    assert [m.plate for m in index.near_misses("沪A12345")] == ["沪A12346"]

"""A plate's colour says how many characters it carries; the reader holds a read of the wrong length to it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.reader import CrossCheck
from edge.reader.ctc import PlateAlphabet, decode_plate
from edge.reader.engine import LineReader, PlateReader
from edge.reader.plate_colour import plate_length
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"


def green_plate(width: int = 220, height: int = 70) -> np.ndarray:
    """A new-energy plate: white at the top shading into green, dark characters."""
    shade = np.linspace(0.0, 1.0, height)[:, None, None] ** 0.4
    white, green = np.array([235, 245, 235], float), np.array([80, 180, 40], float)  # BGR
    plate = (white * (1 - shade) + green * shade) * np.ones((height, width, 1))
    for left in range(20, width - 20, 24):
        cv2.rectangle(plate, (left, height // 4), (left + 8, height - height // 5), (20, 20, 20), -1)
    return plate.astype(np.uint8)


def blue_plate() -> np.ndarray:
    return cv2.imread(str(FIXTURES / "plate_blue.png"))


def test_a_green_plate_carries_eight_characters_and_a_blue_one_seven() -> None:
    assert plate_length(green_plate()) == 8
    assert plate_length(blue_plate()) == 7


@pytest.mark.parametrize("image", [
    cv2.imread(str(FIXTURES / "plate_yellow_two_line.png")),  # yellow: 7 or 8 (large new-energy)
    np.full((70, 220, 3), 235, np.uint8),  # a white (police) plate
    (blue_plate() * 0.15).astype(np.uint8),  # a blue plate in the dark: no colour left
    np.full((70, 220, 3), (100, 90, 20), np.uint8),  # teal: a colour-cast blue plate
    np.zeros((3, 4, 3), np.uint8),
])
def test_a_colour_that_does_not_say_gives_no_length(image: np.ndarray) -> None:
    assert plate_length(image) is None


ALPHABET = ["blank", *"皖AD01258"]


def two_zeros_run_together() -> np.ndarray:
    """A recogniser's output for 皖AD00518 whose two zeros run together: the likeliest symbol of
    each column spells 皖AD0518, and only a weak blank separates the zeros."""
    columns = ["-", "皖", "-", "A", "-", "D", "-", "0", "0-", "0", "-", "5", "-", "1", "-", "8", "-"]
    probs = np.full((len(columns), len(ALPHABET)), 1e-4)
    for t, column in enumerate(columns):
        if column == "0-":
            probs[t, ALPHABET.index("0")], probs[t, 0] = 0.55, 0.45
        else:
            probs[t, 0 if column == "-" else ALPHABET.index(column)] = 0.97
    return probs / probs.sum(axis=1, keepdims=True)


def test_decoding_held_to_a_length_finds_the_characters_that_ran_together() -> None:
    alphabet = PlateAlphabet(ALPHABET)
    assert decode_plate(two_zeros_run_together(), alphabet).text == "皖AD0518"
    held = decode_plate(two_zeros_run_together(), alphabet, length=8)
    assert held.text == "皖AD00518" and len(held.char_confidences) == 8
    assert decode_plate(two_zeros_run_together(), alphabet, length=7).text == "皖AD0518"


@pytest.fixture(scope="module")
def colour_blind_pair() -> PlateReader:
    """The pair, both engines swapped for one that runs the zeros of 皖AD00518 together."""
    reader = PlateReader(("ppocr", "clp"))
    reader._readers = [LineReader(name, lambda view: two_zeros_run_together(), ALPHABET)
                       for name in ("ppocr", "clp")]
    return reader


def test_a_green_plate_read_a_character_short_is_shown_at_eight_and_never_opens(
    colour_blind_pair: PlateReader,
) -> None:
    """Both engines agree on 皖AD0518, but the plate is green: the read shows 皖AD00518, disputed,
    with the engines' own reading beside it for the guard."""
    [read] = colour_blind_pair.read_crop(green_plate())
    assert (read.plate, read.second_plate, read.check) == ("皖AD00518", "皖AD0518", CrossCheck.DISPUTED)
    assert read.disputed


def test_a_blue_plate_read_at_seven_is_confirmed_as_before(colour_blind_pair: PlateReader) -> None:
    [read] = colour_blind_pair.read_crop(cv2.resize(blue_plate(), (220, 70)))
    assert (read.plate, read.check) == ("皖AD0518", CrossCheck.CONFIRMED)

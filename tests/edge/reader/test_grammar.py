"""Plate grammar by position: confusable fixes and CTC decoding held to the grammar."""

from __future__ import annotations

import numpy as np
import pytest

from edge.reader import fix_confusables
from edge.reader.ctc import PlateAlphabet, decode_plate
from shared.plates import is_valid_plate

# The recogniser's alphabet, cut down: index 0 is the CTC blank.
CHARACTERS = ["blank", *"沪皖京·", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", *"0123456789", "合"]


@pytest.mark.parametrize(
    ("read", "plate"),
    [
        ("沪A12345", "沪A12345"),  # already valid
        ("沪a·12345", "沪A12345"),  # normalised
        ("沪0·12345", "沪D12345"),  # 0 where the authority letter goes
        ("沪8·12345", "沪B12345"),
        ("沪2·12345", "沪Z12345"),
        ("沪5·12345", "沪S12345"),
        ("沪6·12345", "沪G12345"),
        ("皖AI23O5", "皖A12305"),  # the serial has no I or O
        ("皖A019789", "皖AD19789"),  # green small car: D first
        ("皖A12345O", "皖A12345D"),  # green large car: D last (O -> 0 -> D)
    ],
)
def test_positional_fixes(read: str, plate: str) -> None:
    assert fix_confusables(read) == plate


@pytest.mark.parametrize("read", ["", "A12345", "沪A1234", "沪A1234567", "沪1·12345", "X沪A12345"])
def test_unfixable_reads_give_none(read: str) -> None:
    assert fix_confusables(read) is None


def _probs(path: list[str], strength: float = 0.9) -> np.ndarray:
    """A recogniser output that follows ``path`` column by column (``-`` is blank)."""
    probs = np.full((len(path), len(CHARACTERS)), (1 - strength) / (len(CHARACTERS) - 1))
    for t, char in enumerate(path):
        probs[t, 0 if char == "-" else CHARACTERS.index(char)] = strength
    return probs / probs.sum(axis=1, keepdims=True)


def test_decoding_holds_the_authority_letter_to_a_letter() -> None:
    probs = _probs(list("-沪-0-·-1-2-3-4-5-"))
    d_column = 3
    probs[d_column, CHARACTERS.index("D")] = 0.3  # the model's second choice
    decoded = decode_plate(probs / probs.sum(axis=1, keepdims=True), PlateAlphabet(CHARACTERS))
    assert decoded.text == "沪D12345"
    assert decoded.char_confidences[1] < 0.5 < min(decoded.char_confidences[2:])


def test_decoding_keeps_repeated_characters_apart() -> None:
    decoded = decode_plate(_probs(list("-皖-A--1-1-2-2-3-")), PlateAlphabet(CHARACTERS))
    assert decoded.text == "皖A11223"


def test_decoding_reads_green_plates_with_eight_characters() -> None:
    decoded = decode_plate(_probs(list("-皖-A-D-1-9-7-8-9-")), PlateAlphabet(CHARACTERS))
    assert decoded.text == "皖AD19789"
    assert is_valid_plate(decoded.text)
    assert len(decoded.char_confidences) == 8


def test_decoding_of_no_plate_is_not_confident() -> None:
    decoded = decode_plate(_probs(list("--合合合----合合--")), PlateAlphabet(CHARACTERS))
    assert decoded.confidence < 0.05


def test_the_best_path_shortcut_reads_as_the_full_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the likeliest symbol of every column spells a plate, the search is skipped: same text and
    confidences as searching, on noisy outputs that spell plates and on ones that do not."""
    alphabet = PlateAlphabet(CHARACTERS)
    rng = np.random.default_rng(7)
    outputs = []
    for path in ("-沪-A-·-1-2-3-4-5-", "-皖-A-D-1-9-7-8-9-", "-沪-0-·-1-2-3-4-5-", "-沪-A-1-1--2-3-4-4-"):
        for _ in range(20):
            probs = _probs(list(path), strength=float(rng.uniform(0.3, 0.95)))
            probs += rng.uniform(0, 0.2, probs.shape)
            outputs.append(probs / probs.sum(axis=1, keepdims=True))
    shortcut = [decode_plate(p, alphabet) for p in outputs]
    monkeypatch.setattr(PlateAlphabet, "fits", lambda self, classes: False)  # always search
    searched = [decode_plate(p, alphabet) for p in outputs]
    assert [(d.text, d.char_confidences) for d in shortcut] == [
        (d.text, d.char_confidences) for d in searched]
    assert len({d.text for d in shortcut}) > 4  # the noise made them read differently


def column_by_column(log_probs: np.ndarray, log_blank: np.ndarray, template: list[list[int]]) -> float:
    """The best constrained path's log score, searched the plain way: one column at a time."""
    states = {("blank", 0, -1): 0.0}  # before column 0
    for t in range(log_probs.shape[0]):
        after: dict[tuple[str, int, int], float] = {}
        for state, score in states.items():
            for move, gain in moves(state, template, log_probs[t], log_blank[t]):
                after[move] = max(after.get(move, -np.inf), score + gain)
        states = after
    return max((s for (_, k, _), s in states.items() if k == len(template)), default=-np.inf)


def moves(state: tuple[str, int, int], template: list[list[int]], log_probs: np.ndarray,
          log_blank: float) -> list[tuple[tuple[str, int, int], float]]:
    """The states one column can lead to from ``state`` (characters read so far, class), with their gain."""
    kind, k, c = state
    options = [(("blank", k, -1), log_blank)]
    if kind == "char":
        options.append((("char", k, c), log_probs[c]))  # stay in the character
    if k < len(template):  # the same class again needs a blank between
        options += [(("char", k + 1, n), log_probs[n]) for n in template[k] if n != c]
    return options


def test_the_search_finds_the_best_path_a_column_by_column_search_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On noisy outputs whose likeliest symbols spell no plate, the decoded score is the best
    a plain column-by-column search over every template finds, and its characters fit one."""
    alphabet = PlateAlphabet(CHARACTERS)
    monkeypatch.setattr(PlateAlphabet, "fits", lambda self, classes: False)  # always search
    rng = np.random.default_rng(11)
    for _ in range(30):
        steps = int(rng.integers(8, 20))
        probs = rng.dirichlet(np.full(len(CHARACTERS), 0.3), steps)
        probs[:, 0] += rng.uniform(0, 1, steps)
        probs /= probs.sum(axis=1, keepdims=True)
        log_probs = np.log(np.maximum(probs, 1e-12))
        log_blank = np.log(np.maximum(alphabet.blank_probability(probs), 1e-12))
        best = max(column_by_column(log_probs, log_blank, [[int(c) for c in row if c >= 0] for row in ids])
                   for ids in alphabet.templates)
        decoded = decode_plate(probs, alphabet)
        assert decoded.log_score == pytest.approx(best, abs=1e-6)
        assert is_valid_plate(decoded.text)

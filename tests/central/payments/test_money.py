"""Fen and yuan: Alipay's amounts converted exactly, and anything that is not a plain amount refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central.payments import fen_from_yuan, yuan_text


@pytest.mark.parametrize(("text", "fen"), [("300.00", 30000), ("0.01", 1), ("0.1", 10), ("12", 1200),
                                           ("1234567.89", 123456789), ("0.29", 29), ("1.15", 115)])
def test_yuan_text_becomes_exact_fen(text: str, fen: int) -> None:
    assert fen_from_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "-1.00", "+1.00", "1.001", "1e2", " 1.00", "1,000.00", "01.00", "1.",
                                  ".5", "NaN", "１.００"])
def test_anything_but_a_plain_amount_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValueError, match="total_amount"):
        fen_from_yuan(text, "total_amount")


@given(st.integers(min_value=0, max_value=10**12))
def test_fen_survive_the_round_trip(fen: int) -> None:
    assert fen_from_yuan(yuan_text(fen)) == fen


def test_a_negative_amount_is_not_written() -> None:
    assert yuan_text(5) == "0.05"
    with pytest.raises(ValueError, match="amount_fen"):
        yuan_text(-5)

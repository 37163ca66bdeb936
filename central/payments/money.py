"""Fen and yuan: exact conversion of the yuan strings Alipay speaks ("300.00"), never through float."""

from __future__ import annotations

import re

_YUAN = re.compile(r"(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,2}))?")


def yuan_text(fen: int) -> str:
    """30000 -> ``"300.00"``; 5 -> ``"0.05"``. A negative amount is refused."""
    if fen < 0:
        raise ValueError(f"amount_fen: a payment amount cannot be negative (got {fen})")
    return f"{fen // 100}.{fen % 100:02d}"


def fen_from_yuan(text: str, field: str = "amount") -> int:
    """``"300.00"`` -> 30000, ``"0.5"`` -> 50, ``"12"`` -> 1200; anything else (a sign, an exponent,
    a third decimal, spaces) raises ValueError naming ``field``."""
    found = _YUAN.fullmatch(text)
    if found is None:
        raise ValueError(f"{field}: not an amount in yuan with at most two decimals (got {text!r:.40})")
    whole, cents = found.group(1), (found.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(cents)

"""Reason codes as the guard page and the service show them: every code in Chinese and English."""

from __future__ import annotations

import pytest

from shared import Reason


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_chinese_and_an_english_label(reason: Reason) -> None:
    zh, en = reason.label("zh-CN"), reason.label("en")
    assert zh and en and zh != en
    assert not any("a" <= ch.lower() <= "z" for ch in zh)  # no English leaks into the Chinese page
    assert len(reason.value) <= 32  # the service stores the code in a 32-character column


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        (Reason.BLACKLISTED, "黑名单车辆", "blacklisted vehicle"),
        (Reason.OWN_VEHICLE, "本单位车辆", "institution's own vehicle"),
        (Reason.CONTRACT_IN_USE, "该合约已有车辆在场", "another vehicle of this contract is inside"),
        (Reason.OWN_OUTSIDE_WINDOW, "本单位车辆不在允许时段", "own vehicle outside its permitted hours"),
    ],
)
def test_the_rules_reasons_read_as_the_guard_expects(reason: Reason, zh: str, en: str) -> None:
    assert (reason.label("zh-CN"), reason.label("en")) == (zh, en)

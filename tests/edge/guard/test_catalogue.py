"""The guard page's catalogue: every code it can show has words in both languages, and every key
the page's HTML and JavaScript ask for exists (a missing one would show as a raw key)."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from edge.guard.catalogue import catalogue
from shared import AlertKind, Direction, GuardAction, Outcome, OverrideReason, Reason
from shared.alarms import AlarmCode

CATALOGUE = catalogue()
STATIC = Path(__file__).resolve().parents[3] / "edge" / "guard" / "static"
OVERRIDES = Path(__file__).resolve().parents[3] / "edge" / "overrides.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENUMS: dict[str, type[StrEnum]] = {"reason": Reason, "alarm": AlarmCode, "outcome": Outcome,
                                    "action": GuardAction, "override": OverrideReason, "alert": AlertKind,
                                    "direction": Direction}


@pytest.mark.parametrize("prefix", list(ENUMS))
def test_every_code_the_page_can_show_has_both_languages(prefix: str) -> None:
    for member in ENUMS[prefix]:
        key = f"{prefix}.{member.value}"
        assert CJK.search(CATALOGUE["zh-CN"][key]), key
        assert CATALOGUE["en"][key].strip() and not CJK.search(CATALOGUE["en"][key]), key


def test_the_two_languages_have_the_same_keys_and_the_same_placeholders() -> None:
    assert CATALOGUE["zh-CN"].keys() == CATALOGUE["en"].keys()
    for key, zh in CATALOGUE["zh-CN"].items():
        assert set(re.findall(r"\{\w+\}", zh)) == set(re.findall(r"\{\w+\}", CATALOGUE["en"][key])), key
        if key != "other_lang":  # the switch names the other language in its own words
            assert CJK.search(zh), key


def test_every_key_the_page_asks_for_exists() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    scripts = "".join(path.read_text(encoding="utf-8") for path in STATIC.glob("*.js"))
    asked = set(re.findall(r'data-t="(\w+)"', html)) | set(re.findall(r'\bt\("([\w.]+)"', scripts))
    assert asked and asked - CATALOGUE["en"].keys() == set()


def test_every_refusal_the_guard_desk_gives_has_words() -> None:
    codes = set(re.findall(r'Guard(?:Error|Conflict)\((?:[^()]|\([^()]*\))*?,\s*"(\w+)"\)',
                           OVERRIDES.read_text(encoding="utf-8"), re.S))
    assert {"already_decided", "not_offered", "confirm_inside", "bad_plate"} <= codes
    assert {f"error.{code}" for code in codes | {"refused", "network"}} <= CATALOGUE["en"].keys()

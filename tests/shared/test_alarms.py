"""Alarm codes: every one labelled in both languages; a code this side does not know still reads."""

from __future__ import annotations

import re

import pytest

from shared.alarms import AlarmCode, alarm_label

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", list(AlarmCode))
def test_every_alarm_code_has_a_chinese_and_an_english_label(code: AlarmCode) -> None:
    zh, en = code.label("zh-CN"), code.label("en")
    assert CJK.search(zh) and not CJK.search(en) and en.strip()


def test_a_lane_alarm_names_its_lane_and_an_unknown_alarm_still_reads_as_one() -> None:
    assert alarm_label("camera_down:exit", "zh-CN") == "摄像头故障 (exit)"
    assert alarm_label("storage_fault", "en").startswith("storage fault")
    assert alarm_label("flux_capacitor:entry", "zh-CN") == "未知告警: flux_capacitor (entry)"

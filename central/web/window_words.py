"""A product's windows and departure time in words, as residents read them on a sign:
``工作日 19:00–次日07:30，休息日全天`` / ``Working days 19:00–07:30 next day; rest days all day``.

Pure: the windows (``shared.TimeWindow``) and the language in, text out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from shared import DayType, TimeWindow

_MIDNIGHT = time(0, 0)
_WORDS = {
    "zh-CN": {"working": "工作日", "rest": "休息日", "all_day": "全天", "next_day": "次日{end}",
              "span": "{start}–{end}", "join": "，", "and": "、", "label": "{day} {spans}",
              "label_all_day": "{day}全天"},
    "en": {"working": "working days", "rest": "rest days", "all_day": "all day", "next_day": "{end} next day",
           "span": "{start}–{end}", "join": "; ", "and": ", ", "label": "{day} {spans}",
           "label_all_day": "{day} all day"},
}


def _words(lang: str) -> dict[str, str]:
    return _WORDS["en" if lang == "en" else "zh-CN"]


def is_all_day(window: TimeWindow) -> bool:
    """00:00 to 00:00 the next day: the whole day."""
    return window.start == window.end == _MIDNIGHT and window.end_day_offset == 1


def end_words(window: TimeWindow, lang: str) -> str:
    """When a window closes: ``07:30`` or ``次日07:30`` / ``07:30 next day``."""
    end = f"{window.end:%H:%M}"
    return _words(lang)["next_day"].format(end=end) if window.end_day_offset else end


def window_words(windows: Sequence[TimeWindow], lang: str) -> str:
    """All windows, working days first: ``工作日 19:00–次日07:30，休息日全天``."""
    words = _words(lang)
    parts = []
    for day_type in (DayType.WORKING, DayType.REST):
        mine = [w for w in windows if w.day_type is day_type]
        if not mine:
            continue
        day = words[day_type.value]
        if any(is_all_day(w) for w in mine):
            parts.append(words["label_all_day"].format(day=day))
            continue
        spans = words["and"].join(words["span"].format(start=f"{w.start:%H:%M}", end=end_words(w, lang))
                                  for w in sorted(mine, key=lambda w: w.start))
        parts.append(words["label"].format(day=day, spans=spans))
    text = words["join"].join(parts)
    return text[:1].upper() + text[1:] if lang == "en" else text


def departure_words(windows: Sequence[TimeWindow], lang: str) -> str:
    """When cars leave: the distinct ends of the windows that close (``次日07:30``); "" when every
    window is all day (the car may stay on: its deadline is where the windows stop chaining)."""
    ends = []
    for window in sorted(windows, key=lambda w: (w.day_type is not DayType.WORKING, w.start)):
        if not is_all_day(window) and (end := end_words(window, lang)) not in ends:
            ends.append(end)
    return _words(lang)["and"].join(ends)

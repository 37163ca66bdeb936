"""A product's windows in words, as residents read them: "工作日 19:00–次日07:30，休息日 全天至次日07:30",
and when its cars leave: "次日07:30".

One place for every page that shows a product's hours (finding parking, the product's page,
my parking, the order and sign pages); the words come from the resident app's catalogue
(``windows.*`` in i18n/resident_pages.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import time

from shared import DayType, TimeWindow

Translate = Callable[..., str]  # PageRequest.t: (key, **params) -> text
_MIDNIGHT = time(0, 0)


def window_span(window: TimeWindow, t: Translate) -> str:
    """One window's hours: "19:00–次日07:30", "全天", "全天至次日07:30", "08:00–20:00"."""
    start, end = f"{window.start:%H:%M}", f"{window.end:%H:%M}"
    if not window.end_day_offset:
        return str(t("windows.span", start=start, end=end))
    if window.start == _MIDNIGHT:
        whole = window.end == _MIDNIGHT
        return str(t("windows.all_day")) if whole else str(t("windows.all_day_until", end=end))
    return str(t("windows.overnight", start=start, end=end))


def windows_in_words(windows: Sequence[TimeWindow], t: Translate) -> str:
    """Working days first, then rest days, each day type's windows by start time."""
    parts = []
    for day_type in (DayType.WORKING, DayType.REST):
        spans = [window_span(w, t) for w in sorted(windows, key=lambda w: w.start) if w.day_type is day_type]
        if spans:
            parts.append(str(t(f"windows.{day_type.value}", spans=str(t("windows.join")).join(spans))))
    return str(t("windows.separator")).join(parts)


def end_words(window: TimeWindow, t: Translate) -> str:
    """When a window closes: "07:30", or "次日07:30" when that is the next day."""
    end = f"{window.end:%H:%M}"
    return str(t("windows.next_day", end=end)) if window.end_day_offset else end


def departure_words(windows: Sequence[TimeWindow], t: Translate) -> str:
    """When cars leave: the distinct ends of the windows that close ("次日07:30"), working days
    first; "" when every window is all day (the car may stay: its deadline is where the windows
    stop chaining)."""
    ends: list[str] = []
    for window in sorted(windows, key=lambda w: (w.day_type is not DayType.WORKING, w.start)):
        whole_day = window.start == window.end == _MIDNIGHT and window.end_day_offset == 1
        if not whole_day and (end := end_words(window, t)) not in ends:
            ends.append(end)
    return str(t("windows.join")).join(ends)

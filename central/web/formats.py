"""How pages show money and times: fen as yuan, UTC as the site's local time, per language.

Chinese pages write dates as people in China do (``2025年3月3日 周一 20:00``), English pages
as ``Mon 3 Mar 2025, 20:00``; both with the 24-hour clock, as on every sign in the car park.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_WEEKDAYS = {"zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def money(fen: int) -> str:
    """300_00 -> ``¥300.00``; 123456_78 -> ``¥123,456.78``; -5_00 -> ``-¥5.00``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def local_date(day: date, lang: str, *, weekday: bool = False) -> str:
    names = _WEEKDAYS["en" if lang == "en" else "zh-CN"]
    if lang == "en":
        text = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
        return f"{names[day.weekday()]} {text}" if weekday else text
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text} {names[day.weekday()]}" if weekday else text


def local_datetime(moment: datetime, zone: str, lang: str, *, weekday: bool = False) -> str:
    """An aware instant as the wall-clock time in ``zone``; a naive one is refused."""
    local = _in_zone(moment, zone)
    separator = ", " if lang == "en" else " "
    return f"{local_date(local.date(), lang, weekday=weekday)}{separator}{local:%H:%M}"


def local_time(moment: datetime, zone: str) -> str:
    return f"{_in_zone(moment, zone):%H:%M}"


def utc_offset(zone: str, moment: datetime) -> str:
    """How far ``zone`` is from UTC at ``moment``, as an operator reads it: ``UTC+08:00``."""
    offset = _in_zone(moment, zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _in_zone(moment: datetime, zone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} cannot be shown in a time zone")
    return moment.astimezone(ZoneInfo(zone))


def local_seconds(moment: datetime, zone: str) -> str:
    """The wall-clock time with seconds (``21:03:05``): when live figures were last updated."""
    return f"{_in_zone(moment, zone):%H:%M:%S}"


def short_date(day: date, lang: str) -> str:
    """A day without its year, as a chart's axis shows it: ``3月3日``, ``3 Mar``."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]}" if lang == "en" else f"{day.month}月{day.day}日"


def month_name(year: int, month: int, lang: str) -> str:
    """``2025年3月``, ``Mar 2025``."""
    return f"{_MONTHS_EN[month - 1]} {year}" if lang == "en" else f"{year}年{month}月"

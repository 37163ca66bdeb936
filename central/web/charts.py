"""The console's charts as JSON for ``static/console-charts.js``: one shape for every chart.

``{"labels": [...], "values": [...], "texts": [...], "reference": n | null, "unit": ""}``: the
x-axis labels (already in the page's language and the site's zone), one value per label (null:
nothing to draw there, such as a bucket still ahead), the text a reader sees for each value
(money as ``¥300.00``), an optional horizontal reference line (the site's spaces) and the unit
suffix of the y-axis ticks. Titles, axis names and legends are the page's: they come from the
console catalogue through the template, so a chart is never in another language than its page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from central.billing.month import Month
from central.reports.nights import NightCurve, WeekShare
from central.web.formats import local_time, money, month_name, short_date


def chart(labels: Sequence[str], values: Sequence[float | None], texts: Sequence[str],
          reference: int | None = None, unit: str = "") -> dict[str, Any]:
    return {"labels": list(labels), "values": list(values), "texts": list(texts), "reference": reference,
            "unit": unit}


def night_chart(curve: NightCurve, zone: str) -> dict[str, Any]:
    return chart([local_time(t, zone) for t in curve.times], list(curve.inside),
                 ["" if n is None else str(n) for n in curve.inside], reference=curve.total_spaces)


def share_chart(shares: Sequence[WeekShare], lang: str) -> dict[str, Any]:
    """Percent of the shared spaces in use, one decimal (a ratio for display, never money)."""
    percents = [None if s.share is None else round(s.share * 100, 1) for s in shares]
    return chart([short_date(s.monday, lang) for s in shares], percents,
                 ["" if p is None else f"{p:.1f}%" for p in percents], unit="%")


def revenue_chart(months: Sequence[Month], fen: Sequence[int], lang: str) -> dict[str, Any]:
    """Yuan on the axis (fen / 100, for drawing only); the exact amount in each text."""
    return chart([month_name(m.year, m.month, lang) for m in months], [f / 100 for f in fen],
                 [money(f) for f in fen])


def weekly_chart(mondays: Sequence[date], counts: Sequence[int], lang: str) -> dict[str, Any]:
    return chart([short_date(d, lang) for d in mondays], list(counts), [str(n) for n in counts])

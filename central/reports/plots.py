"""Figures drawn as SVG with matplotlib's Agg backend (no display, no CDN)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from central.reports.figures import Occupancy  # noqa: E402


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def occupancy_svg(curve: Occupancy) -> bytes:
    figure = Figure(figsize=(8, 3))
    axes = figure.subplots()
    axes.step(list(curve.times), list(curve.inside), where="post", label="cars inside")  # type: ignore[arg-type]
    axes.axhline(curve.shared_capacity, color="grey", linestyle="--", label="shared spaces")
    axes.set_title(f"{curve.site_id}: occupancy (utilisation {curve.utilisation:.0%})")
    axes.legend(loc="upper right")
    figure.autofmt_xdate()
    return _svg(figure)


def bars_svg(title: str, values: Mapping[str, float], unit: str) -> bytes:
    figure = Figure(figsize=(8, 3))
    axes = figure.subplots()
    axes.bar(list(values), list(values.values()))
    axes.set_title(title)
    axes.set_ylabel(unit)
    figure.autofmt_xdate()
    return _svg(figure)

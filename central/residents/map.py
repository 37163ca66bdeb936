"""A small map drawn from the sites' own coordinates: no tiles, nothing fetched from elsewhere.

Pure: points in, SVG coordinates out. An equirectangular projection around the points' middle
is exact enough at a city's scale (an error under 0.1 % across 20 km). Around the resident's
point it draws distance rings at round distances, and a scale bar, so the map reads without
streets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
ROUND_DISTANCES_M = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000)
MIN_SPAN_M = 600.0  # a map of one point still shows its street corner, not a square metre


@dataclass(frozen=True, slots=True)
class MapMark:
    number: int  # the list's number; 0 for the resident's point
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class MapRing:
    radius: float  # in map units
    metres: int


@dataclass(frozen=True, slots=True)
class SiteMap:
    width: int
    height: int
    marks: tuple[MapMark, ...]
    you: MapMark | None
    rings: tuple[MapRing, ...]
    scale_px: float  # the scale bar's length
    scale_m: int


def _round_at_most(metres: float) -> int:
    return max((d for d in ROUND_DISTANCES_M if d <= metres), default=ROUND_DISTANCES_M[0])


def draw_map(origin: tuple[float, float] | None, sites: Sequence[tuple[int, float, float]],
             width: int = 360, height: int = 240, pad: int = 26) -> SiteMap | None:
    """``origin`` (lat, lon) and ``sites`` (number, lat, lon) in SVG units; None with no site."""
    if not sites:
        return None
    points = [(lat, lon) for _, lat, lon in sites] + ([origin] if origin else [])
    lat0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lon0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    m_per_lon = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def metres(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * m_per_lon, (lat - lat0) * M_PER_DEG_LAT

    xy = [metres(*p) for p in points]
    span_x = max(MIN_SPAN_M, 2 * max(abs(x) for x, _ in xy))
    span_y = max(MIN_SPAN_M, 2 * max(abs(y) for _, y in xy))
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # map units per metre

    def mark(number: int, lat: float, lon: float) -> MapMark:
        x, y = metres(lat, lon)
        return MapMark(number, round(width / 2 + x * scale, 1), round(height / 2 - y * scale, 1))

    marks = tuple(mark(n, lat, lon) for n, lat, lon in sites)
    you = mark(0, *origin) if origin else None
    scale_m = _round_at_most(width / 4 / scale)
    return SiteMap(width, height, marks, you, _rings(you, marks, scale), round(scale_m * scale, 1), scale_m)


def _rings(you: MapMark | None, marks: Sequence[MapMark], scale: float) -> tuple[MapRing, ...]:
    """Up to three round distances around the resident, the largest reaching the farthest site."""
    if you is None:
        return ()
    farthest = max(math.hypot(m.x - you.x, m.y - you.y) for m in marks) / scale
    largest = next((d for d in ROUND_DISTANCES_M if d >= farthest), ROUND_DISTANCES_M[-1])
    chosen = [d for d in ROUND_DISTANCES_M if d <= largest and d * 4 >= largest][-3:]
    return tuple(MapRing(round(d * scale, 1), d) for d in chosen)

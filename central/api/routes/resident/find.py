"""Find off-peak parking near me: by the browser's location (when asked) or a place from the sites' data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central import residents
from central.api.deps import StateDep
from central.residents.find import PRICE_STEPS_FEN
from central.web.auth import ResidentUser
from central.web.pages import ResidentPage
from central.web.windows import windows_in_words

router = APIRouter()


@router.get("/find")
def find(page: ResidentPage, user: ResidentUser, state: StateDep,
         lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
         lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
         place: Annotated[str, Query(max_length=100)] = "",
         window: residents.WindowFilter = residents.WindowFilter.ANY,
         max_fee: Annotated[str, Query(pattern=r"^\d{0,9}$")] = "") -> Response:
    """``max_fee`` in fen (empty: any, as the form's first choice sends it)."""
    most = int(max_fee) if max_fee else None
    origin, unknown = residents.search_origin(page.db, lat, lon, place)
    found = residents.find_parking(page.db, origin, residents.SearchFilter(window, most), page.now,
                                   state.rules.oversubscription)
    site_map = residents.draw_map((origin.lat, origin.lon) if origin else None,
                                  [(s.number, s.site.lat, s.site.lon) for s in found])
    return page.render("resident/find.html", status=404 if unknown else 200, found=found, origin=origin,
                       place=place, window=window, max_fee=most, site_map=site_map, unknown=unknown,
                       places=residents.places(page.db),
                       windows=[(w, page.t(f"find.window.{w.value}")) for w in residents.WindowFilter],
                       prices=PRICE_STEPS_FEN, windows_text=lambda ws: windows_in_words(ws, page.t))

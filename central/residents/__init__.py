"""What the resident app shows and does for the signed-in resident, without HTTP (docs/residents.md).

- ``vehicles``: the plates a resident binds (at most three);
- ``find``: off-peak parking near a point or a place from the sites' addresses, and ``map`` to draw it;
- ``parking``: their contracts now, the car inside or not, this month's running charges;
- ``statements`` (and ``statement_pdf``): issued statements, as pages, CSV and PDF;
- ``notices``: departure reminders and overstay notices in the app (``InAppNotifier``).

Every function takes the caller's ``Principal``; another resident's rows are not found.
"""

from central.residents.find import (
    FoundProduct,
    FoundSite,
    Point,
    SearchFilter,
    WindowFilter,
    find_parking,
    places,
    resolve_place,
    search_origin,
    window_kinds,
)
from central.residents.map import SiteMap, draw_map
from central.residents.notices import (
    InAppNotifier,
    latest_notice_id,
    list_notices,
    mark_read,
    notice_text,
    notices_after,
    site_names,
    unread_count,
)
from central.residents.parking import ParkingContract, StayCharge, my_parking, next_window
from central.residents.statements import (
    StatementSummary,
    StatementView,
    download_name,
    line_label,
    my_statements,
    statement_csv,
    statement_view,
)
from central.residents.vehicles import (
    MAX_VEHICLES,
    PROVINCE_CHOICES,
    BindOutcome,
    bind_vehicle,
    list_vehicles,
    plate_text,
    unbind_vehicle,
)

__all__ = [
    "MAX_VEHICLES", "PROVINCE_CHOICES", "BindOutcome", "FoundProduct", "FoundSite", "InAppNotifier",
    "ParkingContract", "Point", "SearchFilter", "SiteMap", "StatementSummary", "StatementView",
    "StayCharge", "WindowFilter", "bind_vehicle", "download_name", "draw_map", "find_parking",
    "latest_notice_id", "line_label", "list_notices", "list_vehicles", "mark_read", "my_parking",
    "my_statements", "next_window", "notice_text", "notices_after", "places", "plate_text", "resolve_place",
    "search_origin", "site_names", "statement_csv", "statement_view", "unbind_vehicle", "unread_count",
    "window_kinds",
]

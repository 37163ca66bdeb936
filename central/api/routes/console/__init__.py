"""The operator console at ``/console/``: desktop first, works on a tablet; staff sign in by password.

Each module adds routes to its own ``APIRouter``; ``router`` below gathers them under
``/console`` with the CSRF guard, so no state-changing route can go without it.
"""

from fastapi import APIRouter, Depends

from central.api.routes.console import (
    calendar,
    contracts,
    exports,
    gates,
    home,
    institutions,
    occupancy,
    orders,
    password,
    products,
    reports,
    signin,
    sites,
    staff,
    tokens,
    vehicles,
    violations,
)
from central.web.apps import CONSOLE_APP
from central.web.auth import csrf_guard

router = APIRouter(prefix=CONSOLE_APP.prefix, include_in_schema=False,
                   dependencies=[Depends(csrf_guard(CONSOLE_APP))])
for module in (signin, home, password,
               occupancy, reports, violations, exports):  # the live and report pages
    router.include_router(module.router)
for module in (institutions, staff, tokens, sites, gates, products, vehicles, contracts, orders,
               calendar):
    router.include_router(module.router)

__all__ = ["router"]

"""The resident app at ``/app/``: mobile first (390 px), signed in by mobile number and code.

Each module adds routes to its own ``APIRouter``; ``router`` below gathers them under
``/app`` with the CSRF guard, so no state-changing route can go without it.
"""

from fastapi import APIRouter, Depends

from central.api.routes.resident import (
    contract_orders,
    find,
    home,
    orders,
    reminders,
    signin,
    statements,
    vehicles,
)
from central.web.apps import RESIDENT_APP
from central.web.auth import csrf_guard

router = APIRouter(prefix=RESIDENT_APP.prefix, include_in_schema=False,
                   dependencies=[Depends(csrf_guard(RESIDENT_APP))])
for module in (signin, home, orders, contract_orders, vehicles, find, statements, reminders):
    router.include_router(module.router)

__all__ = ["router"]

"""The web apps served by central: the resident app (``/app/``) and the operator console (``/console/``).

Server-rendered Jinja2 pages (autoescaped), small vendored JavaScript, no CDN. What a page
author uses (docs/web.md walks through adding a page):

- ``ResidentPage`` / ``ConsolePage``: the route's ``PageRequest`` (``render``, ``redirect``, ``t``,
  ``db``, ``now``, ``lang``, ``user``).
- ``ResidentUser`` / ``StaffUser`` / ``AdminUser``: the signed-in ``SignedIn`` (its ``principal``
  is what the services take); without a session a GET goes to the login page.
- CSRF is checked for every state-changing request by the app routers; forms carry
  ``<input type="hidden" name="{{ csrf_field }}" value="{{ csrf_token }}">``.
- ``money``, ``local_datetime``, ``local_date``: formats (in templates: ``|money``, ``when()``,
  ``day()``).
"""

from central.web.app import install_web
from central.web.apps import CONSOLE_APP, RESIDENT_APP, WebApp
from central.web.auth import AdminUser, ResidentUser, StaffUser, client_address
from central.web.formats import local_date, local_datetime, local_time, money
from central.web.pages import CSRF_FIELD, CSRF_HEADER, ConsolePage, PageRequest, ResidentPage

__all__ = [
    "CONSOLE_APP", "CSRF_FIELD", "CSRF_HEADER", "RESIDENT_APP", "AdminUser", "ConsolePage", "PageRequest",
    "ResidentPage", "ResidentUser", "StaffUser", "WebApp", "client_address", "install_web", "local_date",
    "local_datetime", "local_time", "money",
]

"""Which sites a caller may look at: the services' scope helpers, as the routes import them."""

from __future__ import annotations

from central.core.security import visible_site_ids
from central.sites import managed_site

__all__ = ["managed_site", "visible_site_ids"]

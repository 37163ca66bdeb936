"""Which sites a caller may look at, as query helpers for the list routes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal, Role
from central.errors import NotFoundError


def managed_site(session: Session, user: Principal, site_id: str) -> db.Site:
    """The site, if the caller manages it; unknown and foreign sites look the same (404)."""
    site = session.get(db.Site, site_id)
    if site is None or not user.may_manage_site(site):
        raise NotFoundError("site", site_id)
    return site


def visible_site_ids(user: Principal) -> Select[Any] | None:
    """A subquery of the caller's sites, or None for an admin (all sites)."""
    if user.role is Role.ADMIN:
        return None
    return select(db.Site.id).where(db.Site.institution_id == (user.institution_id or ""))

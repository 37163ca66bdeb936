"""A site's own vehicles (the institution's staff cars) and its blacklist, kept by its operators.

Both travel in the site's signed bundle, re-issued on every change. At the gate
(README, "How it decides") a blacklisted plate is denied with its reason, whatever else it
holds; an own vehicle opens within its windows (none: at any time) without taking a shared
space. A plate is on one list or the other, never both, and an own vehicle holds no contract
at the same site (signing refuses it too, ``central.contracts.service``).

Operators see and change their own institution's sites only: another site is not found.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.service import local_today
from central.core.security import Principal, visible_site_ids
from central.distribution.bundles import Signer, issue_bundle
from central.errors import ConflictError, NotFoundError
from central.listing import Page, PageRequest, page_of
from central.sites import managed_site
from shared import TimeWindow

logger = logging.getLogger(__name__)

Entry = TypeVar("Entry", db.OwnVehicle, db.BlacklistEntry)


def add_own_vehicle(session: Session, principal: Principal, site_id: str, plate: str, holder: str,
                    windows: Sequence[TimeWindow], signer: Signer, now: datetime) -> db.OwnVehicle:
    """A staff car at a site (``plate`` normalised); ``windows`` empty: it may enter at any time."""
    site = managed_site(session, principal, site_id, lock=True)
    _check_own_plate(session, site, plate, now)
    row = db.OwnVehicle(site_id=site.id, plate=plate, holder=holder, windows=_windows(windows),
                        created_at=now, updated_at=now)
    return _saved(session, row, signer, now)


def update_own_vehicle(session: Session, principal: Principal, site_id: str, vehicle_id: int,
                       changes: Mapping[str, Any], signer: Signer, now: datetime) -> db.OwnVehicle:
    """Change ``plate``, ``holder`` or ``windows`` (TimeWindow objects); a None leaves it as it is."""
    row = _entry(session, principal, db.OwnVehicle, site_id, vehicle_id)
    if changes.get("plate") not in (None, row.plate):
        _check_own_plate(session, session.get_one(db.Site, row.site_id), changes["plate"], now)
        row.plate = changes["plate"]
    if changes.get("holder") is not None:
        row.holder = changes["holder"]
    if changes.get("windows") is not None:
        row.windows = _windows(changes["windows"])
    row.updated_at = now
    return _saved(session, row, signer, now)


def add_blacklist_entry(session: Session, principal: Principal, site_id: str, plate: str, reason: str,
                        until: datetime | None, signer: Signer, now: datetime) -> db.BlacklistEntry:
    """Refuse ``plate`` at a site, telling the guard ``reason``, until ``until`` (None: until removed)."""
    site = managed_site(session, principal, site_id, lock=True)
    _check_blacklist_plate(session, site.id, plate)
    row = db.BlacklistEntry(site_id=site.id, plate=plate, reason=reason, until=until, created_at=now,
                            updated_at=now)
    return _saved(session, row, signer, now)


def update_blacklist_entry(session: Session, principal: Principal, site_id: str, entry_id: int,
                           changes: Mapping[str, Any], signer: Signer, now: datetime) -> db.BlacklistEntry:
    """Change ``plate``, ``reason`` (a None leaves them) or ``until`` (None: until removed)."""
    row = _entry(session, principal, db.BlacklistEntry, site_id, entry_id)
    if changes.get("plate") not in (None, row.plate):
        _check_blacklist_plate(session, row.site_id, changes["plate"])
        row.plate = changes["plate"]
    if changes.get("reason") is not None:
        row.reason = changes["reason"]
    if "until" in changes:
        row.until = changes["until"]
    row.updated_at = now
    return _saved(session, row, signer, now)


def remove(session: Session, principal: Principal, kind: type[Entry], site_id: str, entry_id: int,
           signer: Signer, now: datetime) -> None:
    """Delete an own vehicle or a blacklist entry; the site's bundle is re-signed without it."""
    row = _entry(session, principal, kind, site_id, entry_id)
    session.delete(row)
    session.flush()
    issue_bundle(session, site_id, signer, now)
    logger.info("site %s: %s %s removed", site_id, kind.__tablename__, row.plate)


def get_entry(session: Session, principal: Principal, kind: type[Entry], site_id: str,
              entry_id: int) -> Entry:
    return _entry(session, principal, kind, site_id, entry_id, lock=False)


def list_entries(session: Session, principal: Principal, kind: type[Entry], page: PageRequest,
                 site_id: str | None = None, plate: str | None = None) -> Page[Entry]:
    """Own vehicles or blacklist entries at the sites the caller manages, by site and plate."""
    query = select(kind).order_by(kind.site_id, kind.plate)
    if (sites := visible_site_ids(principal)) is not None:
        query = query.where(kind.site_id.in_(sites))
    if site_id is not None:
        query = query.where(kind.site_id == site_id)
    if plate is not None:
        query = query.where(kind.plate == plate)
    return page_of(session, query, page)


def _entry(session: Session, principal: Principal, kind: type[Entry], site_id: str, entry_id: int,
           lock: bool = True) -> Entry:
    """The entry at a site the caller manages; the site row locked (a change re-signs its bundle)
    unless only reading."""
    managed_site(session, principal, site_id, lock=lock)
    row = session.get(kind, entry_id)
    if row is None or row.site_id != site_id:
        raise NotFoundError(kind.__tablename__.removesuffix("s").replace("_", " "), str(entry_id))
    return row


def _saved(session: Session, row: Entry, signer: Signer, now: datetime) -> Entry:
    session.add(row)
    session.flush()
    issue_bundle(session, row.site_id, signer, now)
    logger.info("site %s: %s %s saved", row.site_id, row.__tablename__, row.plate)
    return row


def _windows(windows: Sequence[TimeWindow]) -> list[dict[str, Any]]:
    return [w.model_dump(mode="json") for w in windows]


def _check_own_plate(session: Session, site: db.Site, plate: str, now: datetime) -> None:
    site_id = site.id
    if _plate_on(session, db.OwnVehicle, site_id, plate):
        raise ConflictError(f"plate {plate} is already an own vehicle at site {site_id}")
    if _plate_on(session, db.BlacklistEntry, site_id, plate):
        raise ConflictError(f"plate {plate} is blacklisted at site {site_id}: lift that first")
    holds = session.scalars(select(db.Contract.id).where(
        db.Contract.site_id == site_id, db.Contract.plates.contains(f"|{plate}|"),
        db.Contract.status.not_in(db.RELEASED),
        db.Contract.valid_to >= local_today(site, now))).first()  # contracts run by the site's days
    if holds is not None:
        raise ConflictError(f"plate {plate} holds contract {holds} at site {site_id}")


def _check_blacklist_plate(session: Session, site_id: str, plate: str) -> None:
    if _plate_on(session, db.BlacklistEntry, site_id, plate):
        raise ConflictError(f"plate {plate} is already blacklisted at site {site_id}")
    if _plate_on(session, db.OwnVehicle, site_id, plate):
        raise ConflictError(f"plate {plate} is an own vehicle at site {site_id}: remove it from them first")


def _plate_on(session: Session, kind: type[Entry], site_id: str, plate: str) -> bool:
    found = session.scalars(select(kind.id).where(kind.site_id == site_id, kind.plate == plate)).first()
    return found is not None

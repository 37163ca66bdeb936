"""A site's bundle: built from the database, signed, queued in the outbox.

It carries the site's spaces, its active and suspended contracts, its own vehicles, its
blacklist (entries still in force) and the official calendar of the years the gate may
need. Issued in the same transaction as every change to any of them, so the bundle a
gate receives never disagrees with what the database committed. Issuing also raises or
clears the site's "calendar YYYY not published" alarms (``central.calendar``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.calendar import load_calendar, sync_calendar_alarms, years_covered
from central.core.config import SigningSettings
from central.errors import NotFoundError
from shared import (
    BlacklistEntry,
    Contract,
    ContractBundle,
    ContractStatus,
    OfficialCalendar,
    OwnVehicle,
    SiteInfo,
    TimeWindow,
    contracts_topic,
    private_key_from_text,
)

logger = logging.getLogger(__name__)

_IN_BUNDLE = (ContractStatus.ACTIVE.value, ContractStatus.SUSPENDED.value)


@dataclass(frozen=True)
class Signer:
    """The central key and the bundle lifetimes."""

    key_id: str
    key: Ed25519PrivateKey
    ttl: timedelta
    refresh_before: timedelta

    @classmethod
    def from_settings(cls, settings: SigningSettings) -> Signer:
        return cls(settings.key_id, private_key_from_text(settings.key_text()),
                   timedelta(hours=settings.bundle_ttl_hours),
                   timedelta(hours=settings.refresh_before_hours))


def issue_bundle(session: Session, site_id: str, signer: Signer, now: datetime) -> int:
    """Build, sign and queue the site's next bundle; returns its sequence."""
    site = session.get(db.Site, site_id)
    if site is None:
        raise NotFoundError("site", site_id)
    state = session.scalars(
        select(db.BundleState).where(db.BundleState.site_id == site_id).with_for_update()).first()
    if state is None:
        state = db.BundleState(site_id=site_id, sequence=0)
        session.add(state)
    state.sequence += 1
    state.issued_at = now
    state.expires_at = now + signer.ttl
    contracts = _bundle_contracts(session, site_id)
    bundle = ContractBundle(
        site=SiteInfo(site_id=site.id, name=site.name[:200], timezone=site.timezone,
                      shared_capacity=site.shared_capacity, reserved_spaces=site.reserved_spaces),
        sequence=state.sequence, issued_at=now, expires_at=state.expires_at, key_id=signer.key_id,
        contracts=tuple(contracts), own_vehicles=own_vehicles(session, site_id),
        blacklist=blacklist(session, site_id, now),
        calendar=_bundle_calendar(session, site, contracts, now))
    payload = sign_bundle_bytes(bundle, signer)
    session.add(db.MqttOutbox(topic=contracts_topic(site_id), payload=payload, qos=1, retain=True,
                              created_at=now))
    session.flush()
    logger.info("site %s: bundle %s with %s contracts, %s own vehicles, %s blacklisted plates queued",
                site_id, state.sequence, len(bundle.contracts), len(bundle.own_vehicles),
                len(bundle.blacklist))
    return state.sequence


def _bundle_calendar(session: Session, site: db.Site, contracts: list[Contract],
                     now: datetime) -> OfficialCalendar:
    """The schedules from last year to the last year a contract covers; an alarm for each unpublished one."""
    today = now.astimezone(ZoneInfo(site.timezone)).date()
    covered = years_covered(((c.valid_from, c.valid_to) for c in contracts), today)
    calendar = load_calendar(session, today.year - 1, max([today.year + 1, *covered]))
    sync_calendar_alarms(session, site.id, [y for y in covered if not calendar.published(y)], now)
    return calendar


def reissue_bundles(session: Session, signer: Signer, now: datetime,
                    site_id: str | None = None) -> dict[str, int]:
    """A fresh bundle for every site (or one), signed with ``signer``: after the key changed.

    Returns each site's new sequence; the bundles are queued for the publisher.
    """
    sites = [site_id] if site_id else list(session.scalars(select(db.Site.id).order_by(db.Site.id)))
    return {site: issue_bundle(session, site, signer, now) for site in sites}


def sign_bundle_bytes(bundle: ContractBundle, signer: Signer) -> bytes:
    from shared import sign_bundle

    return sign_bundle(bundle, signer.key).to_bytes()


def _bundle_contracts(session: Session, site_id: str) -> list[Contract]:
    rows = session.execute(
        select(db.Contract, db.Product)
        .join(db.Product, db.Product.id == db.Contract.product_id)
        .where(db.Contract.site_id == site_id, db.Contract.status.in_(_IN_BUNDLE))
        .order_by(db.Contract.id)).all()
    return [to_shared_contract(contract, product) for contract, product in rows]


def to_shared_contract(contract: db.Contract, product: db.Product) -> Contract:
    """The contract as the gate reads it: the product's windows, the grace it was signed with."""
    return Contract(
        contract_id=contract.id, holder_ref=contract.resident_id, plates=tuple(contract.plate_list),
        site_id=contract.site_id, product_id=product.id,
        windows=tuple(TimeWindow.model_validate(w) for w in product.windows),
        min_stay_minutes=product.min_stay_minutes, grace_minutes=contract.grace_minutes,
        valid_from=contract.valid_from, valid_to=contract.last_day,
        status=ContractStatus(contract.status), version=contract.version)


def own_vehicles(session: Session, site_id: str) -> tuple[OwnVehicle, ...]:
    rows = session.scalars(select(db.OwnVehicle).where(db.OwnVehicle.site_id == site_id)
                           .order_by(db.OwnVehicle.plate))
    return tuple(OwnVehicle(plate=row.plate, holder=row.holder,
                            windows=tuple(TimeWindow.model_validate(w) for w in row.windows)) for row in rows)


def blacklist(session: Session, site_id: str, now: datetime) -> tuple[BlacklistEntry, ...]:
    """Entries in force at ``now``: one that ran out is left out (the gate also checks ``until``)."""
    rows = session.scalars(select(db.BlacklistEntry).where(db.BlacklistEntry.site_id == site_id)
                           .order_by(db.BlacklistEntry.plate))
    entries = (BlacklistEntry(plate=row.plate, reason=row.reason, until=row.until) for row in rows)
    return tuple(entry for entry in entries if entry.active(now))


def sites_due_for_refresh(session: Session, signer: Signer, now: datetime) -> list[str]:
    """Sites whose bundle expires within ``refresh_before`` (or that never had one)."""
    due = now + signer.refresh_before
    expiry = {s.site_id: s.expires_at for s in session.scalars(select(db.BundleState))}
    return [site_id for site_id in session.scalars(select(db.Site.id).order_by(db.Site.id))
            if (expires := expiry.get(site_id)) is None or expires <= due]

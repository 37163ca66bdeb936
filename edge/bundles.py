"""The contract bundle the gate decides from: verified before it replaces the one held.

A bundle arrives retained on the site's contracts topic. It must carry a known
key's signature, must not be expired, must be for this site and must not roll
the sequence back. A refused bundle leaves the held one in place and raises an
alarm. The index built from it knows when it expires: from then on the decision
keeps using it for refusals and exits but sends every entry it would have opened
to the guard (see docs/edge.md). A bundle whose contracts cover a year its calendar
has no official schedule for raises "calendar YYYY not published": those days
follow the week alone until central publishes the year.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge import alarms as codes
from edge.alarms import Alarms
from edge.decision import SiteIndex
from edge.store import Store
from shared import BundleError, ContractBundle, SignedBundle, verify_bundle

logger = logging.getLogger(__name__)

_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


class BundleKeeper:
    def __init__(self, site_id: str, store: Store, public_keys: Mapping[str, Ed25519PublicKey],
                 alarms: Alarms, clock: Callable[[], datetime], expiry_warning: timedelta) -> None:
        self.site_id = site_id
        self.store = store
        self.public_keys = dict(public_keys)
        self.alarms = alarms
        self.clock = clock
        self.expiry_warning = expiry_warning
        self._lock = threading.Lock()
        self.bundle: ContractBundle | None = None
        self.index: SiteIndex | None = None
        self._load_held()

    def _load_held(self) -> None:
        held = self.store.held_bundle()
        if held is None:
            return
        try:  # the signature is checked again: the keys may have been rotated since
            envelope = SignedBundle.model_validate_json(held.payload)
            bundle = verify_bundle(envelope, self.public_keys, _BEGINNING)
        except (BundleError, ValueError) as exc:
            self.alarms.raise_(codes.BUNDLE_REJECTED, f"held bundle no longer verifies: {exc}", self.clock())
            return
        self._use(bundle)

    def _use(self, bundle: ContractBundle) -> None:
        with self._lock:
            self.bundle = bundle
            self.index = SiteIndex.from_bundle(bundle)

    @property
    def sequence(self) -> int:
        return self.bundle.sequence if self.bundle else 0

    def offer(self, payload: bytes) -> bool:
        """A bundle from the broker: verify, then store and use it, or keep the old one and alarm."""
        now = self.clock()
        try:
            bundle = verify_bundle(payload, self.public_keys, now, self.sequence)
            if bundle.site.site_id != self.site_id:
                raise BundleError(f"bundle is for site {bundle.site.site_id!r}, not {self.site_id!r}")
        except BundleError as exc:
            self.alarms.raise_(codes.BUNDLE_REJECTED, str(exc), now)
            logger.warning("bundle refused, keeping sequence %s: %s", self.sequence, exc)
            return False
        if bundle != self.bundle:
            self.store.replace_bundle(payload, bundle, now)
            self._use(bundle)
            logger.info("bundle %s accepted: %s contracts, expires %s", bundle.sequence,
                        len(bundle.contracts), bundle.expires_at.isoformat())
        self.alarms.clear(codes.BUNDLE_REJECTED)
        self.check(now)
        return True

    def check(self, now: datetime) -> None:
        """Raise or clear the no-bundle, expiring, expired and unpublished-calendar alarms."""
        with self._lock:
            bundle, index = self.bundle, self.index
        self.alarms.set(codes.NO_BUNDLE, bundle is None, "no verified bundle yet: entries are refused", now)
        expired = index is not None and index.expired(now)
        expiring = bundle is not None and not expired and bundle.expires_at - now <= self.expiry_warning
        when = bundle.expires_at.isoformat() if bundle else ""
        self.alarms.set(codes.BUNDLE_EXPIRED, expired, f"expired at {when}", now)
        self.alarms.set(codes.BUNDLE_EXPIRING, expiring, f"expires at {when}", now)
        self._check_calendar(index, now)

    def _check_calendar(self, index: SiteIndex | None, now: datetime) -> None:
        """A year the contracts cover with no official schedule: days there follow the week alone."""
        years = index.unpublished_from(now) if index is not None else ()
        detail = f"calendar {', '.join(str(y) for y in years)} not published"
        self.alarms.set(codes.CALENDAR_UNPUBLISHED, bool(years), detail, now)

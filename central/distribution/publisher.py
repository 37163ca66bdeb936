"""Send the outbox to the broker; a row is marked sent only after its PUBACK.

For a retained topic only the newest queued row matters (a gate wants the
latest bundle, and an older one published after it would look like a
rollback), so older rows of the same topic are marked superseded.
Run one publisher per deployment.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from central import db
from central.distribution.bundles import Signer, issue_bundle, sites_due_for_refresh
from central.errors import BrokerUnavailableError, MessageTooLargeError
from central.mqtt import MqttClient
from central.ticker import Ticker
from shared import Clock, MessageError, parse_site_topic

logger = logging.getLogger(__name__)


class OutboxPublisher:
    def __init__(self, database: db.Database, mqtt: MqttClient, signer: Signer, clock: Clock,
                 interval_s: float = 2.0, batch: int = 100) -> None:
        self._db = database
        self._mqtt = mqtt
        self._signer = signer
        self._clock = clock
        self._batch = batch
        self._ticker = Ticker("outbox-publisher", self.round, interval_s)

    def refresh_bundles(self) -> list[str]:
        """Re-issue bundles close to expiry; returns the sites refreshed."""
        with self._db.transaction() as session:
            now = self._clock()
            sites = sites_due_for_refresh(session, self._signer, now)
            for site_id in sites:
                issue_bundle(session, site_id, self._signer, now)
        return sites

    def publish_pending(self) -> int:
        """Publish what is queued; returns how many rows were confirmed by the broker."""
        rows = self._pending()
        sent = 0
        for row_id, topic, payload, retain in rows:
            try:
                self._mqtt.publish_confirmed(topic, payload, retain=retain)
            except MessageTooLargeError as exc:
                self._mark_given_up(row_id, str(exc))
                logger.error("outbox row %s given up, the broker would drop it: %s", row_id, exc)
                continue  # it would block every row behind it
            except BrokerUnavailableError as exc:
                self._mark_failed(row_id, str(exc))
                logger.warning("outbox row %s for %s not sent: %s", row_id, topic, exc)
                break  # keep the order: try again from this row next time
            self._mark_sent(row_id, topic)
            sent += 1
        return sent

    def _pending(self) -> list[tuple[int, str, bytes, bool]]:
        with self._db.transaction() as session:
            rows = session.scalars(select(db.MqttOutbox).where(db.MqttOutbox.sent_at.is_(None))
                                   .order_by(db.MqttOutbox.id).limit(self._batch)).all()
            newest: dict[str, int] = {r.topic: r.id for r in rows if r.retain}
            stale = [r.id for r in rows if r.retain and newest[r.topic] != r.id]
            if stale:
                session.execute(update(db.MqttOutbox).where(db.MqttOutbox.id.in_(stale))
                                .values(sent_at=self._clock(), last_error="superseded"))
            return [(r.id, r.topic, r.payload, r.retain) for r in rows if r.id not in stale]

    def _mark_sent(self, row_id: int, topic: str) -> None:
        now = self._clock()
        with self._db.transaction() as session:
            session.execute(update(db.MqttOutbox).where(db.MqttOutbox.id == row_id)
                            .values(sent_at=now, last_error=None, attempts=db.MqttOutbox.attempts + 1))
            site_id = _bundle_site(topic)
            if site_id is not None:
                session.execute(update(db.BundleState).where(db.BundleState.site_id == site_id)
                                .values(published_at=now))

    def _mark_given_up(self, row_id: int, error: str) -> None:
        with self._db.transaction() as session:
            session.execute(update(db.MqttOutbox).where(db.MqttOutbox.id == row_id)
                            .values(sent_at=self._clock(), last_error=f"given up: {error}"[:500]))

    def _mark_failed(self, row_id: int, error: str) -> None:
        with self._db.transaction() as session:
            session.execute(update(db.MqttOutbox).where(db.MqttOutbox.id == row_id)
                            .values(attempts=db.MqttOutbox.attempts + 1, last_error=error[:500]))

    def round(self) -> None:
        """One round of the background loop: refresh bundles near expiry, then send what is queued."""
        self.refresh_bundles()
        if self._mqtt.connected:
            self.publish_pending()

    def start(self) -> None:
        self._ticker.start()

    def stop(self) -> None:
        self._ticker.stop()


def _bundle_site(topic: str) -> str | None:
    """The site whose contract bundle went out on ``topic``; None for any other topic (alerts)."""
    try:
        where = parse_site_topic(topic)
    except MessageError:
        return None
    return where.site if where.kind == "contracts" else None

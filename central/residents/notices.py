"""Notices in the app: departure reminders, overstay notices and suspensions, kept per resident.

Enforcement writes a ``notifications`` row per channel for each action (central/enforcement);
``InAppNotifier`` is the ``app`` channel's adapter: its ``send`` stores the alert as a
``resident_notices`` row, once per (resident, alert) however often it is delivered. The app
lists them and pushes new ones to an open page (``notices_after``, read by the live stream).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal
from central.errors import NotifyError
from central.residents.caller import resident_of
from shared import SiteAlert

logger = logging.getLogger(__name__)

CHANNEL = "app"
PAGE_SIZE = 50


class ChangeCounter:
    """Counts notices stored by this process, so that a live page looks in the database only when
    there is something new (and now and then, for notices another process stored)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0

    @property
    def version(self) -> int:
        return self._version

    def bump(self) -> None:
        with self._lock:
            self._version += 1


NOTICES_STORED = ChangeCounter()


class InAppNotifier:
    """The in-app adapter of enforcement's notification outbox (``ResidentNotifier``)."""

    channel = CHANNEL

    def __init__(self, database: db.Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def send(self, payload: Mapping[str, Any]) -> None:
        resident_id = payload.get("resident_id")
        try:
            alert = SiteAlert.model_validate({k: v for k, v in payload.items() if k != "resident_id"})
        except ValidationError as exc:
            raise NotifyError(f"app: not an alert ({exc.error_count()} errors)") from exc
        if not isinstance(resident_id, str) or not resident_id:
            raise NotifyError("app: the alert names no resident")
        try:
            with self.database.transaction() as session:
                store_notice(session, resident_id, alert, self.clock())
        except IntegrityError:  # delivered before (the outbox retried after a lost commit): done
            logger.info("notice %s already stored", alert.alert_id)
            return
        NOTICES_STORED.bump()


def store_notice(session: Session, resident_id: str, alert: SiteAlert, now: datetime) -> db.ResidentNotice:
    notice = db.ResidentNotice(resident_id=resident_id, alert_id=str(alert.alert_id), kind=alert.kind.value,
                               site_id=alert.site_id, contract_id=alert.contract_id, plate=alert.plate,
                               deadline=alert.deadline, minutes_left=alert.minutes_left, at=alert.at,
                               created_at=now)
    session.add(notice)
    session.flush()
    return notice


def list_notices(session: Session, principal: Principal, limit: int = PAGE_SIZE) -> list[db.ResidentNotice]:
    """The caller's notices, newest first."""
    query = (select(db.ResidentNotice).where(db.ResidentNotice.resident_id == resident_of(principal))
             .order_by(db.ResidentNotice.id.desc()).limit(limit))
    return list(session.scalars(query))


def notices_after(session: Session, principal: Principal, after_id: int,
                  limit: int = 20) -> list[db.ResidentNotice]:
    """The caller's notices newer than ``after_id``, oldest first (what a live page has not shown)."""
    query = (select(db.ResidentNotice).where(db.ResidentNotice.resident_id == resident_of(principal),
                                             db.ResidentNotice.id > after_id)
             .order_by(db.ResidentNotice.id).limit(limit))
    return list(session.scalars(query))


def latest_notice_id(session: Session, principal: Principal) -> int:
    return session.scalar(select(func.max(db.ResidentNotice.id)).where(
        db.ResidentNotice.resident_id == resident_of(principal))) or 0


def unread_count(session: Session, principal: Principal) -> int:
    return session.scalar(select(func.count()).select_from(db.ResidentNotice).where(
        db.ResidentNotice.resident_id == resident_of(principal), db.ResidentNotice.read_at.is_(None))) or 0


def mark_read(session: Session, principal: Principal, now: datetime) -> None:
    """Every notice of the caller counts as read from now (they have seen the list)."""
    session.execute(update(db.ResidentNotice).where(
        db.ResidentNotice.resident_id == resident_of(principal), db.ResidentNotice.read_at.is_(None))
        .values(read_at=now))


def site_names(session: Session, notices: list[db.ResidentNotice]) -> dict[str, db.Site]:
    """The sites the notices name, by id."""
    ids = {n.site_id for n in notices}
    if not ids:
        return {}
    return {site.id: site for site in session.scalars(select(db.Site).where(db.Site.id.in_(ids)))}


def notice_text(notice: db.ResidentNotice, site: db.Site | None, t: Callable[..., str],
                when: Callable[[datetime, str], str]) -> str:
    """The notice in the reader's language, times in the site's zone."""
    zone = site.timezone if site else "Asia/Shanghai"
    deadline = when(notice.deadline, zone) if notice.deadline else ""
    return t(f"notice.{notice.kind}", plate=notice.plate or "", site=site.name if site else notice.site_id,
             deadline=deadline, minutes=notice.minutes_left or 0)

"""Enforcement against the database: what the timeline needs, and what its actions write.

Each action is written in one transaction with everything it causes: the
action's key (so it is never done twice), the violation, the site alert in the
MQTT outbox, the resident's notifications, and for a suspension the contract
change that queues the site's next signed bundle.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus
from central.enforcement.models import EnforcementAction, Notification, Suspension, Violation
from central.enforcement.timeline import (
    Action,
    Overstay,
    Reminder,
    Standing,
    ViolationRecord,
    WatchedStay,
)
from central.enforcement.timeline import Suspension as SuspensionDue
from shared import AlertKind, ContractStatus, SiteAlert, alerts_topic, encode_message

logger = logging.getLogger(__name__)

SuspendContract = Callable[[Session, str, datetime], None]


def watched_stays(session: Session, now: datetime, lookback: timedelta,
                  default_grace: int) -> list[WatchedStay]:
    """Open stays with a deadline, and stays closed within ``lookback`` after theirs."""
    query = (  # the grace a contract was signed with: billing charges overstay by the same one
        select(db.Stay.id, db.Stay.site_id, db.Stay.plate, db.Stay.contract_id, db.Stay.entered_at,
               db.Stay.deadline, db.Stay.exited_at, db.Contract.grace_minutes)
        .outerjoin(db.Contract, db.Contract.id == db.Stay.contract_id)
        .where(db.Stay.deadline.is_not(None), db.Stay.entered_at.is_not(None))
        .where(or_(db.Stay.status == StayStatus.OPEN,
                   (db.Stay.exited_at > now - lookback) & (db.Stay.exited_at > db.Stay.deadline)))
    )
    return [WatchedStay(str(row.id), row.site_id, row.plate, row.contract_id, row.entered_at or now,
                        row.deadline, default_grace if row.grace_minutes is None else row.grace_minutes,
                        row.exited_at)
            for row in session.execute(query)]


def done_keys(session: Session, since: datetime) -> set[str]:
    return set(session.scalars(select(EnforcementAction.key).where(EnforcementAction.done_at >= since)))


def recent_violations(session: Session, since: datetime) -> list[ViolationRecord]:
    query = select(Violation.contract_id, Violation.site_id, Violation.stay_id, Violation.at).where(
        Violation.at > since)
    return [ViolationRecord(row.contract_id, row.site_id, str(row.stay_id), row.at)
            for row in session.execute(query)]


def standings(session: Session, contract_ids: set[str]) -> dict[str, Standing]:
    """Status of each contract; violations count from its last automatic suspension on."""
    if not contract_ids:
        return {}
    last = dict(session.execute(
        select(Suspension.contract_id, func.max(Suspension.suspended_at))
        .where(Suspension.contract_id.in_(contract_ids)).group_by(Suspension.contract_id)).all())
    rows = session.execute(select(db.Contract.id, db.Contract.status).where(db.Contract.id.in_(contract_ids)))
    return {cid: Standing(cid, ContractStatus(status), last.get(cid)) for cid, status in rows}


def record(session: Session, action: Action, now: datetime, channels: Sequence[str],
           suspend: SuspendContract) -> None:
    """Write one action and everything it causes, in the caller's transaction."""
    stay_id: int | None = None
    contract_id: str | None
    if isinstance(action, SuspensionDue):
        suspend(session, action.contract_id, now)
        session.add(Suspension(contract_id=action.contract_id, violations=action.violations,
                               suspended_at=now))
        alert = _alert(AlertKind.SUSPENSION, action.site_id, now, contract_id=action.contract_id,
                       message=f"contract suspended after {action.violations} overstays")
        site_id, contract_id = action.site_id, action.contract_id
    else:
        stay = action.stay
        stay_id, site_id = int(stay.stay_id), stay.site_id
        contract_id = stay.contract_id
        alert = _stay_alert(action, now)
        if isinstance(action, Overstay):
            assert stay.deadline is not None
            session.add(Violation(stay_id=stay_id, site_id=site_id, contract_id=contract_id, plate=stay.plate,
                                  deadline=stay.deadline, at=action.at, recorded_at=now))
    session.add(EnforcementAction(key=action.key, kind=alert.kind.value, site_id=site_id,
                                  contract_id=contract_id, stay_id=stay_id, done_at=now))
    session.add(db.MqttOutbox(topic=alerts_topic(site_id), payload=encode_message(alert), qos=1,
                              retain=False, created_at=now))
    resident = _resident(session, contract_id)
    for channel in channels if resident else ():
        session.add(Notification(action_key=action.key, channel=channel, resident_id=resident,
                                 payload={**alert.model_dump(mode="json"), "resident_id": resident},
                                 status="pending", attempts=0, next_attempt_at=now, created_at=now))
    logger.info("enforcement: %s", action.key)


def _stay_alert(action: Reminder | Overstay, now: datetime) -> SiteAlert:
    stay = action.stay
    if isinstance(action, Reminder):
        return _alert(AlertKind.REMINDER, stay.site_id, now, plate=stay.plate, contract_id=stay.contract_id,
                      deadline=stay.deadline, minutes_left=action.minutes_before,
                      message=f"{stay.plate}: {action.minutes_before} minutes to the departure deadline")
    return _alert(AlertKind.OVERSTAY, stay.site_id, now, plate=stay.plate, contract_id=stay.contract_id,
                  deadline=stay.deadline, minutes_left=0,
                  message=f"{stay.plate}: still inside after the deadline and grace (roll-call)")


def _alert(kind: AlertKind, site_id: str, now: datetime, **fields: object) -> SiteAlert:
    return SiteAlert(alert_id=uuid.uuid4(), site_id=site_id, kind=kind, at=now, **fields)


def _resident(session: Session, contract_id: str | None) -> str | None:
    if contract_id is None:
        return None
    return session.scalar(select(db.Contract.resident_id).where(db.Contract.id == contract_id))

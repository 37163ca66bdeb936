"""Gate status: what the gate says about itself, and the alarms it raises here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from shared import GateState, GateStatus

logger = logging.getLogger(__name__)

STALE_BUNDLE = "stale_bundle"
CLOCK_SKEW = "clock_skew"
EVENT_CONFLICT = "event_conflict"  # an event_id sent again with other content


@dataclass(frozen=True, slots=True)
class GateStatusUpdate:
    status: GateStatus
    retained: bool  # a retained copy is old news: its clock says nothing about skew


def apply_status(session: Session, update: GateStatusUpdate, now: datetime, skew_limit_s: float) -> bool:
    """Store the status; False when the site is unknown (the caller dead-letters it)."""
    status = update.status
    if session.get(db.Site, status.site_id) is None:
        return False
    gate = session.scalars(select(db.Gate).where(
        db.Gate.site_id == status.site_id, db.Gate.gate_id == status.gate_id)).first()
    if gate is None:
        gate = db.Gate(site_id=status.site_id, gate_id=status.gate_id, alarms=[])
        session.add(gate)
    gate.state = status.state.value
    if status.state is GateState.OFFLINE:
        return True  # the last will: nothing else in it is current
    gate.last_seen = now
    gate.outbox_depth = status.outbox_depth
    gate.bundle_sequence = status.bundle_sequence
    gate.alarms = list(status.alarms)
    _check_bundle(session, gate, now)
    if status.at is not None and not update.retained:
        gate.clock_skew_s = abs((status.at - now).total_seconds())
        _set_alarm(session, gate, CLOCK_SKEW, gate.clock_skew_s > skew_limit_s, now,
                   f"gate clock is {gate.clock_skew_s:.0f} s off (limit {skew_limit_s:.0f} s)")
    return True


def _check_bundle(session: Session, gate: db.Gate, now: datetime) -> None:
    state = session.get(db.BundleState, gate.site_id)
    current = state.sequence if state is not None else 0
    _set_alarm(session, gate, STALE_BUNDLE, gate.bundle_sequence < current, now,
               f"gate runs bundle {gate.bundle_sequence}, the site's current one is {current}")


def _set_alarm(session: Session, gate: db.Gate, kind: str, active: bool, now: datetime, message: str) -> None:
    if active:
        raise_alarm(session, gate.site_id, gate.gate_id, kind, now, message)
        return
    open_alarm = _open_alarm(session, gate.site_id, gate.gate_id, kind)
    if open_alarm is not None:
        open_alarm.cleared_at = now


def raise_alarm(session: Session, site_id: str, gate_id: str, kind: str, now: datetime, message: str) -> None:
    """Open an alarm unless one of this kind is open for the gate already (one a person clears)."""
    if _open_alarm(session, site_id, gate_id, kind) is not None:
        return
    session.add(db.Alarm(site_id=site_id, gate_id=gate_id, kind=kind, message=message[:500], raised_at=now))
    logger.warning("alarm %s at %s/%s: %s", kind, site_id, gate_id, message)


def _open_alarm(session: Session, site_id: str, gate_id: str, kind: str) -> db.Alarm | None:
    return session.scalars(select(db.Alarm).where(
        db.Alarm.site_id == site_id, db.Alarm.gate_id == gate_id, db.Alarm.kind == kind,
        db.Alarm.cleared_at.is_(None))).first()


@dataclass(frozen=True, slots=True)
class GateView:
    """A gate as the console shows it: its last status, the site's current bundle, its open alarms here."""

    gate: db.Gate
    current_sequence: int  # the site's latest bundle: a gate behind it has a stale_bundle alarm
    alarms: tuple[db.Alarm, ...]  # open alarms raised here for this gate (stale_bundle, clock_skew)


def site_gates(session: Session, site_id: str) -> list[GateView]:
    """The site's gates by id, each with its open alarms (callers check the site is the caller's)."""
    state = session.get(db.BundleState, site_id)
    current = state.sequence if state is not None else 0
    alarms = session.scalars(select(db.Alarm).where(
        db.Alarm.site_id == site_id, db.Alarm.cleared_at.is_(None), db.Alarm.gate_id.is_not(None))
        .order_by(db.Alarm.raised_at)).all()
    gates = session.scalars(select(db.Gate).where(db.Gate.site_id == site_id).order_by(db.Gate.gate_id))
    return [GateView(g, current, tuple(a for a in alarms if a.gate_id == g.gate_id)) for g in gates]


"""Pair entries and exits into stays by the time at the gate, not by arrival order.

Only events whose barrier opened make stays. For one site and plate:
- an entry fills the earliest exit-without-entry after it (an exit that came first),
  unless another entry lies between them; otherwise it opens a stay;
- an exit closes the latest stay entered before it if that stay is open; if that stay
  was closed by a later exit, this earlier exit takes its place and the later one
  becomes the anomaly; with no entry before it, the exit is recorded as an anomaly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import String, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus
from central.db.bulk import insert_rows
from shared import Direction, GateEvent

# What a new stay is written with: one executemany (or one unnest() on PostgreSQL) per batch.
_COLUMNS = ("site_id", "plate", "contract_id", "entry_event_id", "exit_event_id", "entered_at", "exited_at",
            "deadline", "status")


def pair_stays(session: Session, events: list[GateEvent]) -> None:
    """Update stays for newly stored events (duplicates already removed)."""
    opened = [e for e in events if e.opened and e.plate]
    if not opened:
        return
    timelines = _load(session, opened)
    created: list[db.Stay] = []  # kept out of the session: inserted in one executemany at the end
    for event in sorted(opened, key=lambda e: e.at):
        timeline = timelines[(event.site_id, event.plate or "")]
        if event.direction is Direction.ENTRY:
            _entry(created, timeline, event)
        else:
            _exit(created, timeline, event)
    insert_rows(session.connection(), db.Stay, _COLUMNS,
                [tuple(getattr(stay, c) for c in _COLUMNS) for stay in created])


def _load(session: Session, events: list[GateEvent]) -> dict[tuple[str, str], list[db.Stay]]:
    keys = sorted({(e.site_id, e.plate or "") for e in events})
    since = min(e.at for e in events)
    plates = sorted({plate for _, plate in keys})
    plate_filter = (db.Stay.plate == any_(bindparam("plates", plates, type_=ARRAY(String)))
                    if session.get_bind().dialect.name == "postgresql" else db.Stay.plate.in_(plates))
    found = session.scalars(select(db.Stay).where(
        db.Stay.site_id.in_(sorted({site for site, _ in keys})), plate_filter,
        or_(db.Stay.status == StayStatus.OPEN, db.Stay.exited_at >= since))).all()
    timelines: dict[tuple[str, str], list[db.Stay]] = defaultdict(list)
    for stay in found:
        timelines[(stay.site_id, stay.plate)].append(stay)  # a few foreign pairs: never looked up
    return timelines


def _entry(created: list[db.Stay], timeline: list[db.Stay], event: GateEvent) -> None:
    later_entries = [s.entered_at for s in timeline if s.entered_at is not None and s.entered_at > event.at]
    next_entry = min(later_entries, default=None)
    waiting = [s for s in timeline if s.status is StayStatus.ANOMALY and s.exited_at is not None
               and s.exited_at >= event.at and (next_entry is None or s.exited_at < next_entry)]
    if waiting:
        stay = min(waiting, key=lambda s: _at(s.exited_at))
        _set_entry(stay, event)
        stay.status = StayStatus.CLOSED
        return
    stay = db.Stay(site_id=event.site_id, plate=event.plate, status=StayStatus.OPEN)
    _set_entry(stay, event)
    created.append(stay)
    timeline.append(stay)


def _exit(created: list[db.Stay], timeline: list[db.Stay], event: GateEvent) -> None:
    before = [s for s in timeline if s.entered_at is not None and s.entered_at <= event.at]
    previous = max(before, key=lambda s: _at(s.entered_at), default=None)
    if previous is not None and previous.status is StayStatus.OPEN:
        _set_exit(previous, event)
        previous.status = StayStatus.CLOSED
        return
    if previous is not None and previous.exited_at is not None and previous.exited_at > event.at:
        bumped = _anomaly(created, timeline, event)
        bumped.exit_event_id, bumped.exited_at = previous.exit_event_id, previous.exited_at
        _set_exit(previous, event)
        return
    _anomaly(created, timeline, event)


def _anomaly(created: list[db.Stay], timeline: list[db.Stay], event: GateEvent) -> db.Stay:
    stay = db.Stay(site_id=event.site_id, plate=event.plate, status=StayStatus.ANOMALY,
                   contract_id=event.contract_id)
    _set_exit(stay, event)
    created.append(stay)
    timeline.append(stay)
    return stay


def _set_entry(stay: db.Stay, event: GateEvent) -> None:
    stay.entry_event_id = event.event_id
    stay.entered_at = event.at
    stay.deadline = event.deadline
    stay.contract_id = event.contract_id or stay.contract_id


def _set_exit(stay: db.Stay, event: GateEvent) -> None:
    stay.exit_event_id = event.event_id
    stay.exited_at = event.at


def _at(value: datetime | None) -> datetime:
    assert value is not None
    return value

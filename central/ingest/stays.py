"""Pair entries and exits into stays by the time at the gate, not by arrival order.

Only events whose barrier opened make stays. The result is the one the events give when
taken in order of their time at the gate, whatever order they arrive in: an entry opens a
stay, an exit closes the latest stay entered before it if that one is open, else it is an
anomaly. So, for one site and plate:
- an entry takes the earliest exit after it, unless another entry lies between them: an
  exit that came with no entry (an anomaly), or one a stay entered earlier took (that stay
  goes back to open: its car's exit was never seen); otherwise it opens a stay;
- an exit closes the latest stay entered before it if that stay is open; if that stay
  was closed by a later exit, this earlier exit takes its place and the later one
  becomes the anomaly; with no entry before it, the exit is recorded as an anomaly.

Several consumers may store events of one plate at once: ``lock_plates`` serialises them per
(site, plate) (``pg_advisory_xact_lock`` on PostgreSQL, the single-writer transaction on
SQLite), so each pairing sees every stay committed before it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, any_, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus
from central.db.bulk import insert_rows
from shared import Direction, GateEvent

# The first key of our advisory locks: "stays" (a second kind of lock would take another).
_LOCK_SPACE = 0x53544159 & 0x7FFFFFFF


@dataclass
class StayChanges:
    """What one batch did to stays (the metrics count them)."""

    opened: int = 0  # entries that began a stay
    closed: int = 0  # stays that got their exit
    anomalies: int = 0  # exits with no entry before them


def lock_plates(session: Session, keys: Iterable[tuple[str, str | None]]) -> None:
    """Hold the (site, plate) locks of these events until the transaction ends.

    Taken in one order (sorted) and before the batch writes anything, so two consumers never
    wait for each other in a circle. SQLite needs none: its transactions begin IMMEDIATE.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({_lock_id(site, plate) for site, plate in keys if plate})
    if ids:
        session.execute(text("SELECT count(pg_advisory_xact_lock(:space, k)) "
                             "FROM unnest(CAST(:ids AS integer[])) AS k"), {"space": _LOCK_SPACE, "ids": ids})


def _lock_id(site: str, plate: str) -> int:
    """32 bits of the key: two plates sharing a lock only wait for each other."""
    digest = hashlib.blake2b(f"{site}/{plate}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)

# What a new stay is written with: one executemany (or one unnest() on PostgreSQL) per batch.
_COLUMNS = ("site_id", "plate", "contract_id", "entry_event_id", "exit_event_id", "entered_at", "exited_at",
            "deadline", "status")


def pair_stays(session: Session, events: list[GateEvent]) -> StayChanges:
    """Update stays for newly stored events (duplicates already removed)."""
    changes = StayChanges()
    opened = [e for e in events if e.opened and e.plate]
    if not opened:
        return changes
    timelines = _load(session, opened)
    created: list[db.Stay] = []  # kept out of the session: inserted in one executemany at the end
    for event in sorted(opened, key=lambda e: e.at):
        timeline = timelines[(event.site_id, event.plate or "")]
        if event.direction is Direction.ENTRY:
            _entry(created, timeline, event, changes)
        else:
            _exit(created, timeline, event, changes)
    insert_rows(session.connection(), db.Stay, _COLUMNS,
                [tuple(getattr(stay, c) for c in _COLUMNS) for stay in created])
    return changes


def _load(session: Session, events: list[GateEvent]) -> dict[tuple[str, str], list[db.Stay]]:
    """The stays the events may touch: open ones, those with an exit since the batch's earliest
    event, and those entered after a loaded open stay (an exit goes to the latest entry before it,
    and that may be a closed stay entered after an open one whose exit was never seen)."""
    keys = sorted({(e.site_id, e.plate or "") for e in events})
    since = min(e.at for e in events)
    plates = sorted({plate for _, plate in keys})
    plate_filter = (db.Stay.plate == any_(bindparam("plates", plates, type_=ARRAY(String)))
                    if session.get_bind().dialect.name == "postgresql" else db.Stay.plate.in_(plates))
    where = (db.Stay.site_id.in_(sorted({site for site, _ in keys})), plate_filter)
    found = list(session.scalars(select(db.Stay).where(
        *where, or_(db.Stay.status == StayStatus.OPEN, db.Stay.exited_at >= since))))
    oldest_open = min((s.entered_at for s in found if s.status is StayStatus.OPEN and s.entered_at is not None
                       and s.entered_at < since), default=None)
    if oldest_open is not None:  # rare: an open stay older than the batch (or one missing its exit)
        seen = {s.id for s in found}
        found += [s for s in session.scalars(select(db.Stay).where(
            *where, and_(db.Stay.entered_at >= oldest_open, func.coalesce(db.Stay.exited_at, since) < since)))
            if s.id not in seen]
    timelines: dict[tuple[str, str], list[db.Stay]] = defaultdict(list)
    for stay in found:
        timelines[(stay.site_id, stay.plate)].append(stay)  # a few foreign pairs: never looked up
    return timelines


def _entry(created: list[db.Stay], timeline: list[db.Stay], event: GateEvent, changes: StayChanges) -> None:
    later_entries = [s.entered_at for s in timeline if s.entered_at is not None and s.entered_at > event.at]
    next_entry = min(later_entries, default=None)
    exits = [s for s in timeline if s.exited_at is not None and s.exited_at >= event.at
             and (next_entry is None or s.exited_at < next_entry)]
    changes.opened += 1
    taker = min(exits, key=lambda s: _at(s.exited_at), default=None)
    if taker is not None and taker.status is StayStatus.ANOMALY:
        _set_entry(taker, event)
        taker.status = StayStatus.CLOSED
        changes.closed += 1
        return
    stay = db.Stay(site_id=event.site_id, plate=event.plate, status=StayStatus.OPEN)
    _set_entry(stay, event)
    if taker is not None:  # an earlier entry took this exit: it is this entry's, and that car never left
        stay.exit_event_id, stay.exited_at = taker.exit_event_id, taker.exited_at
        stay.status = StayStatus.CLOSED
        taker.status, taker.exit_event_id, taker.exited_at = StayStatus.OPEN, None, None
    created.append(stay)
    timeline.append(stay)


def _exit(created: list[db.Stay], timeline: list[db.Stay], event: GateEvent, changes: StayChanges) -> None:
    before = [s for s in timeline if s.entered_at is not None and s.entered_at <= event.at]
    previous = max(before, key=lambda s: _at(s.entered_at), default=None)
    if previous is not None and previous.status is StayStatus.OPEN:
        _set_exit(previous, event)
        previous.status = StayStatus.CLOSED
        changes.closed += 1
        return
    changes.anomalies += 1
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

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

The pairing itself is in memory, over ``stay_rows.StayRow``; ``stay_rows`` reads and writes
them. Several consumers may store events of one plate at once: ``stay_rows.lock_plates``
serialises them per (site, plate) (``pg_advisory_xact_lock`` on PostgreSQL, the single-writer
transaction on SQLite), so each pairing sees every stay committed before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from central.db import StayStatus
from central.ingest.stay_rows import StayRow, load, save, values
from shared import Direction, GateEvent


@dataclass
class StayChanges:
    """What one batch did to stays (the metrics count them)."""

    opened: int = 0  # entries that began a stay
    closed: int = 0  # stays that got their exit
    anomalies: int = 0  # exits with no entry before them


def pair_stays(session: Session, events: list[GateEvent]) -> StayChanges:
    """Update stays for newly stored events (duplicates already removed)."""
    changes = StayChanges()
    opened = [e for e in events if e.opened and e.plate]
    if not opened:
        return changes
    loaded = load(session, sorted({(e.site_id, e.plate or "") for e in opened}), min(e.at for e in opened))
    before = [values(stay) for stay in loaded]
    timelines: dict[tuple[str, str], list[StayRow]] = defaultdict(list)
    for stay in loaded:
        timelines[(stay.site_id, stay.plate)].append(stay)  # a few foreign pairs: never looked up
    created: list[StayRow] = []
    for event in sorted(opened, key=lambda e: e.at):
        timeline = timelines[(event.site_id, event.plate or "")]
        if event.direction is Direction.ENTRY:
            _entry(created, timeline, event, changes)
        else:
            _exit(created, timeline, event, changes)
    save(session, loaded, before, created)
    return changes


def _entry(created: list[StayRow], timeline: list[StayRow], event: GateEvent, changes: StayChanges) -> None:
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
    stay = StayRow(site_id=event.site_id, plate=event.plate or "", status=StayStatus.OPEN)
    _set_entry(stay, event)
    if taker is not None:  # an earlier entry took this exit: it is this entry's, and that car never left
        stay.exit_event_id, stay.exited_at = taker.exit_event_id, taker.exited_at
        stay.status = StayStatus.CLOSED
        taker.status, taker.exit_event_id, taker.exited_at = StayStatus.OPEN, None, None
    created.append(stay)
    timeline.append(stay)


def _exit(created: list[StayRow], timeline: list[StayRow], event: GateEvent, changes: StayChanges) -> None:
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


def _anomaly(created: list[StayRow], timeline: list[StayRow], event: GateEvent) -> StayRow:
    stay = StayRow(site_id=event.site_id, plate=event.plate or "", status=StayStatus.ANOMALY,
                    contract_id=event.contract_id)
    _set_exit(stay, event)
    created.append(stay)
    timeline.append(stay)
    return stay


def _set_entry(stay: StayRow, event: GateEvent) -> None:
    stay.entry_event_id = event.event_id
    stay.entered_at = event.at
    stay.deadline = event.deadline
    stay.contract_id = event.contract_id or stay.contract_id


def _set_exit(stay: StayRow, event: GateEvent) -> None:
    stay.exit_event_id = event.event_id
    stay.exited_at = event.at


def _at(value: datetime | None) -> datetime:
    assert value is not None
    return value

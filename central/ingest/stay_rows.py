"""Stays in and out of the database for the pairing (``stays``): plain rows, not mapped objects.

A batch reads the stays its events may touch in one query (two when an old open stay is among
them), pairs them in memory, then writes back in one statement each: the new stays (one
executemany, or one ``unnest()`` on PostgreSQL) and the changed ones (one executemany UPDATE).
Mapped objects would cost more to build and flush than the database takes to store them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, or_, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from central import db
from central.db import StayStatus
from central.db.bulk import insert_rows, sqlite_one_of, update_rows

# The first key of our advisory locks: "stays" (a second kind of lock would take another).
_LOCK_SPACE = 0x53544159 & 0x7FFFFFFF
_TABLE = cast(Table, db.Stay.__table__)


@dataclass(slots=True)
class StayRow:
    """One stay as the pairing sees it: loaded (``id`` set) or made by this batch."""

    site_id: str
    plate: str
    status: StayStatus
    contract_id: str | None = None
    entry_event_id: uuid.UUID | None = None
    exit_event_id: uuid.UUID | None = None
    entered_at: datetime | None = None
    exited_at: datetime | None = None
    deadline: datetime | None = None
    id: int | None = None


_INSERTED = ("site_id", "plate", "status", "contract_id", "entry_event_id", "exit_event_id", "entered_at",
             "exited_at", "deadline")  # StayRow's fields, in order, but the id
_CHANGEABLE = _INSERTED[2:]
values = attrgetter(*_INSERTED, "id")  # a stay's values, to tell which the pairing changed


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


def load(session: Session, keys: Sequence[tuple[str, str]], since: datetime) -> list[StayRow]:
    """The stays of these (site, plate) keys the events from ``since`` on may touch: open ones,
    those with an exit since then, and those entered after a loaded open stay (an exit goes to
    the latest entry before it, which may be a closed stay entered after an open one whose exit
    was never seen)."""
    sites = sorted({site for site, _ in keys})
    found = _rows(session, sites, {plate for _, plate in keys},
                  or_(db.Stay.status == StayStatus.OPEN, db.Stay.exited_at >= since))
    old = [s for s in found
           if s.status is StayStatus.OPEN and s.entered_at is not None and s.entered_at < since]
    if old:  # open stays older than the batch: the closed stays entered after them
        seen = {s.id for s in found}
        oldest = min(s.entered_at for s in old if s.entered_at is not None)
        found += [s for s in _rows(session, sites, {s.plate for s in old}, db.Stay.entered_at >= oldest,
                                   func.coalesce(db.Stay.exited_at, since) < since) if s.id not in seen]
    return found


def _rows(session: Session, sites: list[str], plates: set[str], *where: Any) -> list[StayRow]:
    ordered = sorted(plates)
    columns = [_TABLE.c[name] for name in (*_INSERTED, "id")]
    query = select(*columns).where(db.Stay.site_id.in_(sites), *where)
    if session.get_bind().dialect.name == "postgresql":
        # one index lookup per plate (a LATERAL subquery, kept whole by its OFFSET): a plain join
        # of unnest() lets the planner hash the site's whole table of stays, which grows without end
        # ("plate = ANY(array)" is no better: a generic plan tests the array against every row)
        wanted = func.unnest(bindparam("plates", ordered, type_=ARRAY(String))).table_valued(
            "plate").render_derived()
        per_plate = query.where(db.Stay.plate == wanted.c.plate).offset(0).lateral()
        query = select(*per_plate.c).select_from(wanted).join(per_plate, true())
    else:
        query = query.where(sqlite_one_of(db.Stay.plate, ordered))
    return [StayRow(*row) for row in session.connection().execute(query).all()]


def save(session: Session, loaded: list[StayRow], before: list[tuple[Any, ...]],
         created: list[StayRow]) -> None:
    """Insert the new stays and update the loaded ones the pairing changed (``before``: their
    ``values`` as loaded, in order)."""
    connection = session.connection()
    insert_rows(connection, db.Stay, _INSERTED, [values(stay)[:-1] for stay in created])
    changed = [stay for stay, was in zip(loaded, before, strict=True) if values(stay) != was]
    update_rows(connection, db.Stay, "id", _CHANGEABLE, [(stay.id, *values(stay)[2:-1]) for stay in changed])

"""Finding residents as staff know them: by mobile number (matched through its keyed hash) or by id.

The number itself is never stored (``phones``): what staff type is hashed under ``web.phone_key``
and compared with ``residents.phone_hash``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.accounts.phones import normalise_phone, phone_hash
from central.errors import AccountError


def find_resident(session: Session, text: str, phone_key: str) -> db.Resident | None:
    """The resident with this mobile number, else with this id; None when neither exists."""
    typed = text.strip()
    try:
        hashed = phone_hash(normalise_phone(typed), phone_key)
    except AccountError:
        return session.get(db.Resident, typed[:64])
    return session.scalars(select(db.Resident).where(db.Resident.phone_hash == hashed)).first()


def residents_by_id(session: Session, ids: Iterable[str]) -> dict[str, db.Resident]:
    """The residents of ``ids`` (a page of contracts' holders), in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(db.Resident).where(db.Resident.id.in_(wanted)))}

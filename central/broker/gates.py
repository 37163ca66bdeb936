"""Adding, re-keying and removing a gate: its row at central and its broker account together.

What the API route and the command line call (and the operator console will).
The caller's session commits; a broker that refuses the account rolls the row
back with it. The password is returned once, to be handed to the gate; it is
never stored here nor written to a log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.broker.accounts import GateAccounts, GateCredentials
from central.errors import ConflictError, NotFoundError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewGate:
    gate: db.Gate
    credentials: GateCredentials | None  # None: the broker's accounts are kept by hand


def add_gate(session: Session, accounts: GateAccounts, site_id: str, gate_id: str, name: str = "") -> NewGate:
    """Register the gate and make its broker account; ConflictError if it exists."""
    if session.get(db.Site, site_id) is None:
        raise NotFoundError("site", site_id)
    if _find(session, site_id, gate_id) is not None:
        raise ConflictError(f"gate {site_id}/{gate_id} already exists")
    gate = db.Gate(site_id=site_id, gate_id=gate_id, name=name, alarms=[])
    session.add(gate)
    session.flush()
    credentials = accounts.create(site_id, gate_id)
    logger.info("gate %s/%s added%s", site_id, gate_id, " with its broker account" if credentials else "")
    return NewGate(gate, credentials)


def remove_gate(session: Session, accounts: GateAccounts, site_id: str, gate_id: str) -> bool:
    """Remove the broker account first (the gate is cut off at once), then the row.

    Returns whether a broker account was removed. NotFoundError when there was
    neither a row nor an account.
    """
    gate = _find(session, site_id, gate_id)
    removed = accounts.remove(site_id, gate_id)
    if gate is None and not removed:
        raise NotFoundError("gate", f"{site_id}/{gate_id}")
    if gate is not None:
        session.delete(gate)
        session.flush()
    logger.info("gate %s/%s removed", site_id, gate_id)
    return removed


def rotate_gate_password(session: Session, accounts: GateAccounts, site_id: str,
                         gate_id: str) -> GateCredentials:
    """A new password; the gate is disconnected and the old password refused from now."""
    if _find(session, site_id, gate_id) is None:
        raise NotFoundError("gate", f"{site_id}/{gate_id}")
    return accounts.rotate(site_id, gate_id)


def _find(session: Session, site_id: str, gate_id: str) -> db.Gate | None:
    return session.scalars(select(db.Gate).where(db.Gate.site_id == site_id,
                                                 db.Gate.gate_id == gate_id)).first()

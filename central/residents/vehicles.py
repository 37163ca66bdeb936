"""The plates a resident binds to their account: at most three, each valid by ``shared.plates``.

A bound plate is what the resident may sign a product for; removing it changes no contract
(a contract keeps the plates it was signed with). Residents see and change their own only:
another resident's vehicle is not found.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.core.security import Principal
from central.errors import NotFoundError
from central.residents.caller import resident_of
from shared import PROVINCES, parse_plate

logger = logging.getLogger(__name__)

MAX_VEHICLES = 3
PROVINCE_CHOICES = PROVINCES + "使"  # the first character of a plate: a province, or 使 (embassy)


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY_BOUND = "already_bound"
    LIMIT_REACHED = "limit_reached"


def plate_text(province: str, number: str) -> str:
    """The plate as typed in two fields (province picker, the rest); a full plate typed in the second
    field (pasted, or another province than the picker's) wins."""
    rest = number.strip()
    return rest if rest[:1] in PROVINCE_CHOICES else f"{province.strip()}{rest}"


def list_vehicles(session: Session, principal: Principal) -> list[db.ResidentVehicle]:
    """The caller's bound plates, oldest first."""
    query = (select(db.ResidentVehicle).where(db.ResidentVehicle.resident_id == resident_of(principal))
             .order_by(db.ResidentVehicle.created_at, db.ResidentVehicle.id))
    return list(session.scalars(query))


def bind_vehicle(session: Session, principal: Principal, text: str, now: datetime) -> BindOutcome:
    """Bind a plate as typed (normalised here; PlateError names what is wrong with it)."""
    resident_id = resident_of(principal)
    plate = parse_plate(text)
    # The resident's row is locked so that two tabs binding at once cannot pass the limit together.
    session.scalars(select(db.Resident.id).where(db.Resident.id == resident_id).with_for_update()).first()
    bound = session.scalars(select(db.ResidentVehicle.plate).where(
        db.ResidentVehicle.resident_id == resident_id)).all()
    if plate.text in bound:
        return BindOutcome.ALREADY_BOUND
    if len(bound) >= MAX_VEHICLES:
        return BindOutcome.LIMIT_REACHED
    session.add(db.ResidentVehicle(resident_id=resident_id, plate=plate.text, kind=plate.kind.value,
                                   created_at=now))
    session.flush()
    logger.info("resident %s bound a %s plate", resident_id, plate.kind.value)
    return BindOutcome.BOUND


def unbind_vehicle(session: Session, principal: Principal, vehicle_id: int) -> str:
    """Remove one of the caller's plates; returns it. Another resident's is not found."""
    row = session.get(db.ResidentVehicle, vehicle_id)
    if row is None or row.resident_id != resident_of(principal):
        raise NotFoundError("vehicle", str(vehicle_id))
    session.delete(row)
    session.flush()
    return row.plate

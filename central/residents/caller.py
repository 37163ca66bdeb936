"""Who the resident pages act for: the signed-in resident, never anyone else."""

from __future__ import annotations

from central.core.security import Principal, Role
from central.errors import ForbiddenError


def resident_of(principal: Principal) -> str:
    """The caller's resident id; staff have none here (refused)."""
    if principal.role is not Role.RESIDENT or principal.resident_id is None:
        raise ForbiddenError("only a resident has this")
    return principal.resident_id

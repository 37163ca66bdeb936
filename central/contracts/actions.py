"""Staff suspend, reinstate and cancel contracts with a reason; each action is kept with who and when.

The change itself is ``service.change_status`` (the same rules and bundle as the API); this
adds the record a person looks back at on the contract's page: "suspended by op1 on 3 March:
car sold".
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import db
from central.contracts.service import ContractRules, change_status, visible_contract
from central.core.security import Principal, Role
from central.distribution.bundles import Signer
from central.errors import ReasonError

logger = logging.getLogger(__name__)

REASON_MAX = 300


class ContractActionKind(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    CANCEL = "cancel"


def act_on_contract(session: Session, principal: Principal, actor: str, contract_id: str,
                    action: ContractActionKind, reason: str, signer: Signer, rules: ContractRules,
                    now: datetime, effective_on: date | None = None) -> db.Contract:
    """Staff change a contract's status, saying why; the change and its record commit together."""
    principal.require(Role.ADMIN, Role.OPERATOR)
    why = reason.strip()
    if not why or len(why) > REASON_MAX:
        raise ReasonError(f"reason: say why in 1 to {REASON_MAX} characters (got {len(why)})")
    contract = change_status(session, principal, contract_id, action.value, signer, rules, now, effective_on)
    session.add(db.ContractAction(contract_id=contract.id, action=action.value, reason=why, actor=actor[:100],
                                  at=now, effective_on=contract.ends_on if action is ContractActionKind.CANCEL
                                  else None))
    session.flush()
    logger.info("contract %s: %s by %s", contract.id, action.value, actor)
    return contract


def contract_history(session: Session, principal: Principal, contract_id: str) -> list[db.ContractAction]:
    """The recorded actions on a contract the caller may see, oldest first."""
    visible_contract(session, principal, contract_id)
    return list(session.scalars(select(db.ContractAction).where(db.ContractAction.contract_id == contract_id)
                                .order_by(db.ContractAction.at, db.ContractAction.id)))

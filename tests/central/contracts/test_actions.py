"""Staff actions on a contract carry a reason and are kept with who did them; the change and its record
commit together, and a refused change leaves no record."""

from __future__ import annotations

import pytest

from central import db
from central.contracts.actions import ContractActionKind, act_on_contract, contract_history
from central.core.security import Principal, Role
from central.errors import ConflictError, ForbiddenError, NotFoundError, ReasonError
from tests.central.support import World

OPERATOR = Principal(Role.OPERATOR, institution_id="inst1")


def _act(
    world: World,
    contract_id: str,
    action: ContractActionKind,
    reason: str = "车主申请",
    principal: Principal = OPERATOR,
    **kwargs: object,
) -> db.Contract:
    with world.database.transaction() as session:
        return act_on_contract(
            session,
            principal,
            "op1",
            contract_id,
            action,
            reason,
            world.signer,
            world.rules,
            world.now,
            **kwargs,
        )  # type: ignore[arg-type]


def _history(world: World, contract_id: str, principal: Principal = OPERATOR) -> list[tuple[str, str, str]]:
    with world.database.transaction() as session:
        return [(a.action, a.reason, a.actor) for a in contract_history(session, principal, contract_id)]


def test_suspend_reinstate_and_cancel_are_kept_with_their_reasons(world: World) -> None:
    contract = world.sign("沪A12345")
    _act(world, contract.id, ContractActionKind.SUSPEND, "  车辆维修一个月 ")
    _act(world, contract.id, ContractActionKind.REINSTATE, "维修完毕")
    cancelled = _act(world, contract.id, ContractActionKind.CANCEL, "搬家")
    assert cancelled.status == "cancelled" and cancelled.ends_on is not None
    assert _history(world, contract.id) == [
        ("suspend", "车辆维修一个月", "op1"),
        ("reinstate", "维修完毕", "op1"),
        ("cancel", "搬家", "op1"),
    ]
    with world.database.transaction() as session:
        record = session.query(db.ContractAction).filter_by(action="cancel").one()
        assert record.effective_on == cancelled.ends_on


def test_no_reason_no_change_and_no_record(world: World) -> None:
    contract = world.sign("沪A12345")
    for reason in ("", "   ", "x" * 301):
        with pytest.raises(ReasonError, match="reason"):
            _act(world, contract.id, ContractActionKind.SUSPEND, reason)
    with pytest.raises(ConflictError, match="cannot reinstate"):
        _act(world, contract.id, ContractActionKind.REINSTATE)
    assert _history(world, contract.id) == []
    with world.database.transaction() as session:
        assert session.get_one(db.Contract, contract.id).status == "active"


def test_only_staff_of_the_site_may_act_or_read_the_history(world: World) -> None:
    contract = world.sign("沪A12345")
    with pytest.raises(ForbiddenError):
        _act(
            world,
            contract.id,
            ContractActionKind.CANCEL,
            principal=Principal(Role.RESIDENT, resident_id="r0"),
        )
    stranger = Principal(Role.OPERATOR, institution_id="inst2")
    with pytest.raises(NotFoundError):
        _act(world, contract.id, ContractActionKind.SUSPEND, principal=stranger)
    with pytest.raises(NotFoundError):
        _history(world, contract.id, stranger)

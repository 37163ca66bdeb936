"""Staff accounts and sessions at the service level: rules, lockout, ending sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from central import db
from central.accounts import (
    Lockout,
    SessionKind,
    SessionLimits,
    StaffSignInOutcome,
    create_institution,
    create_staff,
    disable_staff,
    prune_sign_in_records,
    request_code,
    session_for,
    set_password,
    sign_in_staff,
    start_session,
)
from central.core.security import Principal, Role
from central.errors import AccountError, ConflictError, ForbiddenError
from tests.central.accounts.test_codes import RULES
from tests.support.browser import MovingClock

ADMIN = Principal(Role.ADMIN)
PASSWORD = "a long enough password"
LIMITS = SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
LOCKOUT = Lockout(account_failures=3, address_failures=10, window=timedelta(minutes=15))


def _operator(database: db.Database, clock: MovingClock, username: str = "op1") -> int:
    with database.transaction() as session:
        if session.get(db.Institution, "inst1") is None:
            create_institution(session, ADMIN, "inst1", "城东医院", clock())
        account = create_staff(session, ADMIN, username, PASSWORD, Role.OPERATOR, clock(),
                               institution_id="inst1")
        return account.id


@pytest.mark.parametrize(("username", "password", "role", "institution", "error"), [
    ("ab", PASSWORD, Role.OPERATOR, "inst1", "username"),
    ("has space", PASSWORD, Role.OPERATOR, "inst1", "username"),
    ("op2", "short", Role.OPERATOR, "inst1", "password"),
    ("op2-long-name", "op2-long-name", Role.OPERATOR, "inst1", "password"),
    ("op2", PASSWORD, Role.OPERATOR, None, "institution"),
    ("admin2", PASSWORD, Role.ADMIN, "inst1", "institution"),
    ("resident1", PASSWORD, Role.RESIDENT, None, "role"),
])
def test_accounts_that_cannot_work_are_refused_naming_the_field(
        database: db.Database, username: str, password: str, role: Role, institution: str | None,
        error: str) -> None:
    clock = MovingClock()
    _operator(database, clock)
    with database.transaction() as session, pytest.raises(AccountError, match=error):
        create_staff(session, ADMIN, username, password, role, clock(), institution_id=institution)


def test_only_an_admin_creates_accounts_and_names_are_unique(database: db.Database) -> None:
    clock = MovingClock()
    _operator(database, clock)
    with database.transaction() as session, pytest.raises(ForbiddenError):
        create_staff(session, Principal(Role.OPERATOR, "inst1"), "op9", PASSWORD, Role.OPERATOR, clock(),
                     institution_id="inst1")
    with database.transaction() as session, pytest.raises(ConflictError):
        create_staff(session, ADMIN, "OP1", PASSWORD, Role.OPERATOR, clock(), institution_id="inst1")


def _sign_in(database: db.Database, clock: MovingClock, password: str = PASSWORD, username: str = "op1",
             address: str = "10.1.1.1") -> StaffSignInOutcome:
    with database.transaction() as session:
        return sign_in_staff(session, username, password, address, LOCKOUT, clock()).outcome


def test_the_lockout_window_and_a_success_clearing_the_account_count(database: db.Database) -> None:
    clock = MovingClock()
    _operator(database, clock)
    assert _sign_in(database, clock, "wrong-1") is StaffSignInOutcome.WRONG
    assert _sign_in(database, clock, "wrong-2") is StaffSignInOutcome.WRONG
    assert _sign_in(database, clock) is StaffSignInOutcome.OK  # the count starts again
    for attempt in range(3):
        assert _sign_in(database, clock, f"wrong-{attempt}") is StaffSignInOutcome.WRONG
    assert _sign_in(database, clock) is StaffSignInOutcome.LOCKED
    assert _sign_in(database, clock, address="10.9.9.9") is StaffSignInOutcome.LOCKED  # the account is
    clock.advance(minutes=15)
    assert _sign_in(database, clock) is StaffSignInOutcome.OK


def test_the_session_maps_to_the_principal_and_ends_when_the_account_changes(database: db.Database) -> None:
    clock = MovingClock()
    account_id = _operator(database, clock)
    with database.transaction() as session:
        token = start_session(session, SessionKind.STAFF, LIMITS, clock(), staff_account_id=account_id)
        signed_in = session_for(session, token, SessionKind.STAFF, LIMITS, clock())
        assert signed_in is not None and signed_in.principal == Principal(Role.OPERATOR, "inst1")
        assert session_for(session, token, SessionKind.RESIDENT, LIMITS, clock()) is None
        set_password(session, ADMIN, "op1", "the next password", clock())
        assert session_for(session, token, SessionKind.STAFF, LIMITS, clock()) is None
        token = start_session(session, SessionKind.STAFF, LIMITS, clock(), staff_account_id=account_id)
        disable_staff(session, ADMIN, "op1", clock())
        assert session_for(session, token, SessionKind.STAFF, LIMITS, clock()) is None
    assert _sign_in(database, clock, "the next password") is StaffSignInOutcome.WRONG  # disabled


def test_a_session_token_is_stored_only_as_its_hash(database: db.Database) -> None:
    clock = MovingClock()
    account_id = _operator(database, clock)
    with database.transaction() as session:
        token = start_session(session, SessionKind.STAFF, LIMITS, clock(), staff_account_id=account_id)
        row = session.query(db.WebSession).one()
    assert len(token) >= 43 and token not in (row.token_hash, row.csrf_token)


def test_housekeeping_keeps_what_still_counts_and_drops_the_rest(database: db.Database) -> None:
    clock = MovingClock()
    account_id = _operator(database, clock)
    assert _sign_in(database, clock, "wrong-1") is StaffSignInOutcome.WRONG
    with database.transaction() as session:
        old = start_session(session, SessionKind.STAFF, LIMITS, clock(), staff_account_id=account_id)
        request_code(session, "13812345678", "10.1.1.1", RULES, clock())
    clock.advance(days=2)
    assert _sign_in(database, clock, "wrong-2") is StaffSignInOutcome.WRONG
    with database.transaction() as session:
        current = start_session(session, SessionKind.STAFF, LIMITS, clock(), staff_account_id=account_id)
        prune_sign_in_records(session, clock())
    with database.transaction() as session:
        assert session.query(db.WebSession).count() == 1  # the old one is past its absolute expiry
        assert session_for(session, current, SessionKind.STAFF, LIMITS, clock()) is not None
        assert session_for(session, old, SessionKind.STAFF, LIMITS, clock()) is None
        assert session.query(db.ThrottleEvent).count() == 2  # wrong-2, per account and per address
        assert session.query(db.SignInCode).count() == 0

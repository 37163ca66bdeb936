"""Resident sign-in codes: single use, expiry, a few tries, limits per number and per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from central import db
from central.accounts import (
    CodeCheckOutcome,
    CodeRequest,
    CodeRequestOutcome,
    CodeRules,
    check_code,
    mask_phone,
    normalise_phone,
    phone_hash,
    request_code,
)
from central.errors import AccountError
from tests.support.browser import MovingClock

RULES = CodeRules(ttl=timedelta(minutes=5), max_attempts=3, resend_after=timedelta(seconds=60),
                  per_number_hour=4, per_address_hour=6, key="test-key")
PHONE = "13812345678"


@pytest.mark.parametrize("typed", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "8613812345678",
                                   " (138) 1234 5678 "])
def test_the_ways_people_write_a_mobile_number_are_one_number(typed: str) -> None:
    assert normalise_phone(typed) == PHONE


@pytest.mark.parametrize("typed", ["", "1381234567", "138123456789", "12812345678", "23812345678",
                                   "021-6432-1234", "1381234567a"])
def test_anything_else_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(AccountError, match="phone"):
        normalise_phone(typed)


def test_the_number_is_masked_for_people_and_keyed_for_lookup() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert phone_hash(PHONE, "k1") != phone_hash(PHONE, "k2")  # unguessable without the key
    assert len(phone_hash(PHONE, "k1")) == 64 and PHONE not in phone_hash(PHONE, "k1")


def _request(database: db.Database, clock: MovingClock, phone: str = PHONE,
             address: str = "10.0.0.1") -> CodeRequest:
    with database.transaction() as session:
        return request_code(session, phone, address, RULES, clock())


def _check(database: db.Database, clock: MovingClock, code: str,
           phone: str = PHONE) -> tuple[CodeCheckOutcome, str | None, int]:
    with database.transaction() as session:
        result = check_code(session, phone, code, RULES, clock())
        return result.outcome, result.resident.id if result.resident else None, result.attempts_left


def test_a_code_signs_in_once_and_creates_the_resident_once(database: db.Database) -> None:
    clock = MovingClock()
    first = _request(database, clock)
    assert first.outcome is CodeRequestOutcome.SENT and first.code and len(first.code) == 6
    outcome, resident, _ = _check(database, clock, first.code)
    assert outcome is CodeCheckOutcome.OK and resident
    assert _check(database, clock, first.code)[0] is CodeCheckOutcome.NO_CODE  # used up
    clock.advance(minutes=2)
    second = _request(database, clock)
    assert second.code is not None
    assert _check(database, clock, second.code)[1] == resident  # the same resident again
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(db.Resident)) == 1
        codes = session.scalars(select(db.SignInCode)).all()
    assert all(second.code not in (c.code_hash, c.salt) for c in codes)  # stored hashed


def test_a_code_expires(database: db.Database) -> None:
    clock = MovingClock()
    issued = _request(database, clock)
    clock.advance(minutes=5)
    assert _check(database, clock, issued.code or "")[0] is CodeCheckOutcome.NO_CODE


def test_wrong_tries_are_counted_and_void_the_code(database: db.Database) -> None:
    clock = MovingClock()
    issued = _request(database, clock)
    wrong = "000000" if issued.code != "000000" else "111111"
    assert _check(database, clock, wrong)[::2] == (CodeCheckOutcome.WRONG, 2)
    assert _check(database, clock, wrong)[::2] == (CodeCheckOutcome.WRONG, 1)
    assert _check(database, clock, wrong)[0] is CodeCheckOutcome.VOID
    assert _check(database, clock, issued.code or "")[0] is CodeCheckOutcome.VOID  # even the right one


def test_only_the_newest_code_counts(database: db.Database) -> None:
    clock = MovingClock()
    old = _request(database, clock)
    clock.advance(seconds=61)
    new = _request(database, clock)
    if old.code != new.code:
        assert _check(database, clock, old.code or "")[0] is CodeCheckOutcome.WRONG
    assert _check(database, clock, new.code or "")[0] is CodeCheckOutcome.OK


def test_requests_are_limited_per_number_per_address_and_by_the_resend_wait(database: db.Database) -> None:
    clock = MovingClock()
    assert _request(database, clock).outcome is CodeRequestOutcome.SENT
    assert _request(database, clock).outcome is CodeRequestOutcome.TOO_SOON
    for _ in range(3):
        clock.advance(seconds=61)
        assert _request(database, clock).outcome is CodeRequestOutcome.SENT
    clock.advance(seconds=61)
    assert _request(database, clock).outcome is CodeRequestOutcome.NUMBER_LIMIT  # 4 an hour
    assert _request(database, clock, "13900000001").outcome is CodeRequestOutcome.SENT
    assert _request(database, clock, "13900000002").outcome is CodeRequestOutcome.SENT  # 6 from 10.0.0.1
    assert _request(database, clock, "13900000003").outcome is CodeRequestOutcome.ADDRESS_LIMIT
    assert _request(database, clock, "13900000003", "10.0.0.2").outcome is CodeRequestOutcome.SENT
    clock.advance(hours=1)
    assert _request(database, clock).outcome is CodeRequestOutcome.SENT

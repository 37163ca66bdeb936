"""The violations list: the caller's sites only, searched by plate or contract, how late each car was."""

from __future__ import annotations

from datetime import timedelta

from central.core.security import Principal, Role
from central.db import Database
from central.listing import PageRequest
from central.reports.violations import list_violations
from tests.central.console.seed import (
    NIGHT_STAYS,
    PLATES,
    StaySpec,
    add_stays,
    add_violation,
    local,
    seed_site,
)

OPERATOR = Principal(Role.OPERATOR, "inst1")
NOW = local("2025-03-04 09:00")


def _seed(db: Database) -> None:
    seed_site(db)
    seed_site(db, "far", "别家院区", institution="inst2")
    stays = add_stays(db, NIGHT_STAYS[2:3])  # c3 left at 08:05, deadline 07:30
    add_violation(db, stays[0], PLATES["c3"], "c3", "2025-03-03 07:30")
    inside = add_stays(db, (StaySpec(PLATES["c1"], "c1", "2025-03-03 19:00", None, "2025-03-04 07:30"),))
    add_violation(db, inside[0], PLATES["c1"], "c1", "2025-03-04 07:30")
    elsewhere = add_stays(db, (StaySpec(PLATES["c1"], "far-c1", "2025-03-03 19:00", "2025-03-04 08:00",
                                        "2025-03-04 07:30"),), site_id="far")
    add_violation(db, elsewhere[0], PLATES["c1"], "far-c1", "2025-03-04 07:30", site_id="far")


def test_an_operator_sees_their_sites_violations_newest_first_with_how_late(db: Database) -> None:
    _seed(db)
    with db.transaction() as session:
        found = list_violations(session, OPERATOR, PageRequest(50, 0), NOW)
    assert found.total == 2
    assert [(v.contract_id, v.exited_at is None, v.late) for v in found.items] == [
        ("c1", True, timedelta(minutes=90)),  # still inside at 09:00: late by 1 h 30 so far
        ("c3", False, timedelta(minutes=35)),  # left at 08:05
    ]
    assert found.items[1].at == local("2025-03-03 07:45")  # deadline + grace
    with db.transaction() as session:
        everything = list_violations(session, Principal(Role.ADMIN), PageRequest(50, 0), NOW)
    assert everything.total == 3


def test_search_by_plate_or_contract_and_by_site(db: Database) -> None:
    _seed(db)
    with db.transaction() as session:
        by_plate = list_violations(session, OPERATOR, PageRequest(50, 0), NOW, search="a10003")
        by_contract = list_violations(session, OPERATOR, PageRequest(50, 0), NOW, search="c1")
        by_site = list_violations(session, Principal(Role.ADMIN), PageRequest(50, 0), NOW, site_id="far")
        nothing = list_violations(session, OPERATOR, PageRequest(50, 0), NOW, search="100%")
    assert [v.contract_id for v in by_plate.items] == ["c3"]  # a plate typed in lower case
    assert [v.contract_id for v in by_contract.items] == ["c1"]  # not far-c1: another institution's
    assert [v.contract_id for v in by_site.items] == ["far-c1"]
    assert nothing.total == 0  # % is a character to find, not a wildcard

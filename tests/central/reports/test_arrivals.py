"""Tonight's expected arrivals: active contracts valid tonight whose product's hours cover the night."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from central import db as tables
from central.db import Database
from central.listing import PageRequest
from central.reports.arrivals import expected_arrivals
from tests.central.console.seed import PLATES, SEEDED_AT, SHANGHAI, StaySpec, add_stays, seed_site


def _arrivals(db: Database, night: date) -> list[tuple[str, str, bool]]:
    with db.transaction() as session:
        site = session.get_one(tables.Site, "east")
        found = expected_arrivals(session, site, night, PageRequest(50, 0))
    return [(a.contract_id, a.opening.opens.astimezone(SHANGHAI).strftime("%a %H:%M"), a.inside)
            for a in found.items]


def test_every_active_contract_of_a_night_product_is_expected_with_its_window(db: Database) -> None:
    seed_site(db)
    add_stays(db, (StaySpec(PLATES["c4"], "c4", "2025-03-03 19:30", None, "2025-03-04 07:30"),))
    with db.transaction() as session:
        session.execute(update(tables.Contract).where(tables.Contract.id == "c2").values(status="suspended"))
        session.execute(update(tables.Contract).where(tables.Contract.id == "c3").values(
            status="cancelled", ends_on=date(2025, 3, 2), cancelled_at=SEEDED_AT))
    # Monday 3 March is a working day: the product's working window opens at 19:00.
    assert _arrivals(db, date(2025, 3, 3)) == [("c1", "Mon 19:00", False), ("c4", "Mon 19:00", True)]


def test_the_rest_day_window_that_began_at_midnight_covers_a_sunday_night(db: Database) -> None:
    seed_site(db)  # working 19:00-07:30, rest 00:00-07:30 the next day
    found = _arrivals(db, date(2025, 3, 2))
    assert [row[0] for row in found] == ["c1", "c2", "c3", "c4"]
    assert {row[1] for row in found} == {"Sun 00:00"}


def test_a_product_for_rest_days_only_is_not_expected_on_a_working_night(db: Database) -> None:
    seed_site(db)
    with db.transaction() as session:
        session.execute(update(tables.Product).values(
            windows=[{"day_type": "rest", "start": "08:00", "end": "20:00"}]))
    assert _arrivals(db, date(2025, 3, 3)) == []  # Monday: working
    assert [row[1] for row in _arrivals(db, date(2025, 3, 8))] == ["Sat 08:00"] * 4  # Saturday: rest


def test_contracts_not_yet_begun_or_ended_are_not_expected_and_the_list_is_paged(db: Database) -> None:
    seed_site(db)
    with db.transaction() as session:
        session.execute(update(tables.Contract).where(tables.Contract.id == "c1").values(
            valid_from=date(2025, 3, 4)))
        session.execute(update(tables.Contract).where(tables.Contract.id == "c2").values(
            valid_to=date(2025, 3, 2)))
    assert [row[0] for row in _arrivals(db, date(2025, 3, 3))] == ["c3", "c4"]
    with db.transaction() as session:
        page = expected_arrivals(session, session.get_one(tables.Site, "east"), date(2025, 3, 3),
                                 PageRequest(1, 1))
    assert page.total == 2 and [a.contract_id for a in page.items] == ["c4"]

"""The night (18:00 to 09:00, site-local): which night is tonight, the occupancy curve across one,
and the share of shared spaces used week by week (institution first, each contract once)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from central import db as tables
from central.db import Database
from central.reports.nights import mondays, night_curve, shared_use_by_week, tonight
from tests.central.console.seed import NIGHT_STAYS, OWN_PLATES, PLATES, StaySpec, add_stays, local, seed_site

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("now", "night"), [
    ("2025-03-03 08:59", date(2025, 3, 2)),  # still last night
    ("2025-03-03 09:00", date(2025, 3, 3)),  # the day: tonight is the coming night
    ("2025-03-03 17:59", date(2025, 3, 3)),
    ("2025-03-03 23:30", date(2025, 3, 3)),
    ("2025-03-04 00:10", date(2025, 3, 3)),  # after midnight, the same night
])
def test_tonight_is_the_night_under_way_or_the_next(now: str, night: date) -> None:
    assert tonight(local(now), SHANGHAI) == night


def test_mondays_end_with_the_week_of_tonight() -> None:
    # Monday 3 March, 02:00: the night under way is Sunday's, in the week that began on 24 February.
    assert mondays(local("2025-03-03 02:00"), SHANGHAI, 3) == [date(2025, 2, 10), date(2025, 2, 17),
                                                              date(2025, 2, 24)]


def _site(db: Database) -> tables.Site:
    with db.transaction() as session:
        site = session.get(tables.Site, "east")
        assert site is not None
        return site


def test_the_night_curve_counts_every_car_inside_at_each_half_hour(db: Database) -> None:
    seed_site(db)
    add_stays(db, NIGHT_STAYS)
    with db.transaction() as session:
        curve = night_curve(session, _site(db), date(2025, 3, 2), local("2025-03-03 12:00"))
    labels = [t.astimezone(SHANGHAI).strftime("%H:%M") for t in curve.times]
    assert labels[0] == "18:00" and labels[-1] == "08:30" and len(labels) == 30
    inside = dict(zip(labels, curve.inside, strict=True))
    assert inside["18:30"] == 0 and inside["19:00"] == 1  # c1 came at 18:40
    assert inside["20:00"] == 2  # c2 entered at 20:00 exactly: counted
    assert inside["21:00"] == 3 and inside["22:00"] == 2  # the visitor, 21:00-22:00
    assert inside["22:30"] == 3 and inside["23:30"] == 2  # c3 in at 22:15; c2 out at 23:30
    assert inside["07:00"] == 2 and inside["07:30"] == 1 and inside["08:30"] == 0
    assert curve.total_spaces == 40


def test_buckets_not_begun_are_left_empty(db: Database) -> None:
    seed_site(db)
    add_stays(db, NIGHT_STAYS)
    with db.transaction() as session:
        curve = night_curve(session, _site(db), date(2025, 3, 2), local("2025-03-02 21:10"))
    assert curve.inside[:7] == (0, 0, 1, 1, 2, 2, 3)  # 18:00 to 21:00
    assert set(curve.inside[7:]) == {None}


def test_shared_use_counts_each_contract_once_and_own_cars_beyond_the_reserve(db: Database) -> None:
    seed_site(db)  # 10 shared spaces, 2 reserved for the institution
    night = "2025-03-04"  # a Tuesday: the week of Monday 3 March
    add_stays(db, (
        StaySpec(PLATES["c1"], "c1", f"{night} 18:00", "2025-03-05 09:00"),
        StaySpec("沪A99999", "c1", f"{night} 18:00", "2025-03-05 09:00"),  # c1's second plate: once
        # three of the institution's cars: one beyond its 2 reserved spaces
        *(StaySpec(plate, None, f"{night} 17:00", "2025-03-05 10:00") for plate in OWN_PLATES),
        StaySpec("沪C55555", None, f"{night} 18:00", "2025-03-05 09:00"),  # a visitor: no shared place
    ))
    now = local("2025-03-05 12:00")
    with db.transaction() as session:
        weeks = shared_use_by_week(session, _site(db), 2, now)
    assert [w.monday for w in weeks] == [date(2025, 2, 24), date(2025, 3, 3)]
    assert weeks[0].share == 0.0  # a week of nights without anyone
    # Monday's night: nobody (30 samples at 0); Tuesday's: 2 places (c1, one own car) all night.
    assert weeks[1].share == pytest.approx((0 * 30 + 2 * 30) / 60 / 10)


def test_a_week_whose_nights_have_not_begun_has_no_share(db: Database) -> None:
    seed_site(db)
    with db.transaction() as session:
        weeks = shared_use_by_week(session, _site(db), 1, local("2025-03-03 10:00"))
    assert weeks[0].monday == date(2025, 3, 3) and weeks[0].share is None

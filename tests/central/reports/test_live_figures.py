"""The console's live figures (``central.occupancy.live_figures``): several sites in grouped queries,
the same shared-places count residents see, and the cars overstaying now by the one overstay rule.
(Here beside the other figures' tests for their database fixture; the pure formula is tested in
tests/central/test_occupancy.py.)"""

from __future__ import annotations

import pytest

from central import db as tables
from central.db import Database
from central.occupancy import live_figures, overstays_now, shared_places
from tests.central.console.seed import OWN_PLATES, PLATES, StaySpec, add_stays, local, seed_site


def test_live_figures_of_several_sites_in_one_go(db: Database) -> None:
    seed_site(db)  # 10 shared spaces, 2 reserved
    seed_site(db, "west", "城西院区")
    add_stays(db, (
        StaySpec(PLATES["c1"], "c1", "2025-03-03 19:00", None, "2025-03-04 07:30"),
        StaySpec("沪A99999", "c1", "2025-03-03 19:05", None, "2025-03-04 07:30"),  # c1's second car
        StaySpec(PLATES["c2"], "c2", "2025-03-03 19:00", None, "2025-03-04 07:30"),
        *(StaySpec(plate, None, "2025-03-03 08:00", None) for plate in OWN_PLATES),  # one beyond the reserve
        StaySpec("沪C55555", None, "2025-03-03 20:00", None),  # a visitor
        StaySpec(PLATES["c3"], "c3", "2025-03-02 19:00", "2025-03-03 07:00", "2025-03-03 07:30"),  # left
    ))
    add_stays(db, (StaySpec(PLATES["c1"], "west-c1", "2025-03-03 19:00", None, "2025-03-04 07:30"),),
              site_id="west")
    with db.transaction() as session:
        sites = [session.get_one(tables.Site, "east"), session.get_one(tables.Site, "west")]
        figures = live_figures(session, sites, local("2025-03-03 21:00"))
        east = figures["east"]
        assert (east.inside, east.shared.contracts_inside, east.shared.own_vehicles_inside) == (7, 2, 3)
        assert (east.shared.used, east.shared.free, east.overstays) == (3, 7, 0)
        assert figures["west"].inside == 1 and figures["west"].shared.used == 1
        assert shared_places(session, sites[0]) == east.shared  # the residents' figure is the same count


@pytest.mark.parametrize(("now", "late"), [
    ("2025-03-04 07:45:00", 0),  # the end of grace: not yet
    ("2025-03-04 07:45:01", 1),  # a second past it
])
def test_overstays_now_follow_the_one_overstay_rule_with_the_contract_s_grace(db: Database, now: str,
                                                                              late: int) -> None:
    seed_site(db)  # the product's grace: 15 minutes
    add_stays(db, (StaySpec(PLATES["c1"], "c1", "2025-03-03 19:00", None, "2025-03-04 07:30"),
                   StaySpec("沪C55555", None, "2025-03-03 20:00", None)))  # no deadline: never late
    with db.transaction() as session:
        assert overstays_now(session, ["east"], local(now)).get("east", 0) == late

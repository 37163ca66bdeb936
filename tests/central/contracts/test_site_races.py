"""Eight simultaneous signings for one site, on SQLite and PostgreSQL: the site lock lets exactly the
right number through, across products (capacity) and for one plate (one contract per plate per site).

The reported bug: on PostgreSQL one plate signed concurrently on two products of one site got two
overlapping contracts; each signing locked only its own product.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from central import db
from central.errors import CapacityError, ConflictError
from tests.central.support import World, race_signings

THREADS = 8


def test_eight_signings_on_two_products_fill_the_site_and_no_more(make_world: Callable[..., World]) -> None:
    world = make_world(shared=3, quota=3)
    requests = [world.request(f"沪A1000{n}", f"r{n}", "nights" if n % 2 else "weekends")
                for n in range(THREADS)]
    won, lost = race_signings(world.database, requests, world.signer, world.rules, world.now)
    assert len(won) == 3
    assert len(lost) == 5 and all(isinstance(e, CapacityError) for e in lost), lost
    with world.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(db.Contract)) == 3
        assert session.get_one(db.BundleState, "s1").sequence == 3  # one bundle per contract signed


def test_one_plate_signed_eight_times_on_two_products_gets_one(make_world: Callable[..., World]) -> None:
    world = make_world(shared=8, quota=8)
    requests = [world.request("沪A12345", f"r{n}", "nights" if n % 2 else "weekends") for n in range(THREADS)]
    won, lost = race_signings(world.database, requests, world.signer, world.rules, world.now)
    assert len(won) == 1
    assert len(lost) == 7 and all(isinstance(e, ConflictError) and "沪A12345" in str(e) for e in lost), lost
    with world.database.transaction() as session:
        plates = session.scalars(select(db.Contract.plates)).all()
    assert plates == ["|沪A12345|"]

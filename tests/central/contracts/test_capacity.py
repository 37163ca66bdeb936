"""Capacity per site and per product (docs/central.md, "Capacity"), on SQLite and PostgreSQL.

A site's active contracts over ALL its products never exceed its shared spaces x oversubscription;
each product also stays within its quota x the same factor; the places left shown to residents
are never more than the site's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from central import catalogue, db
from central.contracts.capacity import Places, capacity_limit, places_taken, site_places_left
from central.contracts.service import change_product, local_today
from central.errors import CapacityError, ConflictError
from tests.central.support import ADMIN, World

# shared spaces, quota per product, oversubscription, products signed in order -> outcome of each
CASES = [
    pytest.param(4, 3, 1.0, ["nights"] * 3 + ["weekends"] * 2, ["ok", "ok", "ok", "ok", "site full"],
                 id="two-products-fill-the-site"),
    pytest.param(4, 3, 1.0, ["nights"] * 4, ["ok", "ok", "ok", "product full"], id="product-quota-first"),
    pytest.param(2, 2, 1.0, ["nights", "weekends", "nights", "weekends"],
                 ["ok", "ok", "site full", "site full"], id="issue-2-spaces-4-contracts"),
    pytest.param(4, 3, 1.5, ["nights"] * 5 + ["weekends"] * 3,
                 ["ok", "ok", "ok", "ok", "product full", "ok", "ok", "site full"], id="oversubscribed-x1.5"),
    pytest.param(0, 0, 1.0, ["nights"], ["site full"], id="nothing-shared"),
]


@pytest.mark.parametrize(("shared", "quota", "factor", "signed", "expected"), CASES)
def test_signings_stop_at_the_site_and_the_product_limit(make_world: Callable[..., World], shared: int,
                                                         quota: int, factor: float, signed: list[str],
                                                         expected: list[str]) -> None:
    world = make_world(shared=shared, quota=quota, oversubscription=factor)
    outcomes = []
    for n, product in enumerate(signed):
        try:
            world.sign(f"沪A1000{n}", f"r{n}", product)
            outcomes.append("ok")
        except CapacityError as exc:
            outcomes.append("site full" if str(exc).startswith("site") else "product full")
    assert outcomes == expected
    with world.database.transaction() as session:
        site = session.get_one(db.Site, "s1")
        taken = places_taken(session, "s1", local_today(site, world.now))
    assert taken == expected.count("ok") <= capacity_limit(shared, factor)


def test_the_refusal_names_the_site_and_its_spaces(world: World) -> None:
    for n in range(3):
        world.sign(f"沪A1000{n}", f"r{n}", "nights")
    world.sign("沪A10003", "r3", "weekends")
    with pytest.raises(CapacityError, match=r"site s1 is full: 4 contracts hold its 4 shared spaces"):
        world.sign("沪A10004", "r4", "weekends")


def test_suspended_cancelled_and_ended_contracts_hold_no_place(world: World) -> None:
    signed = [world.sign(f"沪A1000{n}", f"r{n}", "nights" if n < 3 else "weekends") for n in range(4)]
    world.change(signed[0].id, "suspend")
    world.change(signed[1].id, "cancel")
    world.sign("沪B10000", "r5", "weekends")
    world.sign("沪B10001", "r6", "weekends")
    with pytest.raises(CapacityError):  # the site is full again: reinstating finds no place
        world.change(signed[0].id, "reinstate")
    with world.database.transaction() as session:  # a contract that ended yesterday
        ended = session.get_one(db.Contract, signed[2].id)
        first = ended.valid_from
        ended.valid_from, ended.valid_to = first - timedelta(days=30), first - timedelta(days=1)
    assert world.change(signed[0].id, "reinstate").status == "active"


def test_places_left_are_never_more_than_the_sites(world: World) -> None:
    for n in range(3):
        world.sign(f"沪A1000{n}", f"r{n}", "nights")
    with world.database.transaction() as session:
        site = session.get_one(db.Site, "s1")
        offers = {o.product.id: o.places_left for o in catalogue.offers(session, site, world.now, 1.0)}
        left = site_places_left(session, site, local_today(site, world.now), 1.0)
    assert offers == {"nights": 0, "weekends": 1}  # weekends' quota is 3, the site has 1 place left
    assert left == 1


def test_places_as_a_table() -> None:
    assert Places(site_limit=4, site_taken=3, product_limit=3, product_taken=0).left == 1
    assert Places(site_limit=4, site_taken=1, product_limit=3, product_taken=1).left == 2
    assert Places(site_limit=4, site_taken=5, product_limit=3, product_taken=0).left == 0
    assert capacity_limit(3, 1.5) == 4 and capacity_limit(10, 1.1) == 11 and capacity_limit(0, 5.0) == 0


def test_moving_a_contract_to_a_full_product_is_refused(world: World) -> None:
    first = world.sign("沪A10000", "r0", "nights")
    for n in range(1, 4):
        world.sign(f"沪A1000{n}", f"r{n}", "weekends")
    with world.database.transaction() as session, pytest.raises(CapacityError, match="weekends is full"):
        change_product(session, ADMIN, first.id, "weekends", world.signer, world.rules, world.now)


def test_one_plate_holds_one_contract_per_site_whatever_the_product(world: World) -> None:
    world.sign("沪A12345", "r0", "nights")
    with pytest.raises(ConflictError, match="plate 沪A12345 already holds contract"):
        world.sign("沪A12345", "r1", "weekends")
    later = world.request("沪A12345").valid_to + timedelta(days=1)
    assert world.sign("沪A12345", "r1", "weekends", start=later).status == "active"  # after the first ends


def test_blacklisted_and_own_vehicle_plates_cannot_sign(world: World) -> None:
    with world.database.transaction() as session:
        session.add(db.BlacklistEntry(site_id="s1", plate="沪B00001", reason="fraud", until=None,
                                      created_at=world.now, updated_at=world.now))
        session.add(db.BlacklistEntry(site_id="s1", plate="沪B00002", reason="lifted",
                                      until=world.now - timedelta(hours=1), created_at=world.now,
                                      updated_at=world.now))
        session.add(db.OwnVehicle(site_id="s1", plate="沪B00003", holder="director", windows=[],
                                  created_at=world.now, updated_at=world.now))
    with pytest.raises(ConflictError, match="blacklisted at this site: fraud"):
        world.sign("沪B00001")
    assert world.sign("沪B00002").status == "active"  # the ban ran out
    with pytest.raises(ConflictError, match="own vehicles"):
        world.sign("沪B00003", "r1")


def test_nothing_is_sold_at_a_closed_site_or_product(world: World) -> None:
    with world.database.transaction() as session:
        session.get_one(db.Product, "nights").on_sale = False
    with pytest.raises(ConflictError, match="not on sale"):
        world.sign("沪A10000")
    with world.database.transaction() as session:
        session.get_one(db.Site, "s1").closed_at = world.now
    with pytest.raises(ConflictError, match="site s1 is closed"):
        world.sign("沪A10000", product="weekends")

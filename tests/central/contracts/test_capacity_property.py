"""A Hypothesis property: no sequence of sign, cancel, suspend and reinstate ever leaves a site with
more contracts holding places than its shared spaces x oversubscription, nor a product over its quota."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import db
from central.contracts.capacity import capacity_limit, places_taken
from central.contracts.service import ContractRules
from central.errors import CapacityError, ConflictError
from tests.central.support import NIGHT_WINDOWS, World

Step = tuple[str, int, int]  # action, product or contract index, plate number
steps = st.lists(st.tuples(st.sampled_from(["sign", "sign", "cancel", "suspend", "reinstate"]),
                           st.integers(0, 7), st.integers(0, 5)), min_size=1, max_size=25)
sites = itertools.count()


def _new_site(world: World, shared: int, quotas: tuple[int, int]) -> tuple[str, list[str]]:
    site = f"p{next(sites)}"
    with world.database.transaction() as session:
        session.add(db.Site(id=site, institution_id="inst1", name=site, lat=31.2, lon=121.4,
                            shared_capacity=shared, created_at=world.now))
        session.flush()
        for n, quota in enumerate(quotas):
            session.add(db.Product(id=f"{site}-{n}", site_id=site, name="p", windows=NIGHT_WINDOWS,
                                   quota=quota, created_at=world.now))
    return site, [f"{site}-0", f"{site}-1"]


def _apply(world: World, step: Step, products: list[str], signed: list[str]) -> None:
    action, index, plate = step
    try:
        if action == "sign":
            signed.append(world.sign(f"沪A{plate:05d}", f"r{plate}", products[index % 2]).id)
        elif signed:
            world.change(signed[index % len(signed)], action)
    except (CapacityError, ConflictError):
        pass  # refused: the property is about what was accepted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shared=st.integers(0, 4), quotas=st.tuples(st.integers(0, 4), st.integers(0, 4)),
       factor=st.sampled_from([1.0, 1.25, 2.0]), sequence=steps)
def test_no_sequence_leaves_a_site_over_its_shared_spaces(world: World, shared: int, quotas: tuple[int, int],
                                                          factor: float, sequence: list[Step]) -> None:
    # one database for all the examples (the fixture is set up once per test), a new site per example
    world = replace(world, rules=ContractRules(oversubscription=factor))
    site, products = _new_site(world, shared, (min(quotas[0], shared), min(quotas[1], shared)))
    signed: list[str] = []
    for step in sequence:
        _apply(world, step, products, signed)
        with world.database.transaction() as session:
            today = world.request("x").valid_from
            assert places_taken(session, site, today) <= capacity_limit(shared, factor)
            for product in products:
                quota = session.get_one(db.Product, product).quota
                assert places_taken(session, site, today, product) <= capacity_limit(quota, factor)

"""Tonight's free shared places: shared - contracts inside - max(0, own vehicles inside - reserved)."""

from __future__ import annotations

import pytest

from central.occupancy import SharedPlaces


@pytest.mark.parametrize(("shared", "contracts", "own", "reserved", "free"), [
    (10, 0, 0, 0, 10),
    (10, 3, 0, 2, 7),  # the reserve is the institution's, not the residents'
    (10, 3, 2, 2, 7),  # own cars within the reserve take no shared place
    (10, 3, 5, 2, 4),  # the three beyond it do: institution first
    (4, 3, 9, 0, 0),  # never below zero
])
def test_free_shared_places(shared: int, contracts: int, own: int, reserved: int, free: int) -> None:
    assert SharedPlaces(shared, contracts, own, reserved).free == free

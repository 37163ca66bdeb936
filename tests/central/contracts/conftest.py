"""A site with two products on each backend, for the contract services' tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.central.support import World, build_world


@pytest.fixture
def make_world(database_url: str) -> Iterator[Callable[..., World]]:
    """build_world(database_url, **kwargs) once per test; its engine is disposed of afterwards."""
    made: list[World] = []

    def make(**kwargs: Any) -> World:
        made.append(build_world(database_url, **kwargs))
        return made[-1]

    yield make
    for world in made:
        world.database.dispose()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()

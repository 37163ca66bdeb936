"""The resident pages' world: central on both backends with the car parks of tests/support/residents.py,
and residents signed in over plain HTTP (``world.resident(phone)``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import pytest

from tests.support.browser import LiveCentral, MovingClock
from tests.support.residents import resident_id, seed_sites
from tests.support.web import csrf_of, http_resident_login

FIRST = "13812345678"
SECOND = "13987654321"


@dataclass
class SignedInResident:
    client: httpx.Client
    id: str

    def csrf(self) -> str:
        return csrf_of(self.client.get("/app/vehicles"))

    def post(self, path: str, **data: str) -> httpx.Response:
        return self.client.post(path, data={**data, "csrf_token": self.csrf()})


@dataclass
class World:
    central: LiveCentral
    clock: MovingClock
    stack: ExitStack = field(default_factory=ExitStack)

    def resident(self, phone: str) -> SignedInResident:
        client = self.stack.enter_context(self.central.http())
        assert http_resident_login(client, self.central, phone).status_code == 303
        return SignedInResident(client, resident_id(self.central, phone))


@pytest.fixture
def world(central_web: LiveCentral, web_clock: MovingClock) -> Iterator[World]:
    seed_sites(central_web.database, web_clock.now)
    with ExitStack() as stack:
        yield World(central_web, web_clock, stack)

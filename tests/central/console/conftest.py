"""The console's administration pages under test: central on a free port, and one with a broker that
makes gate accounts at run time (Mosquitto's dynamic-security plugin), as production runs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central.core.security import Role
from tests.central.broker.conftest import dynsec_broker  # noqa: F401  (the fixture, as the broker tests have it)
from tests.support.browser import LiveCentral, MovingClock
from tests.support.console import dynsec_settings
from tests.support.mosquitto import Broker
from tests.support.web import seed_staff


@pytest.fixture
def dynsec_console(
    database_url: str,
    web_clock: MovingClock,
    dynsec_broker: Broker,  # noqa: F811  (the fixture imported above)
) -> Iterator[LiveCentral]:
    """Central whose gate accounts are made on ``dynsec_broker``; operator ``op1`` of ``inst1``."""
    server = LiveCentral(dynsec_settings(database_url, dynsec_broker), web_clock).start()
    seed_staff(server, "op1", Role.OPERATOR, ("inst1", "城东医院"))
    yield server
    server.stop()


@pytest.fixture
def console(central_web: LiveCentral) -> LiveCentral:
    """``central_web`` with operators ``op1`` (inst1), ``op2`` (inst2) and admin ``chief``."""
    seed_staff(central_web, "op1", Role.OPERATOR, ("inst1", "城东医院"))
    seed_staff(central_web, "op2", Role.OPERATOR, ("inst2", "城西学校"))
    seed_staff(central_web, "chief", Role.ADMIN, None)
    return central_web

"""Fixtures shared by every tier: a real broker, a real PostgreSQL, the real plate photographs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mosquitto import MOSQUITTO, Broker
from tests.support.postgres import PostgresServer, find_bindir

pytest_plugins = ["tests.support.browser"]  # browser, phone_page, tablet_page, central_web...

REPO = Path(__file__).resolve().parents[1]
PLATES_DIR = Path(os.environ.get("PARKING_PLATES_DIR", REPO.parent / "shared" / "plates" / "dev"))
IN_CI = bool(os.environ.get("CI"))


def _unavailable(what: str) -> None:
    """Skip on a developer's machine; in CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """Mosquitto with passwords and ACL, on a free port, for the whole session."""
    if not Path(MOSQUITTO).exists():
        _unavailable("mosquitto")
    server = Broker(tmp_path_factory.mktemp("mosquitto")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if find_bindir() is None:
        _unavailable("PostgreSQL server")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend; tests using it run twice."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture(scope="session")
def plates_dir() -> Path:
    """The real labelled photographs beside the project (../shared/plates/dev)."""
    if not (PLATES_DIR / "labels.csv").exists():
        pytest.skip(f"real plate photographs not found at {PLATES_DIR} (set PARKING_PLATES_DIR)")
    return PLATES_DIR

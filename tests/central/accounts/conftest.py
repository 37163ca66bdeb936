"""A migrated database on each backend, and the moving clock, for the account services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central import db
from central.db.migrate import upgrade_to_head


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    upgrade_to_head(database_url)
    database = db.Database(database_url)
    yield database
    database.dispose()

"""The migrations build exactly the tables the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import central.billing.models  # noqa: F401  (their tables on Base.metadata)
import central.enforcement.models  # noqa: F401
from central import db
from central.db.migrate import upgrade_to_head


def test_migrating_to_head_leaves_nothing_for_autogenerate_to_add(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            differences = compare_metadata(context, db.Base.metadata)
    finally:
        engine.dispose()
    assert differences == []

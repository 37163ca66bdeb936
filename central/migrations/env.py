"""Alembic environment: the URL comes from ``-x url=...``, the caller's config, or the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import central.billing.models  # noqa: F401  (registers the tables on Base.metadata)
import central.db  # noqa: F401
import central.enforcement.models  # noqa: F401
from central.db import Base, make_engine

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from central.core.config import load_settings

    return load_settings().database.url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a batch migration copies a table and drops the old one, which SQLite refuses while
            _sqlite_foreign_keys(connection, on=False)  # other tables refer to it; checked again below
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows whose foreign keys point nowhere")
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
    engine.dispose()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # On the driver's connection, outside any transaction: inside one, SQLite ignores the pragma.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")  # type: ignore[union-attr]


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""Alembic environment: the URL comes from ``-x url=...``, the caller's config, or the settings."""

from __future__ import annotations

from alembic import context

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
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

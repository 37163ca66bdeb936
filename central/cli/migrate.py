"""``parking-central migrate``: upgrade the database schema to the newest revision."""

from __future__ import annotations

import argparse
from typing import Any

from central.cli.common import add_config_option, settings_from


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="upgrade the database schema (Alembic) to head",
                                   description="Apply the Alembic migrations in central/migrations.")
    add_config_option(parser)
    parser.add_argument("--url", default=None, help="database URL (default: database.url from settings)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)  # first: it sets up the log before Alembic's import logs
    from central.db.migrate import upgrade_to_head

    upgrade_to_head(args.url or settings.database.url)
    print("database schema is at head")
    return 0

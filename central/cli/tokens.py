"""``parking-central create-token``: a bearer token for the API, printed once."""

from __future__ import annotations

import argparse
from typing import Any

from central.cli.common import add_config_option, settings_from


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "create-token", help="create an API bearer token and print it",
        description="Store a new token (hashed) and print its text; it cannot be shown again.")
    add_config_option(parser)
    parser.add_argument("--role", required=True, choices=["admin", "operator", "resident"])
    parser.add_argument("--institution", default=None, help="institution id (operator tokens)")
    parser.add_argument("--resident", default=None, help="resident id (resident tokens)")
    parser.add_argument("--name", default="", help="who or what the token is for")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from central import db
    from central.core.security import Role, create_token
    from central.db.migrate import upgrade_to_head
    from shared import utc_now

    settings = settings_from(args)
    upgrade_to_head(settings.database.url)
    database = db.Database(settings.database.url)
    try:
        with database.transaction() as session:
            token = create_token(session, Role(args.role), utc_now(), name=args.name,
                                 institution_id=args.institution, resident_id=args.resident)
    except ValueError as exc:
        print(f"create-token: {exc}")
        return 2
    finally:
        database.dispose()
    print(token)
    return 0

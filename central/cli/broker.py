"""``parking-central broker-acl``: the Mosquitto ACL for the central user and the registered gates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from central.cli.common import add_config_option, settings_from


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "broker-acl", help="write a Mosquitto ACL and list the gate users",
        description="Write the ACL (shared.topics rules) for the central user and every gate registered "
                    "in the database plus those given with --gate, and print the gate user names, one a "
                    "line, for mosquitto_passwd.")
    add_config_option(parser)
    parser.add_argument("--output", type=Path, required=True, help="ACL file to write")
    parser.add_argument("--gate", action="append", default=[], metavar="SITE/GATE",
                        help="a gate not (yet) in the database; repeatable")
    parser.add_argument("--no-database", action="store_true", help="only the --gate gates")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.topics import central_acl, gate_acl, gate_username

    settings = settings_from(args)
    gates = set(_given(args.gate))
    if not args.no_database:
        gates |= set(_registered(settings.database.url))
    lines = [*central_acl(settings.mqtt.username)]
    for site, gate in sorted(gates):
        lines += ["", *gate_acl(site, gate)]
    args.output.write_text("\n".join(lines) + "\n")
    for site, gate in sorted(gates):
        print(gate_username(site, gate))
    return 0


def _given(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        site, _, gate = value.partition("/")
        if not site or not gate:
            raise SystemExit(f"broker-acl: --gate wants SITE/GATE, got {value!r}")
        pairs.append((site, gate))
    return pairs


def _registered(url: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central import db

    database = db.Database(url)
    try:
        with database.transaction() as session:
            return [(s, g) for s, g in session.execute(select(db.Gate.site_id, db.Gate.gate_id))]
    finally:
        database.dispose()

"""Broker accounts from the command line.

``parking-central broker init``        the dynamic-security file for a broker's first start
``parking-central broker add-gate``    register a gate and make its account (password printed once)
``parking-central broker new-password``  a new password for a gate (the old one refused at once)
``parking-central broker remove-gate``   remove a gate and its account (disconnected at once)
``parking-central broker-acl``         the ACL file, for a broker without the plugin
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from central.cli.common import add_config_option, settings_from

MIN_PASSWORD = 12


def add_parser(subparsers: Any) -> None:
    _add_acl_parser(subparsers)
    parser = subparsers.add_parser(
        "broker", help="gate accounts on the broker (dynamic-security plugin)",
        description="Manage broker accounts through Mosquitto's dynamic-security plugin "
                    "(broker_accounts.manager: dynsec). See docs/deploy.md.")
    commands = parser.add_subparsers(dest="broker_command", required=True, metavar="ACTION")
    init = commands.add_parser(
        "init", help="write the plugin's file for the broker's first start",
        description="Write the dynamic-security file with central's admin account, central's account "
                    "and the --gate accounts, each password read from the environment variable named "
                    "after '='. An existing file is kept as it is: the broker owns it from its first start.")
    init.add_argument("--file", type=Path, required=True, help="the file the broker's plugin reads")
    init.add_argument("--admin", default="central-admin=MQTT_ADMIN_PASSWORD", metavar="USER=ENV",
                      help="central's admin account (broker_accounts.admin_username) [%(default)s]")
    init.add_argument("--central", default="central=MQTT_CENTRAL_PASSWORD", metavar="USER=ENV",
                      help="central's own account (mqtt.username) [%(default)s]")
    init.add_argument("--gate", action="append", default=[], metavar="SITE/GATE=ENV",
                      help="a gate's account; repeatable")
    init.set_defaults(func=run_init)
    for name, func, text in (("add-gate", run_add, "register a gate and make its account"),
                             ("new-password", run_rotate, "give a gate a new password"),
                             ("remove-gate", run_remove, "remove a gate and its account")):
        sub = commands.add_parser(name, help=text, description=text + "; a password is printed once.")
        add_config_option(sub)
        sub.add_argument("gate", metavar="SITE/GATE")
        if name == "add-gate":
            sub.add_argument("--name", default="", help="the gate's display name")
        sub.set_defaults(func=func)


def run_init(args: argparse.Namespace) -> int:
    from central.broker import dynsec
    from shared import central_rules, gate_rules, gate_username

    if args.file.exists():
        print(f"{args.file} exists: kept (the broker owns it from its first start)")
        return 0
    admin, central = _named_secret(args.admin), _named_secret(args.central)
    accounts = [dynsec.Account(*admin, dynsec.ADMIN_RULES), dynsec.Account(*central, central_rules())]
    for value in args.gate:
        name, password = _named_secret(value)
        site, gate = _site_gate(name)
        accounts.append(dynsec.Account(gate_username(site, gate), password, gate_rules(site, gate)))
    args.file.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump(dynsec.first_file(accounts), out, indent=1)
    print(f"{args.file}: {', '.join(a.username for a in accounts)}")
    return 0


def _named_secret(value: str) -> tuple[str, str]:
    """NAME=ENV: the name and the password in that environment variable (12 characters at least)."""
    name, _, variable = value.partition("=")
    password = os.environ.get(variable, "") if variable else ""
    if not name or len(password) < MIN_PASSWORD:
        raise SystemExit(f"broker init: {value!r}: wants NAME=ENV with a password of {MIN_PASSWORD} "
                         "characters or more in environment variable ENV")
    return name, password


def run_add(args: argparse.Namespace) -> int:
    from central import broker

    site, gate = _site_gate(args.gate)
    with _session(args) as (session, accounts):
        added = broker.add_gate(session, accounts, site, gate, args.name)
    _print_account(site, gate, added.credentials)
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from central import broker

    site, gate = _site_gate(args.gate)
    with _session(args) as (session, accounts):
        credentials = broker.rotate_gate_password(session, accounts, site, gate)
    _print_account(site, gate, credentials)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from central import broker

    site, gate = _site_gate(args.gate)
    with _session(args) as (session, accounts):
        removed = broker.remove_gate(session, accounts, site, gate)
    print(f"gate {site}/{gate} removed" + ("" if removed else
                                          "; no broker account was removed (password file: edit it)"))
    return 0


def _print_account(site: str, gate: str, credentials: Any) -> None:
    from shared import gate_username

    print(f"username: {gate_username(site, gate)}")
    if credentials is None:
        print("password: none made (broker_accounts.manager is password_file: use mosquitto_passwd)")
    else:
        print(f"password: {credentials.password}")  # shown once, to be given to the gate


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """A database transaction (committed on success) and the configured account manager."""
    from central import db
    from central.broker import accounts_for

    settings = settings_from(args)
    database = db.Database(settings.database.url)
    try:
        with database.transaction() as session:
            yield session, accounts_for(settings)
    finally:
        database.dispose()


def _site_gate(value: str) -> tuple[str, str]:
    site, _, gate = value.partition("/")
    if not site or not gate:
        raise SystemExit(f"broker: wants SITE/GATE, got {value!r}")
    return site, gate


# -- broker-acl (brokers without the dynamic-security plugin) ---------------------

def _add_acl_parser(subparsers: Any) -> None:
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
    parser.set_defaults(func=run_acl)


def run_acl(args: argparse.Namespace) -> int:
    from shared import central_acl, gate_acl, gate_username

    settings = settings_from(args)
    gates = {_site_gate(value) for value in args.gate}
    if not args.no_database:
        gates |= set(_registered(settings.database.url))
    lines = [*central_acl(settings.mqtt.username)]
    for site, gate in sorted(gates):
        lines += ["", *gate_acl(site, gate)]
    args.output.write_text("\n".join(lines) + "\n")
    for site, gate in sorted(gates):
        print(gate_username(site, gate))
    return 0


def _registered(url: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central import db

    database = db.Database(url)
    try:
        with database.transaction() as session:
            return [(s, g) for s, g in session.execute(select(db.Gate.site_id, db.Gate.gate_id))]
    finally:
        database.dispose()

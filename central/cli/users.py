"""``parking-central user``: staff accounts of the operator console (create, password, disable, list).

A password is never a command-line argument (it would land in the shell's history and in
``ps``): it comes from ``--password-file``, else ``$PARKING_CENTRAL_USER_PASSWORD``, else
standard input when that is not a terminal (one line), else a prompt, asked twice.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from central.cli.common import add_config_option, settings_from
from central.errors import AccountError, CentralError

PASSWORD_ENV = "PARKING_CENTRAL_USER_PASSWORD"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("user", help="staff accounts of the operator console",
                                   description="Create staff accounts, set their passwords, list them.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    # No abbreviations: "--password SECRET" must not be read as "--password-file SECRET".
    create = actions.add_parser("create", help="create an admin or an operator of one institution",
                                allow_abbrev=False)
    create.add_argument("--role", required=True, choices=["admin", "operator"])
    create.add_argument("--username", required=True)
    create.add_argument("--institution", default=None, help="institution id (operators only)")
    password = actions.add_parser("password", help="set a password; the account's sessions end",
                                  allow_abbrev=False)
    password.add_argument("--username", required=True)
    disable = actions.add_parser("disable", help="refuse the account's sign-in; its sessions end")
    disable.add_argument("--username", required=True)
    listing = actions.add_parser("list", help="list the staff accounts")
    for sub in (create, password):
        sub.add_argument("--password-file", type=Path, default=None, metavar="PATH",
                         help=f"read the password from this file (else ${PASSWORD_ENV}, stdin, or a prompt)")
    for sub in (create, password, disable, listing):
        add_config_option(sub)
        sub.set_defaults(func=run)


def read_password(path: Path | None) -> str:
    """The new password, from the first of: the file, the environment, piped stdin, a prompt."""
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("The same again: ") != first:
        raise AccountError("password: the two entries differ")
    return first


def run(args: argparse.Namespace) -> int:
    from central import db
    from central.db.migrate import upgrade_to_head

    settings = settings_from(args)
    upgrade_to_head(settings.database.url)
    database = db.Database(settings.database.url)
    try:
        with database.transaction() as session:
            print(_act(session, args))
    except (CentralError, OSError) as exc:
        print(f"user {args.action}: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    return 0


def _act(session: Any, args: argparse.Namespace) -> str:
    from central import accounts
    from central.core.security import Principal, Role
    from shared import utc_now

    system = Principal(Role.ADMIN)  # whoever may run this command may administer the console
    now = utc_now()
    if args.action == "create":
        account = accounts.create_staff(session, system, args.username, read_password(args.password_file),
                                        Role(args.role), now, institution_id=args.institution)
        return f"created {account.role} {account.username}"
    if args.action == "password":
        accounts.set_password(session, system, args.username, read_password(args.password_file), now)
        return f"password of {args.username} set; its sessions ended"
    if args.action == "disable":
        accounts.disable_staff(session, system, args.username, now)
        return f"{args.username} disabled; its sessions ended"
    rows = accounts.list_staff(session, system)
    return "\n".join(f"{a.username}\t{a.role}\t{a.institution_id or '-'}\t"
                     f"{'disabled' if a.disabled_at else 'active'}" for a in rows) or "no staff accounts"

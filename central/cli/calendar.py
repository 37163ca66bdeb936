"""``parking-central calendar``: publish and show the official calendar (rest days, make-up working days).

``calendar import FILE`` reads the ``date,kind`` file format (``central/calendar.py``,
docs/billing.md) and replaces each year it lists; every site's bundle is re-signed in the same
transaction, so the gates get the new days with the next publish. ``calendar show YEAR``
prints a year in that format; ``calendar list`` the published years and the years contracts
cover without a schedule.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from central.cli.common import add_config_option, settings_from
from central.errors import CentralError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("calendar", help="the official calendar (rest and make-up working days)",
                                   description="Publish and show the State Council's schedule of each year.")
    commands = parser.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")
    imported = commands.add_parser(
        "import", help="publish the years a date,kind file lists (each replaces that year whole)",
        description="Read FILE: one 'date,kind' line per listed day (kind rest or working, 休 or 班; "
                    "a header, blank lines and # comments allowed), replace each year it lists, "
                    "re-sign every bundle.")
    add_config_option(imported)
    imported.add_argument("file", type=Path, metavar="FILE", help="the date,kind file (UTF-8)")
    imported.add_argument("--source", default=None, help="where the schedule comes from "
                                                         "(default: the file's name)")
    shown = commands.add_parser("show", help="print a year's schedule in the import file's format")
    add_config_option(shown)
    shown.add_argument("year", type=int, metavar="YEAR")
    listed = commands.add_parser("list", help="the published years, and those contracts cover without one")
    add_config_option(listed)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from central import db

    settings = settings_from(args)
    database = db.Database(settings.database.url)
    try:
        with database.transaction() as session:
            print(_act(session, args, settings))
    except (CentralError, OSError, UnicodeDecodeError) as exc:
        print(f"calendar {args.calendar_command}: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    return 0


def _act(session: Any, args: argparse.Namespace, settings: Any) -> str:
    from central import calendar

    if args.calendar_command == "import":
        return _import(session, args, settings)
    if args.calendar_command == "show":
        return calendar.schedule_csv(calendar.year_schedule(session, args.year)).rstrip("\n")
    return _list(session, settings)


def _import(session: Any, args: argparse.Namespace, settings: Any) -> str:
    from central import calendar
    from central.distribution.bundles import Signer
    from shared import utc_now

    text = args.file.read_text(encoding="utf-8")
    schedules = calendar.parse_schedule_csv(text, args.source or args.file.name)
    sites = calendar.publish_schedules(session, schedules, Signer.from_settings(settings.signing), utc_now())
    lines = [f"calendar {s.year}: {len(s.rest_days)} rest days, {len(s.working_days)} make-up working days "
             f"({s.source})" for s in schedules]
    return "\n".join([*lines, f"bundles re-signed for {len(sites)} site(s)"])


def _list(session: Any, settings: Any) -> str:
    from zoneinfo import ZoneInfo

    from central import calendar
    from shared import utc_now

    rows = [f"{y.year}\t{y.rest_days} rest\t{y.working_days} working\t{y.source}\t{y.imported_at:%Y-%m-%d}"
            for y in calendar.published_years(session)]
    today = utc_now().astimezone(ZoneInfo(settings.web.timezone)).date()
    missing = calendar.unpublished_covered_years(session, today)
    if missing:
        rows.append("not published, covered by contracts (the week alone decides): "
                    + ", ".join(str(y) for y in missing))
    return "\n".join(rows) or "no published year"

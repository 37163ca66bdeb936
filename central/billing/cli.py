"""``parking-central bill --month 2026-11``: issue every contract's statement and export them as CSV.

A month is billed once it has ended in every site's timezone; ``--preview`` prints what would
be issued now as CSV (any month that has started, the current one too) and stores nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from central.billing.month import Month
from central.errors import MonthError
from shared import utc_now


def add_parser(subparsers: Any) -> None:
    from central.cli.common import add_config_option

    parser = subparsers.add_parser(
        "bill", help="issue the monthly statements of every contract and export them as CSV",
        description="Issue every missing statement of a month that has ended (running it again changes "
                    "nothing; stays that arrive later become adjustments on the next month) and write a CSV. "
                    "With --preview, print the statements the month would get now and store nothing.")
    add_config_option(parser)
    parser.add_argument("--month", required=True, help="site-local month, YYYY-MM")
    parser.add_argument("--csv", type=Path, default=None, metavar="PATH",
                        help="where to write the CSV (default: statements-YYYY-MM.csv)")
    parser.add_argument("--preview", action="store_true",
                        help="print the CSV of what would be issued now (also for the current month); "
                             "nothing is stored")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from central.billing.export import export_csv, yuan
    from central.billing.run import bill_month, preview_month
    from central.cli.common import settings_from
    from central.db import Database

    settings = settings_from(args)
    database = Database(settings.database.url, settings.database.pool_size)
    try:
        month = Month.parse(args.month)
        if args.preview:
            summary = preview_month(database, month, utc_now(), sys.stdout)
            print(f"{month} (preview, nothing stored): {summary.statements} statements, "
                  f"{summary.lines} lines, {yuan(summary.total_fen)} yuan", file=sys.stderr)
            return 0
        progress = not args.no_progress and sys.stderr.isatty()
        summary = bill_month(database, month, utc_now(), progress=progress)
        path = args.csv or Path(f"statements-{month}.csv")
        with database.transaction() as session:
            rows = export_csv(session.connection(), str(month), path)
    except MonthError as exc:
        print(f"parking-central bill: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    print(f"{month}: {summary.statements} statements issued ({summary.already_issued} already were), "
          f"{summary.lines} lines, {yuan(summary.total_fen)} yuan; {rows} CSV rows in {path}")
    return 0

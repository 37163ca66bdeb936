"""``parking-central``: one subcommand per module, each exposing ``add_parser(subparsers)``.

To add a subcommand, add its module to ``COMMANDS`` (one line).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from central.errors import ConfigError

COMMANDS = (
    "central.cli.serve",
    "central.cli.migrate",
    "central.cli.ingest",
    "central.cli.keys",
    "central.cli.tokens",
    "central.cli.users",
    "central.cli.broker",
    "central.cli.bundles",
    "central.cli.calendar",
    "central.billing.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parking-central",
                                     description="Central service of the off-peak parking system.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"parking-central: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

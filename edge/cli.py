"""``parking-edge``: run a gate, explain a decision, evaluate a reader, hash a guard password."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import signal
import sys
import threading
from datetime import datetime, time
from pathlib import Path

from edge.config import load_settings
from edge.errors import EdgeError
from edge.eval import add_eval_parser
from shared import Direction, PlateError

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parking-edge", description="Off-peak parking gate agent")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the gate")
    run.add_argument("--config", type=Path, required=True, help="YAML settings (config/edge.yaml)")
    run.set_defaults(func=_run)
    exp = sub.add_parser("explain", help="what the gate would decide for a plate, and why")
    exp.add_argument("--config", type=Path, required=True, help="YAML settings of the gate")
    exp.add_argument("--plate", required=True, help="plate, e.g. 沪A12345")
    exp.add_argument("--at", type=_moment, default=None,
                     help="ISO date and time, or a time of day for today (default now); "
                          "without an offset it is the site's local time")
    exp.add_argument("--direction", choices=[d.value for d in Direction], default="entry")
    exp.add_argument("--json", action="store_true", help="one JSON object")
    exp.set_defaults(func=_explain)
    pw = sub.add_parser("hash-password", help="argon2 hash of a guard password, for guard.accounts")
    pw.set_defaults(func=_hash_password)
    add_eval_parser(sub)
    return parser


def _moment(text: str) -> datetime | time:
    """``--at``: a date and time, or a time of day; the site's zone is applied once the bundle is read."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return time.fromisoformat(text)
    except ValueError:
        why = "not an ISO date and time or a time of day, e.g. 2025-10-15T20:00 or 20:00"
        raise argparse.ArgumentTypeError(f"{why} (got {text!r})") from None


def _run(args: argparse.Namespace) -> int:
    from edge.agent import Agent
    from edge.guard.server import GuardServer

    settings = load_settings(args.config)
    agent = Agent(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    agent.start()
    server = GuardServer(agent) if settings.guard.enabled else None
    if server is not None:
        server.start()
    stop.wait()
    logger.info("stopping")
    if server is not None:
        server.stop()
    agent.stop()
    return 0


def _explain(args: argparse.Namespace) -> int:
    from edge.explain import explain

    settings = load_settings(args.config, require_secrets=False)
    try:
        result = explain(settings, args.plate, args.at, Direction(args.direction))
    except PlateError as exc:
        sys.stderr.write(f"error: --plate: {exc}\n")
        return 2
    print(json.dumps(result.as_dict(), ensure_ascii=False) if args.json else result.text())
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    from argon2 import PasswordHasher

    password = getpass.getpass("guard password: ")
    if len(password) < 8:
        sys.stderr.write("error: use at least 8 characters\n")
        return 2
    print(PasswordHasher().hash(password))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except EdgeError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""``parking-central serve``: the HTTP API, the outbox publisher and (optionally) ingestion."""

from __future__ import annotations

import argparse
from typing import Any

from central.cli.common import add_config_option, settings_from

GRACEFUL_SHUTDOWN_S = 10


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the HTTP API (upgrades the database first)",
        description="Run the API on uvicorn with the outbox publisher; with ingest.in_process "
                    "the ingest consumer runs in the same process.")
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from central.api import create_app

    settings = settings_from(args)
    app = create_app(settings, background=True)
    # The console's live pages hold server-sent event streams open; a restart waits this long for
    # them (and any other request) before it closes them, and browsers reconnect to the new process.
    uvicorn.run(app, host=settings.api.host, port=settings.api.port, log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    return 0

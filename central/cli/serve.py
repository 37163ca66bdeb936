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
    settings = settings_from(args)  # first: it sets up the log before the imports below log
    import uvicorn

    from central.api import create_app

    app = create_app(settings, background=True)
    # uvicorn's own handlers write text; for JSON its loggers go through ours (central.logs).
    # The console's live pages hold server-sent event streams open; a restart waits this long for
    # them (and any other request) before it closes them, and browsers reconnect to the new process.
    log_config = None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
    uvicorn.run(app, host=settings.api.host, port=settings.api.port, log_level=settings.log_level.lower(),
                log_config=log_config, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    return 0

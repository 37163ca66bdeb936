"""``parking-central ingest``: the ingest consumer on its own (several may share the load)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from central.cli.common import add_config_option, settings_from


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ingest", help="consume gate events and status from the broker",
        description="Subscribe with MQTT 5 shared subscriptions ($share/<ingest.group>/...) and store "
                    "events, stays and gate status. Stops on SIGINT or SIGTERM.")
    add_config_option(parser)
    parser.add_argument("--client-id", default=None, help="MQTT client id (stable, to keep the session)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from central import db
    from central.ingest.consumer import Ingestor
    from shared import utc_now

    settings = settings_from(args)
    database = db.Database(settings.database.url, settings.database.pool_size)
    ingestor = Ingestor(database, settings.mqtt, settings.ingest, utc_now, args.client_id)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ingestor.start()
    stop.wait()
    ingestor.stop()
    print(f"stored {ingestor.stats.stored} events, {ingestor.stats.duplicates} duplicates dropped, "
          f"{ingestor.stats.dead_letters} dead-lettered")
    return 0

"""``parking-central ingest``: the ingest consumer on its own (several may share the load)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING, Any

from central.cli.common import add_config_option, settings_from

if TYPE_CHECKING:
    from central.db import Database
    from central.ingest.consumer import Ingestor


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
    if settings.metrics.enabled and settings.metrics.ingest_port is not None:
        _serve_metrics(settings.metrics.ingest_host, settings.metrics.ingest_port, database, ingestor)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ingestor.start()
    stop.wait()
    ingestor.stop()
    print(f"stored {ingestor.stats.stored} events, {ingestor.stats.duplicates} duplicates dropped, "
          f"{ingestor.stats.dead_letters} dead-lettered")
    return 0


def _serve_metrics(host: str, port: int, database: Database, ingestor: Ingestor) -> None:
    """This consumer's /metrics (its counters, lag and link; the database's outbox and bundles)."""
    from prometheus_client import start_http_server

    from central.health import Runtime, read_facts, sample
    from central.metrics import registry_for
    from shared import utc_now

    runtime = Runtime(links=[ingestor.mqtt], consumers=[ingestor])
    start_http_server(port, host, registry_for(lambda: sample(read_facts(database, runtime, utc_now()))))

"""``parking-central bundles reissue``: sign and publish fresh bundles, e.g. after a key rotation.

The bundles are queued in the outbox like any other; the running service's
publisher sends them, and this command waits until it has (``--wait``). With
the service stopped, ``--publish`` sends them from here instead (never both:
one publisher per deployment).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from central.cli.common import add_config_option, settings_from
from central.core.config import Settings


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("bundles", help="contract bundles",
                                   description="Contract bundles sent to the gates.")
    commands = parser.add_subparsers(dest="bundles_command", required=True, metavar="ACTION")
    reissue = commands.add_parser(
        "reissue", help="sign and publish a fresh bundle for every site (or one)",
        description="Sign a fresh bundle for every site (or --site) with the configured signing key and "
                    "publish it, so gates drop the retained bundle signed with an old key (docs/deploy.md, "
                    "key rotation).")
    add_config_option(reissue)
    reissue.add_argument("--site", default=None, help="only this site")
    reissue.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                         help="wait this long for the running service to publish them [%(default)s]")
    reissue.add_argument("--publish", action="store_true",
                         help="publish from this process (only while `parking-central serve` is stopped)")
    reissue.set_defaults(func=run_reissue)


def run_reissue(args: argparse.Namespace) -> int:
    from central import db
    from central.distribution.bundles import Signer, reissue_bundles
    from shared import utc_now

    settings = settings_from(args)
    database = db.Database(settings.database.url)
    try:
        now = utc_now()
        with database.transaction() as session:
            issued = reissue_bundles(session, Signer.from_settings(settings.signing), now, args.site)
        for site, sequence in issued.items():
            print(f"site {site}: bundle {sequence} signed with key {settings.signing.key_id}")
        if args.publish:
            _publish(settings, database)
        waiting = _wait_published(database, set(issued), now, 0 if args.publish else args.wait)
    finally:
        database.dispose()
    if waiting:
        print(f"not yet published for {', '.join(sorted(waiting))}: is `parking-central serve` running? "
              "(they stay queued; or stop it and run this with --publish)")
        return 1
    print(f"published: {len(issued)} site(s)")
    return 0


def _publish(settings: Settings, database: Any) -> None:
    from central.distribution.bundles import Signer
    from central.distribution.publisher import OutboxPublisher
    from central.errors import BrokerUnavailableError
    from central.mqtt import MqttClient
    from shared import utc_now

    link = MqttClient(settings.mqtt, f"{settings.mqtt.client_id}-reissue")
    link.start()
    try:
        if not link.wait_connected(settings.mqtt.publish_timeout_s):
            raise BrokerUnavailableError(f"cannot reach the broker: {link.last_refusal or 'no answer'}")
        OutboxPublisher(database, link, Signer.from_settings(settings.signing), utc_now).publish_pending()
    finally:
        link.stop()


def _wait_published(database: Any, sites: set[str], since: datetime, wait_s: float) -> set[str]:
    """The sites whose bundle issued at ``since`` has not been published yet, after waiting up to wait_s."""
    from sqlalchemy import select

    from central import db

    deadline = time.monotonic() + wait_s
    while True:
        with database.transaction() as session:
            done = set(session.scalars(select(db.BundleState.site_id).where(
                db.BundleState.site_id.in_(sites), db.BundleState.published_at >= since)))
        if sites <= done or time.monotonic() >= deadline:
            return sites - done
        time.sleep(0.5)

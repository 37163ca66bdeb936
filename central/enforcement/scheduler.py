"""The enforcement scheduler inside the central service: a thread that ticks, with an injectable clock.

``tick()`` does one round and is what tests call (no sleeping); ``start()``
runs it every ``interval_s`` (``central.ticker``) until ``stop()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from central.contracts.service import ContractRules, change_status
from central.core.config import EnforcementSettings
from central.core.security import Principal, Role
from central.db import Database
from central.distribution.bundles import Signer
from central.enforcement import watch
from central.enforcement.notify import ResidentNotifier, WebhookNotifier, dispatch_due
from central.enforcement.timeline import Action, Policy, due_actions
from central.residents.notices import InAppNotifier
from central.ticker import Ticker
from shared import Clock, utc_now

SYSTEM = Principal(Role.ADMIN)  # automatic suspensions act with the service's own authority


def bundle_suspender(signer: Signer, rules: ContractRules) -> watch.SuspendContract:
    """Suspend through the contract service, which queues the site's next signed bundle."""
    def suspend(session: Session, contract_id: str, now: datetime) -> None:
        change_status(session, SYSTEM, contract_id, "suspend", signer, rules, now)
    return suspend


class EnforcementScheduler:
    def __init__(self, database: Database, settings: EnforcementSettings, suspend: watch.SuspendContract,
                 notifiers: Mapping[str, ResidentNotifier] | None = None,
                 clock: Clock = utc_now) -> None:
        self.database = database
        self.settings = settings
        self.suspend = suspend
        self.notifiers = dict(notifiers or {})
        self.clock = clock
        self.policy = Policy(tuple(settings.reminders_minutes), settings.violations_to_suspend,
                             settings.window_days)
        self._loop = Ticker("enforcement", self.tick, settings.interval_s)

    def tick(self) -> list[Action]:
        """One round: record the actions due now, then send the notifications due."""
        now = self.clock()
        with self.database.transaction() as session:
            actions = self._due(session, now)
            for action in actions:
                watch.record(session, action, now, list(self.notifiers), self.suspend)
        dispatch_due(self.database, self.notifiers, now, self.settings.max_attempts,
                     self.settings.retry_base_s)
        return actions

    def _due(self, session: Session, now: datetime) -> list[Action]:
        stays = watch.watched_stays(session, now, timedelta(hours=self.settings.lookback_hours),
                                    self.settings.default_grace_minutes)
        history = timedelta(days=self.settings.window_days)
        violations = watch.recent_violations(session, now - history)
        contracts = {s.contract_id for s in stays if s.contract_id} | {
            v.contract_id for v in violations if v.contract_id}
        standings = watch.standings(session, contracts)
        done = watch.done_keys(session, now - history - timedelta(hours=self.settings.lookback_hours))
        return due_actions(stays, done, violations, standings, now, self.policy)

    def start(self) -> EnforcementScheduler:
        self._loop.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)


def start(database: Database, settings: EnforcementSettings, signer: Signer, rules: ContractRules,
          clock: Clock = utc_now) -> EnforcementScheduler | None:
    """The service lifespan's hook: a running scheduler, or None when disabled."""
    if not settings.enabled:
        return None
    # Every resident has the app: their reminders and notices are always kept there (docs/residents.md).
    notifiers: dict[str, ResidentNotifier] = {"app": InAppNotifier(database, clock)}
    if settings.webhook_url is not None:
        notifiers["webhook"] = WebhookNotifier(str(settings.webhook_url), settings.webhook_timeout_s)
    scheduler = EnforcementScheduler(database, settings, bundle_suspender(signer, rules), notifiers, clock)
    return scheduler.start()

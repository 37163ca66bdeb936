"""Health that tells the truth: the database, the broker links, the publisher's backlog, ingest.

``read_facts`` gathers what is (a database round trip, the links and consumers running in this
process); ``judge`` says what is wrong with it, each check named with why, against
``HealthSettings``. ``/api/v1/health`` answers 503 with the report when anything is wrong;
``/metrics`` reads the same facts (``sample``), so health and metrics never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from central import db
from central.core.config import HealthSettings
from central.metrics import StateSample, age_s
from central.mqtt import LinkState


class Link(Protocol):
    """A broker link of this process (``central.mqtt.MqttClient``)."""

    name: str

    @property
    def link(self) -> LinkState: ...


class Consumer(Protocol):
    """An ingest consumer of this process (``central.ingest.consumer.Ingestor``)."""

    name: str
    last_message_at: datetime | None

    def lag_s(self, now: datetime) -> float: ...


@dataclass
class Runtime:
    """What runs in this process beside the API; ``serve`` registers its links and consumers."""

    links: list[Link] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    outbox_unsent: int
    outbox_oldest: datetime | None
    bundles: list[tuple[str, int, datetime | None]]  # site, sequence, issued at
    gate_last_seen: datetime | None  # the newest status from any gate


@dataclass(frozen=True, slots=True)
class Facts:
    now: datetime
    database: DatabaseFacts | None
    database_error: str | None
    links: dict[str, LinkState]
    consumers: dict[str, tuple[float, datetime | None]]  # name -> (lag s, last message at)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    why: str | None
    detail: dict[str, Any]


def read_facts(database: db.Database, runtime: Runtime, now: datetime) -> Facts:
    try:
        facts, error = _read_database(database), None
    except SQLAlchemyError as exc:  # the class only: health answers anyone, the message names hosts
        facts, error = None, type(exc).__name__
    return Facts(now, facts, error, {link.name: link.link for link in runtime.links},
                 {c.name: (c.lag_s(now), c.last_message_at) for c in runtime.consumers})


def _read_database(database: db.Database) -> DatabaseFacts:
    outbox = db.MqttOutbox
    with database.transaction() as session:
        unsent, oldest = session.execute(select(func.count(), func.min(outbox.created_at))
                                         .where(outbox.sent_at.is_(None))).one()
        bundles = [(row.site_id, row.sequence, row.issued_at) for row in session.execute(
            select(db.BundleState.site_id, db.BundleState.sequence, db.BundleState.issued_at)
            .order_by(db.BundleState.site_id))]
        last_seen = session.scalar(select(func.max(db.Gate.last_seen)))
    return DatabaseFacts(int(unsent or 0), _aware(oldest), bundles, _aware(last_seen))


def _aware(value: datetime | None) -> datetime | None:
    """``min()``/``max()`` of a UTC column comes back naive from SQLite: it is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def judge(facts: Facts, settings: HealthSettings) -> list[Check]:
    return [_database(facts), _broker(facts), _publisher(facts, settings), _ingest(facts, settings)]


def _database(facts: Facts) -> Check:
    if facts.database is None:
        return Check("database", False, f"the database does not answer ({facts.database_error})", {})
    return Check("database", True, None, {})


def _broker(facts: Facts) -> Check:
    links = {name: {"connected": s.connected, "since": s.since.isoformat(), "reason": s.reason}
             for name, s in facts.links.items()}
    down = [f"{name} link down since {s.since.isoformat()} ({s.reason})"
            for name, s in facts.links.items() if not s.connected]
    if not facts.links:
        return Check("broker", True, None, {"links": links, "note": "no broker link in this process"})
    return Check("broker", not down, "; ".join(down) or None, {"links": links})


def _publisher(facts: Facts, settings: HealthSettings) -> Check:
    if facts.database is None:
        return Check("publisher", False, "unknown: the database does not answer", {})
    oldest = age_s(facts.now, facts.database.outbox_oldest)
    detail = {"unsent": facts.database.outbox_unsent, "oldest_age_s": _round(oldest)}
    if oldest is not None and oldest > settings.outbox_max_age_s:
        return Check("publisher", False, f"{facts.database.outbox_unsent} outbox rows unsent, the oldest for "
                                         f"{oldest:.0f} s (limit {settings.outbox_max_age_s:.0f} s)", detail)
    return Check("publisher", True, None, detail)


def _ingest(facts: Facts, settings: HealthSettings) -> Check:
    consumers = {name: {"lag_s": _round(lag), "last_message_age_s": _round(age_s(facts.now, last))}
                 for name, (lag, last) in facts.consumers.items()}
    limit_s = settings.ingest_lag_max_s
    problems = [f"{name}: a message has waited {lag:.0f} s to be stored (limit {limit_s:.0f} s)"
                for name, (lag, _) in facts.consumers.items() if lag > limit_s]
    last = max((at for _, at in facts.consumers.values() if at is not None), default=None)
    if not facts.consumers and facts.database is not None:
        last = facts.database.gate_last_seen  # ingest runs elsewhere: the newest gate status it stored
    quiet = age_s(facts.now, last)
    limit = settings.last_message_max_age_s
    if limit is not None and (quiet is None or quiet > limit):
        problems.append(f"no message from any gate for {'ever' if quiet is None else f'{quiet:.0f} s'} "
                        f"(limit {limit:.0f} s)")
    detail = {"consumers": consumers, "last_message_age_s": _round(quiet)}
    return Check("ingest", not problems, "; ".join(problems) or None, detail)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def sample(facts: Facts) -> StateSample:
    """The facts as the metrics' state collector reads them."""
    found = facts.database
    bundles = found.bundles if found else []
    return StateSample(
        links={name: state.connected for name, state in facts.links.items()},
        ingest_lag_s={name: lag for name, (lag, _) in facts.consumers.items()},
        last_message_age_s={name: age_s(facts.now, last) for name, (_, last) in facts.consumers.items()},
        outbox_unsent=found.outbox_unsent if found else None,
        outbox_oldest_age_s=age_s(facts.now, found.outbox_oldest) if found else None,
        bundles=[(site, seq, age_s(facts.now, issued)) for site, seq, issued in bundles],
        database_up=found is not None)

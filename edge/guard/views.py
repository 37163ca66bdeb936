"""What the guard page shows, as JSON: the review queue, latest reads, vehicles inside, alarms,
alerts and the audit. Codes only: the page labels them from the catalogue (catalogue.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from edge.agent import Agent
from edge.decision import Inside, Read
from edge.store import AuditEntry, EventRow
from shared import Direction

DEFAULT_TIMEZONE = "Asia/Shanghai"
QUEUE_LIMIT = 50


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _decided(entry: AuditEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"guard": entry.guard, "action": entry.action, "at": entry.at.isoformat(),
            "outcome": entry.after.get("outcome"), "plate": entry.after.get("plate")}


def read_view(agent: Agent, row: EventRow, decided: AuditEntry | None,
              inside: Mapping[str, Inside]) -> dict[str, Any]:
    """A read as stored, what a guard may still do with it, and who decided it if someone has."""
    data = row.data
    here = inside.get(data.get("plate") or "")
    waiting_inside = here is not None and data["direction"] == Direction.ENTRY and data["outcome"] != "open"
    return {**data, "lane": row.lane, "delivered": row.delivered,
            "actions": [a.value for a in agent.desk.offered(row, decided is not None)],
            "decided": _decided(decided),
            "inside_since": _iso(here.entered_at) if here and waiting_inside else None}


def candidates_view(agent: Agent, row: EventRow, now: datetime,
                    inside: Mapping[str, Inside]) -> list[dict[str, Any]]:
    """The near misses of a review, each with what the gate would decide for that plate now."""
    direction = Direction(row.data["direction"])
    found = []
    for miss in row.data.get("near_misses") or ():
        decision = agent.gate.decide(Read(miss["plate"], 1.0, direction), now, inside)
        found.append({"plate": miss["plate"], "contract_id": miss["contract_id"], "opens": decision.opens,
                      "reason": decision.reason.value})
    return found


def inside_view(inside: Mapping[str, Inside], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for vehicle in sorted(inside.values(), key=lambda v: v.deadline or now + timedelta(days=999)):
        left = (vehicle.deadline - now).total_seconds() // 60 if vehicle.deadline else None
        rows.append({"plate": vehicle.plate, "entered_at": vehicle.entered_at.isoformat(),
                     "contract_id": vehicle.contract_id, "deadline": _iso(vehicle.deadline),
                     "minutes_left": left, "overdue": left is not None and left < 0})
    return rows


def audit_view(agent: Agent, limit: int = 50) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "guard": e.guard, "action": e.action, "event_id": e.event_id,
             "before": e.before, "after": e.after} for e in agent.store.audit(limit)]


def _alarms(agent: Agent) -> list[dict[str, Any]]:
    return [{"code": a.code, "kind": a.kind, "subject": a.subject, "detail": a.detail,
             "since": a.since.isoformat()} for a in agent.alarms.active()]


def _alerts(agent: Agent, now: datetime) -> list[dict[str, Any]]:
    return [{"kind": a.kind.value, "at": a.at.isoformat(), "plate": a.plate, "contract_id": a.contract_id,
             "deadline": _iso(a.deadline), "minutes_left": a.minutes_left, "message": a.message}
            for a in agent.store.alerts(now - timedelta(days=1))[:50]]


def state_view(agent: Agent, guard: str) -> dict[str, Any]:
    now = agent.clock()
    settings = agent.settings.guard
    store = agent.store
    queue = store.open_reviews(now - timedelta(minutes=settings.review_window_minutes), QUEUE_LIMIT)
    recent = store.recent_events(settings.recent_reads)
    decided = store.decisions(list({row.event_id for row in recent}))
    inside = store.inside()
    bundle = agent.bundles.bundle
    return {
        "guard": guard, "now": now.isoformat(), "site_id": agent.settings.site_id,
        "gate_id": agent.settings.gate_id, "timezone": bundle.site.timezone if bundle else DEFAULT_TIMEZONE,
        "connected": agent.link.connected, "bundle_sequence": agent.bundles.sequence,
        "outbox_depth": store.outbox_depth(),
        "lanes": [{"name": lane.name, "direction": lane.direction.value} for lane in agent.settings.lanes],
        "queue": [{**read_view(agent, row, None, inside),
                   "candidates": candidates_view(agent, row, now, inside)} for row in queue],
        "reads": [read_view(agent, row, decided.get(row.event_id), inside) for row in recent],
        "inside": inside_view(inside, now),
        "alarms": _alarms(agent),
        "alerts": _alerts(agent, now),
        "audit": audit_view(agent),
    }

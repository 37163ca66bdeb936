"""What the guard page shows, as JSON: latest reads, vehicles inside, alarms, alerts, audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from edge.agent import Agent
from edge.store import EventRow
from shared import Reason


def _labels(code: str | None) -> dict[str, str]:
    try:
        reason = Reason(code or "")
    except ValueError:
        return {"zh": code or "", "en": code or ""}
    return {"zh": reason.label("zh-CN"), "en": reason.label("en")}


def read_view(row: EventRow) -> dict[str, Any]:
    data = row.data
    return {**data, "lane": row.lane, "delivered": row.delivered, "reason_label": _labels(data.get("reason"))}


def inside_view(agent: Agent, now: datetime) -> list[dict[str, Any]]:
    rows = []
    vehicles = agent.store.inside().values()
    for vehicle in sorted(vehicles, key=lambda v: v.deadline or now + timedelta(days=999)):
        left = (vehicle.deadline - now).total_seconds() // 60 if vehicle.deadline else None
        rows.append({"plate": vehicle.plate, "entered_at": vehicle.entered_at.isoformat(),
                     "contract_id": vehicle.contract_id,
                     "deadline": vehicle.deadline.isoformat() if vehicle.deadline else None,
                     "minutes_left": left, "overdue": left is not None and left < 0})
    return rows


def state_view(agent: Agent, guard: str) -> dict[str, Any]:
    now = agent.clock()
    recent = agent.store.recent_events(agent.settings.guard.recent_reads)
    return {
        "guard": guard, "now": now.isoformat(), "site_id": agent.settings.site_id,
        "gate_id": agent.settings.gate_id, "connected": agent.link.connected,
        "bundle_sequence": agent.bundles.sequence, "outbox_depth": agent.store.outbox_depth(),
        "lanes": [{"name": lane.name, "direction": lane.direction.value} for lane in agent.settings.lanes],
        "reads": [read_view(row) for row in recent],
        "inside": inside_view(agent, now),
        "alarms": [{"code": a.code, "zh": a.label("zh-CN"), "en": a.label("en"), "detail": a.detail,
                    "since": a.since.isoformat()} for a in agent.alarms.active()],
        "alerts": [a.model_dump(mode="json") for a in agent.store.alerts(now - timedelta(days=1))][:50],
    }


def audit_view(agent: Agent, limit: int = 100) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "guard": e.guard, "action": e.action, "event_id": e.event_id,
             "before": e.before, "after": e.after} for e in agent.store.audit(limit)]

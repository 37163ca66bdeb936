"""``parking-edge explain``: what the gate would decide for a plate, and why, from its own store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings
from edge.decision import Decision, Read
from edge.gate import decide_at_gate
from edge.store import Store
from shared import Direction, parse_plate


@dataclass(frozen=True, slots=True)
class Explanation:
    plate: str
    direction: Direction
    at: datetime
    decision: Decision
    bundle_sequence: int
    bundle_expires_at: datetime | None
    inside_since: datetime | None
    alarms: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "plate": self.plate, "direction": self.direction.value, "at": self.at.isoformat(),
            "outcome": d.outcome.value, "reason": d.reason.value, "reason_zh": d.reason.label("zh-CN"),
            "reason_en": d.reason.label("en"), "contract_id": d.contract_id,
            "deadline": d.deadline.isoformat() if d.deadline else None,
            "near_misses": [{"plate": m.plate, "contract_id": m.contract_id} for m in d.near_misses],
            "bundle_sequence": self.bundle_sequence,
            "bundle_expires_at": self.bundle_expires_at.isoformat() if self.bundle_expires_at else None,
            "inside_since": self.inside_since.isoformat() if self.inside_since else None,
            "alarms": list(self.alarms),
        }

    def text(self) -> str:
        d = self.as_dict()
        lines = [f"{d['plate']} {d['direction']} at {d['at']}: {d['outcome'].upper()}",
                 f"  reason: {d['reason']} ({d['reason_zh']} / {d['reason_en']})"]
        for key in ("contract_id", "deadline", "inside_since", "bundle_sequence", "bundle_expires_at",
                    "alarms"):
            if d[key] not in (None, [], 0):
                lines.append(f"  {key}: {d[key]}")
        lines.extend(f"  near miss: {m['plate']} (contract {m['contract_id']})" for m in d["near_misses"])
        return "\n".join(lines)


def explain(settings: EdgeSettings, plate_text: str, at: datetime, direction: Direction) -> Explanation:
    """Raises PlateError for a plate that is not a plate."""
    plate = parse_plate(plate_text).text
    store = Store(settings.data_dir / "gate.db")
    try:
        alarms = Alarms()
        bundles = BundleKeeper(settings.site_id, store, settings.verification_keys(), alarms, lambda: at,
                               timedelta(0))
        bundles.check(at)
        decision = decide_at_gate(Read(plate, 1.0, direction), bundles, store, at,
                                  settings.reader.min_confidence)
        inside = store.inside().get(plate)
        bundle = bundles.bundle
        return Explanation(plate, direction, at, decision, bundles.sequence,
                           bundle.expires_at if bundle else None, inside.entered_at if inside else None,
                           alarms.codes())
    finally:
        store.close()

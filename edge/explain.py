"""``parking-edge explain``: what the gate would decide for a plate, and why, from its own store.

Times are the site's: a ``--at`` without an offset is read in the zone of the site the held
bundle is for, and every time printed is in that zone, with its offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.alarms import Alarms
from edge.bundles import BundleKeeper
from edge.config import EdgeSettings
from edge.decision import Decision, Read
from edge.gate import decide_at_gate
from edge.store import Store
from shared import BlacklistEntry, Direction, OwnVehicle, SiteInfo, parse_plate, utc_now

# The zone of a gate that holds no bundle yet: the one a site has unless it says otherwise.
_DEFAULT_ZONE = ZoneInfo(str(SiteInfo.model_fields["timezone"].default))


def site_moment(at: datetime | time | None, tz: ZoneInfo, now: datetime) -> datetime:
    """``--at`` as the gate's guard means it: an offset is kept; without one, the site's wall clock.

    A time of day alone is today's (in the site's zone); None is now.
    """
    if at is None:
        return now
    if isinstance(at, time):
        at = datetime.combine(now.astimezone(tz).date(), at)
    return at if at.tzinfo is not None else at.replace(tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Explanation:
    plate: str
    direction: Direction
    at: datetime
    tz: ZoneInfo
    decision: Decision
    bundle_sequence: int
    bundle_expires_at: datetime | None
    inside_since: datetime | None
    alarms: tuple[str, ...]
    own_vehicle: OwnVehicle | None = None
    blacklisted: BlacklistEntry | None = None

    def _local(self, moment: datetime | None) -> str | None:
        return moment.astimezone(self.tz).isoformat() if moment else None

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "plate": self.plate, "direction": self.direction.value, "at": self._local(self.at),
            "site_timezone": self.tz.key,
            "outcome": d.outcome.value, "reason": d.reason.value, "reason_zh": d.reason.label("zh-CN"),
            "reason_en": d.reason.label("en"), "contract_id": d.contract_id,
            "deadline": self._local(d.deadline),
            "detail": d.detail or None,
            "near_misses": [{"plate": m.plate, "contract_id": m.contract_id} for m in d.near_misses],
            "own_vehicle": _own(self.own_vehicle), "blacklist": self._barred(),
            "bundle_sequence": self.bundle_sequence, "bundle_expires_at": self._local(self.bundle_expires_at),
            "inside_since": self._local(self.inside_since), "alarms": list(self.alarms),
        }

    def _barred(self) -> dict[str, Any] | None:
        entry = self.blacklisted
        return {"reason": entry.reason, "until": self._local(entry.until)} if entry else None

    def text(self) -> str:
        d = self.as_dict()
        lines = [f"{d['plate']} {d['direction']} at {d['at']} ({d['site_timezone']}): {d['outcome'].upper()}",
                 f"  reason: {d['reason']} ({d['reason_zh']} / {d['reason_en']})"]
        for key in ("contract_id", "deadline", "detail", "inside_since", "bundle_sequence",
                    "bundle_expires_at", "alarms"):
            if d[key] not in (None, [], 0):
                lines.append(f"  {key}: {d[key]}")
        if d["own_vehicle"]:
            own = d["own_vehicle"]
            lines.append(f"  own vehicle: {own['holder'] or '-'} ({', '.join(own['windows']) or 'any time'})")
        if d["blacklist"]:
            entry = d["blacklist"]
            lines.append(f"  blacklisted: {entry['reason']} (until {entry['until'] or 'lifted'})")
        lines.extend(f"  near miss: {m['plate']} "
                     f"({'contract ' + m['contract_id'] if m['contract_id'] else 'own vehicle'})"
                     for m in d["near_misses"])
        return "\n".join(lines)


def _own(vehicle: OwnVehicle | None) -> dict[str, Any] | None:
    if vehicle is None:
        return None
    return {"holder": vehicle.holder, "windows": [w.label() for w in vehicle.windows]}


def explain(settings: EdgeSettings, plate_text: str, at: datetime | time | None, direction: Direction,
            now: datetime | None = None) -> Explanation:
    """Raises PlateError for a plate that is not a plate."""
    plate = parse_plate(plate_text).text
    now = now or utc_now()
    store = Store(settings.data_dir / "gate.db")
    try:
        alarms = Alarms()
        bundles = BundleKeeper(settings.site_id, store, settings.verification_keys(), alarms, lambda: now,
                               timedelta(0))
        index = bundles.index
        tz = index.tz if index is not None else _DEFAULT_ZONE
        moment = site_moment(at, tz, now)
        bundles.check(moment)
        decision = decide_at_gate(Read(plate, 1.0, direction), bundles, store, moment,
                                  settings.reader.min_confidence)
        inside = store.inside().get(plate)
        bundle = bundles.bundle
        return Explanation(plate, direction, moment, tz, decision, bundles.sequence,
                           bundle.expires_at if bundle else None, inside.entered_at if inside else None,
                           alarms.codes(), index.own.get(plate) if index else None,
                           index.barred(plate, moment) if index else None)
    finally:
        store.close()

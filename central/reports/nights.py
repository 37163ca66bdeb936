"""The night, as the console shows it: 18:00 to 09:00 in the site's zone, when shared spaces are used.

- ``tonight``: the night under way, or during the day the one that comes next;
- ``night_curve``: vehicles inside at the start of each bucket across one night;
- ``shared_use_by_week``: the share of the shared spaces in use over each week's nights.

Shared places in use at an instant follow the institution-first rule of ``central.occupancy``:
contracts with a car inside (each once), plus the institution's own vehicles beyond its reserved
spaces. The stays are filtered in SQL (the site, the period, contract or own-vehicle stays only);
Python only counts them at each sample, by binary search.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from central import db
from central.occupancy import Presence, inside_at, merged_spans

NIGHT_START = time(18, 0)
NIGHT_END = time(9, 0)  # the next morning
DEFAULT_BUCKET = timedelta(minutes=30)
Span = tuple[datetime, datetime | None]


def tonight(now: datetime, tz: ZoneInfo) -> date:
    """The local date the night under way started on; from 09:00 to 18:00, today's (the coming night)."""
    local = now.astimezone(tz)
    return local.date() - timedelta(days=1) if local.time() < NIGHT_END else local.date()


def night_span(night: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The night starting on ``night``, 18:00 to 09:00 the next morning (local), in UTC."""
    start = datetime.combine(night, NIGHT_START, tzinfo=tz)
    end = datetime.combine(night + timedelta(days=1), NIGHT_END, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class NightCurve:
    site_id: str
    night: date
    total_spaces: int
    times: tuple[datetime, ...]  # bucket starts, UTC
    inside: tuple[int | None, ...]  # None: the bucket has not started yet


def night_curve(session: Session, site: db.Site, night: date, now: datetime,
                bucket: timedelta = DEFAULT_BUCKET) -> NightCurve:
    """Vehicles inside at the start of each bucket of the night (buckets still ahead are None)."""
    start, end = night_span(night, ZoneInfo(site.timezone))
    series = inside_at(session, site.id, start, end, bucket)
    return NightCurve(site.id, night, site.total_spaces, tuple(t for t, _ in series),
                      tuple(n if t <= now else None for t, n in series))


@dataclass(frozen=True, slots=True)
class WeekShare:
    monday: date  # the week's first day, local
    share: float | None  # mean share of the shared spaces in use (0..1, display only); None: no night yet


def mondays(now: datetime, tz: ZoneInfo, weeks: int) -> list[date]:
    """The first days (Mondays, local) of the last ``weeks`` weeks, oldest first, this week last."""
    this_monday = tonight(now, tz) - timedelta(days=tonight(now, tz).weekday())
    return [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def shared_use_by_week(session: Session, site: db.Site, weeks: int, now: datetime,
                       sample: timedelta = DEFAULT_BUCKET) -> list[WeekShare]:
    """Per week, the shared places in use averaged over its nights' samples up to ``now``, over the spaces."""
    tz = ZoneInfo(site.timezone)
    firsts = mondays(now, tz, weeks)
    start = night_span(firsts[0], tz)[0]
    end = min(now, night_span(firsts[-1] + timedelta(days=6), tz)[1])
    contracts, own = _shared_presence(session, site, start, end)
    shares: list[WeekShare] = []
    for monday in firsts:
        used = [contracts.at(t) + max(0, own.at(t) - site.reserved_spaces)
                for t in _samples(monday, tz, sample, now)]
        shares.append(WeekShare(monday, _mean_share(used, site.shared_capacity)))
    return shares


def _mean_share(used: list[int], spaces: int) -> float | None:
    if not used:
        return None
    return sum(used) / len(used) / spaces if spaces else 0.0


def _samples(monday: date, tz: ZoneInfo, sample: timedelta, now: datetime) -> list[datetime]:
    """Sample instants of the week's seven nights, up to ``now``."""
    found: list[datetime] = []
    for day in range(7):
        at, end = night_span(monday + timedelta(days=day), tz)
        while at < end and at <= now:
            found.append(at)
            at += sample
    return found


def _shared_presence(session: Session, site: db.Site, start: datetime,
                     end: datetime) -> tuple[Presence, Presence]:
    """Contracts inside and own vehicles inside over [start, end), each holder merged to count once."""
    own = db.OwnVehicle
    rows = session.execute(
        select(db.Stay.contract_id, db.Stay.plate, db.Stay.entered_at, db.Stay.exited_at,
               own.id.label("own_vehicle_id"))
        .outerjoin(own, and_(own.site_id == db.Stay.site_id, own.plate == db.Stay.plate))
        .where(db.Stay.site_id == site.id, db.Stay.entered_at.is_not(None), db.Stay.entered_at < end,
               or_(db.Stay.exited_at.is_(None), db.Stay.exited_at > start),
               or_(db.Stay.contract_id.is_not(None), own.id.is_not(None))))
    by_contract: dict[str, list[Span]] = defaultdict(list)
    by_plate: dict[str, list[Span]] = defaultdict(list)
    for row in rows:
        if row.contract_id is not None:
            by_contract[row.contract_id].append((row.entered_at, row.exited_at))
        else:
            by_plate[row.plate].append((row.entered_at, row.exited_at))
    return (Presence(span for spans in by_contract.values() for span in merged_spans(spans)),
            Presence(span for spans in by_plate.values() for span in merged_spans(spans)))

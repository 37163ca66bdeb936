"""Gate decision speed: 100,000 contracts, 2,000 own vehicles and 500 blacklisted plates over 60 sites.

    taskset -c 0 python -m benchmarks.decision [--contracts N] [--own N] [--blacklist N] [--sites N]
                                               [--decisions N] [--repeat N]

Two sets of reads are timed in the same process, pass after pass, so that the load other
processes put on the machine falls on both alike:

- baseline: the reads the gate has always seen (contract plates, unknown plates, near misses)
  on indexes built without own vehicles or a blacklist;
- rules: the same kinds plus own vehicles, blacklisted plates and second plates of contracts
  in use, on indexes built with all of it, with cars inside each site.

Prints each pass, the per-kind figures of both sets in the quietest pass (lowest rules p99: the
kinds the sets share compare like with like), then one JSON line with that pass's
decisions_per_s, p50_us and p99_us for both sets (target p99_us <= 50).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from edge.decision import Inside, Read, SiteIndex, SiteState, decide
from shared import (
    BlacklistEntry,
    Contract,
    DayType,
    Direction,
    OfficialCalendar,
    OwnVehicle,
    SiteInfo,
    TimeWindow,
    schedule_from_holidays,
)
from shared.plates import PROVINCES, SERIAL_CHARS

OFFPEAK = (  # weekdays 19:00-07:30, rest days all day until 07:30 the next morning
    TimeWindow(day_type=DayType.WORKING, start=clock(19, 0), end=clock(7, 30)),
    TimeWindow(day_type=DayType.REST, start=clock(0, 0), end=clock(7, 30), end_day_offset=1),
)
DAYTIME = (TimeWindow(day_type=DayType.WORKING, start=clock(7, 0), end=clock(19, 0)),)
CALENDAR = OfficialCalendar(years=tuple(schedule_from_holidays(y) for y in (2025, 2026)))
EXPIRES_AT = datetime(2027, 1, 1, tzinfo=UTC)  # a gate's index always knows when its bundle expires
START = datetime(2026, 11, 2, tzinfo=UTC)  # reads fall over the two weeks from here


def _plate(rng: random.Random) -> str:
    return rng.choice(PROVINCES) + rng.choice("ABCDEFGH") + "".join(rng.choices(SERIAL_CHARS, k=5))


@dataclass
class Site:
    """One site's bundle contents, and the cars inside it during the reads."""

    info: SiteInfo
    contracts: list[Contract]
    own: list[OwnVehicle]
    blacklist: list[BlacklistEntry]
    state: SiteState = SiteState()
    in_use: tuple[str, ...] = ()  # second plates of contracts whose first plate is inside

    def index(self, rules: bool) -> SiteIndex:
        if not rules:
            return SiteIndex(self.info, self.contracts, EXPIRES_AT, CALENDAR)
        return SiteIndex(self.info, self.contracts, EXPIRES_AT, CALENDAR, self.own, self.blacklist)


def build(n_contracts: int, n_own: int, n_blacklist: int, n_sites: int, rng: random.Random) -> list[Site]:
    """Every fifth contract holds two plates; own vehicles half with daytime windows; cars inside."""
    sites = [Site(SiteInfo(site_id=f"s{s}", shared_capacity=10_000, reserved_spaces=20), [], [], [])
             for s in range(n_sites)]
    for i in range(n_contracts):
        plates = (_plate(rng), _plate(rng)) if (i // n_sites) % 5 == 0 else (_plate(rng),)
        sites[i % n_sites].contracts.append(Contract(
            contract_id=f"c{i}", holder_ref=f"r{i}", plates=plates, site_id=f"s{i % n_sites}",
            product_id="night", windows=OFFPEAK, valid_from=date(2025, 1, 1), valid_to=date(2026, 12, 31)))
    for i in range(n_own):
        sites[i % n_sites].own.append(OwnVehicle(plate=_plate(rng), holder=f"staff {i}",
                                                 windows=DAYTIME if i % 2 else ()))
    for i in range(n_blacklist):
        until = None if i % 2 else START + timedelta(days=rng.randrange(1, 30))
        entry = BlacklistEntry(plate=_plate(rng), reason=f"reason {i}", until=until)
        sites[i % n_sites].blacklist.append(entry)
    for site in sites:
        _fill(site, rng)
    return sites


def _fill(site: Site, rng: random.Random) -> None:
    """About 150 contracted cars and 30 own vehicles inside, as on a busy night."""
    inside: dict[str, Inside] = {}
    pairs = [c for c in site.contracts if len(c.plates) == 2]
    for contract in rng.sample(site.contracts, min(150, len(site.contracts))):
        inside[contract.plates[0]] = Inside(contract.plates[0], START, contract.contract_id)
    for vehicle in rng.sample(site.own, min(30, len(site.own))):
        inside[vehicle.plate] = Inside(vehicle.plate, START, own_vehicle=True)
    site.state = SiteState.of(inside)
    site.in_use = tuple(c.plates[1] for c in pairs if c.plates[0] in inside)


def _near(plate: str, rng: random.Random) -> str:
    i = rng.randrange(2, len(plate))
    return plate[:i] + ("8" if plate[i] != "8" else "B") + plate[i + 1:]


def _pick(kind: str, site: Site, rng: random.Random) -> str:
    """A plate of the kind asked for, at ``site``."""
    if kind == "unknown":
        return _plate(rng)
    if kind == "own":
        return rng.choice(site.own).plate
    if kind == "blacklisted":
        return rng.choice(site.blacklist).plate
    if kind == "contract_in_use":
        return rng.choice(site.in_use)
    known = rng.choice(site.contracts).plates[0]
    return _near(known, rng) if kind == "near_miss" else known


Sample = tuple[str, SiteIndex, SiteState, Read, datetime]
BASELINE_KINDS = {"contract": 70, "unknown": 20, "near_miss": 10}
RULES_KINDS = {**BASELINE_KINDS, "own": 6, "blacklisted": 3, "contract_in_use": 3}


def reads(sites: list[Site], rules: bool, n: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    indexes = [site.index(rules) for site in sites]
    kinds = RULES_KINDS if rules else BASELINE_KINDS
    out = []
    for _ in range(n):
        s = rng.randrange(len(sites))
        site, index = sites[s], indexes[s]
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        plate = _pick(kind, site, rng)
        when = START + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        out.append((kind, index, site.state, Read(plate, 0.97, Direction.ENTRY), when))
    return out


def timed(batch: list[Sample]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for kind, index, state, read, when in batch:
        t = time.perf_counter_ns()
        decide(read, index, state, when)
        timings.setdefault(kind, []).append((time.perf_counter_ns() - t) / 1000)
    return timings


def summary(timings: dict[str, list[float]]) -> dict[str, float]:
    every = sorted(x for xs in timings.values() for x in xs)
    return {"decisions": len(every), "decisions_per_s": round(len(every) / (sum(every) / 1e6)),
            "mean_us": round(statistics.fmean(every), 2), "p50_us": round(every[len(every) // 2], 2),
            "p99_us": round(every[int(len(every) * 0.99)], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--own", type=int, default=2_000)
    parser.add_argument("--blacklist", type=int, default=500)
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--decisions", type=int, default=100_000, help="per set and pass")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes after one warm-up pass")
    args = parser.parse_args()
    t0 = time.perf_counter()
    sites = build(args.contracts, args.own, args.blacklist, args.sites, random.Random(7))
    baseline, rules = reads(sites, False, args.decisions, 11), reads(sites, True, args.decisions, 13)
    print(f"built {args.contracts} contracts, {args.own} own vehicles, {args.blacklist} blacklisted plates "
          f"over {args.sites} sites in {time.perf_counter() - t0:.1f}s")
    timed(baseline), timed(rules)  # warm-up: calendar look-ups, code paths
    passes = []
    for n in range(args.repeat):
        base, full = timed(baseline), timed(rules)
        passes.append((base, full))
        b, f = summary(base), summary(full)
        print(f"pass {n + 1}: baseline p50={b['p50_us']:5.1f}us p99={b['p99_us']:5.1f}us"
              f" | rules p50={f['p50_us']:5.1f}us p99={f['p99_us']:5.1f}us")
    base, full = min(passes, key=lambda p: summary(p[1])["p99_us"])
    print("quietest pass, by kind:  baseline p50 / p99   |   rules p50 / p99")
    for kind in RULES_KINDS:
        was = _percentiles(base.get(kind, []))
        now = _percentiles(full[kind])
        print(f"  {kind:16s} {was:>24s}   | {now:>16s}   (n={len(full[kind])})")
    print(json.dumps({"contracts": args.contracts, "own_vehicles": args.own, "blacklisted": args.blacklist,
                      "sites": args.sites, "passes": args.repeat, "quietest_pass": {
                          "baseline": summary(base), "rules": summary(full)}}))


def _percentiles(xs: list[float]) -> str:
    if not xs:
        return "-"
    xs = sorted(xs)
    return f"{xs[len(xs) // 2]:5.1f} / {xs[int(len(xs) * 0.99)]:5.1f} us"

if __name__ == "__main__":
    main()

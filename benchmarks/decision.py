"""Gate decision speed: 100,000 contracts over 60 sites, one core.

    python -m benchmarks.decision [--contracts N] [--sites N] [--decisions N]

Prints a summary per read kind, then one JSON line with decisions_per_s, p50_us
and p99_us over all reads (target p99_us <= 50).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from edge.decision import Inside, Read, SiteIndex, SiteState, decide
from shared import Contract, DayType, Direction, PlateIndex, SiteInfo, TimeWindow
from shared.plates import PROVINCES, SERIAL_CHARS

OFFPEAK = (  # weekdays 19:00-07:30, rest days all day until 07:30 the next morning
    TimeWindow(day_type=DayType.WORKING, start=clock(19, 0), end=clock(7, 30)),
    TimeWindow(day_type=DayType.REST, start=clock(0, 0), end=clock(7, 30), end_day_offset=1),
)


def _plate(rng: random.Random) -> str:
    return rng.choice(PROVINCES) + rng.choice("ABCDEFGH") + "".join(rng.choices(SERIAL_CHARS, k=5))


def build(n_contracts: int, n_sites: int, rng: random.Random) -> list[SiteIndex]:
    per_site: list[list[Contract]] = [[] for _ in range(n_sites)]
    for i in range(n_contracts):
        s = i % n_sites
        per_site[s].append(Contract(
            contract_id=f"c{i}", holder_ref=f"r{i}", plates=(_plate(rng),), site_id=f"s{s}",
            product_id="night", windows=OFFPEAK,
            valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31)))
    expires_at = datetime(2027, 1, 1, tzinfo=UTC)  # a gate's index always knows when its bundle expires
    return [SiteIndex(SiteInfo(site_id=f"s{s}", shared_capacity=10_000), contracts, expires_at)
            for s, contracts in enumerate(per_site)]


def _near(plate: str, index: PlateIndex, rng: random.Random) -> str:
    i = rng.randrange(2, len(plate))
    return plate[:i] + ("8" if plate[i] != "8" else "B") + plate[i + 1:]


Sample = tuple[str, SiteIndex, Read, datetime]


def reads(indexes: list[SiteIndex], n: int, rng: random.Random) -> list[Sample]:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    out = []
    for _ in range(n):
        index = rng.choice(indexes)
        known = rng.choice(list(index.by_plate)) if index.by_plate else _plate(rng)
        kind = rng.choices(["contract", "unknown", "near_miss"], weights=[70, 20, 10])[0]
        plate = {"contract": known, "unknown": _plate(rng),
                 "near_miss": _near(known, index.plates, rng)}[kind]
        when = start + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        out.append((kind, index, Read(plate, 0.97, Direction.ENTRY), when))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--decisions", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(7)
    t0 = time.perf_counter()
    indexes = build(args.contracts, args.sites, rng)
    print(f"indexed {args.contracts} contracts over {args.sites} sites in {time.perf_counter() - t0:.1f}s")
    batch = reads(indexes, args.decisions, rng)
    inside = {"沪Z00000": Inside("沪Z00000", datetime(2026, 11, 1, tzinfo=UTC), "c0")}
    state = SiteState.of(inside)
    timings: dict[str, list[float]] = {}
    for _ in range(2):  # the first pass warms caches (calendar, code paths)
        timings = {}
        for kind, index, read, when in batch:
            t = time.perf_counter_ns()
            decide(read, index, state, when)
            timings.setdefault(kind, []).append((time.perf_counter_ns() - t) / 1000)
    every = sorted(x for xs in timings.values() for x in xs)
    for kind, xs in sorted(timings.items()):
        xs.sort()
        print(f"{kind:10s} n={len(xs):7d} p50={xs[len(xs) // 2]:6.1f}us p99={xs[int(len(xs) * 0.99)]:6.1f}us")
    print(json.dumps({
        "contracts": args.contracts, "sites": args.sites, "decisions": len(every),
        "decisions_per_s": round(len(every) / (sum(every) / 1e6)),
        "mean_us": round(statistics.fmean(every), 2),
        "p50_us": round(every[len(every) // 2], 2), "p99_us": round(every[int(len(every) * 0.99)], 2),
    }))


if __name__ == "__main__":
    main()

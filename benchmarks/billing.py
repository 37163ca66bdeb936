"""Bill a city-sized month: 35,000 contracts and 1,000,000 stays, on SQLite and on PostgreSQL.

    python -m benchmarks.billing [--contracts N] [--stays N] [--backend sqlite|postgresql]

The synthetic data is bulk-loaded first (``central.db.bulk.insert_rows``: executemany on
SQLite, unnest() on PostgreSQL) and not timed; only ``bill_month`` is. One JSON line per backend.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from central.billing import Month
from central.billing.run import bill_month
from central.db import Contract, Database, Institution, Product, Resident, Site, Stay, StayStatus
from central.db.bulk import insert_rows
from central.db.migrate import upgrade_to_head
from shared import DayType, TimeWindow

MONTH = Month(2026, 11)
BILLED_AT = datetime(2026, 12, 1, 2, tzinfo=UTC)  # the morning after November ended in Shanghai
SITES = 50
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
NIGHT = [TimeWindow(day_type=DayType.WORKING, start="19:00", end="07:30"),  # type: ignore[arg-type]
         TimeWindow(day_type=DayType.REST, start="19:00", end="07:30")]  # type: ignore[arg-type]
CHAIN = [NIGHT[0], TimeWindow(day_type=DayType.REST, start="00:00", end="07:30",  # type: ignore[arg-type]
                              end_day_offset=1)]
# Every product's prices, which each contract keeps from its signing.
TARIFF = {"monthly_fee_fen": 20000, "usage_rate_fen": 300, "usage_period_minutes": 60, "daily_cap_fen": 2000,
          "overstay_rate_fen": 1000, "overstay_period_minutes": 30, "grace_minutes": 15}
STAY_COLUMNS = ("site_id", "plate", "contract_id", "entered_at", "exited_at", "deadline", "status")


def seed_reference(db: Database, contracts: int) -> None:
    """Sites, products, residents and contracts, through the ORM tables (small enough)."""
    with db.transaction() as session:
        conn = session.connection()
        conn.execute(insert(Institution), [{"id": "inst", "name": "Institution", "created_at": EPOCH}])
        conn.execute(insert(Site), [
            {"id": f"site-{s}", "institution_id": "inst", "name": f"Site {s}", "lat": 31.2, "lon": 121.4,
             "timezone": "Asia/Shanghai", "shared_capacity": 1000, "created_at": EPOCH}
            for s in range(SITES)])
        conn.execute(insert(Product), [
            {"id": f"p-{s}-{k}", "site_id": f"site-{s}", "name": k, "quota": 1000, "created_at": EPOCH,
             "windows": [w.model_dump(mode="json") for w in (NIGHT if k == "night" else CHAIN)],
             **TARIFF}
            for s in range(SITES) for k in ("night", "chain")])
        conn.execute(insert(Resident), [{"id": f"r{n}", "display_name": "R", "created_at": EPOCH}
                                        for n in range(contracts)])
        conn.execute(insert(Contract), [
            {"id": f"c{n:06d}", "site_id": f"site-{n % SITES}",
             "product_id": f"p-{n % SITES}-{'night' if n % 4 else 'chain'}", "resident_id": f"r{n}",
             "plates": f"|沪A{n:05d}|", "valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
             "status": "active", "created_at": EPOCH, "updated_at": EPOCH, **TARIFF}
            for n in range(contracts)])


def synthetic_stays(contracts: int, stays: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """Night stays spread over the month; a few start in October, a few overstay."""
    rng = random.Random(seed)
    first = datetime(2026, 10, 31, 11, tzinfo=UTC)  # 19:00 in Shanghai
    for n in range(stays):
        c = n % contracts
        night = first + timedelta(days=(n // contracts) % 30)
        entered = night + timedelta(minutes=rng.randrange(0, 240))
        deadline = night + timedelta(hours=12, minutes=30)
        exited = deadline - timedelta(minutes=rng.randrange(-60, 450))
        yield (f"site-{c % SITES}", f"沪A{c:05d}", f"c{c:06d}", entered, exited, deadline, StayStatus.CLOSED)


def load_stays(db: Database, contracts: int, stays: int, chunk: int = 50_000) -> None:
    """The stays through the service's own bulk insert, ``chunk`` rows per statement."""
    rows = synthetic_stays(contracts, stays)
    with db.transaction() as session:
        while batch := list(itertools.islice(rows, chunk)):
            insert_rows(session.connection(), Stay, STAY_COLUMNS, batch)


def run_backend(url: str, backend: str, contracts: int, stays: int) -> dict[str, Any]:
    upgrade_to_head(url)
    db = Database(url)
    try:
        seed_reference(db, contracts)
        load_stays(db, contracts, stays)
        started = time.perf_counter()
        summary = bill_month(db, MONTH, BILLED_AT)
        seconds = time.perf_counter() - started
    finally:
        db.dispose()
    return {"backend": backend, "contracts": contracts, "stays": stays, "seconds": round(seconds, 2),
            "statements": summary.statements, "lines": summary.lines}


def each_backend(doc: str, run: Callable[[str, str, int, int], dict[str, Any]],
                 argv: list[str] | None = None) -> None:
    """The command line both billing-data benchmarks share: ``run(url, backend, contracts, stays)``
    on a fresh database of each backend asked for, one JSON line each."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=35_000)
    parser.add_argument("--stays", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args(argv)
    for backend in args.backend or ("sqlite", "postgresql"):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                print(json.dumps(run(url, backend, args.contracts, args.stays)), flush=True)
        else:
            from tests.support.postgres import PostgresServer

            server = PostgresServer().start()
            try:
                print(json.dumps(run(server.new_database(), backend, args.contracts, args.stays)), flush=True)
            finally:
                server.stop()


def main(argv: list[str] | None = None) -> None:
    each_backend(__doc__, run_backend, argv)


if __name__ == "__main__":
    main()

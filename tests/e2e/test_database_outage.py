"""A PostgreSQL outage of a few seconds during live ingest loses nothing, and health says so.

The central service (``parking-central serve``, JSON log lines) ingests a gate's live traffic
into a PostgreSQL server of this test's own, which is stopped mid-stream and started again.
While it is away the consumer holds what it received (unacknowledged, so the broker keeps
the rest) and ``/api/v1/health`` answers 503 naming the database; afterwards every event the
gate recorded is at central exactly once, none dead-lettered, and health is 200 again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.e2e.stack import API, Central, Gate, wait_for
from tests.support.postgres import PostgresServer, find_bindir

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.slow]

TOTAL = 240
OUTAGE_S = 4.0  # how long the server stays down: the outage itself, not a wait for a result


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own: it is stopped and started again."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL server not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


def _health(central: Central) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{central.url}{API}/health", timeout=15)
    return response.status_code, dict(response.json())


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def _stored_ids(url: str) -> list[str]:
    try:
        return [str(eid) for (eid,) in _rows(url, "SELECT event_id FROM gate_events")]
    except psycopg.OperationalError:
        return []  # the server is away


def test_a_few_seconds_without_the_database_lose_nothing(
        own_postgres: PostgresServer, make_central: Callable[..., Central],
        make_gate: Callable[..., Gate]) -> None:
    url = own_postgres.new_database()
    central = make_central(url, log_format="json").start()
    central.seed_site()
    for plate in ("沪A00000", "沪A00001"):
        central.sign(plate)
    gate = make_gate(central).drive("--plates", "沪A00000,沪A00001,京C55555", "--total", str(TOTAL),
                                    "--pace-s", "0.03").start()
    gate.wait_for_bundle(3)
    wait_for("the first events at central", lambda: len(_stored_ids(url)) >= 40, timeout=60,
             alive=gate.process.check_alive)

    own_postgres.pause()
    status, report = wait_for("health to see the database gone",
                              lambda: (h := _health(central))[0] == 503 and h, timeout=20,
                              alive=central.process.check_alive)
    assert report["degraded"][0].startswith("database: the database does not answer")
    time.sleep(OUTAGE_S)  # traffic goes on at the gate meanwhile
    own_postgres.resume()

    wait_for(f"{TOTAL} events at the gate", lambda: len(gate.recorded()) == TOTAL, timeout=90,
             alive=gate.process.check_alive)
    at_gate = sorted(e["event_id"] for e in gate.recorded())
    wait_for("every event at central", lambda: sorted(_stored_ids(url)) == at_gate, timeout=90,
             alive=central.process.check_alive)
    assert _rows(url, "SELECT count(*) FROM dead_letters") == [(0,)]
    stays = _rows(url, "SELECT count(*) FROM stays WHERE status = 'open'")
    opened = sum(1 for e in gate.recorded() if e["outcome"] == "open")
    assert stays == [(opened,)]  # entries only, each opened stay stored once
    wait_for("health back to ok", lambda: _health(central)[0] == 200, timeout=30)

    central.stop()  # uvicorn ends on SIGTERM by raising it again after a clean shutdown
    lines = [line for line in central.process.log.read_text(encoding="utf-8").splitlines() if line.strip()]
    logged = [json.loads(line) for line in lines]  # log_format: json, every line (uvicorn's too)
    messages = [entry["message"] for entry in logged]
    assert any(m.startswith("database unavailable") for m in messages)
    assert any(m.startswith("database back after") for m in messages)

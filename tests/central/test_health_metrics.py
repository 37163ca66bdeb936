"""/metrics: what docs/metrics.md lists, counted where it happens and read from the state at a scrape."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from central.api import create_app
from central.ingest.consumer import Ingestor
from shared import Direction, Outcome, events_topic, status_topic
from tests.central.conftest import API, Api, Clock, admin_headers, make_settings
from tests.central.support import GateClient, event, wait_for
from tests.support.mosquitto import Broker

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def api(tmp_path: Path, clock: Clock) -> Iterator[Api]:
    settings = make_settings(f"sqlite:///{tmp_path / 'central.db'}")
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, admin_headers(settings, clock), clock)


def test_api_latency_is_labelled_by_route_template_and_status(api: Api) -> None:
    before = scrape(api.client)
    api.seed_site("s1")
    assert api.get("/sites/s1/products").status_code == 200
    assert api.get("/sites/nowhere/products").status_code == 404
    api.client.get("/wp-admin/setup.php")  # a scan: one label for every unknown path
    after = scrape(api.client)
    name = "parking_central_api_request_duration_seconds_count"
    route = f"{API}/sites/{{site_id}}/products"
    assert value(after, name, route=route, method="GET", status="200") - \
        value(before, name, route=route, method="GET", status="200") == 1
    assert value(after, name, route=route, method="GET", status="404") - \
        value(before, name, route=route, method="GET", status="404") == 1
    assert value(after, name, route="unmatched", method="GET", status="404") >= 1
    assert not [key for key in after if "wp-admin" in str(key) or "nowhere" in str(key)]


def test_bundle_sequence_and_age_per_site_and_the_outbox_are_read_at_the_scrape(api: Api) -> None:
    api.seed_site("s1")
    first = scrape(api.client)
    sequence = value(first, "parking_central_bundle_sequence", site="s1")
    assert sequence >= 1 and value(first, "parking_central_bundle_age_seconds", site="s1") == 0
    assert value(first, "parking_central_outbox_unsent") >= 1  # nothing publishes in this test
    api.clock.advance(hours=1)
    resident = api.resident()
    assert api.sign(["沪A12345"], resident).status_code == 201  # a new bundle, issued now
    later = scrape(api.client)
    assert value(later, "parking_central_bundle_sequence", site="s1") == sequence + 1
    assert value(later, "parking_central_bundle_age_seconds", site="s1") == 0
    assert value(later, "parking_central_outbox_oldest_age_seconds") == 3600
    assert value(later, "parking_central_database_up") == 1


def test_ingest_counts_events_by_outcome_and_reason_dead_letters_by_cause_and_stays(
        tmp_path: Path, broker: Broker, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    settings = make_settings(url, broker, ingest={"group": "metrics", "session_expiry_s": 0})
    with TestClient(create_app(settings, clock=clock)) as client:
        Api(client, admin_headers(settings, clock), clock).seed_site("metrics")
        database = client.app.state.central.database  # type: ignore[attr-defined]
        ingestor = Ingestor(database, settings.mqtt, settings.ingest, clock, client_id="ingest-metrics")
        ingestor.start()
        gate = GateClient(broker, "metrics", "g1")
        try:
            assert ingestor.mqtt.wait_connected(10)
            before = scrape(client)
            topic = events_topic("metrics", "g1")
            for message in (event("metrics", "g1", Direction.ENTRY, "沪A11111", clock.now),
                            event("metrics", "g1", Direction.EXIT, "沪A11111",
                                  clock.now + timedelta(hours=1)),
                            event("metrics", "g1", Direction.ENTRY, "沪A22222", clock.now, Outcome.DENY),
                            event("metrics", "g1", Direction.EXIT, "沪A33333", clock.now)):
                gate.publish(topic, message)
            gate.publish(topic, b"not json")
            gate.publish(status_topic("metrics", "g1"), b"")
            wait_for("six messages", lambda: ingestor.stats.stored + ingestor.stats.dead_letters
                     + ingestor.stats.ignored == 6)
            after = scrape(client)
        finally:
            gate.close()
            ingestor.stop()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("parking_central_ingest_events_total", outcome="open", reason="contract_ok") == 1
    assert delta("parking_central_ingest_events_total", outcome="open", reason="exit") == 2
    assert delta("parking_central_ingest_events_total", outcome="deny", reason="no_contract") == 1
    assert delta("parking_central_ingest_dead_letters_total", cause="invalid") == 1
    assert delta("parking_central_ingest_ignored_total") == 1
    assert delta("parking_central_ingest_received_total") == 6
    assert (delta("parking_central_stays_opened_total"), delta("parking_central_stays_closed_total"),
            delta("parking_central_stays_anomalies_total")) == (1, 1, 1)
    assert delta("parking_central_ingest_delay_seconds_count") == 4


def test_a_scrape_token_when_one_is_set(tmp_path: Path, clock: Clock) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'c.db'}", metrics={"token": "scrape-token-0123"})
    with TestClient(create_app(settings, clock=clock)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert scrape(client, Authorization="Bearer scrape-token-0123")


def test_every_metric_served_is_in_docs_metrics_md(api: Api) -> None:
    """docs/metrics.md lists each metric the central service serves (process_* and python_* are
    the client library's own)."""
    api.seed_site("s1")
    api.get("/sites/s1/products")
    served = {name.removesuffix("_total").removesuffix("_count").removesuffix("_sum").removesuffix("_bucket")
              .removesuffix("_created") for name, _ in scrape(api.client)}
    ours = {name for name in served if name.startswith("parking_central_")}
    documented = DOC.read_text(encoding="utf-8")
    assert ours and [name for name in sorted(ours) if f"`{name}" not in documented] == []

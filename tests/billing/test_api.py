"""Statements and reports over HTTP: JSON for a contract's month, SVG figures, the dashboard page."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from central.api.main import create_app
from central.billing import Month
from central.billing.run import bill_month
from central.core.config import load_settings
from central.core.security import Role, create_token
from central.db import Database, Institution
from tests.support.seeded import Seeded, add_stay

with warnings.catch_warnings():  # starlette wants httpx2 for its TestClient; httpx still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)


@pytest.fixture
def client(db: Database, seeded: Seeded) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(load_settings(database={"url": db.url}), clock=lambda: NOW, migrate=False)
    with db.transaction() as session:
        tokens = {"admin": create_token(session, Role.ADMIN, NOW),
                  "other": create_token(session, Role.RESIDENT, NOW, resident_id="r1")}
    with TestClient(app) as test_client:
        yield test_client, {k: f"Bearer {v}" for k, v in tokens.items()}


def test_statement_json_and_reports(db: Database, seeded: Seeded,
                                    client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    add_stay(db, seeded, "2026-11-03 20:00", "2026-11-04 08:00", "2026-11-04 07:30")
    bill_month(db, Month(2026, 11), NOW)
    own = http.get("/api/v1/billing/statements/c1/2026-11", headers={"Authorization": auth["other"]})
    assert own.status_code == 200
    body = own.json()
    assert body["total_fen"] == 30000 + 3000 + 1000
    assert [i["kind"] for i in body["line_items"]] == ["monthly_fee", "stay"]
    assert http.get("/api/v1/billing/statements/c1/2026-10",
                    headers={"Authorization": auth["admin"]}).status_code == 404
    admin = {"Authorization": auth["admin"]}
    revenue = http.get("/api/v1/reports/revenue", params={"month": "2026-11"}, headers=admin).json()
    assert revenue == {"campus-a": 34000}
    curve = http.get("/api/v1/reports/sites/campus-a/occupancy", headers=admin, params={
        "start": "2026-11-03T12:00:00Z", "hours": 24, "bucket_minutes": 60}).json()
    assert max(p["inside"] for p in curve["points"]) == 1
    svg = http.get("/api/v1/reports/sites/campus-a/occupancy.svg", headers=admin)
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    page = http.get("/api/v1/reports/dashboard", headers=admin).text
    assert "occupancy.svg" in page and "http" not in page.split("<h1>")[1]  # no CDN
    assert http.get("/api/v1/reports/revenue", params={"month": "2026-11"},
                    headers={"Authorization": auth["other"]}).status_code == 403
    assert http.get("/api/v1/billing/statements/c1/2026-13", headers=admin).status_code == 422
    with db.transaction() as session:  # an operator of another institution: its sites look unknown
        session.add(Institution(id="x", name="another", created_at=NOW))
        session.flush()
        token = create_token(session, Role.OPERATOR, NOW, institution_id="x")
    stranger = {"Authorization": f"Bearer {token}"}
    assert http.get("/api/v1/reports/sites/campus-a/occupancy", headers=stranger).status_code == 404
    assert http.get("/api/v1/reports/revenue", params={"month": "2026-00"}, headers=admin).status_code == 422

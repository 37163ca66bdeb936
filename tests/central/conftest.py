"""Fixtures for the central service: settings, an app on each backend, an admin, a seeded site."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from central.api import create_app
from central.core.config import Settings, load_settings
from tests.support.mosquitto import Broker

with warnings.catch_warnings():  # starlette wants httpx2 for its TestClient; httpx still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

API = "/api/v1"
NIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30"},
          {"day_type": "rest", "start": "00:00", "end": "07:30", "end_day_offset": 1}]


@dataclass
class Clock:
    """A clock the tests move by hand; never sleep to wait for time."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 3, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_settings(database_url: str, broker: Broker | None = None, **overrides: Any) -> Settings:
    mqtt = {"host": "127.0.0.1", "port": broker.port if broker else 1883,
            "password": broker.passwords["central"] if broker else "central-secret",
            "publish_timeout_s": 5.0, "reconnect_min_s": 1, "reconnect_max_s": 2}
    return load_settings(None, database={"url": database_url}, mqtt=mqtt, **overrides)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Api:
    """A test client with an admin token already in the headers."""

    client: TestClient
    admin: dict[str, str]
    clock: Clock

    def post(self, path: str, json: Any, token: dict[str, str] | None = None) -> Any:
        return self.client.post(API + path, json=json, headers=self.admin if token is None else token)

    def get(self, path: str, token: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(API + path, params=params, headers=self.admin if token is None else token)

    def token(self, role: str, **scope: str) -> dict[str, str]:
        response = self.post("/tokens", {"role": role, **scope})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def seed_site(self, site: str = "s1", quota: int = 2, lat: float = 31.2304,
                  lon: float = 121.4737, shared_capacity: int = 10) -> None:
        if self.post("/institutions", {"id": "inst1", "name": "Hospital"}).status_code not in (201, 409):
            raise AssertionError("institution")
        for path, body in (
            ("/sites", {"id": site, "institution_id": "inst1", "name": f"Site {site}", "lat": lat,
                        "lon": lon, "shared_capacity": shared_capacity}),
            ("/products", {"id": f"{site}-nights", "site_id": site, "name": "Nights", "windows": NIGHTS,
                           "quota": quota, "monthly_fee_fen": 30000, "overstay_rate_fen": 500}),
            ("/gates", {"site_id": site, "gate_id": "g1"}),
        ):
            response = self.post(path, body)
            assert response.status_code == 201, response.text

    def resident(self, name: str = "Li") -> str:
        response = self.post("/residents", {"display_name": name})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def sign(self, plates: list[str], resident: str, product: str = "s1-nights",
             token: dict[str, str] | None = None, days: int = 30) -> Any:
        start = self.clock().date()
        return self.post("/contracts", {"product_id": product, "plates": plates, "resident_id": resident,
                                        "valid_from": str(start),
                                        "valid_to": str(start + timedelta(days=days))}, token)


def admin_headers(settings: Settings, clock: Clock) -> dict[str, str]:
    from central import db
    from central.core.security import Role, create_token

    database = db.Database(settings.database.url)
    with database.transaction() as session:
        token = create_token(session, Role.ADMIN, clock())
    database.dispose()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(database_url: str, clock: Clock) -> Iterator[Api]:
    settings = make_settings(database_url)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, admin_headers(settings, clock), clock)



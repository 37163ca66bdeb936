"""A site as an operator would have set it up, straight through the services: for the console's tests
and screenshots, where the set-up itself is not what is looked at.

``seed_operated_site`` makes (if missing) institution ``inst1``, a site with a night product, a gate
that has reported its status, and a resident with a signed contract; it returns the contract's id.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from central import db, sites
from central.contracts.service import SignRequest, local_today, sign_contract
from central.core.config import Settings
from central.core.security import Principal, Role
from shared import DayType, TimeWindow
from tests.support.browser import LiveCentral, web_settings
from tests.support.mosquitto import Broker

NIGHTS = [w.model_dump(mode="json") for w in (
    TimeWindow(day_type=DayType.WORKING, start=time(19), end=time(7, 30)),
    TimeWindow(day_type=DayType.REST, start=time(0), end=time(7, 30), end_day_offset=1))]
SITE = {"name": "城东医院停车场", "address": "上海市黄浦区中山东一路 1 号", "lat": 31.2304, "lon": 121.4737,
        "shared_capacity": 40, "reserved_spaces": 10, "total_spaces": 60, "hourly_rate_fen": 500}


def seed_operated_site(central: LiveCentral, site_id: str = "s1",
                       institution: tuple[str, str] = ("inst1", "城东医院"), plate: str = "沪A12345",
                       phone_masked: str = "138****5678") -> str:
    state = central.app.state.central
    now: datetime = state.clock()
    admin = Principal(Role.ADMIN)
    with central.database.transaction() as session:
        if session.get(db.Institution, institution[0]) is None:
            sites.create_institution(session, institution[0], institution[1], now)
        values = SITE | {"id": site_id, "institution_id": institution[0]}
        site = sites.create_site(session, values, state.signer, now)
        product = {"id": f"{site_id}-nights", "site_id": site.id, "name": "夜间月卡", "windows": NIGHTS,
                   "quota": 30, "monthly_fee_fen": 30000}
        sites.create_product(session, admin, product, now)
        session.add(db.Gate(site_id=site.id, gate_id="north", name="北门", state="online", last_seen=now,
                            outbox_depth=0, bundle_sequence=1, clock_skew_s=0.4, alarms=[]))
        session.add(db.Resident(id=f"r-{site_id}", display_name="李女士", phone_masked=phone_masked,
                                created_at=now))
        session.flush()
        first = local_today(site, now)
        last = first + timedelta(days=90)
        request = SignRequest(f"{site_id}-nights", (plate,), first, last, f"r-{site_id}")
        return sign_contract(session, admin, request, state.signer, state.rules, now).id


def dynsec_settings(database_url: str, broker: Broker) -> Settings:
    """Development settings whose gate accounts are made on ``broker`` (its dynamic-security plugin)."""
    _, accounts = broker.admin_settings()
    return web_settings(
        database_url,
        mqtt={"host": "127.0.0.1", "port": broker.port},
        broker_accounts={"manager": "dynsec", "admin_username": accounts.admin_username,
                         "admin_password": accounts.admin_password.get_secret_value()},
    )

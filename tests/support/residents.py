"""Car parks, contracts, stays, statements and notices for the resident pages' tests and screenshots.

Four open sites in Shanghai with addresses in two districts, a closed one, and three kinds of
product; ``FAR_POINT``/``NEAR_POINT`` are where a resident stands. Rows go straight into the
database (a contract may start in the past here, as one signed last month did).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from central import accounts, db
from central.billing.month import Month
from central.billing.run import bill_month
from central.residents.notices import store_notice
from shared import AlertKind, SiteAlert
from tests.support.browser import LiveCentral

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30"},
          {"day_type": "rest", "start": "00:00", "end": "07:30", "end_day_offset": 1}]
WEEKNIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30"}]
WEEKENDS = [{"day_type": "rest", "start": "08:00", "end": "20:00"}]
NEAR_POINT = (31.1950, 121.4380)  # by 徐汇区行政服务中心


@dataclass(frozen=True)
class SiteSeed:
    id: str
    name: str
    address: str
    lat: float
    lon: float
    shared: int


SITES = (
    SiteSeed("xh-gov", "徐汇区行政服务中心", "上海市徐汇区南丹东路80号", 31.1937, 121.4372, 3),
    SiteSeed("xh-lib", "徐汇区图书馆", "上海市徐汇区漕溪北路1200号", 31.1790, 121.4390, 8),
    SiteSeed("ja-edu", "静安区教育学院", "上海市静安区昌平路500号", 31.2390, 121.4470, 5),
    SiteSeed("hp-hosp", "城东医院", "上海市黄浦区西藏南路200号", 31.2260, 121.4810, 6),
)
CLOSED = SiteSeed("xh-old", "徐汇区旧仓库", "上海市徐汇区龙华路1号", 31.1940, 121.4375, 4)
# (site, product id, name, windows, monthly fee in fen, overstay per hour in fen)
PRODUCTS = (
    ("xh-gov", "xh-gov-nights", "夜间月卡", NIGHTS, 300_00, 10_00),
    ("xh-gov", "xh-gov-weekends", "周末卡", WEEKENDS, 150_00, 10_00),
    ("xh-lib", "xh-lib-weeknights", "工作日夜间卡", WEEKNIGHTS, 200_00, 8_00),
    ("ja-edu", "ja-edu-nights", "夜间月卡", NIGHTS, 450_00, 12_00),
    ("hp-hosp", "hp-hosp-nights", "夜间月卡", NIGHTS, 600_00, 15_00),
    ("xh-old", "xh-old-nights", "夜间月卡", NIGHTS, 100_00, 5_00),
)


def local(text: str) -> datetime:
    """``"2025-03-03 20:05"`` in Shanghai, as an aware UTC time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(UTC)


def seed_sites(database: db.Database, now: datetime) -> None:
    with database.transaction() as session:
        session.add(db.Institution(id="gov", name="上海市机关事务管理局", created_at=now))
        session.flush()
        for s in (*SITES, CLOSED):
            session.add(db.Site(id=s.id, institution_id="gov", name=s.name, address=s.address, lat=s.lat,
                                lon=s.lon, timezone="Asia/Shanghai", shared_capacity=s.shared,
                                total_spaces=s.shared + 10, reserved_spaces=10, hourly_rate_fen=10_00,
                                created_at=now, closed_at=now if s is CLOSED else None))
        session.flush()
        for site_id, product_id, name, windows, fee, overstay in PRODUCTS:
            session.add(db.Product(id=product_id, site_id=site_id, name=name, windows=windows, quota=3,
                                   monthly_fee_fen=fee, overstay_rate_fen=overstay, created_at=now))


def resident_id(central: LiveCentral, phone: str) -> str:
    """The resident a phone number signed in as."""
    key = central.app.state.web.settings.phone_key_text()
    hashed = accounts.phone_hash(accounts.normalise_phone(phone), key)
    with central.database.transaction() as session:
        found = session.scalars(select(db.Resident.id).where(db.Resident.phone_hash == hashed)).first()
    assert found is not None, f"{phone} has not signed in"
    return found


def add_contract(database: db.Database, resident: str, product_id: str, plate: str, valid_from: date,
                 valid_to: date, now: datetime, status: str = "active") -> str:
    contract_id = f"c-{uuid.uuid4().hex[:12]}"
    with database.transaction() as session:
        product = session.get_one(db.Product, product_id)
        session.add(db.Contract(id=contract_id, site_id=product.site_id, product_id=product_id,
                                resident_id=resident, plates=db.plates_column([plate]), valid_from=valid_from,
                                valid_to=valid_to, status=status, created_at=now, updated_at=now,
                                **{name: getattr(product, name) for name in db.TARIFF_COLUMNS}))
    return contract_id


def add_stay(database: db.Database, contract_id: str, plate: str, entered: str, exited: str | None,
             deadline: str | None) -> int:
    with database.transaction() as session:
        site_id = session.get_one(db.Contract, contract_id).site_id
        stay = db.Stay(site_id=site_id, plate=plate, contract_id=contract_id, entered_at=local(entered),
                       exited_at=local(exited) if exited else None,
                       deadline=local(deadline) if deadline else None,
                       status=db.StayStatus.CLOSED if exited else db.StayStatus.OPEN)
        session.add(stay)
        session.flush()
        return stay.id


def bill(database: db.Database, month: str, now: datetime) -> None:
    bill_month(database, Month.parse(month), now)


def add_notice(database: db.Database, resident: str, kind: AlertKind, site_id: str, plate: str,
               deadline: datetime, at: datetime, minutes_left: int | None = None) -> int:
    alert = SiteAlert(alert_id=uuid.uuid4(), site_id=site_id, kind=kind, at=at, plate=plate,
                      deadline=deadline, minutes_left=minutes_left)
    with database.transaction() as session:
        return store_notice(session, resident, alert, at + timedelta(seconds=1)).id


def seed_resident_story(central: LiveCentral, phone: str) -> str:
    """What the screenshots show (clock at Tuesday 4 March 2025, 08:40 in Shanghai): a resident with two
    plates and a night contract since February, billed for February; Monday night's car still inside
    70 minutes after its 07:30 deadline, with its reminder and overstay notice. Returns the contract."""
    database, now = central.database, central.app.state.central.clock()
    seed_sites(database, now)
    resident = resident_id(central, phone)
    with database.transaction() as session:
        for plate, kind in (("沪A12345", "standard"), ("沪AD67890", "new_energy")):
            session.add(db.ResidentVehicle(resident_id=resident, plate=plate, kind=kind, created_at=now))
    contract = add_contract(database, resident, "xh-gov-nights", "沪A12345", date(2025, 2, 1),
                            date(2025, 4, 30), now)
    for entered, exited, deadline in (("2025-02-10 19:40", "2025-02-11 07:20", "2025-02-11 07:30"),
                                      ("2025-02-14 20:15", "2025-02-15 07:50", "2025-02-15 07:30"),
                                      ("2025-02-21 19:05", "2025-02-22 07:10", "2025-02-22 07:30")):
        add_stay(database, contract, "沪A12345", entered, exited, deadline)
    bill(database, "2025-02", now)
    add_stay(database, contract, "沪A12345", "2025-03-01 21:10", "2025-03-03 07:05", "2025-03-03 07:30")
    add_stay(database, contract, "沪A12345", "2025-03-03 20:05", None, "2025-03-04 07:30")
    deadline = local("2025-03-04 07:30")
    add_notice(database, resident, AlertKind.REMINDER, "xh-gov", "沪A12345", deadline,
               local("2025-03-04 07:00"), 30)
    add_notice(database, resident, AlertKind.OVERSTAY, "xh-gov", "沪A12345", deadline,
               local("2025-03-04 07:45"))
    return contract

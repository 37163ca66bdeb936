"""A site with a night's stays, contracts, an own vehicle, violations and issued statements, for the
console's live and report pages. The app's clock (``MovingClock``) starts on Monday 3 March 2025
at 20:00 in Shanghai; the seeded night is the one before (Sunday 2 March 18:00 to 09:00)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from central import db
from central.billing import Month
from central.billing.run import bill_month
from central.enforcement.models import Violation

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE = "east"
SITE_NAME = "城东院区"
NIGHTS = [{"day_type": "working", "start": "19:00", "end": "07:30"},
          {"day_type": "rest", "start": "00:00", "end": "07:30", "end_day_offset": 1}]
PLATES = {"c1": "沪A10001", "c2": "沪A10002", "c3": "沪A10003", "c4": "沪A10004"}
OWN_PLATES = ("沪B20001", "沪B20002", "沪B20003")
SEEDED_AT = datetime(2025, 1, 1, tzinfo=SHANGHAI)


def local(text: str) -> datetime:
    """'2025-03-02 18:40' in Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@dataclass(frozen=True)
class StaySpec:
    plate: str
    contract: str | None
    entered: str
    exited: str | None
    deadline: str | None = None


# The night of Sunday 2 March: c1 18:40-07:10, c2 20:00-23:30, c3 22:15-08:05 (late: its deadline
# was 07:30 and grace 15 minutes), a visitor 21:00-22:00.
NIGHT_STAYS = (
    StaySpec(PLATES["c1"], "c1", "2025-03-02 18:40", "2025-03-03 07:10", "2025-03-03 07:30"),
    StaySpec(PLATES["c2"], "c2", "2025-03-02 20:00", "2025-03-02 23:30", "2025-03-03 07:30"),
    StaySpec(PLATES["c3"], "c3", "2025-03-02 22:15", "2025-03-03 08:05", "2025-03-03 07:30"),
    StaySpec("沪C55555", None, "2025-03-02 21:00", "2025-03-02 22:00"),
)


def seed_site(database: db.Database, site_id: str = SITE, name: str = SITE_NAME, institution: str = "inst1",
              valid: tuple[date, date] = (date(2025, 1, 1), date(2025, 12, 31))) -> None:
    """The site (10 shared, 2 reserved, 40 spaces in all), its night product and contracts c1-c4."""
    with database.transaction() as session:
        if session.get(db.Institution, institution) is None:
            session.add(db.Institution(id=institution, name="城东医院", created_at=SEEDED_AT))
            session.flush()
        session.add(db.Site(id=site_id, institution_id=institution, name=name, lat=31.2, lon=121.5,
                            timezone="Asia/Shanghai", shared_capacity=10, total_spaces=40, reserved_spaces=2,
                            hourly_rate_fen=1000, created_at=SEEDED_AT))
        session.flush()
        product = db.Product(id=f"{site_id}-nights", site_id=site_id, name="夜间月卡", windows=NIGHTS,
                             quota=10, monthly_fee_fen=30000, usage_rate_fen=0, overstay_rate_fen=1000,
                             overstay_period_minutes=60, grace_minutes=15, created_at=SEEDED_AT)
        session.add(product)
        session.flush()
        for contract_id, plate in PLATES.items():
            resident = f"{site_id}-{contract_id}-r"
            session.add(db.Resident(id=resident, display_name="张三", created_at=SEEDED_AT))
            session.flush()
            session.add(db.Contract(id=f"{site_id}-{contract_id}" if site_id != SITE else contract_id,
                                    site_id=site_id, product_id=product.id, resident_id=resident,
                                    plates=db.plates_column([plate]), valid_from=valid[0],
                                    valid_to=valid[1], status="active", created_at=SEEDED_AT,
                                    updated_at=SEEDED_AT,
                                    **{column: getattr(product, column) for column in db.TARIFF_COLUMNS}))
        for plate in OWN_PLATES:
            session.add(db.OwnVehicle(site_id=site_id, plate=plate, holder="院办", windows=[],
                                      created_at=SEEDED_AT, updated_at=SEEDED_AT))


def add_stays(database: db.Database, stays: tuple[StaySpec, ...], site_id: str = SITE) -> list[int]:
    ids = []
    with database.transaction() as session:
        for spec in stays:
            stay = db.Stay(site_id=site_id, plate=spec.plate, contract_id=spec.contract,
                           entered_at=local(spec.entered),
                           exited_at=local(spec.exited) if spec.exited else None,
                           deadline=local(spec.deadline) if spec.deadline else None,
                           status=db.StayStatus.CLOSED if spec.exited else db.StayStatus.OPEN)
            session.add(stay)
            session.flush()
            ids.append(stay.id)
    return ids


def add_violation(database: db.Database, stay_id: int, plate: str, contract: str | None, deadline: str,
                  site_id: str = SITE) -> None:
    """A violation as enforcement writes it: dated at deadline + 15 minutes' grace."""
    at = local(deadline).timestamp() + 15 * 60
    with database.transaction() as session:
        session.add(Violation(stay_id=stay_id, site_id=site_id, contract_id=contract, plate=plate,
                              deadline=local(deadline), at=datetime.fromtimestamp(at, SHANGHAI),
                              recorded_at=local(deadline)))


def bill_february(database: db.Database) -> None:
    """February's statements, issued by the real bill run (fees and the stays that closed in it)."""
    bill_month(database, Month(2025, 2), local("2025-03-01 06:00"))


def seed_history(database: db.Database, first_night: date, nights: int, site_id: str = SITE) -> None:
    """Ordinary nights for the screenshots: each contract in most evenings, out most mornings, the
    institution's own cars by day, and now and then a late leaver with its violation (a fixed pattern)."""
    specs: list[StaySpec] = []
    late: list[tuple[int, str, str, str]] = []
    for n in range(nights):
        night = first_night + timedelta(days=n)
        for k, (contract, plate) in enumerate(PLATES.items()):
            if (n + k) % 5 == 4:
                continue  # stays away one night in five
            entered = f"{night} {18 + (n * 3 + k * 2) % 5}:{(n * 7 + k * 11) % 60:02d}"
            leaves_late = (n + 2 * k) % 11 == 0
            morning = "08:10" if leaves_late else f"0{6 + (n + k) % 2}:{(n * 13 + k) % 60:02d}"
            exited = f"{night + timedelta(days=1)} {morning}"
            specs.append(StaySpec(plate, contract, entered, exited, f"{night + timedelta(days=1)} 07:30"))
            if leaves_late:
                late.append((len(specs) - 1, plate, contract, f"{night + timedelta(days=1)} 07:30"))
        for j, plate in enumerate(OWN_PLATES):
            specs.append(StaySpec(plate, None, f"{night + timedelta(days=1)} 0{7 + j}:45",
                                  f"{night + timedelta(days=1)} 1{7 + j}:30"))
    ids = add_stays(database, tuple(specs), site_id)
    for index, plate, contract, deadline in late:
        add_violation(database, ids[index], plate, contract, deadline, site_id)


def seed_demo(database: db.Database, now: datetime) -> None:
    """The screenshots' site around ``now``: three months of ordinary nights, billed, and tonight's cars."""
    today = now.astimezone(SHANGHAI).date()
    seed_site(database, valid=(today - timedelta(days=120), today + timedelta(days=240)))
    seed_history(database, today - timedelta(days=92), 90)  # the nights up to the day before yesterday
    month = Month.of(now, SHANGHAI)
    for _ in range(3):
        month = Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)
        bill_month(database, month, now)
    hour = timedelta(hours=1)
    add_stays(database, (
        StaySpec(PLATES["c1"], "c1", _text(now - 3 * hour), None, _text(now + 8 * hour)),
        StaySpec(PLATES["c2"], "c2", _text(now - 2 * hour), None, _text(now + 8 * hour)),
        StaySpec(PLATES["c3"], "c3", _text(now - 20 * hour), None, _text(now - 2 * hour)),  # overstaying
        StaySpec(OWN_PLATES[0], None, _text(now - 5 * hour), None),
    ))


def _text(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# (contract, kind, status, refunded fen, paid at in Shanghai): the residents' online orders of the site,
# oldest first, as the orders page lists them (a first term each, a renewal paid and partly refunded,
# one awaiting payment and one that lapsed unpaid).
ORDERS = (
    ("c1", db.OrderKind.NEW, db.OrderStatus.PAID, 0, "2025-01-02 21:05"),
    ("c2", db.OrderKind.NEW, db.OrderStatus.PAID, 0, "2025-01-03 08:40"),
    ("c1", db.OrderKind.RENEWAL, db.OrderStatus.PAID, 12000, "2025-02-01 00:30"),
    ("c3", db.OrderKind.RENEWAL, db.OrderStatus.LAPSED, 0, None),
    ("c4", db.OrderKind.RENEWAL, db.OrderStatus.PENDING_PAYMENT, 0, None),
)


def add_orders(database: db.Database, site_id: str = SITE) -> None:
    """The site's orders of ``ORDERS``, one month of its night product (300 yuan) each."""
    with database.transaction() as session:
        for n, (contract_id, kind, status, refunded, paid) in enumerate(ORDERS):
            contract_id = contract_id if site_id == SITE else f"{site_id}-{contract_id}"
            contract = session.get_one(db.Contract, contract_id)
            made = (local(paid) if paid else SEEDED_AT + timedelta(days=40 + n)) - timedelta(minutes=3)
            session.add(db.Order(
                id=f"od{site_id}{n:022d}", kind=kind, status=status, resident_id=contract.resident_id,
                site_id=site_id, product_id=contract.product_id, contract_id=contract.id,
                plate=contract.plate_list[0], months=1, starts_on=contract.valid_from,
                ends_on=contract.valid_to, monthly_fee_fen=30000, amount_fen=30000, currency="CNY",
                hold_until=made + timedelta(minutes=15), created_at=made, updated_at=made,
                paid_at=local(paid) if paid else None, paid_with="sandbox" if paid else None,
                refunded_fen=refunded))

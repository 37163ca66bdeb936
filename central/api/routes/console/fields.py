"""What the console's forms share: each field's message (the text it shows as you type, and the
server's when it refuses the field), the page size of lists, and money typed in yuan.

Not a page: no router here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData

from central.payments.money import fen_from_yuan
from central.web.forms import rows_of, text
from central.web.pages import PageRequest
from shared import PROVINCES

LIST_PAGE = 20  # rows per page of a console list

# field name (as the API's models and the forms name it) -> catalogue key of its message
FIELD_MESSAGES = {
    "id": "field.id_invalid", "gate_id": "field.id_invalid", "institution_id": "field.required",
    "name": "field.name_invalid", "address": "field.address_invalid",
    "lat": "field.lat_invalid", "lon": "field.lon_invalid", "timezone": "field.timezone_invalid",
    "total_spaces": "field.spaces_invalid", "shared_capacity": "field.spaces_invalid",
    "reserved_spaces": "field.spaces_invalid", "quota": "field.quota_invalid",
    "hourly_rate": "field.money_invalid", "monthly_fee": "field.money_invalid",
    "usage_rate": "field.money_invalid", "daily_cap": "field.money_invalid",
    "overstay_rate": "field.money_invalid",
    "usage_period_minutes": "field.minutes_invalid", "overstay_period_minutes": "field.minutes_invalid",
    "min_stay_minutes": "field.minutes_invalid", "grace_minutes": "field.minutes_invalid",
    "windows": "field.windows_invalid", "plate": "field.plate_invalid", "holder": "field.holder_invalid",
    "reason": "field.reason_invalid", "until": "field.until_invalid",
}
MONEY_FIELDS = ("hourly_rate", "monthly_fee", "usage_rate", "daily_cap", "overstay_rate")


def fen_of(form: FormData, names: Iterable[str], page: PageRequest) -> tuple[dict[str, int], dict[str, str]]:
    """Amounts typed in yuan (``300``, ``300.5``) as ``<name>_fen``; a bad one is an error of ``<name>``."""
    amounts: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name in names:
        typed = text(form, name, 20)
        if not typed:
            continue
        try:
            amounts[f"{name}_fen"] = fen_from_yuan(typed, name)
        except ValueError:
            errors[name] = page.t(FIELD_MESSAGES[name])
    return amounts, errors


def yuan(fen: int | None) -> str:
    """Fen as the yuan a form field shows again (``30000`` -> ``300.00``)."""
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def form_context(page: PageRequest) -> dict[str, Any]:
    """What console templates may use: the plate check's provinces, ``yuan(fen)`` for a field,
    ``rules(windows)`` (stored windows as rows: day_type, start, end, end_day)."""
    return {"provinces": PROVINCES, "yuan": yuan, "rules": rows_of}

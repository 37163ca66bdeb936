"""Every error billing raises, in one place.

    ParkingError (shared)
    └── BillingError          anything billing refuses to do
        ├── TariffError       a tariff that cannot be charged (a negative rate, a zero period)
        ├── MonthError        a month text that is not YYYY-MM
        └── StayError         a stay that cannot be charged (exit before entry, naive times)
"""

from __future__ import annotations

from shared import ParkingError


class BillingError(ParkingError):
    """Base of every billing error."""


class TariffError(BillingError, ValueError):
    """A tariff value out of bounds; names the field and the value."""

    def __init__(self, field: str, value: object, why: str) -> None:
        super().__init__(f"tariff {field}: {why} (got {value!r})")
        self.field = field
        self.value = value


class MonthError(BillingError, ValueError):
    """A billing month that is not written YYYY-MM."""


class StayError(BillingError, ValueError):
    """A stay whose times cannot be charged."""

"""The ``orders:`` section of the central settings: the terms residents may buy and how long an
unpaid order holds its place."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class OrderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms_months: tuple[int, ...] = Field(
        default=(1, 3, 6, 12), min_length=1, max_length=12,
        description="the terms a resident may buy, in whole months from the start day (1 to 12 each)")
    hold_minutes: int = Field(
        default=15, ge=1, le=24 * 60,
        description="an unpaid order holds its place this long, then lapses and frees it")
    start_within_days: int = Field(
        default=30, ge=0, le=365, description="a new contract may start at most this many days from today")
    renew_within_days: int = Field(
        default=60, ge=1, le=366,
        description="a contract may be renewed once it ends within this many days (and not after it ended)")
    lapse_interval_s: float = Field(
        default=30.0, gt=0, le=3600,
        description="how often serve lapses unpaid orders and refunds cancelled contracts' prepaid part")

    @field_validator("terms_months")
    @classmethod
    def _terms(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        wrong = [months for months in value if not 1 <= months <= 12]
        if wrong:
            raise ValueError(f"each term is 1 to 12 months (got {wrong})")
        return tuple(sorted(set(value)))

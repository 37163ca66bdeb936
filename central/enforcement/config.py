"""Settings of departure enforcement (a section of the central service's settings)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator


class EnforcementSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="run the enforcement scheduler inside serve")
    interval_s: float = Field(default=30.0, gt=0, le=3600, description="how often open stays are checked")
    reminders_minutes: tuple[int, ...] = Field(default=(30, 10), min_length=0, max_length=5,
                                               description="reminders this many minutes before the deadline")
    violations_to_suspend: int = Field(default=3, ge=1, le=100,
                                       description="N: violations that suspend a contract ...")
    window_days: int = Field(default=30, ge=1, le=365, description="... within M days")
    lookback_hours: int = Field(default=48, ge=1, le=24 * 31,
                                description="closed stays this recent are checked for a late exit")
    default_grace_minutes: int = Field(default=15, ge=0, le=24 * 60,
                                       description="grace for a stay without a contract")
    webhook_url: HttpUrl | None = Field(default=None, description="resident webhook; none: no webhook")
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60, description="one webhook call at most")
    max_attempts: int = Field(default=8, ge=1, le=100, description="then a notification is marked failed")
    retry_base_s: float = Field(default=30.0, gt=0, le=3600, description="first retry delay; doubles")

    @model_validator(mode="after")
    def _check(self) -> EnforcementSettings:
        if any(m <= 0 or m > 24 * 60 for m in self.reminders_minutes):
            raise ValueError(f"reminders_minutes: each between 1 and 1440 (got {self.reminders_minutes})")
        return self

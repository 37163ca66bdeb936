"""Off-peak contracts, as the central service signs them and the gate reads them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.calendar import OfficialCalendar
from shared.plates import parse_plate
from shared.text import PlainText
from shared.windows import Coverage, TimeWindow, coverage_at

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"  # safe inside MQTT topics and URLs


class ContractStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class Contract(BaseModel):
    """One resident's right to park one site's shared spaces at set times.

    The product's windows, minimum stay and grace are copied in, so a gate
    can decide from the contract alone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    contract_id: str = Field(pattern=ID_PATTERN, description="stable id")
    holder_ref: str = Field(min_length=1, max_length=64, description="pseudonymous resident reference")
    plates: tuple[str, ...] = Field(min_length=1, max_length=3, description="normalised plates")
    site_id: str = Field(pattern=ID_PATTERN)
    product_id: str = Field(min_length=1, max_length=64)
    windows: tuple[TimeWindow, ...] = Field(min_length=1, max_length=14)
    min_stay_minutes: int = Field(default=60, ge=0, le=24 * 60)
    grace_minutes: int = Field(default=15, ge=0, le=24 * 60)
    valid_from: date
    valid_to: date = Field(description="last day (inclusive) on which a window may start")
    status: ContractStatus = ContractStatus.ACTIVE
    version: int = Field(default=1, ge=1)

    @field_validator("plates", mode="before")
    @classmethod
    def _normalise_plates(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(parse_plate(str(p)).text for p in value)
        return value

    @model_validator(mode="after")
    def _check(self) -> Contract:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if len(set(self.plates)) != len(self.plates):
            raise ValueError("plates repeat")
        return self

    def coverage(self, when: datetime, tz: ZoneInfo, calendar: OfficialCalendar) -> Coverage | None:
        """The chain of this contract's windows covering ``when``, if any."""
        return coverage_at(self.windows, when, tz, calendar, self.valid_from, self.valid_to)

    def entry_cutoff(self, coverage: Coverage) -> datetime:
        """The last moment an entry makes sense: deadline minus minimum stay."""
        return coverage.end - timedelta(minutes=self.min_stay_minutes)


class OwnVehicle(BaseModel):
    """A vehicle of the institution's own staff: opens without using a shared space."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plate: str = Field(description="normalised plate")
    holder: PlainText = Field(default="", max_length=100, description="whose car (shown to the guard)")
    windows: tuple[TimeWindow, ...] = Field(default=(), max_length=14,
                                            description="when it may enter; none means at any time")

    @field_validator("plate", mode="before")
    @classmethod
    def _normalise_plate(cls, value: object) -> object:
        return parse_plate(str(value)).text if isinstance(value, str) else value

    def admits(self, when: datetime, tz: ZoneInfo, calendar: OfficialCalendar) -> bool:
        """Whether it may enter at ``when``: at any time without windows, else inside one of them."""
        return not self.windows or coverage_at(self.windows, when, tz, calendar) is not None


class BlacklistEntry(BaseModel):
    """A plate the institution refuses, with why and until when (None: until lifted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plate: str = Field(description="normalised plate")
    reason: PlainText = Field(min_length=1, max_length=200, description="shown to the guard")
    until: AwareDatetime | None = None

    @field_validator("plate", mode="before")
    @classmethod
    def _normalise_plate(cls, value: object) -> object:
        return parse_plate(str(value)).text if isinstance(value, str) else value

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until


class SiteInfo(BaseModel):
    """What a gate must know of its site to decide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site_id: str = Field(pattern=ID_PATTERN)
    name: PlainText = Field(default="", max_length=200)
    timezone: str = Field(default="Asia/Shanghai")
    shared_capacity: int = Field(ge=0, le=100_000, description="spaces open to contract holders")
    reserved_spaces: int = Field(default=0, ge=0, le=100_000,
                                 description="spaces kept for the institution's own vehicles")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ContractBundle(BaseModel):
    """Everything a site's gates need, signed as one piece by the central service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: int = Field(default=2, ge=2, le=2, description="bundle format version")
    site: SiteInfo
    sequence: int = Field(ge=1, description="only ever grows for a site")
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    key_id: str = Field(min_length=1, max_length=64)
    contracts: tuple[Contract, ...] = ()
    own_vehicles: tuple[OwnVehicle, ...] = ()
    blacklist: tuple[BlacklistEntry, ...] = ()
    calendar: OfficialCalendar = Field(default_factory=OfficialCalendar,
                                       description="the official schedules of the years the contracts cover")

    @model_validator(mode="after")
    def _check(self) -> ContractBundle:
        if self.expires_at <= self.issued_at:
            raise ValueError("expires_at must be after issued_at")
        foreign = {c.site_id for c in self.contracts} - {self.site.site_id}
        if foreign:
            raise ValueError(f"contracts for other sites in bundle: {sorted(foreign)}")
        own = [v.plate for v in self.own_vehicles]
        if len(set(own)) != len(own):
            raise ValueError("own_vehicles: a plate is listed twice")
        return self

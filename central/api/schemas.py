"""Request and response bodies of the HTTP API. Every input field is bounded."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from central.accounts.phones import normalise_phone
from central.core.security import Role
from central.db import ContractState, StayStatus
from central.overstay import DEFAULT_GRACE_MINUTES, DEFAULT_OVERSTAY_PERIOD_MINUTES
from shared import ID_PATTERN, TimeWindow, parse_plate

Id = Annotated[str, Field(pattern=ID_PATTERN, description="lowercase id, safe in topics and URLs")]
Fen = Annotated[int, Field(ge=0, le=100_000_000, description="money in fen (1/100 yuan)")]
Spaces = Annotated[int, Field(ge=0, le=100_000, description="parking spaces")]
Minutes = Annotated[int, Field(ge=1, le=24 * 60, description="minutes")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InstitutionIn(_In):
    id: Id
    name: str = Field(min_length=1, max_length=200)


def _known_zone(value: str) -> str:
    from shared import SiteInfo

    return SiteInfo(site_id="x", timezone=value, shared_capacity=0).timezone


class SiteIn(_In):
    id: Id
    institution_id: Id
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    shared_capacity: Spaces = Field(description="spaces shared with contract holders off-peak")
    total_spaces: Spaces | None = Field(default=None, description="all spaces; default shared + reserved")
    reserved_spaces: Spaces = Field(default=0, description="spaces kept for the institution's own vehicles")
    hourly_rate_fen: Fen = Field(default=0, description="the hourly rate: products' overstay default")
    refund_unused: bool = Field(default=True, description="give back the fee of unused days on cancellation")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _known_zone(value)


class SiteChangeIn(_In):
    """Only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str | None = Field(default=None, max_length=64)
    shared_capacity: Spaces | None = None
    total_spaces: Spaces | None = None
    reserved_spaces: Spaces | None = None
    hourly_rate_fen: Fen | None = None
    refund_unused: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return value if value is None else _known_zone(value)


class SiteOut(_Out):
    id: str
    institution_id: str
    name: str
    address: str
    lat: float
    lon: float
    timezone: str
    shared_capacity: int
    total_spaces: int
    reserved_spaces: int
    hourly_rate_fen: int
    refund_unused: bool
    closed_at: datetime | None


class ProductIn(_In):
    id: Id
    site_id: Id
    name: str = Field(min_length=1, max_length=200)
    windows: list[TimeWindow] = Field(min_length=1, max_length=14)
    min_stay_minutes: int = Field(default=60, ge=0, le=24 * 60)
    grace_minutes: int = Field(default=DEFAULT_GRACE_MINUTES, ge=0, le=24 * 60)
    quota: Spaces = Field(description="contracts it may sell; at most the site's shared spaces")
    monthly_fee_fen: Fen = 0
    usage_rate_fen: Fen = 0
    usage_period_minutes: Minutes = 60
    daily_cap_fen: Fen | None = None
    overstay_rate_fen: Fen | None = Field(default=None, description="default: the site's hourly rate")
    overstay_period_minutes: Minutes = DEFAULT_OVERSTAY_PERIOD_MINUTES
    refund_unused: bool = Field(default=True, description="give back the fee of unused days on cancellation")


class ProductChangeFieldsIn(_In):
    """Only the fields given change; prices apply to contracts signed from now on."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    quota: Spaces | None = None
    on_sale: bool | None = None
    refund_unused: bool | None = None
    grace_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    monthly_fee_fen: Fen | None = None
    usage_rate_fen: Fen | None = None
    usage_period_minutes: Minutes | None = None
    daily_cap_fen: Fen | None = Field(default=None, description="send null to remove the cap")
    overstay_rate_fen: Fen | None = None
    overstay_period_minutes: Minutes | None = None


class ProductOut(_Out):
    id: str
    site_id: str
    name: str
    windows: list[TimeWindow]
    min_stay_minutes: int
    grace_minutes: int
    quota: int
    monthly_fee_fen: int
    usage_rate_fen: int
    usage_period_minutes: int
    daily_cap_fen: int | None
    overstay_rate_fen: int
    overstay_period_minutes: int
    on_sale: bool
    refund_unused: bool
    closed_at: datetime | None = None
    places_left: int | None = Field(default=None, description="contracts it can still take (site-wide)")


class GateIn(_In):
    site_id: Id
    gate_id: Id
    name: str = Field(default="", max_length=200)


class ResidentIn(_In):
    display_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40,
                              description="mainland mobile number to sign in with (stored hashed)")
    contact_ref: str | None = Field(default=None, max_length=200)

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return None if value is None else normalise_phone(value)


class ResidentOut(_Out):
    id: str
    display_name: str


class TokenIn(_In):
    role: Role
    name: str = Field(default="", max_length=100)
    institution_id: Id | None = None
    resident_id: str | None = Field(default=None, max_length=64)
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _scope(self) -> TokenIn:
        if self.role is Role.OPERATOR and not self.institution_id:
            raise ValueError("institution_id: an operator token needs an institution")
        if self.role is Role.RESIDENT and not self.resident_id:
            raise ValueError("resident_id: a resident token needs a resident")
        return self


class TokenOut(BaseModel):
    token: str
    role: Role


class SignIn(_In):
    product_id: str = Field(min_length=1, max_length=64)
    plates: list[str] = Field(min_length=1, max_length=3, description="1 to 3 licence plates")
    valid_from: date
    valid_to: date
    resident_id: str | None = Field(default=None, max_length=64, description="admins and operators")

    @field_validator("plates")
    @classmethod
    def _plates(cls, value: list[str]) -> list[str]:
        plates = [parse_plate(p).text for p in value]
        if len(set(plates)) != len(plates):
            raise ValueError("plates repeat")
        return plates


class ProductChangeIn(_In):
    product_id: str = Field(min_length=1, max_length=64)


class CancelIn(_In):
    effective_on: date | None = Field(default=None, description="site-local day the cancellation takes "
                                                                "effect, its last billed day: today by "
                                                                "default; staff may backdate it")


class ContractOut(_Out):
    id: str
    site_id: str
    product_id: str
    resident_id: str
    plates: list[str] = Field(validation_alias="plate_list")
    valid_from: date
    valid_to: date
    status: ContractState = Field(description="active, suspended, cancelled; pending_payment (its order "
                                     "awaits payment: not at the gate yet) or lapsed (never paid)")
    version: int
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None = Field(description="when the cancellation was recorded")
    ends_on: date | None = Field(description="the day a cancellation took effect: its last billed day")
    monthly_fee_fen: int = Field(description="the tariff it was signed at, in fen")
    usage_rate_fen: int
    usage_period_minutes: int
    daily_cap_fen: int | None
    overstay_rate_fen: int
    overstay_period_minutes: int
    grace_minutes: int


class EventOut(_Out):
    event_id: uuid.UUID
    site_id: str
    gate_id: str
    direction: str
    plate_read: str
    plate: str | None
    confidence: float
    outcome: str
    reason: str
    contract_id: str | None
    at: datetime
    deadline: datetime | None
    original_event_id: uuid.UUID | None
    received_at: datetime


class StayOut(_Out):
    id: int
    site_id: str
    plate: str
    contract_id: str | None
    entry_event_id: uuid.UUID | None
    exit_event_id: uuid.UUID | None
    entered_at: datetime | None
    exited_at: datetime | None
    deadline: datetime | None
    status: StayStatus


class ViolationOut(_Out):
    id: int
    stay_id: int
    site_id: str
    contract_id: str | None
    plate: str
    deadline: datetime
    at: datetime = Field(description="deadline + grace: when the overstay began to count")
    recorded_at: datetime


class NearbySite(BaseModel):
    site: SiteOut
    distance_m: float
    products: list[ProductOut]
    places_left: int = Field(description="contracts the site can still take, whatever the product")
    free_tonight: int = Field(description="shared places free now (docs/central.md)")


class SharedPlacesOut(BaseModel):
    """Free shared places = shared spaces - contracts inside - max(0, own vehicles inside - reserved)."""

    site_id: str
    at: datetime
    shared_spaces: int
    contracts_inside: int
    own_vehicles_inside: int
    reserved_spaces: int
    free: int


class OccupancyNow(BaseModel):
    site_id: str
    at: datetime
    shared_capacity: int
    occupied: int
    free: int


class OccupancyBucket(BaseModel):
    start: datetime
    occupied: int


class GateOut(_Out):
    site_id: str
    gate_id: str
    name: str
    state: str
    last_seen: datetime | None
    outbox_depth: int
    bundle_sequence: int
    clock_skew_s: float | None
    alarms: list[str]


class AlarmOut(_Out):
    id: int
    site_id: str
    gate_id: str | None
    kind: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None


class Count(BaseModel):
    count: int


class SiteGateIn(_In):
    gate_id: Id
    name: str = Field(default="", max_length=200)


class BrokerAccountOut(BaseModel):
    username: str = Field(description="the gate's broker account (broker.username at the gate)")
    password: str | None = Field(description="shown in this response only and stored nowhere; null when "
                                             "the broker's accounts are kept in its password file")
    managed: bool = Field(description="false: make or change the account on the broker by hand")


class NewGateOut(BaseModel):
    gate: GateOut
    broker: BrokerAccountOut


class GateRemovedOut(BaseModel):
    site_id: str
    gate_id: str
    broker_account_removed: bool = Field(description="false: remove it from the password file by hand")

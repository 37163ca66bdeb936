"""Residents, their contracts, and what it takes to get the contracts to the gates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from central.db.base import Base


class Resident(Base):
    """Minimal personal data: a display name and a hashed phone or an external contact reference."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # also the bundle's holder_ref
    display_name: Mapped[str] = mapped_column(String(100))
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20))  # shown to people: 138****5678
    contact_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ContractState(StrEnum):
    """A contract's state at central. The first three are the gate's own (``shared.ContractStatus``,
    the values a bundle carries); the other two never leave central, as no bundle carries them."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    PENDING_PAYMENT = "pending_payment"  # signed through an order not paid yet: holds its place
    LAPSED = "lapsed"  # its order was never paid (the hold ran out, or it was cancelled unpaid)


# A contract in these states holds a place at its site (contracts.capacity.places_taken) ...
HOLDS_PLACE = (ContractState.ACTIVE.value, ContractState.PENDING_PAYMENT.value)
# ... and in these it holds nothing any more: neither a place nor its plate.
RELEASED = (ContractState.CANCELLED.value, ContractState.LAPSED.value)
# Never at a gate (yet): in no bundle, billed nothing.
UNPAID = (ContractState.PENDING_PAYMENT.value, ContractState.LAPSED.value)


# The product's prices a contract keeps from its signing on (the names of billing's Tariff fields).
TARIFF_COLUMNS = ("monthly_fee_fen", "usage_rate_fen", "usage_period_minutes", "daily_cap_fen",
                  "overstay_rate_fen", "overstay_period_minutes", "grace_minutes")


class Contract(Base):
    """A resident's contract. Its tariff columns are a copy of the product's prices at signing:
    a later price change applies to new contracts only."""

    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_product_status", "product_id", "status"),
                      Index("ix_contracts_site_status", "site_id", "status"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    plates: Mapped[str] = mapped_column(String(60))  # normalised, "|"-separated: "|沪A12345|沪B..|"
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)  # inclusive
    status: Mapped[str] = mapped_column(String(16), default="active")  # ContractState
    version: Mapped[int] = mapped_column(Integer, default=1)
    monthly_fee_fen: Mapped[int] = mapped_column(Integer)
    usage_rate_fen: Mapped[int] = mapped_column(Integer)
    usage_period_minutes: Mapped[int] = mapped_column(Integer)
    daily_cap_fen: Mapped[int | None] = mapped_column(Integer)
    overstay_rate_fen: Mapped[int] = mapped_column(Integer)
    overstay_period_minutes: Mapped[int] = mapped_column(Integer)
    grace_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]  # when the cancellation was recorded
    ends_on: Mapped[date | None] = mapped_column(Date)  # a cancelled contract's last day (site-local)

    @property
    def plate_list(self) -> list[str]:
        return [p for p in self.plates.split("|") if p]

    @property
    def last_day(self) -> date:
        """The last day the contract applies: its valid_to, or the day its cancellation took effect."""
        return self.valid_to if self.ends_on is None else min(self.valid_to, self.ends_on)


def plates_column(plates: list[str]) -> str:
    return "|" + "|".join(plates) + "|"


class BundleState(Base):
    """The last bundle issued for a site; ``sequence`` only grows."""

    __tablename__ = "bundle_states"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]


class MqttOutbox(Base):
    """Messages written in the same transaction as the change; sent only on PUBACK."""

    __tablename__ = "mqtt_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(300))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    qos: Mapped[int] = mapped_column(Integer, default=1)
    retain: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """Opaque bearer tokens, stored as SHA-256 (they are 256-bit random, so no slow hash is needed)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))  # admin, operator, resident
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("institutions.id"))
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ContractAction(Base):
    """Who suspended, reinstated or cancelled a contract, when and why (the console asks for a reason)."""

    __tablename__ = "contract_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # central.contracts.actions.ContractActionKind
    reason: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(100))  # the staff username, as it signed in
    at: Mapped[datetime]
    effective_on: Mapped[date | None] = mapped_column(Date)  # a cancellation's last day

"""Bodies of the orders routes: order a term, renew, pay, and what an order looks like."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from central.api.schemas import ContractOut
from central.db import OrderKind, OrderStatus, RefundStatus
from central.payments import Channel, CheckoutKind
from shared import parse_plate


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderIn(_In):
    product_id: str = Field(min_length=1, max_length=64)
    plate: str = Field(min_length=1, max_length=20, description="the licence plate the contract is for")
    months: int = Field(ge=1, le=12, description="the term in whole months (one of orders.terms_months)")
    starts_on: date | None = Field(default=None, description="the first day, site-local; default today")

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str) -> str:
        return parse_plate(value).text


class RenewalIn(_In):
    months: int = Field(ge=1, le=12, description="the term added after the contract's last day")


class PaymentIn(_In):
    provider: str | None = Field(default=None, max_length=16, description="sandbox, wechatpay, alipay; "
                                                                          "default: the first enabled")
    channel: Channel = Field(default=Channel.MOBILE,
                             description="mobile (H5, wap) or desktop (QR code, page)")


class CheckoutOut(BaseModel):
    kind: CheckoutKind = Field(description="redirect: open url; qr_code: show url as a QR code")
    url: str


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: OrderKind
    status: OrderStatus
    resident_id: str
    site_id: str
    product_id: str
    contract_id: str
    plate: str
    months: int
    starts_on: date
    ends_on: date
    monthly_fee_fen: int = Field(description="the product's monthly fee when the order was made")
    amount_fen: int = Field(description="what the term costs, paid ahead")
    currency: str
    hold_until: datetime = Field(description="unpaid by then, the order lapses and frees its place")
    created_at: datetime
    paid_at: datetime | None
    paid_with: str | None
    closed_at: datetime | None
    refunded_fen: int
    settled_at: datetime | None


class RefundOut(BaseModel):
    order_id: str
    amount_fen: int
    status: RefundStatus | None
    detail: str


class CancelledOut(BaseModel):
    contract: ContractOut
    refunds: list[RefundOut]


class RefundPreviewOut(BaseModel):
    refund_fen: int = Field(description="what cancelling today gives back")
    refunds: bool = Field(description="false: the product or the site refunds nothing")

"""How residents pay for an order: providers (sandbox, WeChat Pay v3, Alipay), callbacks, refunds.

No HTTP routes here: ``central/api/routes/payments.py`` takes the providers' callbacks and
``central/api/routes/sandbox.py`` is the sandbox provider's page. The orders package implements
``OrderBook`` and calls ``PaymentService.start`` / ``reconcile`` / ``refund``.
"""

from central.db.payments import AuditKind, PaymentStatus, RefundStatus
from central.payments.alipay import Alipay
from central.payments.audit import AlarmKind, Outcome
from central.payments.model import (
    Acknowledgement,
    CallbackAnswer,
    Channel,
    Checkout,
    CheckoutKind,
    PaymentNotice,
    PaymentProvider,
    PaymentRequest,
    RefundRequest,
    RefundResult,
)
from central.payments.money import fen_from_yuan, yuan_text
from central.payments.orders import ExpectedPayment, OrderBook, OrderState
from central.payments.providers import payment_service_from_settings, provider_from_settings
from central.payments.sandbox import Sandbox, SandboxCheckout
from central.payments.service import CALLBACK_PATH, MAX_CALLBACK_BYTES, PaymentOrder, PaymentService
from central.payments.wechatpay import WechatPay

__all__ = [
    "CALLBACK_PATH", "MAX_CALLBACK_BYTES", "Acknowledgement", "AlarmKind", "Alipay", "AuditKind",
    "CallbackAnswer", "Channel", "Checkout", "CheckoutKind", "ExpectedPayment", "OrderBook", "OrderState",
    "Outcome", "PaymentNotice", "PaymentOrder", "PaymentProvider", "PaymentRequest", "PaymentService",
    "PaymentStatus", "RefundRequest", "RefundResult", "RefundStatus", "Sandbox", "SandboxCheckout",
    "WechatPay", "fen_from_yuan", "payment_service_from_settings", "provider_from_settings", "yuan_text",
]

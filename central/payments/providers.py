"""The payment service a central process runs with: the providers ``payments.providers`` enables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from central.core.config import Settings
from central.core.payment_settings import PaymentSettings
from central.payments.alipay import Alipay
from central.payments.model import PaymentProvider
from central.payments.sandbox import Sandbox
from central.payments.service import PaymentService
from central.payments.wechatpay import WechatPay


def provider_from_settings(name: str, settings: PaymentSettings) -> PaymentProvider:
    if name == "wechatpay":
        return WechatPay(settings.wechatpay, settings.timeout_s, settings.callback_skew_s)
    if name == "alipay":
        return Alipay(settings.alipay, settings.timeout_s)
    return Sandbox(settings.sandbox.secret_text(), settings.callback_skew_s, settings.timeout_s)


def payment_service_from_settings(settings: Settings, clock: Callable[[], datetime]) -> PaymentService:
    """The enabled providers (the sandbox alone in development by default); no order book yet."""
    payments = settings.payments
    enabled = payments.enabled(settings.environment)
    providers: dict[str, PaymentProvider] = {name: provider_from_settings(name, payments) for name in enabled}
    return PaymentService(providers, public_url=payments.public_url, clock=clock)

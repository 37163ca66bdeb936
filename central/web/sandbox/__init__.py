"""The sandbox payment provider's page (``/sandbox/pay/<checkout>``), served only while the
``sandbox`` provider is enabled. It stands in for WeChat Pay's or Alipay's page: it needs no
sign-in of ours, holds no database transaction, and talks to our notify endpoint over HTTP."""

from central.web.sandbox.pages import router

__all__ = ["router"]

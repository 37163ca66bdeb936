"""What the payment tests share: locally generated RSA keys, an in-memory order book, a tiny
HTTP server for the fake providers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from sqlalchemy.orm import Session

from central.payments import ExpectedPayment, OrderState, PaymentNotice


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@dataclass
class Keys:
    """Ours (merchant / app), the providers' (WeChat Pay platform, Alipay), and an impostor's."""

    merchant: RSAPrivateKey = field(default_factory=new_key)
    wechat_platform: RSAPrivateKey = field(default_factory=new_key)
    alipay: RSAPrivateKey = field(default_factory=new_key)
    impostor: RSAPrivateKey = field(default_factory=new_key)


@dataclass
class FakeOrderBook:
    """The orders engineer's ``OrderBook``, in memory: counts what the payment layer asks."""

    orders: dict[str, ExpectedPayment] = field(default_factory=dict)
    paid: list[tuple[str, PaymentNotice]] = field(default_factory=list)
    failed: list[tuple[str, PaymentNotice]] = field(default_factory=list)
    refuse_next: bool = False  # mark_paid raises once (a broken order book)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, order_id: str, amount_fen: int = 30000, currency: str = "CNY",
            state: OrderState = OrderState.AWAITING_PAYMENT, site_id: str = "s1") -> str:
        self.orders[order_id] = ExpectedPayment(amount_fen, currency, state, site_id)
        return order_id

    def expected(self, session: Session, order_id: str) -> ExpectedPayment | None:
        return self.orders.get(order_id)

    def mark_paid(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        with self.lock:
            if self.refuse_next:
                self.refuse_next = False
                raise RuntimeError("the order book is down")
            order = self.orders[order_id]
            assert order.state is OrderState.AWAITING_PAYMENT, "marked paid twice"
            self.orders[order_id] = ExpectedPayment(order.amount_fen, order.currency, OrderState.PAID,
                                                    order.site_id)
            self.paid.append((order_id, payment))

    def mark_failed(self, session: Session, order_id: str, payment: PaymentNotice) -> None:
        self.failed.append((order_id, payment))

    def paid_ids(self) -> list[str]:
        return [order_id for order_id, _ in self.paid]


class Handler(BaseHTTPRequestHandler):
    """Hands each request to ``server.fake.handle(method, path, headers, body)``."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer_headers, answer = self.server.fake.handle(  # type: ignore[attr-defined]
            self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in answer_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        return


class FakeServer:
    """A provider's API on a free loopback port, in a thread."""

    def __init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def handle(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

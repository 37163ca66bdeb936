"""Sending codes: the development sender marks its log line; the HTTP gateway adapter signs,
waits a bounded time and reports refusals, against a real local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from central.accounts import ConsoleSmsSender, HttpSmsGateway, sender_from_settings, signature
from central.core.config import load_settings
from central.errors import ConfigError, SmsError

SECRET = "gateway-secret"
AT = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@dataclass
class Gateway:
    """A local SMS gateway: answers ``status`` after ``delay_s`` and keeps what it was sent."""

    url: str
    status: int = 200
    delay_s: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            time.sleep(state.delay_s)
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_the_gateway_gets_a_signed_json_request_it_can_verify(gateway: Gateway) -> None:
    sender = HttpSmsGateway(gateway.url, SECRET, 2.0, clock=lambda: AT)
    sender.send("13812345678", "验证码 123456", "sign_in_code")
    [(headers, body)] = gateway.received
    assert headers["content-type"] == "application/json"
    assert headers["x-parking-timestamp"] == str(int(AT.timestamp()))
    assert headers["x-parking-signature"] == signature(SECRET, headers["x-parking-timestamp"], body)
    assert headers["x-parking-signature"] != signature("other", headers["x-parking-timestamp"], body)
    message = json.loads(body)
    assert (message["to"], message["text"], message["purpose"]) == ("+8613812345678", "验证码 123456",
                                                                     "sign_in_code")
    assert len(message["message_id"]) == 36


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_a_refusal_is_an_sms_error(gateway: Gateway, status: int) -> None:
    gateway.status = status
    with pytest.raises(SmsError, match=str(status)):
        HttpSmsGateway(gateway.url, SECRET, 2.0).send("13812345678", "x", "sign_in_code")


def test_a_gateway_that_does_not_answer_in_time_is_an_sms_error(gateway: Gateway) -> None:
    gateway.delay_s = 1.0
    started = time.monotonic()
    with pytest.raises(SmsError, match="did not answer"):
        HttpSmsGateway(gateway.url, SECRET, 0.2).send("13812345678", "x", "sign_in_code")
    assert time.monotonic() - started < 0.9


def test_the_development_sender_puts_the_code_in_the_log_clearly_marked(
        caplog: pytest.LogCaptureFixture) -> None:
    sender = ConsoleSmsSender(clock=lambda: AT)
    with caplog.at_level(logging.WARNING):
        sender.send("13812345678", "您的登录验证码是 654321", "sign_in_code")
    assert "DEVELOPMENT SMS, NOT SENT to 138****5678" in caplog.text and "654321" in caplog.text
    assert "13812345678" not in caplog.text
    last = sender.last_to("13812345678")
    assert last is not None and last.text.endswith("654321")


def test_which_sender_the_settings_choose() -> None:
    assert isinstance(sender_from_settings(load_settings(None)), ConsoleSmsSender)
    http = load_settings(None, web={"sms": {"sender": "http", "url": "https://sms.example/send",
                                            "secret": SECRET}})
    assert isinstance(sender_from_settings(http), HttpSmsGateway)


def test_outside_development_codes_never_go_to_the_log(tmp_path: Any) -> None:
    key = tmp_path / "signing.key"
    key.write_text("mM0ccuZbJ2ZVqRIeYbK6VoE7cWqbcpLSRrAGbaVYhYY=")
    production = {"environment": "production", "signing": {"key_file": key},
                  "mqtt": {"password": "a-real-broker-password"}}
    assert sender_from_settings(load_settings(None, **production)) is None  # sign-in by code is off
    with pytest.raises(ConfigError, match="web.sms.sender"):
        load_settings(None, **production, web={"sms": {"sender": "console"}})
    gateway = {"sender": "http", "url": "https://sms.example/send", "secret": SECRET}
    with pytest.raises(ConfigError, match="web.phone_key"):
        load_settings(None, **production, web={"sms": gateway})
    assert load_settings(None, **production, web={"sms": gateway, "phone_key": "k" * 32})
    with pytest.raises(ConfigError, match="url and secret"):
        load_settings(None, web={"sms": {"sender": "http"}})

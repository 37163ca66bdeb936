"""The test session's Mosquitto: the demo's broker runner with the test accounts.

No anonymous access: every client has a password and the rules from
``shared.topics``, the same rules production uses. ``dynsec=True`` keeps the
accounts in the dynamic-security plugin (as compose runs it); ``tls`` adds a
TLS listener with certificates made for the test (``tests.support.tls``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from demo.brokers import MOSQUITTO, MosquittoBroker, free_port, wait_for_port
from shared.topics import CENTRAL_USER, Access, TopicRule, central_rules, gate_rules, gate_username
from tests.support.tls import Issued

__all__ = ["MOSQUITTO", "Broker", "TlsListener", "free_port", "wait_for_port"]

EVERYTHING = (TopicRule(Access.READWRITE, "#"),)


@dataclass(frozen=True)
class TlsListener:
    """A second listener speaking TLS only; clients must show a certificate from ``ca``."""

    ca: Path
    server: Issued
    port: int = field(default_factory=free_port)


@dataclass
class Broker(MosquittoBroker):
    """Accounts: ``central`` (central-secret), ``admin`` (admin-secret, everything), gates on demand.

    ``random_secrets=True`` gives every account a random password instead (the end-to-end
    tests check that no password reaches a log line, so none may be guessable).
    """

    random_secrets: bool = False
    tls: TlsListener | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.add_user(CENTRAL_USER, self._secret("central-secret"), central_rules())
        self.add_user("admin", self._secret("admin-secret"), EVERYTHING)

    def config_lines(self) -> list[str]:
        if self.tls is None:
            return super().config_lines()
        return [*super().config_lines(), f"listener {self.tls.port} 127.0.0.1", f"cafile {self.tls.ca}",
                f"certfile {self.tls.server.cert}", f"keyfile {self.tls.server.key}",
                "require_certificate true"]

    def _secret(self, fixed: str) -> str:
        return secrets.token_urlsafe(18) if self.random_secrets else fixed

    def clear_retained(self, settle_s: float = 0.3) -> int:
        """Delete every retained message under parking/ (left by earlier tests); returns how many."""
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        client.username_pw_set("admin", self.passwords["admin"])
        topics: set[str] = set()
        client.on_message = lambda c, u, msg: topics.add(msg.topic) if msg.retain and msg.payload else None
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        client.subscribe("parking/#", qos=1)
        time.sleep(settle_s)  # retained messages arrive right after the subscription
        for topic in topics:
            client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        client.loop_stop()
        client.disconnect()
        return len(topics)

    def add_gate(self, site: str, gate: str, password: str | None = None) -> tuple[str, str]:
        user = gate_username(site, gate)
        if user not in self.passwords:
            self.add_user(user, password or self._secret(f"{user}-secret"), gate_rules(site, gate))
        return user, self.passwords[user]

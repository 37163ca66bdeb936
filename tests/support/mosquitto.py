"""The test session's Mosquitto: the demo's broker runner with the test accounts.

No anonymous access: every client has a password and the ACL from
``shared.topics``, the same rules production uses.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from demo.brokers import MOSQUITTO, MosquittoBroker, free_port, wait_for_port
from shared.topics import CENTRAL_USER, central_acl, gate_acl, gate_username

__all__ = ["MOSQUITTO", "Broker", "free_port", "wait_for_port"]


@dataclass
class Broker(MosquittoBroker):
    """Accounts: ``central`` (central-secret), ``admin`` (admin-secret, everything), gates on demand.

    ``random_secrets=True`` gives every account a random password instead (the end-to-end
    tests check that no password reaches a log line, so none may be guessable).
    """

    random_secrets: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.add_user(CENTRAL_USER, self._secret("central-secret"), central_acl())
        self.add_user("admin", self._secret("admin-secret"), ["user admin", "topic readwrite #"])

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
            self.add_user(user, password or self._secret(f"{user}-secret"), gate_acl(site, gate))
        return user, self.passwords[user]

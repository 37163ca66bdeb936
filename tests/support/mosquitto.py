"""The test session's Mosquitto: the demo's broker runner with the test accounts.

No anonymous access: every client has a password and the ACL from
``shared.topics``, the same rules production uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from demo.brokers import MOSQUITTO, MosquittoBroker, free_port, wait_for_port
from shared.topics import CENTRAL_USER, central_acl, gate_acl, gate_username

__all__ = ["MOSQUITTO", "Broker", "free_port", "wait_for_port"]


@dataclass
class Broker(MosquittoBroker):
    """Accounts: ``central`` (central-secret), ``admin`` (admin-secret, everything), gates on demand."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.add_user(CENTRAL_USER, "central-secret", central_acl())
        self.add_user("admin", "admin-secret", ["user admin", "topic readwrite #"])

    def add_gate(self, site: str, gate: str, password: str | None = None) -> tuple[str, str]:
        user = gate_username(site, gate)
        if user not in self.passwords:
            self.add_user(user, password or f"{user}-secret", gate_acl(site, gate))
        return user, self.passwords[user]

"""Mosquitto's dynamic-security plugin, as data: roles from ``shared.topics`` rules, commands, first file.

Pure functions, no I/O. Every account gets a role of the same name holding
exactly its topic rules; the file's default access denies everything but
unsubscribing, so an account can do what its role says and nothing more.
Passwords reach the broker in a command or, hashed, in the first file; they
are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared import ALL_STATUS, Access, TopicRule

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
# Mosquitto's own tool uses 101 rounds; more cost nothing at our connection rates.
HASH_ITERATIONS = 10_000

# What central's admin account may do: talk to the plugin, and clear a removed gate's
# retained status (else central's ingest would bring the gate back from it).
ADMIN_RULES = (
    TopicRule(Access.READWRITE, "$CONTROL/dynamic-security/#"),
    TopicRule(Access.WRITE, ALL_STATUS),
)

_SEND = "publishClientSend"
_RECEIVE = "publishClientReceive"
_SUBSCRIBE = "subscribePattern"
_ACL_TYPES = {Access.READ: (_SUBSCRIBE, _RECEIVE), Access.WRITE: (_SEND,),
              Access.READWRITE: (_SEND, _SUBSCRIBE, _RECEIVE)}
DEFAULT_ACCESS = {_SEND: False, _RECEIVE: False, "subscribe": False, "unsubscribe": True}


@dataclass(frozen=True)
class Account:
    """A broker account with a role of its own name; ``repr`` never shows the password."""

    username: str
    password: str = field(repr=False)
    rules: tuple[TopicRule, ...]


def role_acls(rules: Iterable[TopicRule]) -> list[dict[str, Any]]:
    """The plugin's ACL entries for the rules: read = subscribe + receive, write = publish.

    The plugin (Mosquitto 2.0) checks a shared subscription with its ``$share/<group>/``
    prefix, where the ACL file strips it; so a read also allows the same filter in any
    share group (central's consumers subscribe so; messages still arrive on the real topic).
    """
    acls = []
    for rule in rules:
        for acltype in _ACL_TYPES[rule.access]:
            acls.append(_acl(acltype, rule.topic))
            if acltype == _SUBSCRIBE and not rule.topic.startswith("$"):
                acls.append(_acl(acltype, f"$share/+/{rule.topic}"))
    return acls


def _acl(acltype: str, topic: str) -> dict[str, Any]:
    return {"acltype": acltype, "topic": topic, "allow": True, "priority": 0}


def hashed_password(password: str, *, salt: bytes | None = None,
                    iterations: int = HASH_ITERATIONS) -> dict[str, Any]:
    """The plugin's stored form: PBKDF2-SHA512 over the password with a random salt, base64."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return {"password": base64.b64encode(digest).decode(), "salt": base64.b64encode(salt).decode(),
            "iterations": iterations}


def first_file(accounts: Sequence[Account]) -> dict[str, Any]:
    """The plugin's configuration file with these accounts, for a broker's very first start."""
    return {
        "defaultACLAccess": DEFAULT_ACCESS,
        "clients": [{"username": a.username, "textname": a.username, **hashed_password(a.password),
                     "roles": [{"rolename": a.username}]} for a in accounts],
        "roles": [{"rolename": a.username, "acls": role_acls(a.rules)} for a in accounts],
        "groups": [],
    }


def create_commands(account: Account) -> list[dict[str, Any]]:
    return [
        {"command": "createRole", "rolename": account.username, "acls": role_acls(account.rules)},
        {"command": "createClient", "username": account.username, "password": account.password,
         "roles": [{"rolename": account.username}]},
    ]


def delete_commands(username: str) -> list[dict[str, Any]]:
    """Delete the client (the broker disconnects it at once) and its role."""
    return [{"command": "deleteClient", "username": username},
            {"command": "deleteRole", "rolename": username}]


def password_command(username: str, password: str) -> dict[str, Any]:
    """Set a new password; the broker disconnects the client, which must log in again."""
    return {"command": "setClientPassword", "username": username, "password": password}

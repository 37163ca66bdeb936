"""Gate accounts on the broker: made, re-keyed and removed while it runs, or left to the operator.

``DynsecAccounts`` manages them through Mosquitto's dynamic-security plugin: a
new gate gets a random password and a role holding exactly ``gate_rules``; a
new password or a removal disconnects the gate at once. ``PasswordFileAccounts``
is for a broker without the plugin: the operator edits its password file and
ACL (``parking-central broker-acl``), and central says so.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

from central.broker import dynsec
from central.broker.control import DynsecControl
from central.core.config import Settings
from central.errors import BrokerAccountError, ConflictError
from shared import gate_rules, gate_username, status_topic

logger = logging.getLogger(__name__)

NOT_FOUND = ("Client not found", "Role not found")


@dataclass(frozen=True)
class GateCredentials:
    """What a gate logs in with; shown once to whoever made it, never stored or logged here."""

    username: str
    password: str = field(repr=False)


class GateAccounts(Protocol):
    managed: bool  # False: the operator makes accounts by hand

    def create(self, site: str, gate: str) -> GateCredentials | None: ...

    def remove(self, site: str, gate: str) -> bool: ...

    def rotate(self, site: str, gate: str) -> GateCredentials: ...


def new_password() -> str:
    return secrets.token_urlsafe(24)


def accounts_for(settings: Settings) -> GateAccounts:
    if settings.broker_accounts.manager == "dynsec":
        return DynsecAccounts(DynsecControl(settings.mqtt, settings.broker_accounts))
    return PasswordFileAccounts()


class PasswordFileAccounts:
    """The broker reads a password file and an ACL: nothing to do here but say so."""

    managed = False

    def create(self, site: str, gate: str) -> GateCredentials | None:
        return None

    def remove(self, site: str, gate: str) -> bool:
        return False

    def rotate(self, site: str, gate: str) -> GateCredentials:
        raise ConflictError(f"the broker's accounts are in its password file: run mosquitto_passwd for "
                            f"{gate_username(site, gate)} there (docs/deploy.md)")


class DynsecAccounts:
    managed = True

    def __init__(self, control: DynsecControl) -> None:
        self._control = control

    def create(self, site: str, gate: str) -> GateCredentials:
        account = dynsec.Account(gate_username(site, gate), new_password(), gate_rules(site, gate))
        with self._control.conversation() as talk:
            if not _errors(talk.run([{"command": "getClient", "username": account.username}])):
                raise ConflictError(f"broker account {account.username} already exists: remove the gate "
                                    "first, or give it a new password")
            failed = _errors(talk.run(dynsec.create_commands(account)))
            if failed:
                talk.run(dynsec.delete_commands(account.username))  # no half-made account stays
                raise BrokerAccountError(f"broker refused account {account.username}: {'; '.join(failed)}")
        logger.info("broker account %s created", account.username)
        return GateCredentials(account.username, account.password)

    def rotate(self, site: str, gate: str) -> GateCredentials:
        """A new password (the gate is disconnected); a gate without an account gets one."""
        username, password = gate_username(site, gate), new_password()
        with self._control.conversation() as talk:
            failed = _errors(talk.run([dynsec.password_command(username, password)]))
        if any(error in NOT_FOUND for error in failed):
            return self.create(site, gate)  # registered before its broker had the plugin
        if failed:
            raise BrokerAccountError(f"broker refused a new password for {username}: {'; '.join(failed)}")
        logger.info("broker account %s has a new password; the old one is refused from now", username)
        return GateCredentials(username, password)

    def remove(self, site: str, gate: str) -> bool:
        """Delete the account (the gate is disconnected at once) and clear its retained status.

        The plugin disconnects the gate without publishing its last will; the status it
        left retained is cleared, so central's ingest does not bring the gate back.
        """
        username = gate_username(site, gate)
        with self._control.conversation() as talk:
            answers = talk.run(dynsec.delete_commands(username))
            failed = [e for e in _errors(answers) if e not in NOT_FOUND]
            if failed:
                raise BrokerAccountError(f"broker refused to remove {username}: {'; '.join(failed)}")
            talk.publish(status_topic(site, gate), b"", retain=True)
        existed = not answers[0].get("error")
        logger.info("broker account %s %s", username, "removed" if existed else "did not exist")
        return existed


def _errors(responses: list[dict[str, Any]]) -> list[str]:
    return [str(r["error"]) for r in responses if r.get("error")]


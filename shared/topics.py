"""The MQTT topic tree (see docs/protocol.md): the only module that knows its layout.

Everything else builds topics with these functions and reads them with the
``parse_*`` functions; tests/test_layers.py refuses a topic written anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from shared.contracts import ID_PATTERN
from shared.errors import MessageError

ROOT = "parking/v1"
_ID = re.compile(ID_PATTERN)
_GATE_TOPIC = re.compile(rf"^{re.escape(ROOT)}/sites/([^/]+)/gates/([^/]+)/(events|status)$")
_SITE_TOPIC = re.compile(rf"^{re.escape(ROOT)}/sites/([^/]+)/(contracts|alerts)$")


def _checked(kind: str, value: str) -> str:
    if not _ID.match(value):
        raise MessageError(kind, value, "ids are 1-64 of a-z 0-9 _ - starting with a letter or digit")
    return value


def events_topic(site: str, gate: str) -> str:
    return f"{ROOT}/sites/{_checked('site', site)}/gates/{_checked('gate', gate)}/events"


def status_topic(site: str, gate: str) -> str:
    return f"{ROOT}/sites/{_checked('site', site)}/gates/{_checked('gate', gate)}/status"


def contracts_topic(site: str) -> str:
    return f"{ROOT}/sites/{_checked('site', site)}/contracts"


def alerts_topic(site: str) -> str:
    return f"{ROOT}/sites/{_checked('site', site)}/alerts"


# Subscriptions of the central service (shared between consumers).
ALL_EVENTS = f"{ROOT}/sites/+/gates/+/events"
ALL_STATUS = f"{ROOT}/sites/+/gates/+/status"
ALL_CONTRACTS = f"{ROOT}/sites/+/contracts"
ALL_ALERTS = f"{ROOT}/sites/+/alerts"


def shared_subscription(group: str, topic: str) -> str:
    return f"$share/{_checked('group', group)}/{topic}"


@dataclass(frozen=True, slots=True)
class GateTopic:
    site: str
    gate: str
    kind: str  # "events" or "status"


def parse_gate_topic(topic: str) -> GateTopic:
    match = _GATE_TOPIC.match(topic)
    if not match:
        raise MessageError("topic", topic, "not a gate events or status topic")
    site, gate, kind = match.groups()
    return GateTopic(_checked("site", site), _checked("gate", gate), kind)


@dataclass(frozen=True, slots=True)
class SiteTopic:
    site: str
    kind: str  # "contracts" or "alerts"


def parse_site_topic(topic: str) -> SiteTopic:
    match = _SITE_TOPIC.match(topic)
    if not match:
        raise MessageError("topic", topic, "not a site contracts or alerts topic")
    site, kind = match.groups()
    return SiteTopic(_checked("site", site), kind)


# Broker access rules. A gate may publish only under its own gate topic and read only its
# site's contracts and alerts; the central service reads every event and status, writes
# contracts and alerts, and reads the broker's uptime (the compose healthcheck logs in as it).
# Both broker set-ups are written from these rules: the ACL file (``acl_block``) and the
# dynamic-security roles (``central.broker``).

CENTRAL_USER = "central"
BROKER_UPTIME = "$SYS/broker/uptime"


class Access(StrEnum):
    READ = "read"  # subscribe and receive
    WRITE = "write"  # publish
    READWRITE = "readwrite"


@dataclass(frozen=True, slots=True)
class TopicRule:
    access: Access
    topic: str  # a topic or a filter with + and #


def gate_username(site: str, gate: str) -> str:
    """Broker account of one gate; ids never hold '.', so this cannot collide."""
    return f"gate.{_checked('site', site)}.{_checked('gate', gate)}"


def gate_rules(site: str, gate: str) -> tuple[TopicRule, ...]:
    return (
        TopicRule(Access.WRITE, events_topic(site, gate)),
        TopicRule(Access.WRITE, status_topic(site, gate)),
        TopicRule(Access.READ, contracts_topic(site)),
        TopicRule(Access.READ, alerts_topic(site)),
    )


def central_rules() -> tuple[TopicRule, ...]:
    return (
        TopicRule(Access.READ, ALL_EVENTS),
        TopicRule(Access.READ, ALL_STATUS),
        TopicRule(Access.WRITE, ALL_CONTRACTS),
        TopicRule(Access.WRITE, ALL_ALERTS),
        TopicRule(Access.READ, BROKER_UPTIME),
    )


def acl_block(user: str, rules: tuple[TopicRule, ...]) -> list[str]:
    """One account's block in Mosquitto's ACL file syntax."""
    return [f"user {user}", *(f"topic {rule.access.value} {rule.topic}" for rule in rules)]


def gate_acl(site: str, gate: str) -> list[str]:
    return acl_block(gate_username(site, gate), gate_rules(site, gate))


def central_acl(user: str = CENTRAL_USER) -> list[str]:
    return acl_block(user, central_rules())

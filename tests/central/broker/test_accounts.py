"""Gate accounts made, re-keyed and removed while the broker runs (its dynamic-security plugin).

Against a real Mosquitto started with the plugin: what a gate may do is exactly
``shared.topics.gate_rules``, and a removal or a new password cuts the gate off
at once, not at the next restart.
"""

from __future__ import annotations

import pytest

from central.broker import DynsecAccounts
from shared import GateState, GateStatus, encode_message
from shared.topics import (
    ALL_EVENTS,
    CENTRAL_USER,
    contracts_topic,
    events_topic,
    shared_subscription,
    status_topic,
)
from tests.central.broker.conftest import Probe, connack
from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker

NOT_AUTHORISED = 0x87


def test_a_new_gate_publishes_only_its_own_topics_and_reads_only_its_site(
        dynsec_broker: Broker, accounts: DynsecAccounts) -> None:
    made = accounts.create("north", "g1")
    assert made.username == "gate.north.g1" and len(made.password) >= 24
    assert made.password not in repr(made)
    central = Probe(dynsec_broker.port, CENTRAL_USER, dynsec_broker.passwords[CENTRAL_USER])
    assert central.publish(contracts_topic("north"), b"bundle-north") == 0x10  # nobody listens yet
    assert central.subscribe(shared_subscription("central", ALL_EVENTS)) == 1  # as the ingest does
    gate = Probe(dynsec_broker.port, made.username, made.password)
    assert gate.connack == 0
    assert gate.publish(events_topic("north", "g1"), b"event") == 0
    assert central.received(events_topic("north", "g1")) == [b"event"]
    assert gate.publish(status_topic("north", "g1")) in (0, 0x10)
    assert gate.publish(events_topic("north", "g2")) == NOT_AUTHORISED  # another gate's topic
    assert gate.publish(events_topic("south", "g1")) == NOT_AUTHORISED  # another site's
    assert gate.publish(contracts_topic("north")) == NOT_AUTHORISED  # only central signs bundles
    assert gate.subscribe(contracts_topic("north")) == 1
    assert gate.subscribe(contracts_topic("south")) == NOT_AUTHORISED
    assert gate.subscribe(shared_subscription("any", contracts_topic("south"))) == NOT_AUTHORISED
    assert gate.subscribe(shared_subscription("any", ALL_EVENTS)) == NOT_AUTHORISED
    assert gate.subscribe(events_topic("north", "g2")) == NOT_AUTHORISED
    central.publish(contracts_topic("north"), b"bundle-north")
    assert gate.received(contracts_topic("north")) == [b"bundle-north"]
    gate.close()
    central.close()


def test_a_removed_gate_is_cut_off_at_once_and_leaves_no_status_behind(
        dynsec_broker: Broker, accounts: DynsecAccounts) -> None:
    made = accounts.create("north", "g2")
    offline = encode_message(GateStatus(site_id="north", gate_id="g2", state=GateState.OFFLINE))
    will = (status_topic("north", "g2"), offline)
    gate = Probe(dynsec_broker.port, made.username, made.password, will=will)
    online = GateStatus(site_id="north", gate_id="g2", state=GateState.ONLINE)
    assert gate.publish(status_topic("north", "g2"), encode_message(online), retain=True) in (0, 0x10)

    assert accounts.remove("north", "g2") is True
    assert gate.disconnected.wait(5), "the removed gate is still connected"
    assert connack(dynsec_broker.port, made.username, made.password) == NOT_AUTHORISED
    # Neither its retained status nor its last will brings the gate back at central.
    watcher = Probe(dynsec_broker.port, "admin", dynsec_broker.passwords["admin"])
    watcher.subscribe(status_topic("north", "g2"))
    assert watcher.received(status_topic("north", "g2"), timeout=1) == []
    watcher.close()
    gate.close()
    assert accounts.remove("north", "g2") is False  # nothing left to remove


def test_a_new_password_cuts_the_gate_off_and_refuses_the_old_one(
        dynsec_broker: Broker, accounts: DynsecAccounts) -> None:
    first = accounts.create("north", "g3")
    gate = Probe(dynsec_broker.port, first.username, first.password)
    second = accounts.rotate("north", "g3")
    assert second.password != first.password
    assert gate.disconnected.wait(5), "the gate kept its session on the old password"
    assert connack(dynsec_broker.port, first.username, first.password) == NOT_AUTHORISED
    again = Probe(dynsec_broker.port, second.username, second.password)
    assert again.connack == 0 and again.publish(events_topic("north", "g3")) in (0, 0x10)
    again.close()
    gate.close()


def test_an_account_that_exists_is_not_made_again(accounts: DynsecAccounts) -> None:
    from central.errors import ConflictError

    accounts.create("north", "g4")
    with pytest.raises(ConflictError, match="gate.north.g4 already exists"):
        accounts.create("north", "g4")


def test_a_new_password_for_a_gate_without_an_account_makes_it(
        dynsec_broker: Broker, accounts: DynsecAccounts) -> None:
    """A gate registered while the broker kept a password file gets its account here."""
    made = accounts.rotate("north", "g5")
    assert connack(dynsec_broker.port, made.username, made.password) == 0
    assert connack(dynsec_broker.port, made.username, "guess") == NOT_AUTHORISED

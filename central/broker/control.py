"""One conversation with the dynamic-security plugin, as central's admin account.

Commands go as one JSON message to ``$CONTROL/dynamic-security/v1``; the plugin
answers on ``.../response`` with one entry per command, in order, each carrying
our correlation id back. A conversation connects, talks and disconnects: account
changes are rare, and nothing is left connected with admin rights.
"""

from __future__ import annotations

import json
import logging
import queue
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as paho
from pydantic import SecretStr

from central.broker.dynsec import CONTROL_TOPIC, RESPONSE_TOPIC
from central.core.config import BrokerAccountSettings, MqttSettings
from central.errors import BrokerAccountError, BrokerUnavailableError
from central.mqtt import MqttClient, Subscription

logger = logging.getLogger(__name__)

Response = dict[str, Any]


class Conversation:
    """Connected as the admin account: ``run`` commands, ``publish``."""

    def __init__(self, timeout_s: float) -> None:
        self.client: MqttClient | None = None  # set once connected
        self._timeout_s = timeout_s
        self._responses: queue.Queue[Response] = queue.Queue()

    def run(self, commands: Sequence[dict[str, Any]]) -> list[Response]:
        """Send the commands in one message; one response each, in order (an ``error`` key on failure)."""
        tag = uuid.uuid4().hex
        tagged = [{**command, "correlationData": f"{tag}-{i}"} for i, command in enumerate(commands)]
        self._publish(CONTROL_TOPIC, json.dumps({"commands": tagged}).encode(), retain=False)
        try:
            while True:
                answer = self._responses.get(timeout=self._timeout_s)
                mine = [r for r in answer.get("responses", []) if str(r.get("correlationData", ""))
                        .startswith(tag)]
                if mine:
                    return mine
        except queue.Empty:
            raise BrokerAccountError("the broker did not answer the account change in time "
                                     "(is the dynamic-security plugin loaded?)") from None

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self._publish(topic, payload, retain=retain)

    def _publish(self, topic: str, payload: bytes, *, retain: bool) -> None:
        assert self.client is not None, "a conversation publishes only inside DynsecControl.conversation"
        self.client.publish_confirmed(topic, payload, retain=retain, timeout=self._timeout_s)

    def on_message(self, message: paho.MQTTMessage, generation: int) -> None:
        try:
            self._responses.put(json.loads(message.payload))
        except ValueError:
            logger.warning("unreadable answer from the dynamic-security plugin")


class DynsecControl:
    """Opens conversations with the broker of ``mqtt`` (its host, port and TLS) as the admin account."""

    def __init__(self, mqtt: MqttSettings, accounts: BrokerAccountSettings) -> None:
        self._mqtt = mqtt.model_copy(update={
            "username": accounts.admin_username, "password": SecretStr(accounts.admin_password_text()),
            "password_file": None})
        self._timeout_s = accounts.reply_timeout_s

    @contextmanager
    def conversation(self) -> Iterator[Conversation]:
        """Connected and subscribed to the plugin's answers; disconnected on exit."""
        talk = Conversation(self._timeout_s)
        client = MqttClient(self._mqtt, f"{self._mqtt.client_id}-admin-{uuid.uuid4().hex[:8]}",
                            subscriptions=[Subscription(RESPONSE_TOPIC)],
                            on_message=talk.on_message)
        client.start()
        try:
            if not client.wait_connected(self._timeout_s):
                raise BrokerUnavailableError(
                    f"cannot reach the broker as {self._mqtt.username}: {client.last_refusal or 'no answer'}")
            talk.client = client
            yield talk
        finally:
            client.stop()

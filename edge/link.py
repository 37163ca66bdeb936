"""The gate's one MQTT client: paho-mqtt 2.x, MQTT 5, reconnecting with back-off.

Subscriptions are made in ``on_connect`` (so they come back after every
reconnect), the will is a retained ``offline`` status, and the gate counts as
connected only after a successful CONNACK. Callbacks never raise into paho's
network thread: each hands its work to a handler inside one ``try``.

Publishing is left to callers that keep their own record (the relay for
events): ``publish`` refuses while disconnected instead of letting paho queue
in memory, where a restart would lose it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge import alarms as codes
from edge.alarms import Alarms
from edge.config import EdgeSettings
from shared import GateState, GateStatus, alerts_topic, contracts_topic, encode_message, status_topic
from shared.connection import ConnectFailure, ExplainingClient

# PUBACK 0x10: accepted, but nobody subscribes. Mosquitto 2.0 does not restore shared subscriptions
# from persistence, so right after a broker restart the central service's queue is gone until it
# subscribes again; an event acknowledged so would reach nobody. The relay keeps it and sends it again.
NO_MATCHING_SUBSCRIBERS = 0x10

logger = logging.getLogger(__name__)


@dataclass
class LinkHandlers:
    """What the agent does with what arrives; each runs on paho's thread and must be quick."""

    bundle: Callable[[bytes], object] = lambda payload: None
    alert: Callable[[str, bytes], object] = lambda topic, payload: None
    ack: Callable[[int, bool, str], object] = lambda mid, ok, reason: None
    connection: Callable[[bool], object] = lambda up: None


class GateLink:
    def __init__(self, settings: EdgeSettings, alarms: Alarms, clock: Callable[[], datetime],
                 handlers: LinkHandlers) -> None:
        self.settings = settings
        self.alarms = alarms
        self.clock = clock
        self.handlers = handlers
        self.contracts_topic = contracts_topic(settings.site_id)
        self.alerts_topic = alerts_topic(settings.site_id)
        self.status_topic = status_topic(settings.site_id, settings.gate_id)
        self._connected = threading.Event()
        self._client = self._make_client()

    def _make_client(self) -> ExplainingClient:
        s, b = self.settings, self.settings.broker
        client = ExplainingClient(CallbackAPIVersion.VERSION2, client_id=f"gate-{s.site_id}-{s.gate_id}",
                                  protocol=mqtt.MQTTv5 if b.protocol == "mqtt5" else mqtt.MQTTv311,
                                  tls=b.tls_files(), on_failure=self._on_failure)
        client.username_pw_set(s.broker_username, s.broker_password())
        will = GateStatus(site_id=s.site_id, gate_id=s.gate_id, state=GateState.OFFLINE)
        client.will_set(self.status_topic, encode_message(will), qos=1, retain=True)
        client.reconnect_delay_set(max(1, int(b.reconnect_min_s)), max(1, int(b.reconnect_max_s)))
        client.max_inflight_messages_set(b.max_inflight + 10)  # the relay limits itself; status gets room
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        return client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        b = self.settings.broker
        logger.info("connecting to %s:%s as %s", b.host, b.port, self.settings.broker_username)
        self._client.connect_async(b.host, b.port, keepalive=b.keepalive_s)
        self._client.loop_start()

    def stop(self, status: GateStatus | None = None) -> None:
        """Leave cleanly: the offline status (retained) first, then disconnect."""
        if status is not None and self.connected:
            info = self._client.publish(self.status_topic, encode_message(status), qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                logger.warning("offline status not confirmed before disconnect")
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> int | None:
        """QoS 1; the message id, or None when not connected (nothing is queued then)."""
        if not self.connected:
            return None
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            logger.warning("publish to %s not sent: %s", topic, mqtt.error_string(info.rc))
            return None
        return info.mid

    def publish_status(self, status: GateStatus) -> int | None:
        return self.publish(self.status_topic, encode_message(status), retain=True)

    # -- paho callbacks (network thread): never raise -------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        try:
            self._client.answered()
            if reason_code.is_failure:
                self._connected.clear()
                self.alarms.raise_(codes.BROKER_REFUSED, str(reason_code), self.clock())
                logger.error("broker refused the connection: %s", reason_code)
                return
            self.alarms.clear(codes.BROKER_REFUSED)
            client.subscribe([(self.contracts_topic, 1), (self.alerts_topic, 1)])
            self._connected.set()
            logger.info("connected to broker")
            self.handlers.connection(True)
        except Exception:
            logger.exception("on_connect handler failed")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode,
                       properties: Properties | None) -> None:
        try:
            was_up = self._connected.is_set()
            self._connected.clear()
            self._client.ended()
            if was_up:
                logger.warning("disconnected from broker: %s", reason_code)
            self.handlers.connection(False)
        except Exception:
            logger.exception("on_disconnect handler failed")

    def _on_failure(self, failure: ConnectFailure) -> None:
        """A connection attempt failed before the broker answered. A set-up fault (certificates, TLS)
        is alarmed at once; a broker that is down is left to the central_unreachable delay."""
        if failure.lasting:
            self.alarms.raise_(codes.BROKER_REFUSED, failure.reason, self.clock())
        b = self.settings.broker
        level = logging.DEBUG if failure.repeated else logging.ERROR if failure.lasting else logging.WARNING
        logger.log(level, "cannot connect to the broker at %s:%s: %s", b.host, b.port, failure.reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            if message.topic == self.contracts_topic:
                self.handlers.bundle(bytes(message.payload))
            elif message.topic == self.alerts_topic:
                self.handlers.alert(message.topic, bytes(message.payload))
        except Exception:
            logger.exception("message handler failed on %s", message.topic)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        try:
            taken = not reason_code.is_failure and reason_code.value != NO_MATCHING_SUBSCRIBERS
            self.handlers.ack(mid, taken, f"{reason_code} (0x{reason_code.value:02x})")
        except Exception:
            logger.exception("publish acknowledgement handler failed")

"""The central service's one wrapper around paho-mqtt 2.x.

- MQTT 5, ``CallbackAPIVersion.VERSION2``, QoS 1, reconnect back-off;
- subscriptions are (re)made inside ``on_connect``, only after a successful CONNACK;
- ``connected`` is true only after a successful CONNACK (a refused login is not "connected");
- TLS from ``mqtt.tls*`` (CA, client certificate, host name check), as the gate's; a failed
  connection is explained (``shared.connection``) in ``last_refusal`` and logged once per reason;
- ``publish`` raises BrokerUnavailableError while offline instead of dropping the message, and
  ``publish_confirmed`` waits for the PUBACK and reports its reason code;
- callbacks never raise into paho's network thread: errors are logged;
- the link's state (``link``: up or down, since when, why) is what health and metrics report.
  A lost link is logged at once as a warning. A broker that stops answering without closing
  the connection (frozen, or cut off by the network) is found by a probe (an UNSUBSCRIBE the
  broker must answer) within ``mqtt.link_timeout_s``, not after paho's keepalive; a
  connection attempt that gets no answer is reported after the same time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from central.core.config import MqttSettings
from central.errors import BrokerUnavailableError, MessageTooLargeError
from central.metrics import BROKER_DISCONNECTS
from shared import BROKER_UPTIME, Clock, utc_now
from shared.connection import ConnectFailure, ExplainingClient

logger = logging.getLogger(__name__)

MessageHandler = Callable[[paho.MQTTMessage, int], None]  # (message, connection generation)


@dataclass(frozen=True, slots=True)
class Subscription:
    topic: str
    qos: int = 1


@dataclass(frozen=True, slots=True)
class LinkState:
    """One broker link as health and metrics report it."""

    connected: bool
    since: datetime  # when it came up, or went down
    reason: str | None = None  # why it is down


# What the probe unsubscribes from: a topic this client never subscribes to, so the UNSUBACK
# changes nothing; any broker must answer an UNSUBSCRIBE, whatever the ACL says.
PROBE_TOPIC = BROKER_UPTIME
KEEPALIVE_TIMEOUT = 0x8D  # paho's reason code when a keepalive (or a CONNACK) never came


class MqttClient:
    """One broker connection of the central service."""

    def __init__(self, settings: MqttSettings, client_id: str, *,
                 subscriptions: Sequence[Subscription] = (), on_message: MessageHandler | None = None,
                 manual_ack: bool = False, receive_maximum: int | None = None,
                 session_expiry_s: int = 0, name: str = "link", clock: Clock = utc_now) -> None:
        self._settings = settings
        self.name = name
        self._watch = _LinkWatch(self, settings, clock)
        self._subscriptions = tuple(subscriptions)
        self._handler = on_message
        self._receive_maximum = receive_maximum
        self._session_expiry_s = session_expiry_s
        self._connected = threading.Event()
        self._generation = 0  # grows on every CONNACK; acks of an older connection are void
        self._acks: dict[int, int] = {}
        self._acks_changed = threading.Condition()
        self.last_refusal: str | None = None
        self.mqtt5 = settings.protocol == "mqtt5"
        self._protocol = paho.MQTTv5 if self.mqtt5 else paho.MQTTv311
        self._client = ExplainingClient(CallbackAPIVersion.VERSION2, client_id=client_id,
                                        protocol=self._protocol, manual_ack=manual_ack,
                                        tls=settings.tls_files(), on_failure=self._on_failure)
        self._client.username_pw_set(settings.username, settings.password_text())
        self._client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_publish = self._on_publish
        self._client.on_unsubscribe = self._on_unsubscribe

    # -- life cycle -------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; reconnects by itself until ``stop``."""
        self._watch.start()
        if not self.mqtt5:
            self._client.connect_async(self._settings.host, self._settings.port, self._settings.keepalive_s)
            self._client.loop_start()
            return
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self._session_expiry_s
        if self._receive_maximum:
            props.ReceiveMaximum = self._receive_maximum
        self._client.connect_async(self._settings.host, self._settings.port, self._settings.keepalive_s,
                                   clean_start=self._session_expiry_s == 0, properties=props)
        self._client.loop_start()

    def stop(self) -> None:
        self._watch.stop()
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    @property
    def connected(self) -> bool:
        """A CONNACK came and the broker still answers our probes."""
        return self._connected.is_set() and not self._watch.stalled

    @property
    def link(self) -> LinkState:
        return self._watch.state

    @property
    def where(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    def probe(self) -> int | None:
        """Send an UNSUBSCRIBE the broker must answer (``_on_unsubscribe``); its mid, or None."""
        rc, mid = self._client.unsubscribe(PROBE_TOPIC)
        return mid if rc == MQTTErrorCode.MQTT_ERR_SUCCESS else None

    @property
    def generation(self) -> int:
        return self._generation

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # -- publishing -------------------------------------------------------------

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> int:
        """Hand a message to paho; returns its mid. Raises while offline (nothing is dropped) and
        for a message the broker would drop for its size."""
        if len(payload) > self._settings.message_size_limit:
            raise MessageTooLargeError(f"{topic}: {len(payload)} bytes, more than the broker's "
                                       f"message_size_limit ({self._settings.message_size_limit})")
        if not self.connected:
            raise BrokerUnavailableError("not connected to the broker")
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise BrokerUnavailableError(f"publish refused by the client: {paho.error_string(info.rc)}")
        return info.mid

    def publish_confirmed(self, topic: str, payload: bytes, *, retain: bool = False,
                          timeout: float | None = None) -> None:
        """Publish at QoS 1 and wait for a successful PUBACK; raise BrokerUnavailableError otherwise."""
        mid = self.publish(topic, payload, qos=1, retain=retain)
        code = self._wait_ack(mid, timeout or self._settings.publish_timeout_s)
        if code is None:
            raise BrokerUnavailableError(f"no PUBACK for {topic} in time")
        if code >= 0x80:
            raise BrokerUnavailableError(f"broker refused {topic}: reason code {code:#x}")

    def _wait_ack(self, mid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self._acks_changed:
            while mid not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._acks_changed.wait(left)
            return self._acks.pop(mid)

    def ack(self, mid: int, qos: int, generation: int) -> None:
        """Acknowledge a received message (manual_ack) if its connection is still the current one."""
        if qos == 0 or generation != self._generation:
            return  # the broker re-sends it on the new connection; event ids make that harmless
        self._client.ack(mid, qos)

    # -- paho callbacks (network thread: never raise) ---------------------------

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        try:
            self._client.answered()
            if reason_code.is_failure:
                self.last_refusal = str(reason_code)
                logger.error("broker refused the connection: %s", reason_code)
                return
            self.last_refusal = None
            self._generation += 1
            for sub in self._subscriptions:
                client.subscribe(sub.topic, qos=sub.qos)
            self._connected.set()
            self._watch.up()
            logger.info("connected to the broker at %s:%s", self._settings.host, self._settings.port)
        except Exception:
            logger.exception("on_connect failed")

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason_code: ReasonCode,
                       properties: Properties | None) -> None:
        was_up = self._connected.is_set()
        self._connected.clear()
        with self._acks_changed:
            self._acks_changed.notify_all()
        if not was_up and reason_code.value == KEEPALIVE_TIMEOUT and not self._client.leaving:
            # no CONNACK within the keepalive: the broker took the connection and never answered
            reason = f"no answer from the broker within {self._settings.keepalive_s} s (no CONNACK)"
            self._on_failure(ConnectFailure(reason, reason == self.last_refusal, lasting=False))
        else:
            self._client.ended()
        if was_up:
            leaving = self._client.leaving
            self._watch.down(f"disconnected: {reason_code}", warned=not leaving)
            if not leaving:
                BROKER_DISCONNECTS.labels(self.name).inc()
            logger.log(logging.INFO if leaving else logging.WARNING,
                       "disconnected from the broker at %s: %s", self.where, reason_code)

    def _on_failure(self, failure: ConnectFailure) -> None:
        self.last_refusal = failure.reason
        self._watch.down(failure.reason, warned=not failure.repeated)
        level = logging.DEBUG if failure.repeated else logging.ERROR if failure.lasting else logging.WARNING
        logger.log(level, "cannot connect to the broker at %s:%s: %s", self._settings.host,
                   self._settings.port, failure.reason)

    def _on_unsubscribe(self, client: paho.Client, userdata: Any, mid: int, reason_codes: Any,
                        properties: Properties | None) -> None:
        self._watch.answered(mid)

    def _on_publish(self, client: paho.Client, userdata: Any, mid: int, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        with self._acks_changed:
            if len(self._acks) > 10_000:  # waiters that timed out never collect theirs
                self._acks.clear()
            self._acks[mid] = reason_code.value
            self._acks_changed.notify_all()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if self._handler is None:
            return
        try:
            self._handler(message, self._generation)
        except Exception:
            logger.exception("message handler failed for %s", message.topic)


class _LinkWatch:
    """The link's state, and a thread that probes the broker and reports a silent loss at once."""

    def __init__(self, client: MqttClient, settings: MqttSettings, clock: Clock) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._state = LinkState(False, clock(), "connecting")
        self._down_at = time.monotonic()
        self._warned = False  # this outage was logged as a warning already
        self._probe: tuple[int, float] | None = None  # (mid, sent at) of the probe in flight
        self._last_answer = time.monotonic()
        self.stalled = False  # connected, but the broker stopped answering
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> LinkState:
        return self._state

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-watch-{self._client.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def up(self) -> None:
        with self._lock:
            self._probe, self._last_answer, self.stalled = None, time.monotonic(), False
            self._state = LinkState(True, self._clock())

    def down(self, reason: str, warned: bool) -> None:
        with self._lock:
            if self._state.connected or self.stalled:
                self._down_at, self._warned = time.monotonic(), False
                self._state = LinkState(False, self._clock(), reason)
            else:
                self._state = LinkState(False, self._state.since, reason)
            self._probe, self.stalled = None, False
            self._warned = self._warned or warned

    def answered(self, mid: int) -> None:
        with self._lock:
            if self._probe is None or self._probe[0] != mid:
                return
            self._probe, self._last_answer = None, time.monotonic()
            if not self.stalled:
                return
            self.stalled = False
            self._state = LinkState(True, self._clock())
        logger.warning("the broker at %s answers again", self._client.where)

    def _run(self) -> None:
        tick = min(0.5, self._settings.probe_interval_s / 2, self._settings.link_timeout_s / 4)
        while not self._stop.wait(tick):
            try:
                self._check(time.monotonic())
            except Exception:
                logger.exception("broker link check failed")

    def _check(self, now: float) -> None:
        timeout = self._settings.link_timeout_s
        if not self._state.connected:
            if not self._warned and now - self._down_at >= timeout:
                self._warned = True
                logger.warning("no connection to the broker at %s for %.0f s (%s)", self._client.where,
                               now - self._down_at, self._state.reason)
            return
        if self._probe is not None and now - self._probe[1] >= timeout:
            self._lost(now - self._probe[1])
        elif self._probe is None and now - self._last_answer >= self._settings.probe_interval_s:
            with self._lock:  # its answer may come before probe() returns: answered() waits
                mid = self._client.probe()
                self._probe = (mid, now) if mid is not None else None

    def _lost(self, silent_s: float) -> None:
        with self._lock:
            self.stalled, self._warned, self._down_at = True, True, time.monotonic()
            self._state = LinkState(False, self._clock(), f"the broker has not answered for {silent_s:.0f} s")
        BROKER_DISCONNECTS.labels(self._client.name).inc()
        logger.warning("the broker at %s has not answered for %.0f s: the link is down", self._client.where,
                       silent_s)

"""What is wrong at the gate right now: shown on the guard page and sent in the heartbeat."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)

# Alarm codes; a code may carry a subject after a colon (camera_down:entry).
CENTRAL_UNREACHABLE = "central_unreachable"
BROKER_REFUSED = "broker_refused"
BUNDLE_REJECTED = "bundle_rejected"
BUNDLE_EXPIRING = "bundle_expiring"
BUNDLE_EXPIRED = "bundle_expired"
NO_BUNDLE = "no_bundle"
CAMERA_DOWN = "camera_down"
READER_FAULT = "reader_fault"
OUTBOX_GROWING = "outbox_growing"
PUBLISH_REFUSED = "publish_refused"
BARRIER_FAULT = "barrier_fault"
CALENDAR_UNPUBLISHED = "calendar_unpublished"  # detail "calendar 2027 not published"

LABELS: dict[str, tuple[str, str]] = {
    CENTRAL_UNREACHABLE: ("无法连接中心服务", "central service unreachable"),
    BROKER_REFUSED: ("消息服务器拒绝连接", "broker refused the connection"),
    BUNDLE_REJECTED: ("合约数据被拒绝", "contract bundle rejected"),
    BUNDLE_EXPIRING: ("合约数据即将过期", "contract bundle expiring"),
    BUNDLE_EXPIRED: ("合约数据已过期，入场需人工确认", "contract bundle expired: entries need a guard"),
    NO_BUNDLE: ("没有合约数据", "no contract bundle"),
    CAMERA_DOWN: ("摄像头故障", "camera down"),
    READER_FAULT: ("车牌识别故障", "plate reader fault"),
    OUTBOX_GROWING: ("待发送事件积压", "outbox growing"),
    PUBLISH_REFUSED: ("事件发送被拒绝", "event publish refused"),
    BARRIER_FAULT: ("道闸故障", "barrier fault"),
    CALENDAR_UNPUBLISHED: ("节假日安排未发布（仅按周末）", "holiday schedule not published (weekends only)"),
}


@dataclass(frozen=True, slots=True)
class Alarm:
    code: str  # e.g. "camera_down:entry"
    detail: str
    since: datetime

    @property
    def kind(self) -> str:
        return self.code.split(":", 1)[0]

    def label(self, lang: str = "zh-CN") -> str:
        zh, en = LABELS.get(self.kind, (self.kind, self.kind))
        text = zh if lang.lower().startswith("zh") else en
        subject = self.code.partition(":")[2]
        return f"{text} ({subject})" if subject else text


class Alarms:
    """Active alarms by code; thread-safe. Raising an active alarm again keeps its start time."""

    def __init__(self) -> None:
        self._active: dict[str, Alarm] = {}
        self._lock = threading.Lock()

    def raise_(self, code: str, detail: str, now: datetime) -> None:
        with self._lock:
            known = self._active.get(code)
            self._active[code] = Alarm(code, detail, known.since if known else now)
        if known is None:
            logger.warning("alarm raised %s: %s", code, detail)

    def clear(self, code: str) -> None:
        with self._lock:
            gone = self._active.pop(code, None)
        if gone is not None:
            logger.info("alarm cleared %s", code)

    def set(self, code: str, active: bool, detail: str, now: datetime) -> None:
        if active:
            self.raise_(code, detail, now)
        else:
            self.clear(code)

    def active(self) -> list[Alarm]:
        with self._lock:
            return sorted(self._active.values(), key=lambda a: a.since)

    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.active())[:32]

"""What is wrong at the gate right now: shown on the guard page and sent in the heartbeat."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from shared.alarms import AlarmCode, alarm_label

logger = logging.getLogger(__name__)

# The codes and their labels are shared with the central service (shared/alarms.py); these
# names stay for the modules that raise them. A code may carry a subject (camera_down:entry).
CENTRAL_UNREACHABLE = AlarmCode.CENTRAL_UNREACHABLE
BROKER_REFUSED = AlarmCode.BROKER_REFUSED
BUNDLE_REJECTED = AlarmCode.BUNDLE_REJECTED
BUNDLE_EXPIRING = AlarmCode.BUNDLE_EXPIRING
BUNDLE_EXPIRED = AlarmCode.BUNDLE_EXPIRED
NO_BUNDLE = AlarmCode.NO_BUNDLE
CAMERA_DOWN = AlarmCode.CAMERA_DOWN
READER_FAULT = AlarmCode.READER_FAULT
OUTBOX_GROWING = AlarmCode.OUTBOX_GROWING
PUBLISH_REFUSED = AlarmCode.PUBLISH_REFUSED
BARRIER_FAULT = AlarmCode.BARRIER_FAULT
STORAGE_FAULT = AlarmCode.STORAGE_FAULT
CALENDAR_UNPUBLISHED = AlarmCode.CALENDAR_UNPUBLISHED  # detail "calendar 2027 not published"


@dataclass(frozen=True, slots=True)
class Alarm:
    code: str  # e.g. "camera_down:entry"
    detail: str
    since: datetime

    @property
    def kind(self) -> str:
        return self.code.split(":", 1)[0]

    @property
    def subject(self) -> str:
        return self.code.partition(":")[2]

    def label(self, lang: str = "zh-CN") -> str:
        return alarm_label(self.code, lang)


class Alarms:
    """Active alarms by code; thread-safe. Raising an active alarm again keeps its start time.

    ``version`` grows whenever an alarm is raised or cleared, so a page can tell it has news.
    """

    def __init__(self) -> None:
        self._active: dict[str, Alarm] = {}
        self._lock = threading.Lock()
        self.version = 0

    def raise_(self, code: str, detail: str, now: datetime) -> None:
        with self._lock:
            known = self._active.get(code)
            self._active[code] = Alarm(code, detail, known.since if known else now)
            if known is None or known.detail != detail:
                self.version += 1
        if known is None:
            logger.warning("alarm raised %s: %s", code, detail)

    def clear(self, code: str) -> None:
        with self._lock:
            gone = self._active.pop(code, None)
            if gone is not None:
                self.version += 1
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

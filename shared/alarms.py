"""What can be wrong at a gate: the alarm codes a gate raises, sends in its heartbeat
(``GateStatus.alarms``) and shows on its guard page, each labelled in Chinese and English.

A code on the wire may carry a subject after a colon (``camera_down:entry``). Every page that
shows an alarm (the guard page, the operator console) labels it from here, so a new code is
added in one place: a member of ``AlarmCode`` and its line in ``_LABELS`` (a test checks both).
"""

from __future__ import annotations

from enum import StrEnum


class AlarmCode(StrEnum):
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
    STORAGE_FAULT = "storage_fault"
    CALENDAR_UNPUBLISHED = "calendar_unpublished"  # detail "calendar 2027 not published"

    def label(self, lang: str = "zh-CN") -> str:
        zh, en = _LABELS[self]
        return zh if lang.lower().startswith("zh") else en


_LABELS: dict[AlarmCode, tuple[str, str]] = {
    AlarmCode.CENTRAL_UNREACHABLE: ("无法连接中心服务", "central service unreachable"),
    AlarmCode.BROKER_REFUSED: ("消息服务器拒绝连接", "broker refused the connection"),
    AlarmCode.BUNDLE_REJECTED: ("合约数据被拒绝", "contract bundle rejected"),
    AlarmCode.BUNDLE_EXPIRING: ("合约数据即将过期", "contract bundle expiring"),
    AlarmCode.BUNDLE_EXPIRED: ("合约数据已过期，入场需人工确认",
                               "contract bundle expired: entries need a guard"),
    AlarmCode.NO_BUNDLE: ("没有合约数据", "no contract bundle"),
    AlarmCode.CAMERA_DOWN: ("摄像头故障", "camera down"),
    AlarmCode.READER_FAULT: ("车牌识别故障", "plate reader fault"),
    AlarmCode.OUTBOX_GROWING: ("待发送事件积压", "outbox growing"),
    AlarmCode.PUBLISH_REFUSED: ("事件发送被拒绝", "event publish refused"),
    AlarmCode.BARRIER_FAULT: ("道闸故障", "barrier fault"),
    AlarmCode.STORAGE_FAULT: ("存储故障，记录可能无法保存", "storage fault: records may not be saved"),
    AlarmCode.CALENDAR_UNPUBLISHED: ("节假日安排未发布（仅按周末）",
                                     "holiday schedule not published (weekends only)"),
}

# An alarm a newer gate raises that this side does not know yet still reads as an alarm.
UNKNOWN_ALARM = ("未知告警", "unknown alarm")


def alarm_label(code: str, lang: str = "zh-CN") -> str:
    """The label of a wire code, its subject (a lane) in brackets; an unknown kind named as such."""
    kind, _, subject = code.partition(":")
    try:
        text = AlarmCode(kind).label(lang)
    except ValueError:
        zh, en = UNKNOWN_ALARM
        text = f"{zh if lang.lower().startswith('zh') else en}: {kind}"
    return f"{text} ({subject})" if subject else text

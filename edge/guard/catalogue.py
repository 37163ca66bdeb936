"""Every text of the guard page, in Chinese (the default) and English: one catalogue.

The page's own words are below; the labels of codes come from where the codes are defined
(``Reason``, ``AlarmCode``) or are written here once per enum member, so a code added later
(a new reason, a new alarm) reaches the page with its labels and no page change. The page
asks for the catalogue once and never writes a word of its own; ``{name}`` marks a value the
page fills in.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from shared import AlertKind, Direction, GuardAction, Outcome, OverrideReason, Reason
from shared.alarms import UNKNOWN_ALARM, AlarmCode

LANGUAGES = ("zh-CN", "en")
E = TypeVar("E", bound=StrEnum)

UI: dict[str, tuple[str, str]] = {
    "title": ("道闸值班", "Gate guard"),
    "other_lang": ("English", "中文"),
    "login": ("值班员登录", "Guard login"),
    "username": ("账号", "Name"),
    "password": ("密码", "Password"),
    "signin": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "bad_login": ("账号或密码错误", "Wrong name or password"),
    "locked": ("登录失败次数过多，已暂时锁定，请稍后再试",
               "Too many failed logins: locked for a while, try later"),
    "session_ended": ("登录已失效，请重新登录", "Your session has ended: log in again"),
    "online": ("已连接中心", "central connected"),
    "offline": ("未连接中心", "central unreachable"),
    "live": ("实时推送", "live"),
    "polling": ("推送中断，定时刷新中", "live push down, refreshing every few seconds"),
    "stale": ("连接中断，数据可能过期", "Connection lost: the data may be out of date"),
    "last_update": ("最后更新 {time}", "last update {time}"),
    "chime_on": ("提示音：开", "Chime: on"),
    "chime_off": ("提示音：关", "Chime: off"),
    "queue": ("待处理", "Waiting for a decision"),
    "queue_empty": ("没有等待处理的车辆", "Nobody is waiting"),
    "waited": ("已等待 {time}", "waiting {time}"),
    "min_s": ("{m}分{s}秒", "{m} min {s} s"),
    "h_min": ("{h}小时{m}分", "{h} h {m} min"),
    "read_as": ("识别为 {plate}", "read as {plate}"),
    "readings_differ": ("识别分歧: {plates}", "readings differ: {plates}"),
    "confidence": ("置信度 {value}", "confidence {value}"),
    "unreadable": ("无法识别", "unreadable"),
    "near_miss": ("疑似 {plate} · 合约 {contract} · {status}",
                  "looks like {plate} · contract {contract} · {status}"),
    "valid_now": ("现在有效", "valid now"),
    "open_as_title": ("按合约放行", "Open as the contract"),
    "open_as_text": ("按合约 {contract} 放行 {plate}？原识别为 {read}。",
                     "Open {plate} as contract {contract}? It was read as {read}."),
    "inside_warning": ("{plate} 已于 {time} 入场，记录显示仍在场内。",
                       "{plate} entered at {time} and is recorded as still inside."),
    "confirm_inside": ("我已核实，仍要放行", "I have checked: open anyway"),
    "enlarge": ("点击放大", "tap to enlarge"),
    "zoom_in": ("放大", "Zoom in"),
    "zoom_out": ("缩小", "Zoom out"),
    "zoom_reset": ("还原", "Fit"),
    "close": ("关闭", "Close"),
    "alarms": ("告警", "Alarms"),
    "details": ("技术详情", "technical details"),
    "since": ("自 {time}", "since {time}"),
    "hand_open": ("手动开闸", "Open by hand"),
    "no_read": ("未识别车辆", "vehicle not read"),
    "reads": ("最新识别", "Latest reads"),
    "time": ("时间", "Time"),
    "lane": ("车道", "Lane"),
    "snapshot": ("抓拍", "Snapshot"),
    "plate": ("车牌", "Plate"),
    "decision": ("结果", "Decision"),
    "reason": ("原因", "Reason"),
    "actions": ("操作", "Actions"),
    "decided_by": ("{guard} 已{action} · {time}", "{guard}: {action} · {time}"),
    "inside": ("场内车辆", "Vehicles inside"),
    "inside_count": ("共 {count} 辆", "{count} in all"),
    "entered": ("入场", "Entered"),
    "deadline": ("离场期限", "Leave by"),
    "left": ("剩余", "Time left"),
    "minutes_left": ("{m} 分钟", "{m} min"),
    "overdue": ("超时 {m} 分钟", "{m} min overdue"),
    "alerts": ("中心提醒", "Alerts from central"),
    "no_alerts": ("暂无提醒", "No alerts"),
    "audit": ("操作记录", "Audit"),
    "guard": ("值班员", "Guard"),
    "action": ("操作", "Action"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "contract": ("合约 {contract}", "contract {contract}"),
    "choose": ("请选择", "Choose"),
    "comment": ("备注", "Comment"),
    "cancel": ("取消", "Cancel"),
    "reason_required": ("请选择原因", "Choose a reason"),
    "plate_required": ("请输入车牌", "Type the plate"),
    "confirm_required": ("请先勾选确认", "Tick the confirmation first"),
    "plate_optional": ("车牌（可不填）", "Plate (if known)"),
}

_ERRORS: dict[str, tuple[str, str]] = {
    "already_decided": ("该记录已由值班员处理", "A guard has already decided this read"),
    "not_offered": ("此操作不适用于该记录", "This action does not apply to this read"),
    "confirm_inside": ("该车辆已在场内，请确认后再放行", "This vehicle is already inside: confirm first"),
    "bad_plate": ("车牌格式不正确", "That is not a valid plate"),
    "no_such_read": ("找不到该记录", "No such read"),
    "no_such_lane": ("没有该车道", "No such lane"),
    "refused": ("操作未能完成", "The action could not be carried out"),
    "network": ("网络错误，请重试", "Network error: try again"),
}

_OUTCOMES = {Outcome.OPEN: ("放行", "opened"), Outcome.DENY: ("拒绝", "denied"),
             Outcome.REVIEW: ("待人工确认", "to review")}
_ACTIONS = {GuardAction.OPEN: ("放行", "Open"), GuardAction.DENY: ("拒绝", "Deny"),
            GuardAction.CORRECT: ("更正车牌", "Correct plate")}
_LANE_OPEN = ("手动开闸", "Open by hand")  # the audit action of a lane opened without a read
_OVERRIDE_REASONS = {OverrideReason.VISITOR: ("访客", "visitor"),
                     OverrideReason.MISREAD: ("识别错误", "misread"),
                     OverrideReason.EMERGENCY: ("紧急情况", "emergency"),
                     OverrideReason.OTHER: ("其他", "other")}
_ALERTS = {AlertKind.REMINDER: ("离场提醒", "leave-by reminder"),
           AlertKind.OVERSTAY: ("超时停车", "overstay"),
           AlertKind.SUSPENSION: ("合约暂停", "contract suspended"),
           AlertKind.GATE: ("道闸通知", "gate notice")}
_DIRECTIONS = {Direction.ENTRY: ("入口", "Entry"), Direction.EXIT: ("出口", "Exit")}


Labels = dict[str, tuple[str, str]]


def _enum_labels(prefix: str, labels: dict[E, tuple[str, str]], members: type[E]) -> Labels:
    """Labels of every member of an enum; a member without one is a bug (KeyError at start)."""
    return {f"{prefix}.{member.value}": labels[member] for member in members}


def _entries() -> dict[str, tuple[str, str]]:
    entries = dict(UI)
    entries |= {f"error.{code}": text for code, text in _ERRORS.items()}
    entries |= {f"reason.{r.value}": (r.label("zh-CN"), r.label("en")) for r in Reason}
    entries |= {f"alarm.{a.value}": (a.label("zh-CN"), a.label("en")) for a in AlarmCode}
    entries["alarm_unknown"] = UNKNOWN_ALARM
    entries |= _enum_labels("outcome", _OUTCOMES, Outcome)
    entries |= _enum_labels("action", _ACTIONS, GuardAction)
    entries["action.open_lane"] = _LANE_OPEN
    entries |= _enum_labels("override", _OVERRIDE_REASONS, OverrideReason)
    entries |= _enum_labels("alert", _ALERTS, AlertKind)
    entries |= _enum_labels("direction", _DIRECTIONS, Direction)
    return entries


def catalogue() -> dict[str, dict[str, str]]:
    """{language: {key: text}} for the page."""
    entries = _entries()
    return {lang: {key: pair[i] for key, pair in entries.items()} for i, lang in enumerate(LANGUAGES)}

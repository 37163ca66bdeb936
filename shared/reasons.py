"""Why a gate did what it did: codes shared by the gate, the guard page and the service."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    OPEN = "open"
    DENY = "deny"
    REVIEW = "review"  # a guard must look


class Reason(StrEnum):
    CONTRACT_OK = "contract_ok"
    OWN_VEHICLE = "own_vehicle"  # the institution's own vehicle: uses no shared space
    BLACKLISTED = "blacklisted"  # on the site's blacklist: never sent to a guard as a near miss
    CONTRACT_IN_USE = "contract_in_use"  # another plate of the contract is inside: one car per contract
    OWN_OUTSIDE_WINDOW = "own_outside_window"  # an own vehicle outside the hours it may enter
    NO_CONTRACT = "no_contract"
    OUTSIDE_WINDOW = "outside_window"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    SITE_FULL = "site_full"
    CUTOFF_PASSED = "cutoff_passed"
    ALREADY_INSIDE = "already_inside"
    LOW_CONFIDENCE = "low_confidence"
    NEAR_MISS = "near_miss"
    UNREADABLE = "unreadable"
    READS_DISAGREE = "reads_disagree"
    NO_BUNDLE = "no_bundle"
    EXIT = "exit"
    EXIT_OVERDUE = "exit_overdue"
    GUARD_OPEN = "guard_open"
    GUARD_DENY = "guard_deny"
    BARRIER_FAULT = "barrier_fault"
    STORAGE_FAULT = "storage_fault"

    def label(self, lang: str = "zh-CN") -> str:
        zh, en = _LABELS[self]
        return zh if lang.lower().startswith("zh") else en


_LABELS: dict[Reason, tuple[str, str]] = {
    Reason.CONTRACT_OK: ("合约有效", "valid contract"),
    Reason.OWN_VEHICLE: ("本单位车辆", "institution's own vehicle"),
    Reason.BLACKLISTED: ("黑名单车辆", "blacklisted vehicle"),
    Reason.CONTRACT_IN_USE: ("该合约已有车辆在场", "another vehicle of this contract is inside"),
    Reason.OWN_OUTSIDE_WINDOW: ("本单位车辆不在允许时段", "own vehicle outside its permitted hours"),
    Reason.NO_CONTRACT: ("无合约", "no contract"),
    Reason.OUTSIDE_WINDOW: ("不在错峰时段", "outside the contract's hours"),
    Reason.NOT_YET_VALID: ("合约尚未生效", "contract not yet valid"),
    Reason.EXPIRED: ("合约已过期", "contract expired"),
    Reason.SUSPENDED: ("合约已暂停", "contract suspended"),
    Reason.CANCELLED: ("合约已取消", "contract cancelled"),
    Reason.SITE_FULL: ("共享车位已满", "shared spaces full"),
    Reason.CUTOFF_PASSED: ("已过最晚入场时间", "entry cut-off passed"),
    Reason.ALREADY_INSIDE: ("车辆已在场内", "vehicle already inside"),
    Reason.LOW_CONFIDENCE: ("识别置信度低", "low read confidence"),
    Reason.NEAR_MISS: ("疑似合约车牌", "close to a contracted plate"),
    Reason.UNREADABLE: ("无法识别车牌", "plate unreadable"),
    Reason.READS_DISAGREE: ("多帧识别不一致", "reads disagree"),
    Reason.NO_BUNDLE: ("无有效合约数据", "no valid contract data"),
    Reason.EXIT: ("出场", "exit"),
    Reason.EXIT_OVERDUE: ("超时出场", "exit after deadline"),
    Reason.GUARD_OPEN: ("值班员放行", "opened by guard"),
    Reason.GUARD_DENY: ("值班员拒绝", "denied by guard"),
    Reason.BARRIER_FAULT: ("道闸故障", "barrier fault"),
    Reason.STORAGE_FAULT: ("存储故障，未自动放行", "storage fault: not opened automatically"),
}

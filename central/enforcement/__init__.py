"""Departure enforcement: reminders, overstay violations, suspensions, and the notification outbox."""

from central.enforcement.timeline import (
    Action,
    Overstay,
    Policy,
    Reminder,
    Standing,
    Suspension,
    ViolationRecord,
    WatchedStay,
    due_actions,
)
from central.errors import EnforcementError, NotifyError

__all__ = [
    "Action", "EnforcementError", "NotifyError", "Overstay", "Policy", "Reminder", "Standing",
    "Suspension", "ViolationRecord", "WatchedStay", "due_actions",
]

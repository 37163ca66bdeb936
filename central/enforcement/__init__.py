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

__all__ = [
    "Action", "Overstay", "Policy", "Reminder", "Standing", "Suspension", "ViolationRecord",
    "WatchedStay", "due_actions",
]

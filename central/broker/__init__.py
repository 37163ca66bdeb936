"""Gate accounts on the MQTT broker, managed at run time (Mosquitto's dynamic-security plugin).

``add_gate``, ``remove_gate`` and ``rotate_gate_password`` change a gate's row
and its broker account together; ``accounts_for(settings)`` picks how accounts
are kept (``broker_accounts.manager``).
"""

from central.broker.accounts import (
    DynsecAccounts,
    GateAccounts,
    GateCredentials,
    PasswordFileAccounts,
    accounts_for,
)
from central.broker.gates import NewGate, add_gate, remove_gate, rotate_gate_password

__all__ = [
    "DynsecAccounts", "GateAccounts", "GateCredentials", "NewGate", "PasswordFileAccounts",
    "accounts_for", "add_gate", "remove_gate", "rotate_gate_password",
]

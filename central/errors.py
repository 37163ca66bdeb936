"""Every error the central service raises on purpose, in one place.

    CentralError
    ├── ConfigError           a setting that cannot work (names the field)
    ├── NotFoundError         a site, product, contract... that does not exist
    ├── ForbiddenError        the caller's role does not allow this
    ├── ConflictError         the change contradicts the current state
    │   └── CapacityError     no place left under the product's quota
    ├── MessageTooLargeError  larger than the broker's message_size_limit: it would be dropped
    └── BrokerUnavailableError  the MQTT broker cannot take a message now
        └── BrokerAccountError  the broker refused or did not confirm an account change
"""

from __future__ import annotations


class CentralError(Exception):
    """Base of every error raised on purpose by the central service."""


class ConfigError(CentralError, ValueError):
    """A setting that is refused at start; the message names the field."""


class NotFoundError(CentralError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class ForbiddenError(CentralError):
    """The token is valid but its role or scope does not allow this."""


class ConflictError(CentralError):
    """The request is well formed but contradicts the current state."""


class CapacityError(ConflictError):
    """Signing or reinstating would exceed the product's quota."""


class MessageTooLargeError(CentralError):
    """A message the broker would drop (``mqtt.message_size_limit``); sending it again cannot help."""


class BrokerUnavailableError(CentralError):
    """Not connected to the broker: the caller keeps the message and retries."""


class BrokerAccountError(BrokerUnavailableError):
    """The broker's dynamic-security plugin refused an account change or did not answer."""

"""Every error the central service raises on purpose, in one place.

    CentralError
    ├── ConfigError           a setting that cannot work (names the field)
    ├── NotFoundError         a site, product, contract... that does not exist
    ├── ForbiddenError        the caller's role does not allow this
    ├── ConflictError         the change contradicts the current state
    │   └── CapacityError     no place left under the product's quota
    ├── BrokerUnavailableError  the MQTT broker cannot take a message now
    ├── AccountError          a username, password or phone number that cannot be used (names it)
    └── SmsError              the SMS gateway did not take a message
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


class BrokerUnavailableError(CentralError):
    """Not connected to the broker: the caller keeps the message and retries."""


class AccountError(CentralError, ValueError):
    """A staff account or resident sign-in value that cannot be used; the message names the field."""


class SmsError(CentralError):
    """The SMS gateway refused or did not answer; the code was not delivered."""

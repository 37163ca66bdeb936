"""Every error the shared core raises, in one place.

    ParkingError
    ├── PlateError            a plate text that breaks the grammar
    ├── WindowError           a time window that cannot exist
    ├── MessageError          an MQTT payload or topic that does not parse
    ├── SecretFileError       a secret's file that cannot be read
    ├── TlsFileError          a CA, certificate or key file that cannot be used
    └── BundleError           a contract bundle the gate must refuse
        ├── BundleSignatureError   a byte changed, or signed with another key
        ├── UnknownKeyError        signed with a key id the gate does not hold
        ├── BundleExpiredError     past its expires_at
        └── BundleRollbackError    a sequence lower than the one the gate holds
"""

from __future__ import annotations

from typing import Any


class ParkingError(Exception):
    """Base of every error raised on purpose by this project."""


class PlateError(ParkingError, ValueError):
    """A plate text that is not a Chinese licence plate."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"plate {text!r}: {why}")
        self.text = text
        self.why = why


class WindowError(ParkingError, ValueError):
    """A time window that cannot exist (zero length, bad offset)."""


class MessageError(ParkingError, ValueError):
    """A payload or topic that does not parse; names the field and the value."""

    def __init__(self, field: str, value: Any, why: str) -> None:
        shown = repr(value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        super().__init__(f"{field}: {why} (got {shown})")
        self.field = field
        self.value = value
        self.why = why


class SecretFileError(ParkingError, ValueError):
    """A ``*_file`` secret that cannot be read; names the setting and the path, never the secret."""

    def __init__(self, field: str, path: object, why: str) -> None:
        super().__init__(f"{field}_file {path}: cannot read ({why})")
        self.field = field
        self.path = path


class BundleError(ParkingError):
    """A signed contract bundle that must not replace the one in use."""


class BundleSignatureError(BundleError):
    """The signature does not match the bundle's bytes."""


class UnknownKeyError(BundleError):
    """The bundle names a key id this gate has no public key for."""


class BundleExpiredError(BundleError):
    """The bundle's expires_at has passed."""


class BundleRollbackError(BundleError):
    """The bundle's sequence is lower than the one in use."""


class TlsFileError(ParkingError, ValueError):
    """A TLS file that cannot be loaded; names the setting and the path, never the key."""

    def __init__(self, field: str, path: object, why: str) -> None:
        super().__init__(f"{field}: cannot use {path}: {why}")
        self.field = field
        self.path = path

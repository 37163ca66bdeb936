"""Every error the central service raises on purpose, in one place.

    ParkingError (shared)
    └── CentralError            anything the central service refuses to do
        ├── ConfigError           a setting that cannot work (names the field)
        ├── NotFoundError         a site, product, contract... that does not exist
        ├── ForbiddenError        the caller's role does not allow this
        ├── ConflictError         the change contradicts the current state
        │   ├── CapacityError     no place left under the product's quota or the site's shared spaces
        │   └── PlateTakenError   the plate holds a contract at the site, or is an own or blacklisted vehicle
        ├── CalendarError         a calendar file or schedule that cannot be stored (names the line)
        ├── ReasonError           a staff action on a contract without a reason (or one too long)
        ├── MessageTooLargeError  larger than the broker's message_size_limit: it would be dropped
        ├── BrokerUnavailableError  the MQTT broker cannot take a message now
        │   └── BrokerAccountError  the broker refused or did not confirm an account change
        ├── PageRefused           a web page request refused before its route ran
        │   ├── SignInRequired    no session (a person is sent to the login page)
        │   ├── CsrfRefused       a form or script without the session's CSRF token
        │   └── PageForbidden     signed in, but this account may not see or change it
        ├── AccountError          a username, password or phone number that cannot be used (names it)
        ├── SmsError              the SMS gateway did not take a message
        ├── PaymentError          anything the payment layer refuses or cannot do
        │   ├── CallbackRefused   a provider's callback that cannot be verified (names why)
        │   └── ProviderError     a payment provider refused a request or did not answer
        ├── BillingError          anything billing refuses to do
        │   ├── TariffError       a tariff that cannot be charged (a negative rate, a zero period)
        │   ├── MonthError        a month text that is not YYYY-MM, or a month not ended yet
        │   └── StayError         a stay that cannot be charged (exit before entry, naive times)
        └── EnforcementError      anything enforcement refuses to do
            └── NotifyError       a resident adapter could not deliver (the outbox retries)

The API maps them to HTTP statuses in ``central/api/main.py``.
"""

from __future__ import annotations

from shared import ParkingError


class CentralError(ParkingError):
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
    """Signing or reinstating would exceed the product's quota or the site's shared spaces."""


class PlateTakenError(ConflictError):
    """The plate cannot sign at this site: it holds a contract there for those days, or it is one of
    the institution's own vehicles, or blacklisted there."""


class CalendarError(CentralError, ValueError):
    """A calendar file or schedule that cannot be stored; the message names the line or field."""


class ReasonError(CentralError, ValueError):
    """A staff action on a contract that says no reason, or one too long to keep; names the field."""


class MessageTooLargeError(CentralError):
    """A message the broker would drop (``mqtt.message_size_limit``); sending it again cannot help."""


class BrokerUnavailableError(CentralError):
    """Not connected to the broker: the caller keeps the message and retries."""


class BillingError(CentralError):
    """Base of every billing error."""


class TariffError(BillingError, ValueError):
    """A tariff value out of bounds; names the field and the value."""

    def __init__(self, field: str, value: object, why: str) -> None:
        super().__init__(f"tariff {field}: {why} (got {value!r})")
        self.field = field
        self.value = value


class MonthError(BillingError, ValueError):
    """A billing month that is not written YYYY-MM, or one that has not ended yet."""


class StayError(BillingError, ValueError):
    """A stay whose times cannot be charged."""


class EnforcementError(CentralError):
    """Base of every enforcement error."""


class NotifyError(EnforcementError):
    """An adapter could not deliver a notification; the message says why, without secrets."""


class BrokerAccountError(BrokerUnavailableError):
    """The broker's dynamic-security plugin refused an account change or did not answer."""


class AccountError(CentralError, ValueError):
    """A staff account or resident sign-in value that cannot be used; the message names the field."""


class SmsError(CentralError):
    """The SMS gateway refused or did not answer; the code was not delivered."""


class DocumentError(CentralError):
    """A document (a statement's PDF) cannot be made here: its font is missing."""


class PageRefused(CentralError):
    """A web page request refused before its route ran; ``app`` is the web app's name."""

    status_code = 403

    def __init__(self, app: str, detail: str) -> None:
        super().__init__(detail)
        self.app = app
        self.detail = detail


class SignInRequired(PageRefused):
    status_code = 401

    def __init__(self, app: str) -> None:
        super().__init__(app, "sign in first")


class CsrfRefused(PageRefused):
    def __init__(self, app: str) -> None:
        super().__init__(app, "CSRF token missing or wrong: reload the page and try again")


class PageForbidden(PageRefused):
    def __init__(self, app: str) -> None:
        super().__init__(app, "your account may not see or change this")


class PaymentError(CentralError):
    """Base of every payment error."""


class CallbackRefused(PaymentError):
    """A provider's callback that is not verified: bad signature, stale timestamp, unknown key,
    a body that cannot be read. ``reason`` says which, without secrets."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"callback refused: {reason}")
        self.reason = reason


class ProviderError(PaymentError):
    """A payment provider answered with an error, an unverifiable answer, or not at all."""

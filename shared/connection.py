"""The broker connection as both sides make it: TLS from files, and why a connection failed.

paho retries a failed connection by itself and keeps the reason to its debug
log. ``ExplainingClient`` hands every failed attempt to a callback as one
sentence an operator can act on: the broker's certificate not trusted, expired
or issued for another name; our client certificate refused (and expired, when
it has); a TLS port reached without TLS; nothing listening. The wrappers
(``central.mqtt``, ``edge.link``) log it and raise their alarm; back-off stays
paho's, so a refused connection is retried slowly, never in a tight loop.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode

from shared.errors import TlsFileError

logger = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class ConnectFailure:
    """Why one connection attempt failed."""

    reason: str  # one sentence for the log and the alarm
    repeated: bool  # the same as the attempt before: log it once, not at every retry
    lasting: bool  # a set-up fault (certificates, TLS, port) that retrying will not mend;
    # False for a broker that is down or unreachable, which usually comes back by itself


FailureHandler = Callable[[ConnectFailure], None]

_READ_ERROR = "failed to receive on socket: "


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """What a client needs for TLS; no CA file means the system's trusted CAs."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    check_hostname: bool = True  # the broker's certificate must name the host we connect to


class _ClosingSocket(ssl.SSLSocket):
    """Closes itself when its handshake fails: paho drops it unclosed (an fd until the next GC)."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


def client_context(files: TlsFiles) -> ssl.SSLContext:
    """TLS 1.2 or later, the broker's certificate checked; raises TlsFileError naming the file."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname
    context.sslsocket_class = _ClosingSocket
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = files.check_hostname
    try:
        if files.ca_file is None:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        else:
            context.load_verify_locations(cafile=str(files.ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise TlsFileError("tls_ca_file", files.ca_file, _short(exc)) from exc
    if files.cert_file is not None:
        try:
            context.load_cert_chain(str(files.cert_file), str(files.key_file) if files.key_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise TlsFileError("tls_cert_file", files.cert_file, _short(exc)) from exc
    return context


def certificate_problem(cert_file: Path, now: datetime | None = None) -> str | None:
    """Why our own certificate cannot be accepted today (expired, not yet valid), or None."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError):
        return None
    now = now or datetime.now(UTC)
    if cert.not_valid_after_utc < now:
        return f"our client certificate {cert_file} expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    if cert.not_valid_before_utc > now:
        return f"our client certificate {cert_file} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
    return None


def explain_error(exc: BaseException) -> str:
    """One sentence for an error raised while connecting."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the broker's certificate was refused: {exc.verify_message} "
                "(is tls_ca_file the CA that signed it, and is it issued for this host name?)")
    if isinstance(exc, ssl.SSLError):
        return _tls_reason(exc.reason or "", str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: nothing listens at that host and port"
    if isinstance(exc, TimeoutError):
        return "no answer from the broker (timeout)"
    return _short(exc)


def _tls_reason(reason: str, text: str) -> str:
    if "WRONG_VERSION_NUMBER" in reason or "record layer failure" in text:
        return "TLS failed: the port does not speak TLS (is it the plain MQTT port?)"
    if "CERTIFICATE_REQUIRED" in reason:
        return "the broker wants a client certificate (tls_cert_file and tls_key_file)"
    if "CERTIFICATE_EXPIRED" in reason:
        return "the broker refused our client certificate: it has expired"
    if "UNKNOWN_CA" in reason or "BAD_CERTIFICATE" in reason:
        return "the broker refused our client certificate: not signed by a CA it trusts"
    return f"TLS failed: {reason or text}"


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


class _ReadErrorLog(logging.Logger):
    """paho's log, read for its errors only (``keep`` gets each error line), in no hierarchy and
    printed nowhere: the client explains failures itself."""

    def __init__(self, keep: Callable[[str], None]) -> None:
        super().__init__(f"{__name__}.paho", logging.ERROR)
        self.propagate = False
        self.addHandler(_Keep(keep))


class _Keep(logging.Handler):
    def __init__(self, keep: Callable[[str], None]) -> None:
        super().__init__(logging.ERROR)
        self._keep = keep

    def emit(self, record: logging.LogRecord) -> None:
        self._keep(record.getMessage())


class ExplainingClient(paho.Client):
    """paho's client, saying why each connection attempt failed (see the module docstring).

    The wrapper calls ``answered()`` first thing in its on_connect (a CONNACK
    came, refused or not: the wrapper reports a refusal itself) and ``ended()``
    in its on_disconnect; a connection that ends before any CONNACK is
    explained from the error paho met reading it.
    """

    def __init__(self, *args: Any, tls: TlsFiles | None, on_failure: FailureHandler, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tls = tls
        self._on_failure = on_failure
        self._answered = False
        self._leaving = False
        self._read_error = ""
        self._last_reason: str | None = None
        if tls is not None:
            self.tls_set_context(client_context(tls))
            self.tls_insecure_set(not tls.check_hostname)
        # a logger, not on_log: paho formats every packet's log line for an on_log callback (a
        # PUBLISH's properties included), and a logger only the lines it wants (errors)
        self.enable_logger(_ReadErrorLog(self._keep_read_error))

    def reconnect(self) -> MQTTErrorCode:
        self._answered, self._read_error = False, ""
        try:
            return super().reconnect()
        except OSError as exc:
            self._report(explain_error(exc), lasting=isinstance(exc, ssl.SSLError))
            raise

    def disconnect(self, *args: Any, **kwargs: Any) -> MQTTErrorCode:
        self._leaving = True
        return super().disconnect(*args, **kwargs)

    @property
    def leaving(self) -> bool:
        """``disconnect`` was called: the end of the connection is ours."""
        return self._leaving

    def answered(self) -> None:
        self._answered = True
        self._last_reason = None

    def ended(self) -> None:
        if not self._answered and not self._leaving:
            self._report(self._closed_before_answer(), lasting=True)
        self._answered = False

    def _closed_before_answer(self) -> str:
        read = self._read_error
        if self._tls is None:
            return (f"the broker closed the connection before answering ({read or 'no CONNACK'}): "
                    "is this a TLS port? Then connect with TLS (mqtts:// or tls: true)")
        mine = certificate_problem(self._tls.cert_file) if self._tls.cert_file else None
        if "ALERT" in read:
            return _tls_reason(read, read) + (f" ({mine})" if mine else "")
        return ("the broker closed the TLS connection before answering: it refused our client certificate"
                + (f" ({mine})" if mine else " or wants one (tls_cert_file, tls_key_file)"))

    def _keep_read_error(self, line: str) -> None:
        if line.startswith(_READ_ERROR):
            self._read_error = line[len(_READ_ERROR):]

    def _report(self, reason: str, lasting: bool) -> None:
        repeated = reason == self._last_reason
        self._last_reason = reason
        try:
            self._on_failure(ConnectFailure(reason, repeated, lasting))
        except Exception:  # never into paho's thread
            logger.exception("connection failure handler failed")

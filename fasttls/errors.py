"""fasttls errors: each one subclasses its counterpart in the ``ssl`` module.

Code written for the standard library (``except ssl.SSLError``, asyncio's
sslproto, urllib3) keeps working when fasttls raises.

A protocol failure detected here is a :class:`TLSError` carrying the alert that
was (or must be) sent to the peer, the way Go pairs ``c.sendAlert(alertX)``
with its error.  A fatal alert received from the peer is an
:class:`AlertReceived`.
"""

from __future__ import annotations

import ssl

from .constants import AlertDescription

__all__ = [
    "SSLError",
    "TLSError",
    "AlertReceived",
    "SSLZeroReturnError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLSyscallError",
    "SSLEOFError",
    "SSLCertVerificationError",
    "CertificateError",
    "alert_name",
    "application_data_after_close_notify",
    "fresh_copy",
    "openssl_error",
]


def alert_name(alert: int) -> str:
    try:
        return AlertDescription(alert).name
    except ValueError:
        return f"alert_{alert}"


class SSLError(ssl.SSLError):
    """Base class of every fasttls error (a subclass of :class:`ssl.SSLError`)."""

    library = "TLS"
    reason: str | None = None

    def __init__(self, message: str, errno: int = ssl.SSL_ERROR_SSL) -> None:
        super().__init__(int(errno), message)  # a plain int, as _ssl gives (not the IntEnum)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keep errors picklable across processes
        return (type(self), (self.message,))


class TLSError(SSLError):
    """A protocol failure found by fasttls; ``alert`` is what the peer is told.

    ``alert`` is an :class:`~fasttls.constants.AlertDescription`; ``reason``
    is its upper-case name, as ``ssl.SSLError.reason`` is for OpenSSL errors.
    """

    def __init__(self, alert: int, message: str) -> None:
        self.alert = AlertDescription(alert)
        self.reason = self.alert.name.upper()
        super().__init__(f"[TLS: {self.reason}] {message}")
        self.detail = message

    def __reduce__(self):
        return (type(self), (int(self.alert), self.detail))


class AlertReceived(SSLError):
    """The peer sent a fatal alert (or a warning alert where TLS 1.3 forbids one)."""

    def __init__(self, alert: int, message: str | None = None) -> None:
        self.alert = alert
        name = alert_name(alert)
        self.reason = name.upper()
        super().__init__(message or f"[TLS: {self.reason}] peer sent alert {name}")

    def __reduce__(self):
        return (type(self), (self.alert, self.message))


class SSLZeroReturnError(SSLError, ssl.SSLZeroReturnError):
    """The peer closed the TLS connection cleanly (close_notify)."""

    def __init__(self, message: str = "TLS/SSL connection has been closed (EOF)") -> None:
        super().__init__(message, ssl.SSL_ERROR_ZERO_RETURN)


class SSLWantReadError(SSLError, ssl.SSLWantReadError):
    """Non-blocking operation needs more bytes from the peer."""

    def __init__(self, message: str = "The operation did not complete (read)") -> None:
        super().__init__(message, ssl.SSL_ERROR_WANT_READ)


class SSLWantWriteError(SSLError, ssl.SSLWantWriteError):
    """Non-blocking operation needs the socket to become writable."""

    def __init__(self, message: str = "The operation did not complete (write)") -> None:
        super().__init__(message, ssl.SSL_ERROR_WANT_WRITE)


class SSLSyscallError(SSLError, ssl.SSLSyscallError):
    def __init__(self, message: str = "Some I/O error occurred") -> None:
        super().__init__(message, ssl.SSL_ERROR_SYSCALL)


class SSLEOFError(SSLError, ssl.SSLEOFError):
    """The transport closed without a close_notify alert (a truncation attack or a rude peer)."""

    reason = "UNEXPECTED_EOF_WHILE_READING"  # OpenSSL 3's, which ssl reports

    def __init__(self, message: str = "EOF occurred in violation of protocol") -> None:
        super().__init__(message, ssl.SSL_ERROR_EOF)


class SSLCertVerificationError(TLSError, ssl.SSLCertVerificationError):
    """Certificate chain or host name verification failed.

    ``verify_code``/``verify_message`` follow OpenSSL's X509_V_ERR codes as
    ``ssl.SSLCertVerificationError`` does, so callers can tell why.
    """

    def __init__(
        self,
        alert: int,
        message: str,
        verify_code: int = 1,
        verify_message: str | None = None,
    ) -> None:
        super().__init__(alert, f"certificate verify failed: {message}")
        # As ssl's, whatever alert went to the peer (``alert``): code checks
        # ``e.reason == "CERTIFICATE_VERIFY_FAILED"`` or looks for it in str(e).
        self.library, self.reason = "SSL", "CERTIFICATE_VERIFY_FAILED"
        self.message = f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}"
        self.args = (ssl.SSL_ERROR_SSL.value, self.message)
        self.strerror = self.message  # OSError's, as ssl's: the same text as args[1]
        self.verify_code = verify_code
        self.verify_message = verify_message or message
        self._text = message  # may carry more than verify_message (cryptography's reason)

    def __reduce__(self):
        return (type(self), (int(self.alert), self._text, self.verify_code, self.verify_message))


CertificateError = SSLCertVerificationError


def openssl_error(reason: str, text: str) -> SSLError:
    """An SSLError shaped as the one OpenSSL raises for ``reason`` (library SSL), for the
    cases where code may look for OpenSSL's reason."""
    err = SSLError(f"[SSL: {reason}] {text}")
    err.library, err.reason = "SSL", reason
    return err


def application_data_after_close_notify() -> SSLError:
    """What ``unwrap`` raises when application data keeps coming after our close_notify,
    as OpenSSL's SSL_shutdown does (so a caller closing on a streaming peer is told at
    once instead of waiting for a close_notify the busy peer never sends)."""
    return openssl_error("APPLICATION_DATA_AFTER_CLOSE_NOTIFY", "application data after close notify")


def fresh_copy(exc: BaseException) -> BaseException:
    """The same error as a new object, without a traceback, cause or context.

    What a failed connection keeps and raises again.  The raised original's
    traceback holds the connection's frames: kept by the connection, it would
    put the connection in a reference cycle.  Our errors rebuild from
    ``__reduce__`` (they are picklable); anything else is returned as it is.
    """
    try:
        rebuild, args = exc.__reduce__()[:2]
        copy = rebuild(*args)
    except Exception:  # noqa: BLE001 - not rebuildable: keep the original
        return exc
    return copy if type(copy) is type(exc) else exc

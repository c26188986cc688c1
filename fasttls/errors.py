"""fasttls errors: each one subclasses its counterpart in the ``ssl`` module.

Code written for the standard library (``except ssl.SSLError``, asyncio's
sslproto, urllib3) keeps working when fasttls raises.  Their base, :class:`SSLError`
here, is exported as ``fasttls.FastTLSError``; ``fasttls.SSLError`` is ``ssl.SSLError``.

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
    "want_read",
    "want_write",
    "SSLSyscallError",
    "SSLEOFError",
    "SSLCertVerificationError",
    "CertificateError",
    "OPENSSL_ALERT_REASONS",
    "alert_name",
    "application_data_after_close_notify",
    "fresh_copy",
    "not_a_tls_record",
    "openssl_error",
    "oversized_record",
]


def _ssl_style(first: object, second: object) -> bool:
    """Whether an error is being made as ssl's are, ``(errno, strerror)`` (OSError's)."""
    return isinstance(first, int) and not isinstance(first, bool) and isinstance(second, str)


def read_only_buffer(buffer: object) -> TypeError:
    """What ssl's read(n, buffer) raises for a read-only buffer, before it reads anything."""
    return TypeError(f"read() argument 2 must be read-write bytes-like object, not {type(buffer).__name__}")


def alert_name(alert: int) -> str:
    try:
        return AlertDescription(alert).name
    except ValueError:
        return f"alert_{alert}"


class SSLError(ssl.SSLError):
    """Base class of the errors fasttls makes itself (a subclass of :class:`ssl.SSLError`).

    Exported as ``fasttls.FastTLSError``: ``except fasttls.FastTLSError`` tells fasttls's own
    errors apart.  ``fasttls.SSLError`` is ``ssl.SSLError`` itself, as code written for ``ssl``
    expects: it also catches ``SSLWantReadError``/``SSLWantWriteError`` (ssl's own classes)
    and the plain ``ssl.SSLError`` of context methods (``set_ciphers``, ``load_cert_chain``...).
    Made with ``(message, errno)``; ssl's ``(errno, strerror)`` works too, for every class
    that stands for one of ssl's (``import fasttls as ssl`` and code that makes them).
    """

    library = "TLS"
    reason: str | None = None

    #: ``(errno, strerror)`` when made as ssl's are: what a copy is made from.
    _ssl_args: tuple[int, str] | None = None

    def __init__(self, message: str | int, errno: int | str = ssl.SSL_ERROR_SSL) -> None:
        if _ssl_style(message, errno):
            self._ssl_args = (message, errno)  # type: ignore[assignment]
            message, errno = errno, message
        super().__init__(int(errno), message)  # a plain int, as _ssl gives (not the IntEnum)
        self.message: str = message  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keep errors picklable across processes
        args = self._ssl_args if self._ssl_args is not None else (self.message,)
        # OpenSSL's library and reason, when set on this error (openssl_error): kept as
        # ssl's errors keep theirs (OSError pickles its instance dict).
        state = {k: self.__dict__[k] for k in ("library", "reason") if k in self.__dict__}
        return (type(self), args, state) if state else (type(self), args)


class TLSError(SSLError):
    """A protocol failure found by fasttls; ``alert`` is what the peer is told.

    ``alert`` is an :class:`~fasttls.constants.AlertDescription`; ``reason``
    is its upper-case name, as ``ssl.SSLError.reason`` is for OpenSSL errors.
    """

    #: False for the one error the peer is sent no alert for: bytes that are not TLS at all.
    send_alert = True

    def __init__(self, alert: int, message: str, openssl_reason: str | None = None) -> None:
        self.alert = AlertDescription(alert)
        self.openssl_reason = openssl_reason
        if openssl_reason:
            # Where OpenSSL (so ssl) names the cause (NO_SHARED_CIPHER...): its reason, as
            # ssl reports it, library SSL; the alert sent stays ``alert``.
            self.library, self.reason = "SSL", openssl_reason
            super().__init__(f"[SSL: {openssl_reason}] {message}")
        else:
            self.reason = self.alert.name.upper()
            super().__init__(f"[TLS: {self.reason}] {message}")
        self.detail = message

    def __reduce__(self):
        if self.openssl_reason:
            return (type(self), (int(self.alert), self.detail, self.openssl_reason))
        return (type(self), (int(self.alert), self.detail))


# OpenSSL's reason for a fatal alert received from the peer: SSL_AD_REASON_OFFSET (1000)
# plus the alert's number (SSL_R_SSLV3_ALERT_*, SSL_R_TLSV1_ALERT_*, SSL_R_TLSV13_ALERT_*,
# SSL_R_TLSV1_UNRECOGNIZED_NAME... in include/openssl/sslerr.h) and its text (ssl/ssl_err.c),
# as OpenSSL 3.0 gives them: each checked against Python's ssl on OpenSSL 3.0.19 receiving
# that alert, client and server (tests/test_alert_reasons.py).  OpenSSL names no other alert;
# Python 3.11's ssl has no name for 115 and 120 (its table predates them: reason None,
# ``[SSL] tlsv1 alert no application protocol``), later ones have OpenSSL's, as here.
# OpenSSL 3.2 and later say "ssl/tls alert" where 3.0 says "sslv3 alert".
OPENSSL_ALERT_REASONS: dict[int, tuple[str, str]] = {
    10: ("SSLV3_ALERT_UNEXPECTED_MESSAGE", "sslv3 alert unexpected message"),
    20: ("SSLV3_ALERT_BAD_RECORD_MAC", "sslv3 alert bad record mac"),
    21: ("TLSV1_ALERT_DECRYPTION_FAILED", "tlsv1 alert decryption failed"),
    22: ("TLSV1_ALERT_RECORD_OVERFLOW", "tlsv1 alert record overflow"),
    30: ("SSLV3_ALERT_DECOMPRESSION_FAILURE", "sslv3 alert decompression failure"),
    40: ("SSLV3_ALERT_HANDSHAKE_FAILURE", "sslv3 alert handshake failure"),
    41: ("SSLV3_ALERT_NO_CERTIFICATE", "sslv3 alert no certificate"),
    42: ("SSLV3_ALERT_BAD_CERTIFICATE", "sslv3 alert bad certificate"),
    43: ("SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "sslv3 alert unsupported certificate"),
    44: ("SSLV3_ALERT_CERTIFICATE_REVOKED", "sslv3 alert certificate revoked"),
    45: ("SSLV3_ALERT_CERTIFICATE_EXPIRED", "sslv3 alert certificate expired"),
    46: ("SSLV3_ALERT_CERTIFICATE_UNKNOWN", "sslv3 alert certificate unknown"),
    47: ("SSLV3_ALERT_ILLEGAL_PARAMETER", "sslv3 alert illegal parameter"),
    48: ("TLSV1_ALERT_UNKNOWN_CA", "tlsv1 alert unknown ca"),
    49: ("TLSV1_ALERT_ACCESS_DENIED", "tlsv1 alert access denied"),
    50: ("TLSV1_ALERT_DECODE_ERROR", "tlsv1 alert decode error"),
    51: ("TLSV1_ALERT_DECRYPT_ERROR", "tlsv1 alert decrypt error"),
    60: ("TLSV1_ALERT_EXPORT_RESTRICTION", "tlsv1 alert export restriction"),
    70: ("TLSV1_ALERT_PROTOCOL_VERSION", "tlsv1 alert protocol version"),
    71: ("TLSV1_ALERT_INSUFFICIENT_SECURITY", "tlsv1 alert insufficient security"),
    80: ("TLSV1_ALERT_INTERNAL_ERROR", "tlsv1 alert internal error"),
    86: ("TLSV1_ALERT_INAPPROPRIATE_FALLBACK", "tlsv1 alert inappropriate fallback"),
    90: ("TLSV1_ALERT_USER_CANCELLED", "tlsv1 alert user cancelled"),
    100: ("TLSV1_ALERT_NO_RENEGOTIATION", "tlsv1 alert no renegotiation"),
    109: ("TLSV13_ALERT_MISSING_EXTENSION", "tlsv13 alert missing extension"),
    110: ("TLSV1_UNSUPPORTED_EXTENSION", "tlsv1 unsupported extension"),
    111: ("TLSV1_CERTIFICATE_UNOBTAINABLE", "tlsv1 certificate unobtainable"),
    112: ("TLSV1_UNRECOGNIZED_NAME", "tlsv1 unrecognized name"),
    113: ("TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE", "tlsv1 bad certificate status response"),
    114: ("TLSV1_BAD_CERTIFICATE_HASH_VALUE", "tlsv1 bad certificate hash value"),
    115: ("TLSV1_ALERT_UNKNOWN_PSK_IDENTITY", "tlsv1 alert unknown psk identity"),
    116: ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "tlsv13 alert certificate required"),
    120: ("TLSV1_ALERT_NO_APPLICATION_PROTOCOL", "tlsv1 alert no application protocol"),
}


class AlertReceived(SSLError):
    """The peer sent a fatal alert (or a warning alert where TLS 1.3 forbids one).

    ``alert`` is the alert's number.  As ssl reports it: library ``SSL``, OpenSSL's reason
    (``TLSV1_ALERT_UNKNOWN_CA``, ``SSLV3_ALERT_HANDSHAKE_FAILURE``...) and text
    (``[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca``).  An alert OpenSSL has no name
    for (ssl says ``[SSL] unknown error``) keeps ours: ``[TLS: ALERT_121] peer sent alert alert_121``.
    """

    def __init__(self, alert: int, message: str | None = None) -> None:
        self.alert = alert
        known = OPENSSL_ALERT_REASONS.get(alert)
        if known is not None:
            self.library, self.reason = "SSL", known[0]
            default = f"[SSL: {known[0]}] {known[1]}"
        else:
            name = alert_name(alert)
            self.reason = name.upper()
            default = f"[TLS: {self.reason}] peer sent alert {name}"
        super().__init__(message or default)

    def __reduce__(self):
        return (type(self), (self.alert, self.message))


class SSLZeroReturnError(SSLError, ssl.SSLZeroReturnError):
    """The peer closed the TLS connection cleanly (close_notify)."""

    def __init__(self, message: str | int = "TLS/SSL connection has been closed (EOF)", *strerror: str) -> None:
        if strerror and _ssl_style(message, strerror[0]):
            super().__init__(message, strerror[0])  # ssl's (errno, strerror)
            return
        super().__init__(message, ssl.SSL_ERROR_ZERO_RETURN)


#: A non-blocking operation needs more bytes from the peer / a writable socket.  These two
#: are ``ssl``'s own classes, not subclasses: they are flow control, with nothing of ours
#: to add, and code tells them apart by exact class (redis-py looks ``type(e)`` up in
#: ``{ssl.SSLWantReadError: ..., ssl.SSLWantWriteError: ...}``).  Raise :func:`want_read`
#: and :func:`want_write`, which fill in errno and text as ``_ssl`` does.
SSLWantReadError = ssl.SSLWantReadError
SSLWantWriteError = ssl.SSLWantWriteError


def want_read() -> ssl.SSLWantReadError:
    err = ssl.SSLWantReadError(int(ssl.SSL_ERROR_WANT_READ), "The operation did not complete (read)")
    err.library = err.reason = None  # as _ssl sets them on every error it raises
    return err


def want_write() -> ssl.SSLWantWriteError:
    err = ssl.SSLWantWriteError(int(ssl.SSL_ERROR_WANT_WRITE), "The operation did not complete (write)")
    err.library = err.reason = None
    return err


class SSLSyscallError(SSLError, ssl.SSLSyscallError):
    def __init__(self, message: str | int = "Some I/O error occurred", *strerror: str) -> None:
        if strerror and _ssl_style(message, strerror[0]):
            super().__init__(message, strerror[0])  # ssl's (errno, strerror)
            return
        super().__init__(message, ssl.SSL_ERROR_SYSCALL)


class SSLEOFError(SSLError, ssl.SSLEOFError):
    """The transport closed without a close_notify alert (a truncation attack or a rude peer)."""

    library = "SSL"

    def __init__(self, message: str | int = "EOF occurred in violation of protocol", reason: str | None = "UNEXPECTED_EOF_WHILE_READING") -> None:
        if _ssl_style(message, reason):
            # ssl's (errno, strerror): its text as given, no reason (it was garbled into one).
            super().__init__(message, reason)  # type: ignore[arg-type]
            self.reason = None
            self.detail = reason
            return
        # OpenSSL 3 names a read's EOF (ssl: "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF
        # occurred..."); a write to a peer that is gone gets no reason, as in ssl.
        super().__init__(f"[SSL: {reason}] {message}" if reason else message, ssl.SSL_ERROR_EOF)
        self.reason = reason
        self.detail = str(message)

    def __reduce__(self):
        if self._ssl_args is not None:
            return (type(self), self._ssl_args)
        return (type(self), (self.detail, self.reason))


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
        if _ssl_style(alert, message) and alert not in _ALERT_NUMBERS:
            # ssl's (errno, strerror) (an errno is no alert's number): its text as given.
            super().__init__(AlertDescription.bad_certificate, message)
            self.message = self.strerror = message
            self.args = (alert, message)
            self.errno = alert
            self.verify_code, self.verify_message, self._text = verify_code, verify_message or message, message
            self._ssl_args = (alert, message)
            return
        self._ssl_args = None
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
        if self._ssl_args is not None:
            return (type(self), self._ssl_args)
        return (type(self), (int(self.alert), self._text, self.verify_code, self.verify_message))


CertificateError = SSLCertVerificationError
_ALERT_NUMBERS = frozenset(int(a) for a in AlertDescription)


# What OpenSSL's record layer (ssl3_get_record, OpenSSL 3.0) says of the first bytes of a
# connection that are not a TLS record: a plain HTTP request or an HTTPS proxy's CONNECT
# (checked on the first five bytes, as OpenSSL does), else WRONG_VERSION_NUMBER.
_NOT_TLS_PREFIXES: tuple[tuple[bytes, str, str], ...] = (
    (b"GET ", "HTTP_REQUEST", "http request"),
    (b"POST ", "HTTP_REQUEST", "http request"),
    (b"HEAD ", "HTTP_REQUEST", "http request"),
    (b"PUT ", "HTTP_REQUEST", "http request"),
    (b"CONNE", "HTTPS_PROXY_REQUEST", "https proxy request"),
)


def not_a_tls_record(content_type: int, version: int, length: int) -> TLSError:
    """The error for a first record header that is not TLS at all (its version is not 0x03xx):
    a plain HTTP answer read by a client, a plain HTTP request read by a server.  OpenSSL's
    reason (ssl3_get_record) with our explanation; the text keeps "wrong version number",
    which urllib3 looks for.  As OpenSSL ("Doesn't look like TLS - don't send an alert"),
    the peer is sent no alert: it does not speak TLS, and an HTTP client shown alert bytes
    reports an HTTP/0.9 answer where it should report an empty one (curl's error 52)."""
    header = bytes((content_type, version >> 8, version & 0xFF, length >> 8, length & 0xFF))
    why = f"wrong version number: record with version 0x{version:04x} is not TLS"
    err = TLSError(AlertDescription.protocol_version, why, openssl_reason="WRONG_VERSION_NUMBER")
    for prefix, reason, text in _NOT_TLS_PREFIXES:
        if header.startswith(prefix):
            err = TLSError(AlertDescription.protocol_version, f"{text}: {why}", openssl_reason=reason)
            break
    err.send_alert = False
    err.why = why  # what a later record that is not TLS says (see Connection._process)
    # An SSLv2-format ClientHello (RFC 5246 E.2): a two-byte length with its top bit set,
    # then message type 1 (Connection._process answers it as Go does).
    err.sslv2_client_hello = bool(content_type & 0x80) and (version & 0xFF) == 1
    return err


# OpenSSL 3.0's bounds in ssl3_get_record: a record longer than its read buffer
# (SSL3_RT_MAX_PLAIN_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD + alignment = 16712 bytes, less the
# 5-byte header) is PACKET_LENGTH_TOO_LONG; one over SSL3_RT_MAX_ENCRYPTED_LENGTH (16704
# without compression; 2^14 + 256 in TLS 1.3) is ENCRYPTED_LENGTH_TOO_LONG; a plaintext over
# 2^14 is DATA_LENGTH_TOO_LONG.  Each with record_overflow, as here.
OPENSSL_MAX_READ_RECORD = 16707
OPENSSL_MAX_ENCRYPTED_LENGTH = 16704


def wrong_record_version(version: int, expected: int) -> TLSError:
    """A record whose version is not the connection's, once that is settled: protocol_version
    to the peer and OpenSSL's WRONG_VERSION_NUMBER (checked before the content type, as
    OpenSSL and Go do, so a plain-text answer mid-connection says so too)."""
    return TLSError(
        AlertDescription.protocol_version, f"record with version 0x{version:04x}, expected 0x{expected:04x}", openssl_reason="WRONG_VERSION_NUMBER"
    )


def oversized_record(length: int, limit: int, protected: bool = False) -> TLSError:
    """record_overflow for a record of ``length`` bytes over our ``limit``, with the reason
    OpenSSL gives the same record (``protected``: a record that would be decrypted)."""
    if length > OPENSSL_MAX_READ_RECORD:
        reason, text = "PACKET_LENGTH_TOO_LONG", "packet length too long"
    elif protected or length > OPENSSL_MAX_ENCRYPTED_LENGTH:
        reason, text = "ENCRYPTED_LENGTH_TOO_LONG", "encrypted length too long"
    else:
        reason, text = "DATA_LENGTH_TOO_LONG", "data length too long"
    return TLSError(AlertDescription.record_overflow, f"{text}: record of {length} bytes exceeds the limit of {limit}", openssl_reason=reason)


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


def shutdown_while_in_init() -> SSLError:
    """What ``unwrap`` raises before the handshake completed or after the connection
    failed, as OpenSSL's SSL_shutdown (its state machine is then in init or in error):
    there is no clean close to make, nothing is sent, and waiting for the peer's
    close_notify would wait for ever."""
    return openssl_error("SHUTDOWN_WHILE_IN_INIT", "shutdown while in init")


def handshake_reentered() -> SSLError:
    """What a socket's read, write or handshake raises when called from a callback of
    its own running handshake, which would otherwise wait for itself (OpenSSL's
    SSL_do_handshake has no such guard: ``ssl`` waits for its timeout)."""
    return openssl_error("HANDSHAKE_REENTERED", "called from a callback of its own handshake")


def fresh_copy(exc: BaseException) -> BaseException:
    """The same error as a new object, without a traceback, cause or context.

    What a failed connection keeps and raises again.  The raised original's
    traceback holds the connection's frames: kept by the connection, it would
    put the connection in a reference cycle.  Our errors rebuild from
    ``__reduce__`` (they are picklable); anything else is returned as it is.
    """
    try:
        reduced = exc.__reduce__()
        copy = reduced[0](*reduced[1])
        if len(reduced) > 2 and reduced[2]:
            copy.__dict__.update(reduced[2])
    except Exception:  # noqa: BLE001 - not rebuildable: keep the original
        return exc
    return copy if type(copy) is type(exc) else exc

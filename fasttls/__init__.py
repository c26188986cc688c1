"""fasttls: TLS 1.3 (and TLS 1.2) for Python, with the ``ssl`` module's interface.

Use it where you would use ``ssl``::

    import fasttls
    ctx = fasttls.create_default_context()
    with socket.create_connection(("example.org", 443)) as raw:
        with ctx.wrap_socket(raw, server_hostname="example.org") as tls:
            ...

``fasttls.SSLContext`` is a subclass of ``ssl.SSLContext``, so http.client,
urllib, urllib3, requests, httpx, aiohttp and asyncio accept it; or call
:func:`fasttls.inject_into_ssl` to make ``ssl.SSLContext`` itself fasttls.
The sans-IO core is :class:`fasttls.connection.Connection` with a
:class:`fasttls.config.Config`.
"""

from __future__ import annotations

import sys
from ssl import SSLError  # ssl's own class: ``except fasttls.SSLError`` catches what ``except ssl.SSLError`` does

from .config import CertifiedKey, ClientAuthType, Config
from .connection import Connection
from .context import (
    CERT_NONE,
    CERT_OPTIONAL,
    CERT_REQUIRED,
    CHANNEL_BINDING_TYPES,
    HAS_ALPN,
    HAS_ECDH,
    HAS_NEVER_CHECK_COMMON_NAME,
    HAS_SNI,
    HAS_TLSv1_2,
    HAS_TLSv1_3,
    OP_ALL,
    OP_CIPHER_SERVER_PREFERENCE,
    OP_ENABLE_MIDDLEBOX_COMPAT,
    OP_NO_COMPRESSION,
    OP_NO_RENEGOTIATION,
    OP_NO_TICKET,
    OP_NO_TLSv1,
    OP_NO_TLSv1_1,
    OP_NO_TLSv1_2,
    OP_NO_TLSv1_3,
    PROTOCOL_TLS,
    PROTOCOL_TLS_CLIENT,
    PROTOCOL_TLS_SERVER,
    VERIFY_DEFAULT,
    VERIFY_X509_PARTIAL_CHAIN,
    VERIFY_X509_STRICT,
    VERIFY_X509_TRUSTED_FIRST,
    MemoryBIO,
    Options,
    Purpose,
    SSLContext,
    TLSVersion,
    VerifyFlags,
    VerifyMode,
    create_default_context,
    extract_from_ssl,
    inject_into_ssl,
)
from .errors import SSLError as FastTLSError
from .errors import (
    AlertReceived,
    CertificateError,
    SSLCertVerificationError,
    SSLEOFError,
    SSLSyscallError,
    SSLWantReadError,
    SSLWantWriteError,
    SSLZeroReturnError,
    TLSError,
)
from .socket import SSLSocket, wrap_socket
from .sslobject import SSLObject
from .tickets import ClientSession
from .verify import TrustStore

SSLSession = ClientSession

# ssl's names that hold no connection state (alert numbers, error codes, option and
# flag bits fasttls takes, certificate helpers), so that ``import fasttls as ssl`` finds
# them: an sni_callback returns ALERT_DESCRIPTION_*, error handlers compare SSL_ERROR_*.
from ssl import (
    ALERT_DESCRIPTION_ACCESS_DENIED,
    ALERT_DESCRIPTION_BAD_CERTIFICATE,
    ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE,
    ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE,
    ALERT_DESCRIPTION_BAD_RECORD_MAC,
    ALERT_DESCRIPTION_CERTIFICATE_EXPIRED,
    ALERT_DESCRIPTION_CERTIFICATE_REVOKED,
    ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN,
    ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE,
    ALERT_DESCRIPTION_CLOSE_NOTIFY,
    ALERT_DESCRIPTION_DECODE_ERROR,
    ALERT_DESCRIPTION_DECOMPRESSION_FAILURE,
    ALERT_DESCRIPTION_DECRYPT_ERROR,
    ALERT_DESCRIPTION_HANDSHAKE_FAILURE,
    ALERT_DESCRIPTION_ILLEGAL_PARAMETER,
    ALERT_DESCRIPTION_INSUFFICIENT_SECURITY,
    ALERT_DESCRIPTION_INTERNAL_ERROR,
    ALERT_DESCRIPTION_NO_RENEGOTIATION,
    ALERT_DESCRIPTION_PROTOCOL_VERSION,
    ALERT_DESCRIPTION_RECORD_OVERFLOW,
    ALERT_DESCRIPTION_UNEXPECTED_MESSAGE,
    ALERT_DESCRIPTION_UNKNOWN_CA,
    ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY,
    ALERT_DESCRIPTION_UNRECOGNIZED_NAME,
    ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE,
    ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION,
    ALERT_DESCRIPTION_USER_CANCELLED,
    OP_IGNORE_UNEXPECTED_EOF,
    OP_NO_SSLv2,
    OP_NO_SSLv3,
    OP_SINGLE_DH_USE,
    OP_SINGLE_ECDH_USE,
    PEM_FOOTER,
    PEM_HEADER,
    PROTOCOL_SSLv23,
    PROTOCOL_TLSv1_2,
    SSL_ERROR_EOF,
    SSL_ERROR_INVALID_ERROR_CODE,
    SSL_ERROR_SSL,
    SSL_ERROR_SYSCALL,
    SSL_ERROR_WANT_CONNECT,
    SSL_ERROR_WANT_READ,
    SSL_ERROR_WANT_WRITE,
    SSL_ERROR_WANT_X509_LOOKUP,
    SSL_ERROR_ZERO_RETURN,
    VERIFY_ALLOW_PROXY_CERTS,
    VERIFY_CRL_CHECK_CHAIN,
    VERIFY_CRL_CHECK_LEAF,
    AlertDescription,
    DefaultVerifyPaths,
    DER_cert_to_PEM_cert,
    PEM_cert_to_DER_cert,
    SSLErrorNumber,
    cert_time_to_seconds,
    get_default_verify_paths,
)

from .context import _create_unverified_context, get_server_certificate

# OpenSSL's random generator, as ssl has it (``import fasttls as ssl`` code seeds or reads it).
from ssl import RAND_add, RAND_bytes, RAND_status


def _openssl_version() -> tuple[str, int, tuple[int, int, int, int, int]]:
    """The OpenSSL fasttls's primitives run on (``cryptography``'s), as ssl describes its own:
    code logs it or compares ``OPENSSL_VERSION_INFO``; fasttls's TLS does not depend on it."""
    from cryptography.hazmat.backends.openssl.backend import backend

    n = backend.openssl_version_number()
    # MNNFFPPS, parsed as _ssl's parse_openssl_version: (major, minor, fix, patch, status).
    return backend.openssl_version_text(), n, (n >> 28 & 0xFF, n >> 20 & 0xFF, n >> 12 & 0xFF, n >> 4 & 0xFF, n & 0xF)


OPENSSL_VERSION, OPENSSL_VERSION_NUMBER, OPENSSL_VERSION_INFO = _openssl_version()

#: What fasttls speaks: never SSL 2/3, TLS 1.0 or 1.1 (RFC 8996), nor NPN.
HAS_SSLv2 = HAS_SSLv3 = HAS_TLSv1 = HAS_TLSv1_1 = HAS_NPN = False
#: TLS 1.3 external PSKs (``set_psk_client_callback``/``set_psk_server_callback``, ssl's from
#: Python 3.13): on every Python fasttls runs on.
HAS_PSK = True
import ssl as _ssl

_create_default_https_context = create_default_context
_create_stdlib_context = _create_unverified_context

__version__ = "0.1.0"

__all__ = [
    "SSLContext",
    "SSLSocket",
    "SSLObject",
    "SSLSession",
    "MemoryBIO",
    "create_default_context",
    "inject_into_ssl",
    "extract_from_ssl",
    "wrap_socket",
    "PROTOCOL_TLS",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "TLSVersion",
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "Purpose",
    "Options",
    "VerifyMode",
    "VerifyFlags",
    "CHANNEL_BINDING_TYPES",
    "HAS_ALPN",
    "HAS_ECDH",
    "HAS_NEVER_CHECK_COMMON_NAME",
    "HAS_PSK",
    "HAS_SNI",
    "HAS_TLSv1_2",
    "HAS_TLSv1_3",
    "OP_ALL",
    "OP_CIPHER_SERVER_PREFERENCE",
    "OP_ENABLE_MIDDLEBOX_COMPAT",
    "OP_NO_COMPRESSION",
    "OP_NO_RENEGOTIATION",
    "OP_NO_TICKET",
    "OP_NO_TLSv1",
    "OP_NO_TLSv1_1",
    "OP_NO_TLSv1_2",
    "OP_NO_TLSv1_3",
    "VERIFY_DEFAULT",
    "VERIFY_X509_PARTIAL_CHAIN",
    "VERIFY_X509_STRICT",
    "VERIFY_X509_TRUSTED_FIRST",
    "SSLError",
    "FastTLSError",
    "SSLZeroReturnError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLSyscallError",
    "SSLEOFError",
    "SSLCertVerificationError",
    "CertificateError",
    "TLSError",
    "AlertReceived",
    "Config",
    "CertifiedKey",
    "ClientAuthType",
    "Connection",
    "ClientSession",
    "TrustStore",
    "get_server_certificate",
    "DER_cert_to_PEM_cert",
    "PEM_cert_to_DER_cert",
    "cert_time_to_seconds",
    "get_default_verify_paths",
    "DefaultVerifyPaths",
    "AlertDescription",
    "SSLErrorNumber",
    "HAS_SSLv2",
    "HAS_SSLv3",
    "HAS_TLSv1",
    "HAS_TLSv1_1",
    "HAS_NPN",
    "OP_IGNORE_UNEXPECTED_EOF",
    "OP_NO_SSLv2",
    "OP_NO_SSLv3",
    "OP_SINGLE_DH_USE",
    "OP_SINGLE_ECDH_USE",
    "PEM_HEADER",
    "PEM_FOOTER",
    "PROTOCOL_SSLv23",
    "PROTOCOL_TLSv1_2",
    "VERIFY_ALLOW_PROXY_CERTS",
    "VERIFY_CRL_CHECK_CHAIN",
    "VERIFY_CRL_CHECK_LEAF",
    "ALERT_DESCRIPTION_ACCESS_DENIED",
    "ALERT_DESCRIPTION_BAD_CERTIFICATE",
    "ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE",
    "ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
    "ALERT_DESCRIPTION_BAD_RECORD_MAC",
    "ALERT_DESCRIPTION_CERTIFICATE_EXPIRED",
    "ALERT_DESCRIPTION_CERTIFICATE_REVOKED",
    "ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN",
    "ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE",
    "ALERT_DESCRIPTION_CLOSE_NOTIFY",
    "ALERT_DESCRIPTION_DECODE_ERROR",
    "ALERT_DESCRIPTION_DECOMPRESSION_FAILURE",
    "ALERT_DESCRIPTION_DECRYPT_ERROR",
    "ALERT_DESCRIPTION_HANDSHAKE_FAILURE",
    "ALERT_DESCRIPTION_ILLEGAL_PARAMETER",
    "ALERT_DESCRIPTION_INSUFFICIENT_SECURITY",
    "ALERT_DESCRIPTION_INTERNAL_ERROR",
    "ALERT_DESCRIPTION_NO_RENEGOTIATION",
    "ALERT_DESCRIPTION_PROTOCOL_VERSION",
    "ALERT_DESCRIPTION_RECORD_OVERFLOW",
    "ALERT_DESCRIPTION_UNEXPECTED_MESSAGE",
    "ALERT_DESCRIPTION_UNKNOWN_CA",
    "ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY",
    "ALERT_DESCRIPTION_UNRECOGNIZED_NAME",
    "ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE",
    "ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION",
    "ALERT_DESCRIPTION_USER_CANCELLED",
    "SSL_ERROR_EOF",
    "SSL_ERROR_INVALID_ERROR_CODE",
    "SSL_ERROR_SSL",
    "SSL_ERROR_SYSCALL",
    "SSL_ERROR_WANT_CONNECT",
    "SSL_ERROR_WANT_READ",
    "SSL_ERROR_WANT_WRITE",
    "SSL_ERROR_WANT_X509_LOOKUP",
    "SSL_ERROR_ZERO_RETURN",
    "RAND_add",
    "RAND_bytes",
    "RAND_status",
    "OPENSSL_VERSION",
    "OPENSSL_VERSION_INFO",
    "OPENSSL_VERSION_NUMBER",
]

#: Options newer Pythons' ssl names (3.12), taken as they are, where this Python's ssl has
#: them: kernel TLS has no meaning for fasttls (OP_ENABLE_KTLS changes nothing);
#: OP_LEGACY_SERVER_CONNECT lets a client connect to a TLS 1.2 server without RFC 5746, as
#: in OpenSSL 3 (Go always does).  Imported by name, so type checkers see them (typeshed
#: has them from 3.12 on).
if sys.version_info >= (3, 12):
    if hasattr(_ssl, "OP_ENABLE_KTLS"):  # (OpenSSL 3)
        from ssl import OP_ENABLE_KTLS as OP_ENABLE_KTLS

        __all__ += ["OP_ENABLE_KTLS"]
    if hasattr(_ssl, "OP_LEGACY_SERVER_CONNECT"):
        from ssl import OP_LEGACY_SERVER_CONNECT as OP_LEGACY_SERVER_CONNECT

        __all__ += ["OP_LEGACY_SERVER_CONNECT"]
del sys

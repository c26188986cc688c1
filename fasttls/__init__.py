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
from .errors import (
    AlertReceived,
    CertificateError,
    SSLCertVerificationError,
    SSLEOFError,
    SSLError,
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
]

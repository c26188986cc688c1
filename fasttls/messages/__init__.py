"""TLS handshake messages: the byte codec, the extensions, one class per message.

* :mod:`.codec` - :class:`Reader` / :class:`Writer` for the RFC 8446 section 3 presentation language;
* :mod:`.extensions` - one parse/build pair per extension, and ``ALLOWED_EXTENSIONS_TLS13``;
* :mod:`.handshake` - the messages and :func:`parse_handshake`.
"""

from __future__ import annotations

from .codec import Reader, Writer
from .extensions import ALLOWED_EXTENSIONS_TLS13, KeyShareEntry, PskIdentity
from .handshake import (
    DOWNGRADE_CANARY_TLS11,
    DOWNGRADE_CANARY_TLS12,
    HELLO_RETRY_REQUEST_RANDOM,
    CertificateEntry,
    CertificateRequestTLS12,
    CertificateRequestTLS13,
    CertificateStatus,
    CertificateTLS12,
    CertificateTLS13,
    CertificateVerify,
    ClientHello,
    ClientKeyExchange,
    ECDHEServerKeyExchange,
    EncryptedExtensions,
    EndOfEarlyData,
    Finished,
    HandshakeMessage,
    HelloRequest,
    KeyUpdate,
    NewSessionTicketTLS12,
    NewSessionTicketTLS13,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchange,
    marshal_ecdhe_params,
    parse_handshake,
)

__all__ = [
    "Reader",
    "Writer",
    "ALLOWED_EXTENSIONS_TLS13",
    "KeyShareEntry",
    "PskIdentity",
    "DOWNGRADE_CANARY_TLS11",
    "DOWNGRADE_CANARY_TLS12",
    "HELLO_RETRY_REQUEST_RANDOM",
    "HandshakeMessage",
    "ClientHello",
    "ServerHello",
    "EncryptedExtensions",
    "CertificateRequestTLS13",
    "CertificateEntry",
    "CertificateTLS13",
    "CertificateVerify",
    "Finished",
    "NewSessionTicketTLS13",
    "KeyUpdate",
    "EndOfEarlyData",
    "CertificateTLS12",
    "ServerKeyExchange",
    "ECDHEServerKeyExchange",
    "CertificateRequestTLS12",
    "ServerHelloDone",
    "ClientKeyExchange",
    "NewSessionTicketTLS12",
    "CertificateStatus",
    "HelloRequest",
    "marshal_ecdhe_params",
    "parse_handshake",
]

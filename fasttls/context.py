"""``SSLContext``: Python's ``ssl.SSLContext`` interface over fasttls.

The class is a subclass of :class:`ssl.SSLContext` (as the ``truststore``
package does), so code that checks ``isinstance(ctx, ssl.SSLContext)`` -
asyncio's ``start_tls``, httpx, aiohttp, urllib3 - accepts it.  Every setting
is kept here, in Python, and turned into a :class:`fasttls.config.Config`;
every connection is a fasttls :class:`~fasttls.connection.Connection`, made by
:meth:`SSLContext.wrap_socket` (a :class:`fasttls.socket.SSLSocket`) or
:meth:`SSLContext.wrap_bio` (a :class:`fasttls.sslobject.SSLObject`).

OpenSSL's own context object still exists underneath (the C base class makes
one when the instance is created) but no setting, certificate or connection
ever reaches it: each method and property ``ssl.SSLContext`` offers is
overridden here.

Beyond Python 3.11's ``ssl``: :meth:`SSLContext.set_ciphersuites` (OpenSSL's
colon-separated TLS 1.3 suite names) and :meth:`SSLContext.set_groups` (key
exchange groups, e.g. ``"X25519MLKEM768:X25519:P-256"``).
"""

from __future__ import annotations

import base64
import binascii
import getpass
import math
import operator
import os
import re
import socket
import ssl
import sys
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import PublicKeyAlgorithmOID

from . import auth, cipher_suites, key_exchange, verify
from ._fork import fork_safe_lock
from .auth import CERT_PARSE_ERRORS, _der_items
from .config import CertifiedKey, ClientAuthType, Config, key_matches_certificate
from .constants import AlertDescription, ProtocolVersion
from .errors import SSLError, TLSError, openssl_error
from .pem import CERTIFICATE_LABELS, PemError, pem_blocks, read_certificate
from .tickets import ClientSession, ClientSessionCache, ServerSessionCache, TicketKeys, check_session_origin
from .keylog import KeyLogFile
from .verify import TrustStore, ip_literal, system_store_configured

if TYPE_CHECKING:
    from ssl import _PasswordType, _SSLMethod
    from typing import TypeAlias

    from _typeshed import ReadableBuffer, StrOrBytesPath

    from .config import ConnectionState
    from .socket import SSLSocket
    from .sslobject import SSLObject

    #: ``sni_callback(ssl_socket_or_object, server_name, context)``: None goes on; an int
    #: (``ALERT_DESCRIPTION_*``) fails the handshake with that alert.
    _SNICallback: TypeAlias = Callable[[SSLSocket | SSLObject, str | None, "SSLContext"], int | None]
    #: ``set_servername_callback``'s callback: as ``sni_callback``.
    _ServerNameCallback: TypeAlias = _SNICallback
    #: ``verify_peer_certificate(der_certificates, verified_chains)``: an exception refuses the peer.
    _VerifyPeerCertificate: TypeAlias = Callable[[list[bytes], list[list[x509.Certificate]]], None]
    #: ``verify_connection(state)``: an exception refuses the peer.
    _VerifyConnection: TypeAlias = Callable[[ConnectionState], None]

# The standard library's names, re-exported (fasttls.CERT_REQUIRED is ssl.CERT_REQUIRED...).
from ssl import (  # noqa: F401  (re-exports)
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
    OP_IGNORE_UNEXPECTED_EOF,
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
    VERIFY_CRL_CHECK_CHAIN,
    VERIFY_CRL_CHECK_LEAF,
    VERIFY_DEFAULT,
    VERIFY_X509_PARTIAL_CHAIN,
    VERIFY_X509_STRICT,
    VERIFY_X509_TRUSTED_FIRST,
    MemoryBIO,
    Options,
    Purpose,
    TLSVersion,
    VerifyFlags,
    VerifyMode,
)

__all__ = [
    "SSLContext",
    "create_default_context",
    "inject_into_ssl",
    "extract_from_ssl",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "PROTOCOL_TLS",
    "TLSVersion",
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "Purpose",
    "Options",
    "VerifyMode",
    "VerifyFlags",
    "MemoryBIO",
]

#: The real ``ssl.SSLContext``, captured at import (``inject_into_ssl`` replaces the module's name).
_StdSSLContext = ssl.SSLContext
_std_create_default_context = ssl.create_default_context

_SUPPORTED_PROTOCOLS = {PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER}
_PROTOCOL_TLSv1_2 = getattr(ssl, "PROTOCOL_TLSv1_2", None)

_TLS_VERSIONS = {
    TLSVersion.TLSv1_2: ProtocolVersion.TLS12,
    TLSVersion.TLSv1_3: ProtocolVersion.TLS13,
    TLSVersion.MINIMUM_SUPPORTED: ProtocolVersion.TLS12,
    TLSVersion.MAXIMUM_SUPPORTED: ProtocolVersion.TLS13,
    # A minimum below TLS 1.2 is taken (ssl takes it, and servers set it "to accept old
    # clients") and means TLS 1.2: older versions are never negotiated (RFC 8996).
    TLSVersion.SSLv3: ProtocolVersion.TLS12,
    TLSVersion.TLSv1: ProtocolVersion.TLS12,
    TLSVersion.TLSv1_1: ProtocolVersion.TLS12,
}
_OLD_VERSIONS = (TLSVersion.SSLv3, TLSVersion.TLSv1, TLSVersion.TLSv1_1)

#: OpenSSL's SSL_SESSION_CACHE_MAX_SIZE_DEFAULT.
_SERVER_SESSION_CACHE_SIZE = 1024 * 20

_SESSION_STAT_KEYS = (
    "number",
    "connect",
    "connect_good",
    "connect_renegotiate",
    "accept",
    "accept_good",
    "accept_renegotiate",
    "hits",
    "misses",
    "timeouts",
    "cache_full",
)


#: ERR_RFLAG_COMMON, which OpenSSL 3 sets in the "lib" reason codes (ERR_R_PEM_LIB is 9
#: with it in 1.1.1, which Python 3.11 may still be linked with).
_COMMON_REASON = 0x80000 if ssl.OPENSSL_VERSION_INFO >= (3,) else 0
#: OpenSSL's reason codes, which ssl gives as ``errno`` (ERR_GET_REASON), read off ssl's
#: errors for the same loads.
_OPENSSL_REASON_CODES = {
    "NO_START_LINE": 108,
    "BAD_BASE64_DECODE": 100,
    "BAD_END_LINE": 102,
    "KEY_VALUES_MISMATCH": 116,
    "DH_KEY_TOO_SMALL": 394,
    "NO_CIPHER_MATCH": 185,
    "PEM lib": _COMMON_REASON | 9,
    "ASN1 lib": _COMMON_REASON | 13,
}


def _no_cipher_match() -> ssl.SSLError:
    """What ssl's set_ciphers raises for a string that selects nothing: _ssl clears
    OpenSSL's error and raises the bare message (no errno, no reason)."""
    return ssl.SSLError("No cipher can be selected.")


def _ssl_error(reason: str, message: str, errno: int | None = None) -> ssl.SSLError:
    """An ``ssl.SSLError`` shaped like the one OpenSSL's context methods raise: its
    ``errno`` OpenSSL's reason code where we know it, else SSL_ERROR_SSL (a plain int)."""
    library, _, code = reason.partition(": ")
    if errno is None:
        errno = _OPENSSL_REASON_CODES.get(code or message.partition(":")[0], int(ssl.SSL_ERROR_SSL))
    err = ssl.SSLError(errno, f"[{reason}] {message}")
    err.library, err.reason = library, code or None  # "[SSL] PEM lib": no reason, as ssl
    return err


def _dh_security_bits(data: bytes) -> int:
    """The security bits of the first DH parameters of a PEM file, as OpenSSL reckons them
    (DH_security_bits: from the sizes of p, and of q or the private value length), read as
    PEM_read_bio_DHparams reads them: PKCS #3 ``SEQUENCE { p, g, privateValueLength
    OPTIONAL }`` or X9.42 ``SEQUENCE { p, g, q, ... }``.  Only the ASN.1 is read:
    cryptography deprecates finite-field DH, and nothing here computes with it.  SSLError
    as ssl's: NO_START_LINE, BAD_END_LINE, BAD_BASE64_DECODE, or ASN1 lib."""
    try:
        blocks = pem_blocks(data)
    except PemError as e:
        raise _ssl_error(f"PEM: {e.reason}", str(e)) from None
    found = next(((label, text) for label, text in blocks if label in ("DH PARAMETERS", "X9.42 DH PARAMETERS")), None)
    if found is None:
        raise _ssl_error("PEM: NO_START_LINE", "no start line")
    label, text = found
    body = b"".join(line.strip() for line in text.splitlines()[1:-1] if b":" not in line)
    try:
        der = base64.b64decode(body, validate=True)
    except binascii.Error:
        raise _ssl_error("PEM: BAD_BASE64_DECODE", "bad base64 decode") from None

    try:
        # As d2i: the first element only, and in it p, g and a third INTEGER if one follows.
        items = _der_items(der, 1)
        if not items or items[0][0] != 0x30:
            raise ValueError("not a SEQUENCE")
        body, ints = items[0][2], []
        while len(ints) < 3 and body[:1] == b"\x02":
            (_, whole, contents), = _der_items(body, 1)
            if not contents or contents[0] & 0x80:
                raise ValueError("empty or negative INTEGER")
            ints.append(int.from_bytes(contents, "big"))
            body = body[len(whole) :]
        if len(ints) < 2:
            raise ValueError("no p and g")
        p, g, third = ints[0], ints[1], ints[2] if len(ints) > 2 else None
        if label == "X9.42 DH PARAMETERS" and third is None:
            raise ValueError  # q is required there
        if label == "DH PARAMETERS" and third is not None and third >= 1 << 31:
            raise ValueError  # the private value length is a C long there
    except ValueError:
        raise _ssl_error("PEM", "ASN1 lib") from None
    # BN_security_bits(L, N): N is q's size (X9.42) or the private value length (PKCS #3).
    n = third.bit_length() if label == "X9.42 DH PARAMETERS" else (third or -1)
    all_ones = (1 << 64) - 1
    if label == "DH PARAMETERS" and g == 2 and p >> (p.bit_length() - 64) == all_ones and p & all_ones == all_ones:
        # The shape of the named safe-prime groups (RFC 7919 ffdhe, RFC 3526 MODP: the top
        # and bottom 64 bits all ones, generator 2): OpenSSL recognises them and takes q
        # as (p - 1) / 2, whatever private value length the file gives.
        n = p.bit_length() - 1
    size = p.bit_length()
    bits = next((b for limit, b in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)) if size >= limit), 0)
    if bits and n != -1:
        bits = 0 if n // 2 < 80 else min(bits, n // 2)
    return bits


def _certfile_chain(data: bytes) -> list[x509.Certificate]:
    """The certificates of a ``load_cert_chain`` file, leaf first, read as OpenSSL's
    PEM reader does (:mod:`fasttls.pem`): a block cut short is BAD_END_LINE, and
    ``TRUSTED CERTIFICATE`` blocks count (their trust settings do not, here)."""
    try:
        blocks = pem_blocks(data)
    except PemError as e:
        if not any(label in CERTIFICATE_LABELS for label in e.before):
            # The leaf itself cut short: SSL_CTX_use_certificate_chain_file's PEM lib.
            raise _ssl_error("SSL", f"PEM lib: {e}") from None
        raise _ssl_error(f"PEM: {e.reason}", str(e)) from None
    chain = []
    for label, block in blocks:
        if label in CERTIFICATE_LABELS:
            try:
                chain.append(read_certificate(label, block)[0])
            except ValueError as e:
                raise _ssl_error("SSL", f"PEM lib: cannot parse a certificate in certfile ({e})") from None
    if not chain:
        raise _ssl_error("SSL", "PEM lib: no certificate found in certfile")
    return chain


def _key_slot(key: Any, cert: x509.Certificate) -> str:
    """OpenSSL keeps one certificate per key type (RSA, EC, Ed25519, Ed448, each ML-DSA
    parameter set): a new one replaces it."""
    if isinstance(key, rsa.RSAPrivateKey):
        # An id-RSASSA-PSS certificate has a slot of its own (OpenSSL's SSL_PKEY_RSA_PSS_SIGN);
        # a client offers only the last loaded of the two (SSLContext._sent_chains).
        if cert.public_key_algorithm_oid == PublicKeyAlgorithmOID.RSASSA_PSS:
            return "RSA-PSS"
        return "RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PrivateKey):
        return "Ed448"
    return type(key).__name__  # an ML-DSA key: its type names its parameter set


# ssl_security_cert's refusals (ssl/ssl_cert.c): OpenSSL's reason, its text, and its reason
# code, which ssl gives as the error's errno.
_EE_KEY_TOO_SMALL = ("SSL: EE_KEY_TOO_SMALL", "ee key too small", 399)
_CA_KEY_TOO_SMALL = ("SSL: CA_KEY_TOO_SMALL", "ca key too small", 397)
_CA_MD_TOO_WEAK = ("SSL: CA_MD_TOO_WEAK", "ca md too weak", 398)


def _self_signed(cert: x509.Certificate) -> bool:
    """OpenSSL's EXFLAG_SS, closely enough: issued to itself, and an authorityKeyIdentifier,
    if any, names its own key (X509_check_akid)."""
    try:
        if cert.subject != cert.issuer:
            return False
    except CERT_PARSE_ERRORS:  # a damaged name: CertifiedKey says so below
        return False
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        return True
    return aki is None or aki == ski


def _chain_security_error(chain: list[x509.Certificate], level: int) -> ssl.SSLError | None:
    """What ``load_cert_chain`` refuses at ``level``, as ssl_security_cert does for each
    certificate SSL_CTX_use_certificate_chain_file loads: the leaf's key (EE_KEY_TOO_SMALL),
    the other certificates' keys (CA_KEY_TOO_SMALL), and every signature but a self-signed
    certificate's (CA_MD_TOO_WEAK: SHA-1 fails from level 1 on)."""
    need = verify.level_bits(level)
    if not need:
        return None
    for i, cert in enumerate(chain):
        problem = None
        if verify.certificate_key_bits(cert) < need:
            problem = _CA_KEY_TOO_SMALL if i else _EE_KEY_TOO_SMALL
        elif not _self_signed(cert) and verify.signature_security_bits(cert) < need:
            problem = _CA_MD_TOO_WEAK
        if problem is not None:
            return _ssl_error(*problem)
    return None


_CIPHER_SEPARATORS = ":, ;"  # OpenSSL's ITEM_SEP
_CIPHER_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.=")
_CIPHER_NAME_THEN_COMMAND = re.compile(r"(?<=[A-Za-z0-9.=-])@")


def _cipher_string_level(cipherlist: str) -> tuple[int | None, bool]:
    """The ``@`` commands of an OpenSSL cipher string, read as OpenSSL 3.0's
    ssl_cipher_process_rulestr reads them: ``(level, ok)``, ``level`` being the last
    ``@SECLEVEL=n`` (n of 0 to 5) it would apply (None if none) and ``ok`` False when a
    command is invalid.  An element is an optional operator (``-``, ``+``, ``!``, ``@``)
    and a name of letters, digits and ``-.=`` (``A+B`` for several); after a known name
    the next element may follow at once ("ALL@SECLEVEL=1"), after an unknown one the rest
    of the element is skipped ("FOO@SECLEVEL=0" sets nothing).  An element with no name
    ("-@...", "_") stops everything; an invalid command fails the call but the reading
    goes on ("@FOO:@SECLEVEL=0" still sets 0).  "DEFAULT" at the start is its own rule."""
    s = cipherlist
    if s.startswith("DEFAULT"):
        s = s[7:]
        if s.startswith(":"):
            s = s[1:]
    level, ok = None, True
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        rule = ""
        if ch in "-+!@":
            rule = ch
            i += 1
            ch = s[i] if i < n else ""
        if ch and ch in _CIPHER_SEPARATORS:
            i += 1
            continue
        found = True
        while True:
            j = i
            while j < n and s[j] in _CIPHER_NAME_CHARS:
                j += 1
            if j == i:
                return level, False  # SSL_R_INVALID_COMMAND: nothing more is read
            name, i = s[i:j], j
            if rule == "@":
                break
            found = found and cipher_suites.is_cipher_name(name)
            if i < n and s[i] == "+":
                i += 1
                continue
            break
        if rule == "@":
            if len(name) == 10 and name.startswith("SECLEVEL=") and name[9] in "012345":
                level = int(name[9])
            elif name != "STRENGTH":
                ok = False
        if rule == "@" or not found:
            while i < n and s[i] not in _CIPHER_SEPARATORS:
                i += 1
    return level, ok


# The options _ssl's setter warns about when newly set (SSL_OP_NO_SSLv2 is 0 in OpenSSL 3).
_OP_NO_VERSIONS = ssl.OP_NO_SSLv3 | ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1 | ssl.OP_NO_TLSv1_2 | ssl.OP_NO_TLSv1_3


def _crl_check(flags: int) -> str | None:
    """``Config.crl_check`` for verify flags: OpenSSL checks CRLs when X509_V_FLAG_CRL_CHECK
    (VERIFY_CRL_CHECK_LEAF) is set, all the chain's when CRL_CHECK_ALL is set beside it
    (VERIFY_CRL_CHECK_CHAIN is both); CRL_CHECK_ALL alone checks nothing."""
    if not flags & VERIFY_CRL_CHECK_LEAF:
        return None
    return "chain" if flags & VERIFY_CRL_CHECK_CHAIN == VERIFY_CRL_CHECK_CHAIN else "leaf"


def _fspath(value: Any, what: str) -> str:
    try:
        return os.fsdecode(os.fspath(value))
    except TypeError:
        raise TypeError(f"{what} should be a valid filesystem path") from None


#: The size of the buffer OpenSSL's PEM code gives a password callback (pem.h PEM_BUFSIZE);
#: ssl takes a password that fills it, as long as the key is encrypted.
_PEM_BUFSIZE = 1024


#: SSL_OP_PRIORITIZE_CHACHA, which ssl passes through but does not name.
_OP_PRIORITIZE_CHACHA = 0x00200000
#: SSL_OP_LEGACY_SERVER_CONNECT (ssl.OP_LEGACY_SERVER_CONNECT from Python 3.12): a TLS 1.2
#: client may connect to a server without RFC 5746 (Config.require_secure_renegotiation).
_OP_LEGACY_SERVER_CONNECT = 0x4


def _ask_pass_phrase() -> bytes | None:
    """OpenSSL's default password callback (PEM_def_callback), which ssl leaves in place
    when ``load_cert_chain`` gets no password: ask on the controlling terminal, without
    echo.  None when there is no terminal (a service), and the load fails as before."""
    try:
        with open("/dev/tty", "rb"):
            pass
    except OSError:
        return None
    return getpass.getpass("Enter PEM pass phrase:").encode()


def _password_bytes(password: Any) -> bytes | None:
    if password is None:
        return None
    if callable(password):
        password = password()
        if not isinstance(password, (str, bytes, bytearray)):
            raise TypeError("password callback must return a string")
    elif not isinstance(password, (str, bytes, bytearray)):
        raise TypeError("password should be a string or callable")
    if isinstance(password, str):
        password = password.encode("utf-8")
    if len(password) > _PEM_BUFSIZE:  # _ssl.c _password_callback: OpenSSL's buffer, PEM_BUFSIZE bytes
        raise ValueError(f"password cannot be longer than {_PEM_BUFSIZE} bytes")
    return bytes(password)


# The system trust store, shared by contexts that only load_default_certs() (copy on write),
# keyed by the environment variables that choose it.
_default_stores: dict[tuple, TrustStore] = {}
_default_lock = fork_safe_lock()


def _system_store() -> TrustStore:
    paths = ssl.get_default_verify_paths()
    key = (os.environ.get(paths.openssl_cafile_env), os.environ.get(paths.openssl_capath_env))
    with _default_lock:
        store = _default_stores.get(key)
        if store is None:
            store = TrustStore()
            store.load_system()
            if not store and not store.can_look_up() and not system_store_configured():
                store.load_certifi()
            _default_stores[key] = store
    return store



def _callback_or_none(value: Any) -> Any:
    """A callback setting's value: None or a callable (ssl's TypeError otherwise)."""
    if value is not None and not callable(value):
        raise TypeError("not a callable object")
    return value

class SSLContext(_StdSSLContext):
    """A drop-in ``ssl.SSLContext`` whose connections are fasttls ones.

    ``SSLContext(PROTOCOL_TLS_CLIENT)`` verifies certificates and host names
    (``verify_mode=CERT_REQUIRED``, ``check_hostname=True``) against the CAs
    given to :meth:`load_verify_locations` or :meth:`load_default_certs`;
    ``SSLContext(PROTOCOL_TLS_SERVER)`` serves the chains given to
    :meth:`load_cert_chain`.  TLS 1.2 is the minimum version.
    """

    #: As ssl's: a program may set a subclass of ``ssl.SSLSocket``/``ssl.SSLObject``, whose
    #: methods then come first over fasttls's (see ``_adapted``).  fasttls's own classes
    #: (set below by ``_bind_classes``) are the defaults.
    sslsocket_class: type[ssl.SSLSocket] = ssl.SSLSocket
    sslobject_class: type[ssl.SSLObject] = ssl.SSLObject

    def __new__(cls, protocol: int | None = None, *args: Any, **kwargs: Any) -> SSLContext:
        if protocol is None:
            warnings.warn("ssl.SSLContext() without protocol argument is deprecated.", DeprecationWarning, stacklevel=2)
            protocol = PROTOCOL_TLS
        if not isinstance(protocol, int):
            raise TypeError(f"'{type(protocol).__name__}' object cannot be interpreted as an integer")
        fixed_12 = _PROTOCOL_TLSv1_2 is not None and protocol == _PROTOCOL_TLSv1_2
        if protocol not in _SUPPORTED_PROTOCOLS and not fixed_12:
            try:
                name = ssl._SSLMethod(protocol).name
            except ValueError:
                raise ValueError("invalid or unsupported protocol version %i" % protocol) from None
            raise ValueError(f"fasttls speaks TLS 1.2 and TLS 1.3 only; {name} is not supported")
        if protocol == PROTOCOL_TLS or fixed_12:
            # As _ssl's context constructor (after the warning above when no protocol was given).
            name = "PROTOCOL_TLSv1_2" if fixed_12 else "PROTOCOL_TLS"
            warnings.warn(f"ssl.{name} is deprecated", DeprecationWarning, stacklevel=2)
        with warnings.catch_warnings():
            # Creating the (unused) OpenSSL context of a deprecated protocol warns; we warned above.
            warnings.simplefilter("ignore", DeprecationWarning)
            self = _StdSSLContext.__new__(cls, protocol)
        self._init_fasttls(protocol, fixed_12)
        return self

    def __init__(self, protocol: int | None = None, *args: Any, **kwargs: Any) -> None:
        # Everything happens in __new__ (as in ssl); subclasses may still call super().__init__().
        pass

    def _init_fasttls(self, protocol: int, fixed_12: bool) -> None:
        self._lock = threading.RLock()
        self._protocol = protocol
        self._client_only = protocol == PROTOCOL_TLS_CLIENT
        self._server_only = protocol == PROTOCOL_TLS_SERVER
        self._verify_mode = CERT_REQUIRED if self._client_only else CERT_NONE
        self._check_hostname = self._client_only
        self._fixed_version = fixed_12
        self._min_version = TLSVersion.TLSv1_2
        self._max_version = TLSVersion.TLSv1_2 if fixed_12 else TLSVersion.MAXIMUM_SUPPORTED
        # Read OpenSSL's defaults for the flag words once (read-only), so the values look as in ssl.
        self._options = Options(_StdSSLContext.options.__get__(self))
        self._verify_flags = VerifyFlags(_StdSSLContext.verify_flags.__get__(self))
        self._post_handshake_auth = False
        self._verify_peer_certificate: Any = None
        self._verify_connection: Any = None
        self._require_ems = True
        self._hostname_checks_common_name = bool(_StdSSLContext.hostname_checks_common_name.__get__(self))  # ssl's default
        self._num_tickets = 2
        self._certificates: list[CertifiedKey] = []
        self._trust = TrustStore()
        self._trust_shared = False  # True while self._trust is the process-wide system store
        # OpenSSL's default level (its configuration may change it), as ssl reports it.
        self._security_level = int(_StdSSLContext.security_level.__get__(self))
        self._suites13 = list(cipher_suites.DEFAULT_TLS13_SUITES)
        self._suites12 = list(cipher_suites.DEFAULT_TLS12_SUITES)
        self._groups = list(key_exchange.DEFAULT_GROUPS)
        self._alpn: list[str] = []
        self._sni_callback: Callable | None = None
        self._psk_client_callback: Callable | None = None
        self._psk_server_callback: Callable | None = None
        self._psk_identity_hint: str | None = None
        self._keylog: KeyLogFile | None = None
        self._keylog_name: Any = None  # keylog_filename as given
        # One key for the context's life, made now, as OpenSSL's SSL_CTX: workers forked after
        # the context was made open each other's tickets, which keys rotated (and so made)
        # in each worker after the fork would not.
        self._ticket_keys = TicketKeys(rotation_interval=math.inf)
        self._session_cache = ClientSessionCache()
        # The server's sessions outlive setting changes (each makes a new Config), as in
        # OpenSSL's SSL_CTX, and as its tickets do (one key): a session ID issued before
        # set_alpn_protocols() or a certificate reload still resumes.
        self._server_session_cache = ServerSessionCache(capacity=_SERVER_SESSION_CACHE_SIZE)
        self._stats = dict.fromkeys(_SESSION_STAT_KEYS, 0)
        self._configs: dict[bool, Config] = {}
        self._self_ref = weakref.ref(self)

    # ------------------------------------------------------------------ Config

    def _changed(self, security: bool = False) -> None:
        """A setting changed: connections made from now on get a new Config."""
        with self._lock:
            self._configs = {}
            if security:
                # Sessions cached under the old trust/verification settings must not be resumed.
                self._session_cache = ClientSessionCache()

    def _sent_chains(self, server_side: bool = True) -> list[CertifiedKey]:
        """The loaded certificates, a leaf loaded alone completed from the trust store as
        OpenSSL does when it sends it (ssl_add_cert_chain: an intermediate the server
        trusts but did not put in its certfile still goes out).

        A client offers one RSA chain, the last loaded of an rsaEncryption and an
        id-RSASSA-PSS one: it sends the first chain that fits (Go's rule), and OpenSSL's
        client sends the last loaded (TLS 1.2; in TLS 1.3 the one of the server's first
        signature algorithm, rsa_pss_pss before rsae)."""
        chains = list(self._certificates)
        if not server_side:
            rsa_chains = [c for c in chains if isinstance(c.private_key, rsa.RSAPrivateKey)]
            chains = [c for c in chains if c is rsa_chains[-1] or c not in rsa_chains] if rsa_chains else chains
        out = []
        for certified in chains:
            if len(certified.chain) == 1 and self._trust:
                path = verify.build_chain(certified.leaf, self._trust)
                if len(path) > 1:
                    certified = certified.with_chain(path)
            out.append(certified)
        return out

    def _config_for(self, server_side: bool) -> Config:
        cfg = self._configs.get(server_side)
        if cfg is None:
            with self._lock:
                cfg = self._configs.get(server_side)
                if cfg is None:
                    cfg = self._build_config(server_side)
                    self._configs[server_side] = cfg
        return cfg

    def _build_config(self, server_side: bool) -> Config:
        opts = self._options
        lo = _TLS_VERSIONS[self._min_version]
        hi = _TLS_VERSIONS[self._max_version]
        if opts & OP_NO_TLSv1_2:
            lo = max(lo, ProtocolVersion.TLS13)
        if opts & OP_NO_TLSv1_3 or not self._suites13:
            hi = min(hi, ProtocolVersion.TLS12)
        if not self._suites12:
            lo = max(lo, ProtocolVersion.TLS13)  # set_ciphers chose only suites we lack
        if server_side:
            client_auth = {
                CERT_NONE: ClientAuthType.NoClientCert,
                CERT_OPTIONAL: ClientAuthType.VerifyClientCertIfGiven,
                CERT_REQUIRED: ClientAuthType.RequireAndVerifyClientCert,
            }[self._verify_mode]
        else:
            client_auth = ClientAuthType.NoClientCert
        ref = self._self_ref
        sni = None
        if server_side and self._sni_callback is not None:

            def sni(conn: Any, server_name: str | None) -> Any:
                ctx = ref()
                return ctx._run_sni_callback(conn, server_name) if ctx is not None else None

        cfg = Config(
            certificates=self._sent_chains(server_side),
            sni_callback=sni,
            trust_store=self._trust,
            verify_peer=self._verify_mode != CERT_NONE,
            check_hostname=self._check_hostname,
            x509_strict=bool(self._verify_flags & VERIFY_X509_STRICT),
            crl_check=_crl_check(self._verify_flags),
            hostname_checks_common_name=self._hostname_checks_common_name,
            ca_any_extended_key_usage=False,  # OpenSSL's purpose check: anyEKU does not count
            security_level=self._security_level,  # ssl_verify_cert_chain: the verify auth level
            client_auth=client_auth,
            client_ca_store=self._trust,
            client_ca_names=[],  # as ssl (OpenSSL without SSL_CTX_set_client_CA_list): none
            cipher_suites_tls13=list(self._suites13),
            cipher_suites_tls12=list(self._suites12),
            groups=list(self._groups),
            alpn_protocols=list(self._alpn),
            alpn_mismatch_fails=False,  # as ssl: no common protocol, no ALPN (not an alert)
            prefer_client_ciphers=not (opts & OP_CIPHER_SERVER_PREFERENCE),
            certificate_choice="server" if opts & OP_CIPHER_SERVER_PREFERENCE else "client",
            prioritize_chacha=bool(opts & _OP_PRIORITIZE_CHACHA),  # OpenSSL's server order otherwise
            session_tickets=not (opts & OP_NO_TICKET),
            ticket_keys=self._ticket_keys,
            ticket_lifetime=7200,  # OpenSSL's session timeout (tls1_default_timeout), its ticket lifetime hint
            tickets_to_send=self._num_tickets,
            session_cache=None if server_side else self._session_cache,
            server_session_cache=self._server_session_cache if server_side else None,
            middlebox_compat=bool(opts & OP_ENABLE_MIDDLEBOX_COMPAT),
            ignore_unexpected_eof=bool(opts & OP_IGNORE_UNEXPECTED_EOF),
            keylog=self._keylog,
            post_handshake_auth=self._post_handshake_auth,
            verify_peer_certificate=self._verify_peer_certificate,
            verify_connection=self._verify_connection,
            require_extended_master_secret=self._require_ems,
            require_secure_renegotiation=not (opts & _OP_LEGACY_SERVER_CONNECT),
            psk_client_callback=None if server_side else self._psk_client(),
            psk_server_callback=self._psk_server() if server_side else None,
        )
        # Settings that leave no version (OP_NO_TLSv1_3 with a TLS 1.3 minimum...) fail the
        # handshake, NO_PROTOCOLS_AVAILABLE, as ssl's.
        cfg.min_version, cfg.max_version = lo, hi
        return cfg

    def _run_sni_callback(self, conn: Any, server_name: str | None) -> Any:
        """ssl's ``sni_callback(ssl_socket_or_object, server_name, context)``; may switch the context."""
        owner_ref = conn.owner
        owner = owner_ref() if owner_ref is not None else None
        callback = self._sni_callback
        if callback is None or owner is None:
            return None
        try:
            result = callback(owner, server_name, self)
        except BaseException as exc:  # ssl: an exception fails the handshake with handshake_failure
            _report_unraisable(exc, callback)
            # The server's error names what the callback raised (ssl's says only "callback
            # failed"); it is the cause, as the hook already showed it.
            raise TLSError(AlertDescription.handshake_failure, f"the SNI callback raised {type(exc).__name__}: {exc}", "CALLBACK_FAILED") from exc
        if result is not None:
            try:
                operator.index(result)
            except TypeError as exc:  # _ssl: PyLong_AsLong fails, reported, and internal_error
                _report_unraisable(exc, result)
                return AlertDescription.internal_error
        return result  # None goes on; anything else is an alert (ServerHandshake.call_sni_callback)

    def _stat(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._stats[key] += n

    # ------------------------------------------------------------------ wrapping

    def wrap_socket(  # type: ignore[override]  # session: a fasttls ClientSession, not ssl's
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ClientSession | None = None,
    ) -> SSLSocket:
        """Wrap a connected (or listening) socket: returns a :class:`fasttls.SSLSocket`."""
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")  # first, as ssl's SSLSocket._create
        hostname = self._check_wrap_args(server_side, server_hostname, session)
        sslsocket: SSLSocket = _adapted(self.sslsocket_class, _classes[0], ssl.SSLSocket)._create(
            sock,
            self._config_for(bool(server_side)),
            server_side=bool(server_side),
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=hostname,
            session=session,
            context=self,
        )
        return sslsocket

    def wrap_bio(  # type: ignore[override]  # session: a fasttls ClientSession, not ssl's
        self,
        incoming: MemoryBIO,
        outgoing: MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ClientSession | None = None,
    ) -> SSLObject:
        """Wrap a pair of ``ssl.MemoryBIO``: returns a :class:`fasttls.SSLObject` (what asyncio uses)."""
        if not isinstance(incoming, MemoryBIO) or not isinstance(outgoing, MemoryBIO):
            raise TypeError("incoming and outgoing must be ssl.MemoryBIO instances")  # first, as ssl
        hostname = self._check_wrap_args(server_side, server_hostname, session, bio=True)
        sslobject: SSLObject = _adapted(self.sslobject_class, _classes[1], ssl.SSLObject)._create(
            incoming, outgoing, server_side=bool(server_side), server_hostname=hostname, session=session, context=self
        )
        return sslobject

    def _wrap_socket(self, *args: Any, **kwargs: Any):
        raise NotImplementedError("fasttls contexts never hand a connection to OpenSSL; use wrap_socket()")

    def _wrap_bio(self, *args: Any, **kwargs: Any):
        raise NotImplementedError("fasttls contexts never hand a connection to OpenSSL; use wrap_bio()")

    def _check_wrap_args(self, server_side: bool, server_hostname: Any, session: Any, bio: bool = False) -> str | None:
        if server_side:
            if server_hostname and not bio:
                # ssl's wrap_bio takes one on a server (and only stores it); wrap_socket refuses.
                raise ValueError("server_hostname can only be specified in client mode")
            if session is not None:
                raise ValueError("session can only be specified in client mode")
        if not bio and self._check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")  # either side, as ssl's SSLSocket
        # The wrong side for the protocol: ssl.SSLError, as _ssl's newPySSLSocket.
        if server_side and self._client_only:
            raise SSLError("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context", 0)
        if not server_side and self._server_only:
            raise SSLError("Cannot create a client socket with a PROTOCOL_TLS_SERVER context", 0)
        if not server_side and self._check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        hostname = self._encode_hostname(server_hostname)
        if hostname is not None:
            if not hostname or hostname.startswith("."):
                raise ValueError("server_hostname cannot be an empty string or start with a leading dot.")
            if "\x00" in hostname:
                # ssl's error depends on the Python version (3.11: TypeError from _ssl's
                # argument parsing): ask it, on this rare path.
                try:
                    _StdSSLContext(PROTOCOL_TLS_CLIENT).wrap_bio(MemoryBIO(), MemoryBIO(), server_hostname=hostname)
                except (TypeError, ValueError) as exc:
                    raise type(exc)(*exc.args) from None
                raise ValueError("server_hostname must not contain null character")
            if len(hostname) > 255 and ip_literal(hostname.strip("[]")) is None:
                # OpenSSL's SSL_set_tlsext_host_name: no server_name over 255 bytes.
                raise openssl_error("SSL3_EXT_INVALID_SERVERNAME", "ssl3 ext invalid servername")
        if session is not None:
            if not hasattr(session, "ticket"):
                raise TypeError("Value is not a fasttls session (a SSLSocket.session from a fasttls connection).")
            check_session_origin(session, self)
        return hostname

    # ------------------------------------------------------------------ certificates

    def load_cert_chain(
        self, certfile: StrOrBytesPath, keyfile: StrOrBytesPath | None = None, password: _PasswordType | None = None
    ) -> None:
        """Load a PEM certificate chain (leaf first) and its private key.

        Several calls with keys of different types (RSA, ECDSA, Ed25519, Ed448, ML-DSA)
        keep one chain each; the server ranks those that fit a client as OpenSSL does
        (``Config.certificate_choice``).  A new chain replaces the one of its key type.
        """
        certpath = _fspath(certfile, "certfile")
        keypath = _fspath(keyfile, "keyfile") if keyfile is not None else None
        if password is not None and not callable(password) and not isinstance(password, (str, bytes, bytearray)):
            raise TypeError("password should be a string or callable")
        with open(certpath, "rb") as f:
            cert_data = f.read()
        if keypath is not None:
            with open(keypath, "rb") as f:
                key_data = f.read()
        else:
            key_data = cert_data
        chain = _certfile_chain(cert_data)
        # Before the key, as SSL_CTX_use_certificate_chain_file comes before the key in ssl.
        error = _chain_security_error(chain, self._security_level)
        if error is not None:
            try:
                raise error
            finally:
                del error  # no error-traceback-frame cycle
        # As OpenSSL: the password (or its callback) is asked for only when the key is
        # encrypted, and an unneeded one is ignored.
        try:
            key = auth.load_pem_private_key(key_data, password=None)
        except TypeError as e:  # encrypted
            if password is None:
                password = _ask_pass_phrase()
                if password is None:
                    raise _ssl_error("SSL", f"PEM lib: {e}") from None
            key = None
        except ValueError as e:
            raise _ssl_error("SSL", f"PEM lib: cannot load the private key ({e})") from None
        if key is None:
            pw = _password_bytes(password)  # its TypeError/ValueError are ssl's
            try:
                key = auth.load_pem_private_key(key_data, password=pw)
            except (TypeError, ValueError) as e:
                raise _ssl_error("SSL", f"PEM lib: cannot load the private key ({e})") from None
        if not key_matches_certificate(key, chain[0]):
            raise _ssl_error("X509: KEY_VALUES_MISMATCH", "key values mismatch")
        try:
            certified = CertifiedKey(chain, key)
        except ValueError as e:
            raise _ssl_error("SSL", f"unsupported key: {e}") from None
        slot = _key_slot(key, chain[0])
        with self._lock:
            self._certificates = [c for c in self._certificates if _key_slot(c.private_key, c.chain[0]) != slot] + [certified]
        # A client's cached sessions carry the identity it proved with the old certificate:
        # resuming one would present that identity again, not the new one.
        self._changed(security=True)

    def load_verify_locations(
        self,
        cafile: StrOrBytesPath | None = None,
        capath: StrOrBytesPath | None = None,
        cadata: str | ReadableBuffer | None = None,
    ) -> None:
        """Trust the CAs in ``cafile`` (PEM), ``capath`` (a directory) and ``cadata`` (PEM str or DER bytes)."""
        store = TrustStore()
        store.load_verify_locations(cafile, capath, cadata)  # ssl's checks and errors, before anything changes
        with self._lock:
            self._writable_trust().update(store)
        self._changed(security=True)

    def _writable_trust(self) -> TrustStore:
        if self._trust_shared:
            self._trust = self._trust.copy()
            self._trust_shared = False
        return self._trust

    def load_default_certs(self, purpose: Purpose = Purpose.SERVER_AUTH) -> None:
        """The system's CAs: ``SSL_CERT_FILE``/``SSL_CERT_DIR``, OpenSSL's default bundle, else certifi's."""
        if not isinstance(purpose, ssl._ASN1Object):
            raise TypeError(purpose)
        self.set_default_verify_paths()

    def set_default_verify_paths(self) -> None:
        system = _system_store()
        with self._lock:
            if not self._trust and not self._trust.crl_count:
                self._trust = system
                self._trust_shared = True
            elif self._trust is not system:
                self._writable_trust().update(system)
        self._changed(security=True)

    def get_ca_certs(self, binary_form: bool = False) -> list:
        return self._trust.get_ca_certs(binary_form)

    def cert_store_stats(self) -> dict:
        return self._trust.cert_store_stats()

    def load_dh_params(self, path: StrOrBytesPath) -> None:
        """Checked as ssl checks the file (PEM DH parameters, large enough for the security
        level), then unused: fasttls has no finite-field DHE suites (only ECDHE and hybrids)."""
        with open(_fspath(path, "path"), "rb") as f:
            data = f.read()
        bits = _dh_security_bits(data)
        # OpenSSL's security levels (SSL_CTX_set_tmp_dh -> SSL_SECOP_TMP_DH: DH_KEY_TOO_SMALL).
        minimum = (80, 80, 112, 128, 192, 256)[min(max(self._security_level, 0), 5)]  # 80 even at level 0
        if bits < minimum:
            raise _ssl_error("SSL: DH_KEY_TOO_SMALL", "dh key too small")

    # ------------------------------------------------------------------ negotiation

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        protos = []
        for protocol in alpn_protocols:
            b = bytes(protocol, "ascii")
            if len(b) == 0 or len(b) > 255:
                raise ssl.SSLError("ALPN protocols must be 1 to 255 in length")
            protos.append(protocol)
        self._alpn = protos
        self._changed()

    def set_npn_protocols(self, npn_protocols: Iterable[str]) -> None:
        warnings.warn("ssl NPN is deprecated, use ALPN instead", DeprecationWarning, stacklevel=2)

    def set_ciphers(self, cipherlist: str) -> None:
        """OpenSSL cipher string for TLS 1.2 suites (TLS 1.3 suites: :meth:`set_ciphersuites`)."""
        if not isinstance(cipherlist, str):
            raise TypeError(f"set_ciphers() argument must be str, not {type(cipherlist).__name__}")
        level, commands_ok = _cipher_string_level(cipherlist)
        if level is not None and level != self._security_level:
            # Set as OpenSSL parses the string, so it stays even when the string then fails.
            self._security_level = level
            self._changed(security=True)
        if not commands_ok:
            raise _no_cipher_match()
        try:
            # "ALL@SECLEVEL=1": a command right after a cipher name starts an element of its own.
            suites = cipher_suites.parse_openssl_cipher_string(_CIPHER_NAME_THEN_COMMAND.sub(":@", cipherlist))
        except ssl.SSLError:
            # None of our suites.  A string that selects only suites we do not have (CBC,
            # DHE, static RSA: an older configuration) leaves this context no TLS 1.2, and
            # TLS 1.3 as it was, as ssl keeps its TLS 1.3 suites; OpenSSL (asked through a
            # throwaway ssl context) refuses a string that selects nothing at all.
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(cipherlist)
            except ssl.SSLError:
                raise _no_cipher_match() from None
            suites = []
        self._suites12 = suites
        self._changed()

    def set_ciphersuites(self, ciphersuites: str) -> None:
        """TLS 1.3 suites, OpenSSL-style: ``"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"``.

        The order is our preference; an empty string turns TLS 1.3 off (as in OpenSSL).
        """
        if not isinstance(ciphersuites, str):
            raise TypeError(f"set_ciphersuites() argument must be str, not {type(ciphersuites).__name__}")
        try:
            suites = cipher_suites.parse_tls13_ciphersuites(ciphersuites)
        except ValueError as e:
            raise _ssl_error("SSL: NO_CIPHER_MATCH", str(e)) from None
        self._suites13 = suites
        self._changed()

    def get_ciphers(self) -> list[dict]:
        """The configured suites, TLS 1.3's first, whatever the version bounds (as ssl's,
        which lists SSL_get_ciphers: the versions are applied when a handshake picks)."""
        out = [cipher_suites.cipher_dict(cipher_suites.TLS13_SUITES[s]) for s in self._suites13]
        return out + [cipher_suites.cipher_dict(cipher_suites.TLS12_SUITES[s]) for s in self._suites12]

    def set_groups(self, groups: str | Iterable[str]) -> None:
        """Key exchange groups in preference order: a list or a colon-separated string of
        X25519, P-256 (secp256r1), P-384, P-521, X448, X25519MLKEM768."""
        if not isinstance(groups, str):
            try:
                groups = list(groups)
            except TypeError:
                raise TypeError("groups must be a string or a list of strings") from None
            if not all(isinstance(g, str) for g in groups):
                raise TypeError("groups must be a string or a list of strings")
        try:
            parsed = key_exchange.parse_group_names(groups)
        except ValueError as e:
            raise _ssl_error("SSL: UNSUPPORTED_ELLIPTIC_CURVE", str(e)) from None
        self._groups = parsed
        self._changed()

    def set_ecdh_curve(self, name: str | bytes) -> None:
        """ssl's one-curve setting: the server (and client) use only this group."""
        if isinstance(name, bytes):
            name = name.decode("ascii")
        if not isinstance(name, str):
            raise TypeError(f"set_ecdh_curve() argument must be str or bytes, not {type(name).__name__}")
        try:
            self._groups = key_exchange.parse_group_names([name])
        except ValueError:
            # A curve OpenSSL knows (secp256k1, brainpool, ffdhe2048) is not "unknown": say
            # it is one fasttls lacks (its groups: set_groups), with ssl's ValueError.
            try:
                _StdSSLContext(ssl.PROTOCOL_TLS_SERVER).set_ecdh_curve(name)
            except (ValueError, ssl.SSLError):
                raise ValueError(f"unknown elliptic curve name {name!r}") from None
            raise ValueError(f"elliptic curve {name!r} is not supported by fasttls (it has X25519, P-256, P-384, P-521, X448)") from None
        self._changed()

    # ------------------------------------------------------------------ properties

    @property
    def protocol(self) -> _SSLMethod:  # type: ignore[override]  # as typeshed's ssl.SSLContext.protocol
        return ssl._SSLMethod(self._protocol)

    @property
    def verify_mode(self) -> VerifyMode:
        return VerifyMode(self._verify_mode)

    @verify_mode.setter
    def verify_mode(self, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
        if value not in (CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED):
            raise ValueError("invalid value for verify_mode")
        if value == CERT_NONE and self._check_hostname:
            raise ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
        if value != self._verify_mode:
            self._verify_mode = int(value)
            self._changed(security=True)

    @property
    def check_hostname(self) -> bool:
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        value = bool(value)
        if value and self._verify_mode == CERT_NONE:
            self._verify_mode = CERT_REQUIRED
        if value != self._check_hostname:
            self._check_hostname = value
        self._changed(security=True)

    @property
    def hostname_checks_common_name(self) -> bool:
        """On by default, as in ``ssl``: a server certificate without DNS names in its
        subjectAltName matches the host name by its subject CN (OpenSSL's
        X509_check_host).  Off, subjectAltName only (Go, the CA/B Forum rules)."""
        return self._hostname_checks_common_name

    @hostname_checks_common_name.setter
    def hostname_checks_common_name(self, value: bool) -> None:
        value = bool(value)
        changed = value != self._hostname_checks_common_name
        self._hostname_checks_common_name = value
        if changed:
            self._changed(security=True)  # sessions verified under the other rule must not resume

    def _check_version_setting(self, value: Any, what: str) -> TLSVersion:
        if self._fixed_version or self._protocol not in _SUPPORTED_PROTOCOLS:
            raise ValueError("The context's protocol doesn't support modification of highest and lowest version.")
        if not isinstance(value, int):
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
        try:
            version = TLSVersion(value)
        except ValueError:
            raise ValueError(f"Unsupported TLS/SSL version 0x{value:x}" if isinstance(value, int) else f"invalid {what}") from None
        if version in (TLSVersion.SSLv3, TLSVersion.TLSv1, TLSVersion.TLSv1_1):
            warnings.warn(f"ssl.TLSVersion.{version.name} is deprecated", DeprecationWarning, stacklevel=3)  # as _ssl
        if version not in _TLS_VERSIONS or (what == "maximum_version" and version in _OLD_VERSIONS):
            raise ValueError(f"fasttls supports TLS 1.2 and TLS 1.3 only; {what} {version.name} is not available")
        return version

    @property
    def minimum_version(self) -> TLSVersion:
        return self._min_version

    @minimum_version.setter
    def minimum_version(self, value: TLSVersion) -> None:
        version = self._check_version_setting(value, "minimum_version")
        # As _ssl's setter, which hands OpenSSL the newest version for this one: the
        # getter then says TLSv1_3, not MAXIMUM_SUPPORTED.
        self._min_version = TLSVersion.TLSv1_3 if version == TLSVersion.MAXIMUM_SUPPORTED else version
        self._changed()

    @property
    def maximum_version(self) -> TLSVersion:
        return self._max_version

    @maximum_version.setter
    def maximum_version(self, value: TLSVersion) -> None:
        version = self._check_version_setting(value, "maximum_version")
        # As _ssl's, which hands OpenSSL the oldest version it has (TLSv1 there, TLSv1_2 here).
        self._max_version = TLSVersion.TLSv1_2 if version == TLSVersion.MINIMUM_SUPPORTED else version
        self._changed()

    @property
    def options(self) -> Options:
        return Options(self._options)

    @options.setter
    def options(self, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
        if value < 0:
            raise OverflowError("can't convert negative int to unsigned")
        if value & ~self._options & _OP_NO_VERSIONS:
            warnings.warn("ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are deprecated", DeprecationWarning, stacklevel=2)
        self._options = Options(value)
        self._changed()

    @property
    def verify_flags(self) -> VerifyFlags:
        """VERIFY_X509_STRICT verifies under cryptography's full web PKI profile (see
        ``fasttls.verify``); without it, as OpenSSL without it, private CAs lacking keyUsage
        verify too.  Any trust anchor in the store ends a chain (VERIFY_X509_PARTIAL_CHAIN
        always).  VERIFY_CRL_CHECK_LEAF and VERIFY_CRL_CHECK_CHAIN check revocation against
        the CRLs ``load_verify_locations`` read (``Config.crl_check``).  Other flags are
        kept and have no effect."""
        return VerifyFlags(self._verify_flags)

    @verify_flags.setter
    def verify_flags(self, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
        changed = (value ^ self._verify_flags) & (VERIFY_X509_STRICT | VERIFY_CRL_CHECK_CHAIN)
        self._verify_flags = VerifyFlags(value)
        if changed:
            self._changed(security=True)  # sessions verified under the other profile must not resume

    @property
    def post_handshake_auth(self) -> bool:
        return self._post_handshake_auth

    @post_handshake_auth.setter
    def post_handshake_auth(self, value: bool) -> None:
        self._post_handshake_auth = bool(value)
        self._changed()

    @property
    def verify_peer_certificate(self) -> _VerifyPeerCertificate | None:
        """fasttls's addition (Go's ``VerifyPeerCertificate``, see ``Config``): called with
        the peer's DER certificates and the verified chains after the usual checks pass;
        an exception refuses the peer (``SSLCertVerificationError``, code 50).  For key
        pinning in code that takes an ``ssl.SSLContext`` (requests, httpx...)."""
        return self._verify_peer_certificate

    @verify_peer_certificate.setter
    def verify_peer_certificate(self, fn: _VerifyPeerCertificate | None) -> None:
        self._verify_peer_certificate = _callback_or_none(fn)
        self._changed(security=True)  # sessions checked without it must not resume

    @property
    def verify_connection(self) -> _VerifyConnection | None:
        """fasttls's addition (Go's ``VerifyConnection``): called with the
        ``fasttls.config.ConnectionState`` on every handshake, resumed ones too."""
        return self._verify_connection

    @verify_connection.setter
    def verify_connection(self, fn: _VerifyConnection | None) -> None:
        self._verify_connection = _callback_or_none(fn)
        self._changed()

    @property
    def require_extended_master_secret(self) -> bool:
        """fasttls's addition: a TLS 1.2 peer must support the extended master secret
        (RFC 7627), which binds the session to its handshake (True, the default; OpenSSL
        does not require it).  False lets TLS 1.2 connect to a peer without it (Erlang/OTP
        25, old Java), still never resuming a session made without it (RFC 7627 5.3)."""
        return self._require_ems

    @require_extended_master_secret.setter
    def require_extended_master_secret(self, value: bool) -> None:
        self._require_ems = bool(value)
        self._changed(security=True)

    @property
    def num_tickets(self) -> int:
        return self._num_tickets

    @num_tickets.setter
    def num_tickets(self, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
        if value < 0:
            raise ValueError("value must be non-negative")
        if not self._server_only:  # as _ssl: PROTOCOL_TLS too, even when it will serve
            raise ValueError("SSLContext is not a server context.")
        self._num_tickets = value
        self._changed()

    @property
    def security_level(self) -> int:
        """OpenSSL's security level: ``@SECLEVEL=n`` in :meth:`set_ciphers` sets it.  It bounds
        the keys and signatures of the peer's chain (verify codes 66, 67, 68) and of our own
        (:meth:`load_cert_chain`); level n asks for 80, 112, 128, 192, 256 bits (n = 1..5)."""
        return self._security_level

    @property
    def keylog_filename(self) -> Any:
        return self._keylog_name if self._keylog is not None else None  # as given (str, bytes, a path)

    @keylog_filename.setter
    def keylog_filename(self, value: StrOrBytesPath | None) -> None:
        if value is None:
            self._keylog = None
        else:
            self._keylog = KeyLogFile(_fspath(value, "keylog_filename"))
            self._keylog_name = value
        self._changed()

    @property  # type: ignore[override]  # called with fasttls's classes and context
    def sni_callback(self) -> _SNICallback | None:
        return self._sni_callback

    @sni_callback.setter
    def sni_callback(self, value: _SNICallback | None) -> None:
        if self._client_only:
            raise ValueError("sni_callback cannot be set on TLS_CLIENT context")
        self._sni_callback = _callback_or_none(value)
        self._changed()

    def set_servername_callback(self, server_name_callback: _ServerNameCallback | None) -> None:  # type: ignore[override]
        if server_name_callback is None:
            self.sni_callback = None
            return
        if not callable(server_name_callback):
            raise TypeError("not a callable object")

        def shim_cb(sslobj, servername, sslctx):
            return server_name_callback(sslobj, self._encode_hostname(servername), sslctx)

        self.sni_callback = shim_cb

    def set_psk_client_callback(self, callback: Callable[[str | None], tuple[str | None, bytes]] | None) -> None:
        """ssl's TLS-PSK on a client (Python 3.13): ``callback(hint)`` returns
        ``(identity, psk)`` and the handshake offers that external PSK (TLS 1.3 only: the
        hint is None there, the identity must be a non-empty str; an empty psk offers none).
        The key is used with SHA-256, as OpenSSL uses it."""
        if self._server_only:
            raise ssl.SSLError(0, "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context")
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable")
        self._psk_client_callback = callback
        self._changed()

    def set_psk_server_callback(self, callback: Callable[[str | None], bytes] | None, identity_hint: str | None = None) -> None:
        """ssl's TLS-PSK on a server (Python 3.13): ``callback(identity)`` returns the
        client's key, ``b""`` for an unknown identity.  TLS 1.3 sends no identity hint."""
        if self._client_only:
            raise ssl.SSLError(0, "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context")
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable")
        if identity_hint is not None:
            if not isinstance(identity_hint, str):
                raise TypeError(f"set_psk_server_callback() argument 'identity_hint' must be str or None, not {type(identity_hint).__name__}")
            if len(identity_hint.encode("utf-8")) > 256:  # OpenSSL's PSK_MAX_IDENTITY_LEN
                raise ValueError("failed to set identity hint")
        self._psk_server_callback = callback
        self._psk_identity_hint = identity_hint
        self._changed()

    def _psk_client(self) -> Callable | None:
        """The client callback as Config takes it.  As ssl: an exception in it, or a result
        that is not ``(str or None, bytes-like)``, is reported to ``sys.unraisablehook``
        and no PSK is offered."""
        callback = self._psk_client_callback
        if callback is None:
            return None

        def psk_client(hint: str | None) -> tuple[str | None, bytes]:
            try:
                result = callback(hint)
                if not isinstance(result, tuple) or len(result) != 2:
                    raise TypeError(f"psk_client_callback must return (identity, psk), not {type(result).__name__}")
                identity, key = result
                if identity is not None and not isinstance(identity, (str, bytes)):
                    raise TypeError(f"the PSK identity must be str or None, not {type(identity).__name__}")
                return identity, bytes(memoryview(key))
            except Exception as exc:
                _report_unraisable(exc, callback, "psk_client_callback")
                return None, b""

        return psk_client

    def _psk_server(self) -> Callable | None:
        """The server callback as Config takes it (exceptions and non-bytes results as in
        ``_psk_client``: reported, and the identity is unknown)."""
        callback = self._psk_server_callback
        if callback is None:
            return None

        def psk_server(identity: str) -> bytes:
            try:
                return bytes(memoryview(callback(identity)))
            except Exception as exc:
                _report_unraisable(exc, callback, "psk_server_callback")
                return b""

        return psk_server

    def session_stats(self) -> dict[str, int]:
        with self._lock:
            stats = dict(self._stats)
        stats["number"] = len(self._server_session_cache)  # OpenSSL: the sessions cached
        return stats

    @property
    def _msg_callback(self):
        return None

    @_msg_callback.setter
    def _msg_callback(self, callback) -> None:
        raise NotImplementedError("fasttls has no message callback; use Config.tracer (fasttls.trace)")

    def __reduce__(self):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")

    def __repr__(self) -> str:
        return f"<fasttls.SSLContext protocol={self.protocol.name} verify_mode={self.verify_mode.name} check_hostname={self._check_hostname}>"


_hook_args_type: list = []  # sys.UnraisableHookArgs, once found
_hook_args_lock = fork_safe_lock()


def _unraisable_hook_args_type() -> type | None:
    """``sys.UnraisableHookArgs``, which the sys module does not expose: the default hook
    (C) takes nothing else.  Found on the first report, from one unraisable exception of
    our own: the hook is swapped for a forwarder for that moment, so what other threads
    report meanwhile still reaches the real hook, and put back only if still ours."""
    with _hook_args_lock:
        if _hook_args_type:
            return _hook_args_type[0]
        marker = RuntimeError("fasttls: finding sys.UnraisableHookArgs")

        class _Raises:
            def __del__(self) -> None:
                raise marker

        hook = sys.unraisablehook

        def probe(unraisable) -> None:
            if unraisable.exc_value is marker:
                _hook_args_type.append(type(unraisable))
            else:
                hook(unraisable)

        sys.unraisablehook = probe
        try:
            _Raises()  # dropped at once: its __del__ raises into the hook
        finally:
            if sys.unraisablehook is probe:
                sys.unraisablehook = hook
        return _hook_args_type[0] if _hook_args_type else None


def _report_unraisable(exc: BaseException, obj: Any, where: str = "sni_callback") -> None:
    """Report a callback's exception as ssl does, through ``sys.unraisablehook``
    ("Exception ignored in ..."), so that the default hook prints it and a test's hook
    sees it; the handshake goes on to fail as ssl's does.  Nothing the hook raises gets
    out (as PyErr_WriteUnraisable): the default hook reports it instead."""
    msg = f"Exception ignored in fasttls {where}"
    args_type = _unraisable_hook_args_type()
    if args_type is None:  # pragma: no cover - the probe lost its marker (a hook swapped meanwhile)
        sys.stderr.write(f"{msg}: {obj!r}\n")
        traceback.print_exception(exc)
        return
    args = args_type((type(exc), exc, exc.__traceback__, msg, obj))
    try:
        sys.unraisablehook(args)
    except BaseException as hook_error:  # noqa: BLE001 - as PyErr_WriteUnraisable
        try:
            sys.__unraisablehook__(args_type((type(hook_error), hook_error, hook_error.__traceback__, "Exception ignored in sys.unraisablehook", sys.unraisablehook)))
        except BaseException:  # noqa: BLE001
            pass


def create_default_context(
    purpose: Purpose = Purpose.SERVER_AUTH,
    *,
    cafile: StrOrBytesPath | None = None,
    capath: StrOrBytesPath | None = None,
    cadata: str | ReadableBuffer | None = None,
) -> SSLContext:
    """``ssl.create_default_context`` for fasttls: verified client or plain server settings.

    The client context trusts ``cafile``/``capath``/``cadata`` when given, else
    the system's CAs; ``SSLKEYLOGFILE`` turns the NSS key log on.
    """
    if not isinstance(purpose, ssl._ASN1Object):
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        context = SSLContext(PROTOCOL_TLS_CLIENT)
        context.verify_mode = CERT_REQUIRED
        context.check_hostname = True
    elif purpose == Purpose.CLIENT_AUTH:
        context = SSLContext(PROTOCOL_TLS_SERVER)
    else:
        raise ValueError(purpose)
    if sys.version_info >= (3, 13):
        # As ssl.create_default_context from Python 3.13 on.
        context.verify_flags |= VERIFY_X509_PARTIAL_CHAIN | VERIFY_X509_STRICT
    if cafile or capath or cadata:
        context.load_verify_locations(cafile, capath, cadata)
    elif context.verify_mode != CERT_NONE:
        context.load_default_certs(purpose)
    keylogfile = os.environ.get("SSLKEYLOGFILE")
    if keylogfile and not sys.flags.ignore_environment:
        context.keylog_filename = keylogfile
    return context


def get_server_certificate(
    addr: tuple[str, int],
    ssl_version: int = PROTOCOL_TLS_CLIENT,
    ca_certs: str | None = None,
    timeout: float | None = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]  # (not in typeshed)
) -> str:
    """``ssl.get_server_certificate`` over fasttls: the server's leaf certificate as PEM,
    verified against ``ca_certs`` when given (host name not checked, as ssl)."""
    host, _port = addr
    cert_reqs = CERT_REQUIRED if ca_certs is not None else CERT_NONE
    context = _create_unverified_context(ssl_version, cert_reqs=cert_reqs, cafile=ca_certs)
    with socket.create_connection(addr, timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=host) as sslsock:
            der = sslsock.getpeercert(True)
    return ssl.DER_cert_to_PEM_cert(der)  # type: ignore[arg-type]  # (a server always sends one)


def _create_unverified_context(protocol=None, *, cert_reqs=CERT_NONE, check_hostname=False, purpose=Purpose.SERVER_AUTH,
                               certfile=None, keyfile=None, cafile=None, capath=None, cadata=None) -> SSLContext:
    """``ssl._create_unverified_context`` for fasttls."""
    if not isinstance(purpose, ssl._ASN1Object):
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        protocol = PROTOCOL_TLS_CLIENT if protocol is None else protocol
    elif purpose == Purpose.CLIENT_AUTH:
        protocol = PROTOCOL_TLS_SERVER if protocol is None else protocol
    else:
        raise ValueError(purpose)
    context = SSLContext(protocol)
    context.check_hostname = check_hostname
    if cert_reqs is not None:
        context.verify_mode = cert_reqs
    if check_hostname:
        context.check_hostname = True
    if keyfile and not certfile:
        raise ValueError("certfile must be specified")
    if certfile or keyfile:
        context.load_cert_chain(certfile, keyfile)
    # (Not the strict flags create_default_context sets from Python 3.13 on: ssl's
    # unverified context, get_server_certificate's, stays as lenient as before.)
    if cafile or capath or cadata:
        context.load_verify_locations(cafile, capath, cadata)
    elif context.verify_mode != CERT_NONE:
        context.load_default_certs(purpose)
    keylogfile = os.environ.get("SSLKEYLOGFILE")
    if keylogfile and not sys.flags.ignore_environment:
        context.keylog_filename = keylogfile
    return context


# ---------------------------------------------------------------------------
# inject_into_ssl / extract_from_ssl (the truststore convention)
# ---------------------------------------------------------------------------

_injected: list[tuple[Any, str, Any]] = []


def _patch(obj: Any, name: str, value: Any) -> None:
    _injected.append((obj, name, getattr(obj, name)))
    setattr(obj, name, value)


def inject_into_ssl() -> None:
    """Make ``ssl.SSLContext`` (and so ``ssl.create_default_context``, http.client,
    urllib, asyncio's defaults, urllib3 and requests) use fasttls, with no other change.

    Contexts created before the call stay OpenSSL ones.  Undo with :func:`extract_from_ssl`.
    """
    if _injected:
        return
    _patch(ssl, "SSLContext", SSLContext)
    try:
        import urllib3.util.ssl_ as urllib3_ssl
    except ImportError:
        pass
    else:
        _patch(urllib3_ssl, "SSLContext", SSLContext)
    try:
        import requests.adapters as requests_adapters
    except ImportError:
        pass
    else:
        # requests >= 2.32 preloads one default context at import.
        if hasattr(requests_adapters, "_preloaded_ssl_context"):
            from requests.utils import DEFAULT_CA_BUNDLE_PATH

            preloaded = create_default_context(cafile=DEFAULT_CA_BUNDLE_PATH)
            _patch(requests_adapters, "_preloaded_ssl_context", preloaded)


def extract_from_ssl() -> None:
    """Undo :func:`inject_into_ssl`."""
    while _injected:
        obj, name, value = _injected.pop()
        setattr(obj, name, value)


#: A subclass of ssl's class set as a context's class -> the class that puts ours under it.
#: fasttls's SSLSocket and SSLObject (set by _bind_classes: they import this module).  Not
#: SSLContext's class attributes, which a program may set to a subclass of ssl's classes.
_classes: list[Any] = []
_adapted_classes: dict[type, type] = {}


def _adapted(cls: Any, ours: type, theirs: type) -> Any:
    """The class to make a connection of, for a context whose ``sslsocket_class`` or
    ``sslobject_class`` is ``cls``.

    ssl documents these attributes for returning one's own subclass of ``ssl.SSLSocket``
    or ``ssl.SSLObject`` (a certificate pin in ``do_handshake``, a deadline in ``recv``);
    such a class would make its connections through OpenSSL.  It gets ours beneath it
    instead: a class deriving from both, its methods first, whose ``super()`` calls reach
    fasttls's.  ssl's class itself (put back as the default) is ours; a subclass of ours,
    or anything else, is used as it is."""
    if cls is theirs:
        return ours
    if isinstance(cls, type) and issubclass(cls, theirs) and not issubclass(cls, ours):
        adapted = _adapted_classes.get(cls)
        if adapted is None:
            attrs = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
            adapted = _adapted_classes.setdefault(cls, type(cls.__name__, (cls, ours), attrs))
        return adapted
    return cls


def _bind_classes() -> None:
    from .socket import SSLSocket
    from .sslobject import SSLObject

    SSLContext.sslsocket_class = SSLSocket
    SSLContext.sslobject_class = SSLObject
    _classes[:] = [SSLSocket, SSLObject]


_bind_classes()

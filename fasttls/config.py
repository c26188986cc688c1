"""Configuration shared by every connection of a client or server (Go's ``tls.Config``).

A :class:`Config` is what the ssl-compatible ``SSLContext`` builds; the
handshake reads it and never changes it.  Per-context work (parsed
certificates, DER chains, signature scheme lists, trust stores) is done once
here, not per handshake.
"""

from __future__ import annotations

import copy
import math
import ssl
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from . import auth, cipher_suites, key_exchange, verify
from .constants import CipherSuite, ProtocolVersion
from .tickets import ClientSessionCache, ServerSessionCache, TicketKeys


#: The most bytes of CA names a CertificateRequest lists: RFC 8446 4.2.4's
#: certificate_authorities<3..2^16-1> shares the request's extensions<2..2^16-1> with
#: signature_algorithms (RFC 5246 7.4.4's list has the same bound), so leave room.
MAX_CA_NAMES_SIZE = 0xFFFF - 512


class ClientAuthType(IntEnum):
    """Go's five client-certificate policies (``tls.ClientAuthType``)."""

    NoClientCert = 0
    RequestClientCert = 1
    RequireAnyClientCert = 2
    VerifyClientCertIfGiven = 3
    RequireAndVerifyClientCert = 4


def key_matches_certificate(private_key: Any, certificate: x509.Certificate) -> bool:
    """Is ``private_key`` the private half of ``certificate``'s public key?"""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    try:
        return private_key.public_key().public_bytes(*spki) == certificate.public_key().public_bytes(*spki)
    except (ValueError, UnsupportedAlgorithm):
        return False


class CertifiedKey:
    """A certificate chain (leaf first) and its private key, parsed once."""

    def __init__(
        self,
        chain: Sequence[x509.Certificate],
        private_key: Any,
        ocsp_staple: bytes | None = None,
        scts: Sequence[bytes] = (),
    ) -> None:
        if not chain:
            raise ValueError("a certificate chain needs at least the leaf")
        if not isinstance(private_key, auth.PRIVATE_KEY_TYPES):
            raise ValueError(f"unsupported private key type {type(private_key).__name__}")
        if not key_matches_certificate(private_key, chain[0]):
            # As Go's X509KeyPair: else every handshake fails at the peer (decrypt_error).
            raise ValueError("the private key does not match the leaf certificate's public key")
        self.chain = list(chain)
        self.private_key = private_key
        self.chain_der = [c.public_bytes(serialization.Encoding.DER) for c in self.chain]
        self.ocsp_staple = ocsp_staple
        self.scts = list(scts)
        self.leaf = self.chain[0]
        self.dns_names, self.ip_addresses = _leaf_names(self.leaf)
        #: An id-RSASSA-PSS certificate key signs with ``rsa_pss_pss_*`` only (RFC 8446 4.2.3),
        #: and only with the hash its key parameters allow (RFC 4055 3.1).
        self.pss_schemes = auth.rsa_pss_key_schemes(self.leaf)
        self.pss_key = self.pss_schemes is not None
        if self.pss_schemes == ():
            raise ValueError("the leaf's RSASSA-PSS key parameters allow no TLS signature scheme (SHA-1 or a long salt)")
        self.schemes13 = auth.schemes_for_key(private_key, True, pss_schemes=self.pss_schemes)
        self.schemes12 = auth.schemes_for_key(private_key, False, pss_schemes=self.pss_schemes)
        #: Encoded handshake messages that depend only on this chain (the server's TLS 1.3
        #: Certificate, per OCSP/SCT variant), filled by the handshake on first use and
        #: keyed by the chain itself.
        self.message_cache: dict = {}
        self._derived_from: Any = None  # the private key public_key/signing_schemes belong to
        self._issuer_names: frozenset[bytes] | None = None

    def with_chain(self, chain: Sequence[x509.Certificate]) -> CertifiedKey:
        """The same key with another chain for the same leaf (what ``SSLContext`` sends
        when it completes a leaf-only chain from its trust store)."""
        if not chain or chain[0] != self.leaf:
            raise ValueError("the chain must start with this leaf")
        other = copy.copy(self)
        other.chain = list(chain)
        other.chain_der = self.chain_der[:1] + [c.public_bytes(serialization.Encoding.DER) for c in other.chain[1:]]
        other.message_cache = {}
        other._issuer_names = None
        return other

    def _derive(self) -> None:
        # Per-key work done once, not per handshake; redone if private_key is replaced
        # (on this object or on a copy of it).
        key = self.private_key
        self._public_key = key.public_key()
        self._signing_schemes = {v: auth.schemes_for_key(key, v, allow_sha1=True, pss_schemes=self.pss_schemes) for v in (True, False)}
        self._derived_from = key

    @property
    def public_key(self) -> Any:
        """The private key's public half."""
        if self._derived_from is not self.private_key:
            self._derive()
        return self._public_key

    def signing_schemes(self, tls13: bool) -> list:
        """What ``auth.select_signature_scheme`` may choose from for this key (SHA-1 included;
        the caller's ``supported`` list decides whether it is allowed)."""
        if self._derived_from is not self.private_key:
            self._derive()
        return self._signing_schemes[tls13]

    @property
    def issuer_names(self) -> frozenset[bytes]:
        """The DER issuer names of every certificate in the chain, to match against a
        CertificateRequest's certificate_authorities (Go's ``SupportsCertificate``)."""
        names = self._issuer_names
        if names is None:
            names = self._issuer_names = frozenset(c.issuer.public_bytes() for c in self.chain)
        return names

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes | None = None, password: bytes | None = None) -> CertifiedKey:
        """Load a PEM chain and key; the key may sit in the same PEM data as the chain."""
        chain = x509.load_pem_x509_certificates(cert_pem)
        key_data = key_pem if key_pem is not None else cert_pem
        key = auth.load_pem_private_key(key_data, password=password)
        return cls(chain, key)

    @property
    def key_type(self) -> str:
        k = self.private_key
        if isinstance(k, ec.EllipticCurvePrivateKey):
            return f"ECDSA {k.curve.name}"
        if isinstance(k, rsa.RSAPrivateKey):
            return f"RSA {k.key_size}"
        if isinstance(k, ed25519.Ed25519PrivateKey):
            return "Ed25519"
        if isinstance(k, ed448.Ed448PrivateKey):
            return "Ed448"
        return auth.mldsa_name(self.public_key) or type(k).__name__

    def matches_name(self, server_name: str) -> bool:
        """Does the leaf cover ``server_name`` (DNS names with one-label wildcards, or IPs)?"""
        name = server_name.rstrip(".").lower()
        ip = verify.ip_literal(name)
        if ip is not None:
            return ip in self.ip_addresses
        for pattern in self.dns_names:
            if pattern == name:
                return True
            if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
                return True
        return False


def _leaf_names(cert: x509.Certificate) -> tuple[list[str], list[Any]]:
    # cryptography parses names and extensions lazily: a damaged one raises ValueError
    # or, for a BIT STRING attribute under another OID, TypeError.  Both are one
    # ValueError here, which load_cert_chain reports as ssl does (SSLError).
    try:
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            cns = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
            return [str(c).lower() for c in cns], []
        return [n.lower() for n in san.get_values_for_type(x509.DNSName)], list(san.get_values_for_type(x509.IPAddress))
    except (ValueError, TypeError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
        raise ValueError(f"cannot read the leaf certificate's names: {exc}") from None


@dataclass
class ClientHelloInfo:
    """What a certificate callback sees of the ClientHello (Go's ``ClientHelloInfo``)."""

    server_name: str | None
    cipher_suites: list[int]
    supported_groups: list[int]
    signature_schemes: list[int]
    alpn_protocols: list[str]
    supported_versions: list[int]
    connection: Any = None

    def supports_certificate(self, certificate: CertifiedKey) -> bool:
        """Go's ``SupportsCertificate``: could this handshake use ``certificate``?  In TLS
        1.3 its key must sign with a scheme the client accepts (ECDSA bound to its curve);
        in TLS 1.2 the client must also list an ECDSA key's curve (RFC 8422 5.1) and offer
        a suite of the key's kind.  The version is the connection's once chosen (in
        ``get_certificate``), else TLS 1.3 if the client offers it."""
        from .cipher_suites import TLS12_SUITES
        from .handshake.client12 import key_fits_suite
        from .handshake.server12 import certificate_curve_ok

        conn = self.connection
        config = getattr(conn, "config", None)
        supported = config.signature_schemes if config is not None else None
        version = getattr(conn, "version", None) or (
            ProtocolVersion.TLS13 if ProtocolVersion.TLS13 in self.supported_versions else ProtocolVersion.TLS12
        )
        tls13 = version == ProtocolVersion.TLS13
        key = certificate.private_key
        if not tls13 and not certificate_curve_ok(key, self.supported_groups):
            return False
        if auth.select_signature_scheme(key, self.signature_schemes, tls13, supported=supported, key_schemes=certificate.signing_schemes(tls13)) is None:
            return False
        return tls13 or any(s in TLS12_SUITES and key_fits_suite(certificate.public_key, TLS12_SUITES[s]) for s in self.cipher_suites)


@dataclass(frozen=True)
class ConnectionState:
    """What a connection has negotiated (Go's ``ConnectionState``): what
    ``Connection.connection_state()`` returns and ``Config.verify_connection`` checks."""

    version: int | None
    handshake_complete: bool
    did_resume: bool
    cipher_suite: int | None
    curve_id: int | None  # the key exchange group (Go's CurveID); None when resumed without one
    negotiated_protocol: str | None  # ALPN
    server_name: str | None
    #: The peer's certificates, leaf first, as it sent them (on a resumed connection, as
    #: it sent them then); empty when it sent none.
    peer_certificates: list[x509.Certificate]
    #: The verified path, leaf to trust anchor, in a list (Go's verified chains); empty
    #: when nothing was verified (verification off, or a server that does not verify).
    verified_chains: list[list[x509.Certificate]]
    ocsp_response: bytes | None
    tls_unique: bytes | None
    server_side: bool


@dataclass
class CertificateRequestInfo:
    """What a client certificate callback sees of the server's CertificateRequest (Go's
    ``CertificateRequestInfo``), in the handshake or after it (TLS 1.3 post-handshake auth)."""

    #: DER distinguished names of the CAs the server accepts (its certificate_authorities,
    #: RFC 8446 4.2.4 / RFC 5246 7.4.4); empty when it named none, which means any.
    acceptable_cas: list[bytes]
    #: The signature schemes the server accepts (in TLS 1.2 already narrowed to the
    #: certificate types it asked for, as Go does).
    signature_schemes: list[int]
    version: int
    connection: Any = None
    #: The schemes we allow ourselves to sign with (None: the defaults).
    supported_schemes: list[int] | None = field(default=None, repr=False)
    #: Whether the server's order of ``signature_schemes`` picks the scheme (Go's client),
    #: else our key's own order (an OpenSSL client with SSL_OP_CIPHER_SERVER_PREFERENCE,
    #: which ssl sets on every context): ``Config.certificate_choice != "server"``.
    prefer_peer: bool = field(default=True, repr=False)

    def signature_scheme_for(self, certificate: CertifiedKey) -> int | None:
        """The scheme ``certificate``'s key would sign this request's CertificateVerify
        with, or None when none fits."""
        return auth.select_signature_scheme(
            certificate.private_key, self.signature_schemes, self.version == ProtocolVersion.TLS13,
            supported=self.supported_schemes, key_schemes=certificate.signing_schemes(self.version == ProtocolVersion.TLS13),
            prefer_peer=self.prefer_peer,
        )

    def supports_certificate(self, certificate: CertifiedKey) -> bool:
        """Go's ``SupportsCertificate``: the key can sign with a scheme the server accepts,
        and, when the server named CAs, one of the chain's certificates was issued by one."""
        return self.signature_scheme_for(certificate) is not None and self.named_ca_issued(certificate)

    def named_ca_issued(self, certificate: CertifiedKey) -> bool:
        """Whether a certificate in the chain was issued by a CA the server named (any
        chain, when it named none)."""
        return not self.acceptable_cas or not certificate.issuer_names.isdisjoint(self.acceptable_cas)


# ---------------------------------------------------------------------------
# Checks of Config's fields (bad input gets a clear error where it is given)
# ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_list(name: str, value: Any, known: Any, kind: str) -> list[int]:
    """A list of ``kind`` IDs (ints); with ``known``, each must be one fasttls implements
    (Go drops the ones it does not know from CurvePreferences; a typo should not pass)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"Config.{name} takes a list of {kind} IDs (ints), not {type(value).__name__}")
    out = value if type(value) is list else list(value)  # the caller's list stays the one used
    for v in out:
        if not _is_int(v):
            raise TypeError(f"Config.{name} takes {kind} IDs (ints): {v!r} is a {type(v).__name__}")
        if known is not None and v not in known:
            raise ValueError(f"Config.{name}: 0x{v:04x} is not a {kind} fasttls implements")
    return out


def _check_certificates(value: Any) -> list:
    if isinstance(value, CertifiedKey) or isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"Config.certificates takes a list of CertifiedKey, not {type(value).__name__}")
    out = value if type(value) is list else list(value)  # a list filled later is still seen
    for ck in out:
        if not isinstance(ck, CertifiedKey):
            raise TypeError(f"Config.certificates takes CertifiedKey objects (CertifiedKey.from_files, .from_pem...), not {type(ck).__name__}")
    return out


def _check_client_auth(value: Any) -> ClientAuthType:
    if isinstance(value, ssl.VerifyMode):
        # ssl.CERT_REQUIRED is 2, Go's RequireAnyClientCert (asked for, never verified).
        raise TypeError(
            f"Config.client_auth takes a ClientAuthType (Go's five modes), not ssl.{value.name}: "
            "ClientAuthType.RequireAndVerifyClientCert is what CERT_REQUIRED means on an SSLContext, "
            "VerifyClientCertIfGiven what CERT_OPTIONAL means"
        )
    if not _is_int(value):
        raise TypeError(f"Config.client_auth takes a ClientAuthType, not {type(value).__name__}")
    try:
        return ClientAuthType(value)
    except ValueError:
        raise ValueError(f"Config.client_auth: {value!r} is none of Go's five modes (ClientAuthType 0 to 4)") from None


def _check_version(name: str):
    def check(value: Any) -> int:
        if _is_int(value):
            # As SSLContext takes them: ssl.TLSVersion's bounds mean TLS 1.2 and 1.3, and any
            # older minimum (TLSVersion.TLSv1, ProtocolVersion.TLS10...) means TLS 1.2:
            # nothing older is ever spoken.
            if value == ssl.TLSVersion.MAXIMUM_SUPPORTED:
                return ProtocolVersion.TLS13
            if value == ssl.TLSVersion.MINIMUM_SUPPORTED or (name == "min_version" and value < ProtocolVersion.TLS12):
                return ProtocolVersion.TLS12
        if not _is_int(value) or value not in (ProtocolVersion.TLS12, ProtocolVersion.TLS13):
            raise ValueError(f"Config.{name} is ProtocolVersion.TLS12 or TLS13, not {value!r}")
        return ProtocolVersion(value)

    return check


def _check_alpn(value: Any) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"Config.alpn_protocols takes a list of str (['h2', 'http/1.1']), not {type(value).__name__}")
    out = value if type(value) is list else list(value)
    for p in out:
        if not isinstance(p, str):
            raise TypeError(f"Config.alpn_protocols takes str protocol names, not {type(p).__name__} ({p!r})")
        if not 0 < len(p.encode()) < 256:
            raise ValueError(f"Config.alpn_protocols: {p!r} is not 1 to 255 bytes (RFC 7301 3.1)")
    return out


def _check_callable(name: str, hint: str = ""):
    def check(value: Any) -> Any:
        if value is not None and not callable(value):
            raise TypeError(f"Config.{name} takes a callable or None, not {type(value).__name__}{hint}")
        return value

    return check


def _check_choice(name: str, choices: tuple):
    def check(value: Any) -> Any:
        if value not in choices or isinstance(value, bool):
            raise ValueError(f"Config.{name} is one of {', '.join(map(repr, choices))}, not {value!r}")
        return value

    return check


def _check_count(name: str, low: int = 0, high: int | None = None):
    def check(value: Any) -> int:
        if not _is_int(value):
            raise TypeError(f"Config.{name} takes an int, not {type(value).__name__}")
        if value < low or (high is not None and value > high):
            raise ValueError(f"Config.{name} must be {low} to {high}, not {value}" if high is not None else f"Config.{name} must be at least {low}, not {value}")
        return value

    return check


def _check_limit(name: str, low: int = 0):
    """A count limit: an int, or math.inf for none (kept as the largest index, which the
    compiled record layer's counters take)."""

    def check(value: Any) -> int:
        if isinstance(value, float) and (value == math.inf or value.is_integer()):
            value = sys.maxsize if value == math.inf else int(value)
        if not _is_int(value):
            raise TypeError(f"Config.{name} takes an int (or math.inf), not {value!r}")
        if value < low:
            raise ValueError(f"Config.{name} must be at least {low}, not {value}")
        return min(value, sys.maxsize)

    return check


def _check_instance(name: str, cls_name: str, optional: bool = True):
    def check(value: Any) -> Any:
        if value is None and optional:
            return value
        cls = {"TrustStore": verify.TrustStore, "TicketKeys": TicketKeys}[cls_name]
        if not isinstance(value, cls):
            raise TypeError(f"Config.{name} takes a {cls_name}{' or None' if optional else ''}, not {type(value).__name__}")
        return value

    return check


#: A client may list the signalling suites too (RFC 7507's TLS_FALLBACK_SCSV on a fallback).
_TLS12_SUITE_IDS = {*cipher_suites.TLS12_SUITES, CipherSuite.TLS_FALLBACK_SCSV, CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV}

_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "certificates": _check_certificates,
    "client_auth": _check_client_auth,
    "min_version": _check_version("min_version"),
    "max_version": _check_version("max_version"),
    "cipher_suites_tls13": lambda v: _int_list("cipher_suites_tls13", v, cipher_suites.TLS13_SUITES, "TLS 1.3 cipher suite"),
    "cipher_suites_tls12": lambda v: _int_list("cipher_suites_tls12", v, _TLS12_SUITE_IDS, "TLS 1.2 cipher suite"),
    "groups": lambda v: _int_list("groups", v, key_exchange.SUPPORTED_GROUPS, "group"),
    "key_share_groups": lambda v: v if v is None else _int_list("key_share_groups", v, key_exchange.SUPPORTED_GROUPS, "group"),
    "signature_schemes": lambda v: _int_list("signature_schemes", v, None, "signature scheme"),
    "alpn_protocols": _check_alpn,
    "crl_check": _check_choice("crl_check", (None, "leaf", "chain")),
    "certificate_choice": _check_choice("certificate_choice", ("order", "client", "server")),
    "security_level": _check_count("security_level", 0, 5),
    "ticket_lifetime": _check_count("ticket_lifetime", 0, 2**32 - 1),  # a uint32 (TLS 1.3 cuts it to 7 days)
    "tickets_to_send": _check_count("tickets_to_send"),
    "ticket_keys": _check_instance("ticket_keys", "TicketKeys", optional=False),
    "trust_store": _check_instance("trust_store", "TrustStore"),
    "client_ca_store": _check_instance("client_ca_store", "TrustStore"),
    "keylog": _check_callable("keylog", " (for a file: fasttls.keylog.KeyLogFile(path))"),
    "tracer": _check_callable("tracer"),
    "verify_time": _check_callable("verify_time", " (a function returning the time, as Go's Time)"),
    "clock": _check_callable("clock"),
    "get_certificate": _check_callable("get_certificate"),
    "get_client_certificate": _check_callable("get_client_certificate"),
    "get_config_for_client": _check_callable("get_config_for_client"),
    "sni_callback": _check_callable("sni_callback"),
    "verify_peer_certificate": _check_callable("verify_peer_certificate"),
    "verify_connection": _check_callable("verify_connection"),
    "psk_client_callback": _check_callable("psk_client_callback"),
    "psk_server_callback": _check_callable("psk_server_callback"),
    "max_handshake_message": _check_limit("max_handshake_message", 1),
    "max_certificate_message": _check_limit("max_certificate_message", 1),
    "max_key_updates": _check_limit("max_key_updates"),
    "max_empty_records": _check_limit("max_empty_records"),
    "max_warning_alerts": _check_limit("max_warning_alerts"),
}


@dataclass
class Config:
    """Settings for connections; the defaults are the secure ones.

    Certificates and host names are verified unless turned off; TLS 1.2 is the
    minimum; only AEAD suites exist; there is no renegotiation.
    """

    # Identity
    certificates: list[CertifiedKey] = field(default_factory=list)
    #: Called with a ClientHelloInfo; returns a CertifiedKey (or None for the default choice).
    get_certificate: Callable[[ClientHelloInfo], CertifiedKey | None] | None = None
    #: Client: called with a CertificateRequestInfo when the server asks for a certificate
    #: (Go's ``GetClientCertificate``); returns the CertifiedKey to send, or None to send
    #: none.  When set, ``certificates`` is not consulted.  An exception aborts the
    #: handshake (internal_error); a certificate whose key cannot sign with a scheme the
    #: server accepts, handshake_failure.  Without it the client sends the first of
    #: ``certificates`` that ``CertificateRequestInfo.supports_certificate``, else the
    #: first whose key fits (as OpenSSL; Go would send none), else none.
    get_client_certificate: Callable[[CertificateRequestInfo], CertifiedKey | None] | None = None
    #: Server: called with a ClientHelloInfo as soon as the ClientHello is read, before the
    #: version is chosen (Go's ``GetConfigForClient``); returns the Config for the rest of
    #: this handshake, or None to keep this one.  An exception fails the handshake with
    #: internal_error.  Sessions resume across configs that share ``ticket_keys`` (as
    #: ``dataclasses.replace(config, ...)`` does); limits on reading the ClientHello
    #: itself are this config's.
    get_config_for_client: Callable[[ClientHelloInfo], Config | None] | None = None
    #: Called on the server with (connection, server_name) before certificate selection (ssl's
    #: sni_callback): None goes on; anything else is the number of a fatal alert to fail with
    #: (0 included, as ssl), or internal_error when it is not an int.
    sni_callback: Callable[[Any, str | None], Any] | None = None

    # Peer verification
    #: Go's ``VerifyPeerCertificate``: called with the peer's certificates (DER, as sent)
    #: and the verified chains (``[]`` when verification is off, or on a server that
    #: does not verify) after the usual checks pass and the peer proved its key; an
    #: exception refuses the certificate (bad_certificate, ``SSLCertVerificationError``
    #: with OpenSSL's code 50, application verification failure).  Client: on every full
    #: handshake.  Server: when it requested a certificate (the list may then be empty),
    #: including a post-handshake request.  Not on resumption: nothing is re-verified.
    verify_peer_certificate: Callable[[list[bytes], list[list[x509.Certificate]]], None] | None = None
    #: Go's ``VerifyConnection``: called with the ``ConnectionState`` on every handshake,
    #: resumed ones too, whatever the verification settings, after
    #: ``verify_peer_certificate``; an exception refuses the connection as above.
    verify_connection: Callable[[ConnectionState], None] | None = None
    trust_store: Any = None  # fasttls.verify.TrustStore; None means the system's when needed
    verify_peer: bool = True  # client: verify the server; server: see client_auth
    check_hostname: bool = True
    #: Verify peers under cryptography's full web PKI profile (OpenSSL's VERIFY_X509_STRICT):
    #: CAs need keyUsage and a critical basicConstraints, leaves an authorityKeyIdentifier.
    #: Off, the private CAs OpenSSL and Go accept verify too (see ``fasttls.verify``).
    x509_strict: bool = False
    #: Let a server certificate without DNS names in its subjectAltName match the host
    #: name by its subject CN (OpenSSL's default, ``SSLContext.hostname_checks_common_name``,
    #: which ``ssl`` turns on).  Off, as in Go and the CA/Browser Forum rules.
    hostname_checks_common_name: bool = False
    #: Let a CA whose extendedKeyUsage lists anyExtendedKeyUsage but not the usage checked
    #: (serverAuth, clientAuth) issue certificates for it, as Go does.  OpenSSL does not
    #: (code 26), and ``SSLContext`` follows it.
    ca_any_extended_key_usage: bool = True
    #: Check revocation against the trust store's CRLs (``load_verify_locations`` reads
    #: ``X509 CRL`` blocks): ``"leaf"`` for the peer's certificate, ``"chain"`` for every
    #: certificate up to the anchor; a certificate whose issuer has no current CRL fails
    #: (OpenSSL's VERIFY_CRL_CHECK_LEAF / VERIFY_CRL_CHECK_CHAIN; ``fasttls.verify``).
    #: None checks nothing, as OpenSSL and Go by default.
    crl_check: str | None = None
    #: OpenSSL's security level (``SSLContext.security_level``, ``@SECLEVEL=n``; 2 is OpenSSL's
    #: default): the peer's key, its CAs' keys and the signatures below the anchor must reach
    #: 80, 112, 128, 192 or 256 bits of strength (levels 1 to 5; 0 asks nothing), verify
    #: codes 66, 67 and 68 otherwise (``fasttls.verify``).  Checked on chains we verify.
    security_level: int = 2
    client_auth: ClientAuthType = ClientAuthType.NoClientCert
    client_ca_store: Any = None  # TrustStore for client certificates (defaults to trust_store)
    #: Server: the distinguished names (DER, or ``x509.Name``) listed in a CertificateRequest
    #: as acceptable CAs (certificate_authorities), which clients use to choose a certificate.  None:
    #: the subjects of ``client_ca_store`` when it is set, as Go sends ``ClientCAs``'
    #: subjects; ``[]``: none (OpenSSL's default, and so ``SSLContext``'s).  A list that
    #: would not fit the message's 2^16-1 bytes is not sent.
    client_ca_names: list[bytes] | None = None
    verify_time: Callable[[], float] | None = None
    #: TLS 1.3 post-handshake client authentication (RFC 8446 4.6.2), as ssl's
    #: ``post_handshake_auth``.  Client: offer it, and answer a server's CertificateRequest
    #: after the handshake with a certificate chosen as in the handshake (or none).  Server: in TLS 1.3, do not
    #: ask for the client's certificate in the handshake; the application asks later, with
    #: ``Connection.verify_client_post_handshake()`` (which needs a client that offered it).
    #: ``client_auth`` then applies to the answer.  (As OpenSSL, a server without this flag
    #: may ask a client that offered it too, after asking in the handshake.)
    post_handshake_auth: bool = False

    # Negotiation
    min_version: int = ProtocolVersion.TLS12
    max_version: int = ProtocolVersion.TLS13
    cipher_suites_tls13: list[int] = field(default_factory=lambda: list(cipher_suites.DEFAULT_TLS13_SUITES))
    cipher_suites_tls12: list[int] = field(default_factory=lambda: list(cipher_suites.DEFAULT_TLS12_SUITES))
    groups: list[int] = field(default_factory=lambda: list(key_exchange.DEFAULT_GROUPS))
    #: Groups the client sends key shares for up front (None: Go's choice, the hybrid and X25519).
    key_share_groups: list[int] | None = None
    signature_schemes: list[int] = field(default_factory=lambda: list(auth.DEFAULT_SIGNATURE_SCHEMES))
    alpn_protocols: list[str] = field(default_factory=list)
    #: Server: a client whose ALPN list shares nothing with ours gets no_application_protocol
    #: (RFC 7301 3.2, Go), except an http/1.1 client of an h2 server (Go's fallback).  False
    #: goes on without ALPN, as Python's ssl (OpenSSL) does; SSLContext sets False.
    alpn_mismatch_fails: bool = True
    #: Server: follow the client's cipher suite order (otherwise our own, except Go's ChaCha20 rule).
    prefer_client_ciphers: bool = False
    #: Client, TLS 1.2: refuse a server whose ServerHello has no renegotiation_info (RFC 5746
    #: 4.1: the client cannot tell whether an attacker spliced its handshake in as the
    #: renegotiation of a connection of the attacker's).  Go connects; OpenSSL 3 refuses
    #: (UNSAFE_LEGACY_RENEGOTIATION_DISABLED) unless SSL_OP_LEGACY_SERVER_CONNECT, and
    #: ``SSLContext`` follows it.
    require_secure_renegotiation: bool = False
    #: Server, among several certificates that fit a client: ``"order"`` takes the first in
    #: ``certificates`` (after those naming the SNI host; Go's getCertificate); ``"client"``
    #: the one whose signature scheme comes first in the client's signature_algorithms, and
    #: ``"server"`` first in OpenSSL's default order (ML-DSA, ECDSA, EdDSA, RSA), as an
    #: OpenSSL server without and with SSL_OP_CIPHER_SERVER_PREFERENCE (tls_choose_sigalg).
    #: With ``"server"`` the certificate's own scheme order also picks its scheme (RSA-PSS
    #: with SHA-256 before SHA-384), as OpenSSL's.  ``SSLContext`` sets one of the last two.
    #: A client with ``"server"`` signs its CertificateVerify with the first scheme in its
    #: key's order that the server accepts, not the server's first (OpenSSL's client with
    #: that option, which ssl sets on every context; Go and the other values: the server's).
    certificate_choice: str = "order"
    #: Go's aesgcmPreferred: a client that lists ChaCha20-Poly1305 before AES-GCM (one
    #: without AES hardware, likely) gets ChaCha20 even in server order.  OpenSSL does this
    #: only with SSL_OP_PRIORITIZE_CHACHA, so ``SSLContext`` turns it off unless that
    #: option bit (0x00200000) is set.
    prioritize_chacha: bool = True

    # Sessions
    #: Session tickets (RFC 5077, RFC 8446 4.6.1) that carry the sealed session.  Off, a
    #: server keeps its sessions in ``server_session_cache`` instead: TLS 1.2 resumes by
    #: session ID and TLS 1.3 tickets become cache keys, as OpenSSL's SSL_OP_NO_TICKET
    #: (``tickets_to_send=0`` stops TLS 1.3 resumption).  A client offers no TLS 1.2 ticket.
    session_tickets: bool = True
    ticket_keys: TicketKeys = field(default_factory=TicketKeys)
    #: Seconds a ticket or session ID stays resumable.  TLS 1.3 tickets never say more than
    #: 7 days (RFC 8446 4.6.1); a longer value is cut to that there.
    ticket_lifetime: int = 7 * 24 * 3600
    #: How many NewSessionTickets a TLS 1.3 server sends after the handshake.
    tickets_to_send: int = 1
    session_cache: ClientSessionCache | None = field(default_factory=ClientSessionCache)
    #: Server: the sessions of TLS 1.2 session IDs, and of TLS 1.3 tickets when
    #: ``session_tickets`` is off (None turns both off).
    server_session_cache: ServerSessionCache | None = field(default_factory=ServerSessionCache)

    # TLS 1.2
    require_extended_master_secret: bool = True

    # External pre-shared keys (TLS 1.3; RFC 8446 2.2), as ssl's set_psk_client_callback and
    # set_psk_server_callback (Python 3.13).  Keys are used with SHA-256, as OpenSSL uses its
    # callbacks' keys; a handshake on one sends no certificates.
    #: Client: called once per handshake with the server's identity hint (None in TLS 1.3);
    #: returns ``(identity, key)``.  An empty key offers no PSK.
    psk_client_callback: Callable[[str | None], tuple[str | None, bytes]] | None = None
    #: Server: called with an identity the client offered; returns its key, ``b""`` if unknown.
    psk_server_callback: Callable[[str], bytes] | None = None

    # Compatibility
    middlebox_compat: bool = True
    hello_retry_cookie: bool = False
    #: OpenSSL's SSL_OP_IGNORE_UNEXPECTED_EOF: after the handshake, a transport that closes
    #: without close_notify reads as a clean close instead of a truncation (for servers that
    #: never send close_notify; the application must then detect truncation itself).
    ignore_unexpected_eof: bool = False

    # Observability
    keylog: Callable[[str], None] | None = None
    tracer: Callable[[Any], None] | None = None

    # Limits (denial-of-service protection)
    max_handshake_message: int = 65536
    max_certificate_message: int = 262144
    max_key_updates: int = 32  # KeyUpdates and post-handshake CertificateRequests in a row, without application data in between
    max_empty_records: int = 32
    max_warning_alerts: int = 5  # in a row: the 5th fails, as OpenSSL's MAX_WARN_ALERT_COUNT

    clock: Callable[[], float] = time.time

    def __setattr__(self, name: str, value: Any) -> None:
        # Each field is checked where it is given (Config(...), or set later): a wrong type
        # or value fails here with its name, not as internal_error in some handshake, or
        # worse, taken as something else (ssl.CERT_REQUIRED is RequireAnyClientCert's 2).
        check = _FIELD_CHECKS.get(name)
        object.__setattr__(self, name, value if check is None else check(value))

    def now(self) -> float:
        return (self.verify_time or self.clock)()

    def chain_checks(self) -> dict[str, Any]:
        """What ``verify.verify_server_chain``/``verify_client_chain`` check beyond the chain
        itself, from this config: the time, the profile, the security level, revocation."""
        return {
            "now": verify.datetime_from_timestamp(self.now()),
            "strict": self.x509_strict,
            "security_level": self.security_level,
            "crl_check": self.crl_check,
            "check_common_name": self.hostname_checks_common_name,
            "ca_any_eku": self.ca_any_extended_key_usage,
        }

    def certificate_request_authorities(self) -> list[bytes]:
        """The names a CertificateRequest lists (see ``client_ca_names``)."""
        names = self.client_ca_names
        if names is None:
            store = self.client_ca_store
            names = store.subject_names() if store is not None else []
        elif any(isinstance(n, x509.Name) for n in names):
            names = [n.public_bytes() if isinstance(n, x509.Name) else bytes(n) for n in names]
        if sum(2 + len(n) for n in names) > MAX_CA_NAMES_SIZE:
            return []
        return names

    def versions(self) -> list[int]:
        """Versions this config speaks, newest first."""
        return [v for v in (ProtocolVersion.TLS13, ProtocolVersion.TLS12) if self.min_version <= v <= self.max_version]

"""Signature schemes: signing and verifying handshake signatures (Go's ``auth.go``).

RFC 8446 4.2.3 (SignatureScheme), 4.4.3 (CertificateVerify), RFC 5246 7.4.1.4.1
and RFC 8422 5.4 (TLS 1.2 ServerKeyExchange / CertificateVerify signatures), and
draft-ietf-tls-mldsa (ML-DSA, FIPS 204: TLS 1.3 only, one scheme per parameter set).

One table row per scheme says which key type it needs, which hash, the
padding, whether TLS 1.3 allows it and (for ECDSA in TLS 1.3) which curve it
is bound to.  ``sign``/``verify`` read the row; nothing switches on scheme ids.

Failures carry the alert Go and RFC 8446 prescribe: a scheme that does not fit
the key, or that TLS 1.3 forbids, is ``illegal_parameter``; a signature that
does not verify is ``decrypt_error`` (RFC 8446 4.4.3).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa

from .constants import AlertDescription, SignatureScheme
from .errors import TLSError

__all__ = [
    "SchemeInfo",
    "SCHEMES",
    "DEFAULT_SIGNATURE_SCHEMES",
    "SERVER_SIGNATURE_CONTEXT",
    "CLIENT_SIGNATURE_CONTEXT",
    "signed_message",
    "sign",
    "verify",
    "schemes_for_key",
    "select_signature_scheme",
    "usable_in_tls13",
    "usable_in_tls12",
    "TLS13_ONLY_SCHEMES",
    "PRIVATE_KEY_TYPES",
    "MLDSAParams",
    "MLDSA_PARAMS",
    "mldsa_params",
    "mldsa_name",
    "is_supported_public_key",
    "certificate_key_matches",
    "parse_sigalgs",
    "scheme_name",
    "RSA_PSS_OID",
    "rsa_pss_key_schemes",
    "CertificateKey",
    "certificate_key",
    "CERT_PARSE_ERRORS",
    "load_pem_private_key",
    "OPENSSL_SIGNATURE_ORDER",
]

PrivateKey = Union[
    ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey,
    mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey,
]
PublicKey = Union[
    ec.EllipticCurvePublicKey, rsa.RSAPublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey,
    mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey,
]
#: The private and public key types fasttls signs and verifies with (isinstance tuples).
PRIVATE_KEY_TYPES = (
    ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey,
    mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey,
)


@dataclass(frozen=True)
class MLDSAParams:
    """One ML-DSA parameter set (FIPS 204), everything fasttls needs of it in one row: its
    TLS scheme (draft-ietf-tls-mldsa), key types, OID (RFC 9881), expanded private key size
    and OpenSSL 3.5's security bits (its NIST category)."""

    name: str
    scheme: SignatureScheme
    public_type: type
    private_type: type
    oid: str
    expanded_size: int
    security_bits: int


MLDSA_PARAMS: tuple[MLDSAParams, ...] = (
    MLDSAParams("ML-DSA-44", SignatureScheme.mldsa44, mldsa.MLDSA44PublicKey, mldsa.MLDSA44PrivateKey, "2.16.840.1.101.3.4.3.17", 2560, 128),
    MLDSAParams("ML-DSA-65", SignatureScheme.mldsa65, mldsa.MLDSA65PublicKey, mldsa.MLDSA65PrivateKey, "2.16.840.1.101.3.4.3.18", 4032, 192),
    MLDSAParams("ML-DSA-87", SignatureScheme.mldsa87, mldsa.MLDSA87PublicKey, mldsa.MLDSA87PrivateKey, "2.16.840.1.101.3.4.3.19", 4896, 256),
)


def mldsa_params(public_key: Any) -> MLDSAParams | None:
    """The parameter set of an ML-DSA public key; None for other keys."""
    for params in MLDSA_PARAMS:
        if isinstance(public_key, params.public_type):
            return params
    return None


def mldsa_name(public_key: Any) -> str | None:
    """The parameter set's name ("ML-DSA-65") of an ML-DSA public key; None for other keys."""
    params = mldsa_params(public_key)
    return params.name if params is not None else None

#: id-RSASSA-PSS: a certificate whose key may only be used with RSA-PSS (the ``rsa_pss_pss_*`` schemes).
RSA_PSS_OID = x509.ObjectIdentifier("1.2.840.113549.1.1.10")
_RSA_ENCRYPTION_OID = x509.ObjectIdentifier("1.2.840.113549.1.1.1")

#: RFC 8446 4.4.3 context strings.
SERVER_SIGNATURE_CONTEXT = b"TLS 1.3, server CertificateVerify"
CLIENT_SIGNATURE_CONTEXT = b"TLS 1.3, client CertificateVerify"


@dataclass(frozen=True)
class SchemeInfo:
    """What one SignatureScheme means.

    ``kind`` is ``"ecdsa"``, ``"rsa_pss_rsae"``, ``"rsa_pss_pss"``, ``"rsa_pkcs1"``,
    ``"ed25519"``, ``"ed448"`` or ``"mldsa"``; ``curve`` is the curve an ECDSA scheme is
    bound to in TLS 1.3 (TLS 1.2 lets any curve use any ECDSA hash), ``key_type`` the
    ML-DSA parameter set's public key type.  ``tls12`` is False for the schemes only
    TLS 1.3 defines (ML-DSA: draft-ietf-tls-mldsa).
    """

    scheme: SignatureScheme
    kind: str
    hash: hashes.HashAlgorithm | None
    curve: type[ec.EllipticCurve] | None = None
    tls13: bool = True
    sha1: bool = False
    tls12: bool = True
    key_type: type | None = None

    @property
    def name(self) -> str:
        return self.scheme.name

    def min_rsa_bytes(self) -> int:
        """Go's rsaSignatureSchemes minimum modulus size (bytes) for this scheme."""
        assert self.hash is not None
        if self.kind in ("rsa_pss_rsae", "rsa_pss_pss"):
            return 2 * self.hash.digest_size + 2  # emLen >= hLen + sLen + 2 with sLen = hLen
        prefix = 15 if self.sha1 else 19  # DigestInfo prefix length
        return prefix + self.hash.digest_size + 11


_SS = SignatureScheme
SCHEMES: dict[int, SchemeInfo] = {
    s.scheme: s
    for s in (
        SchemeInfo(_SS.ecdsa_secp256r1_sha256, "ecdsa", hashes.SHA256(), ec.SECP256R1),
        SchemeInfo(_SS.ecdsa_secp384r1_sha384, "ecdsa", hashes.SHA384(), ec.SECP384R1),
        SchemeInfo(_SS.ecdsa_secp521r1_sha512, "ecdsa", hashes.SHA512(), ec.SECP521R1),
        SchemeInfo(_SS.rsa_pss_rsae_sha256, "rsa_pss_rsae", hashes.SHA256()),
        SchemeInfo(_SS.rsa_pss_rsae_sha384, "rsa_pss_rsae", hashes.SHA384()),
        SchemeInfo(_SS.rsa_pss_rsae_sha512, "rsa_pss_rsae", hashes.SHA512()),
        SchemeInfo(_SS.rsa_pss_pss_sha256, "rsa_pss_pss", hashes.SHA256()),
        SchemeInfo(_SS.rsa_pss_pss_sha384, "rsa_pss_pss", hashes.SHA384()),
        SchemeInfo(_SS.rsa_pss_pss_sha512, "rsa_pss_pss", hashes.SHA512()),
        SchemeInfo(_SS.ed25519, "ed25519", None),
        SchemeInfo(_SS.ed448, "ed448", None),
        SchemeInfo(_SS.rsa_pkcs1_sha256, "rsa_pkcs1", hashes.SHA256(), tls13=False),
        SchemeInfo(_SS.rsa_pkcs1_sha384, "rsa_pkcs1", hashes.SHA384(), tls13=False),
        SchemeInfo(_SS.rsa_pkcs1_sha512, "rsa_pkcs1", hashes.SHA512(), tls13=False),
        # Known so they can be named and refused; never in a default list (RFC 9155).
        SchemeInfo(_SS.rsa_pkcs1_sha1, "rsa_pkcs1", hashes.SHA1(), tls13=False, sha1=True),
        SchemeInfo(_SS.ecdsa_sha1, "ecdsa", hashes.SHA1(), tls13=False, sha1=True),
    )
}
# Pure ML-DSA with an empty context string, TLS 1.3 only (draft-ietf-tls-mldsa).
SCHEMES.update((p.scheme, SchemeInfo(p.scheme, "mldsa", None, tls12=False, key_type=p.public_type)) for p in MLDSA_PARAMS)

#: Go's defaultSupportedSignatureAlgorithms (SHA-1 dropped, RFC 9155), plus Ed448
#: after Ed25519 (Go has no Ed448) and, as OpenSSL, the ``rsa_pss_pss_*`` schemes of
#: certificates with an id-RSASSA-PSS key; last the three ML-DSA schemes, which OpenSSL
#: 3.5, AWS-LC and Go 1.27 also accept by default (a server picks them only for an
#: ML-DSA certificate, and only in TLS 1.3).  Order matters: it is what we advertise.
DEFAULT_SIGNATURE_SCHEMES: tuple[int, ...] = (
    _SS.rsa_pss_rsae_sha256,
    _SS.ecdsa_secp256r1_sha256,
    _SS.ed25519,
    _SS.ed448,
    _SS.rsa_pss_rsae_sha384,
    _SS.rsa_pss_rsae_sha512,
    _SS.rsa_pss_pss_sha256,
    _SS.rsa_pss_pss_sha384,
    _SS.rsa_pss_pss_sha512,
    _SS.rsa_pkcs1_sha256,
    _SS.rsa_pkcs1_sha384,
    _SS.rsa_pkcs1_sha512,
    _SS.ecdsa_secp384r1_sha384,
    _SS.ecdsa_secp521r1_sha512,
    _SS.mldsa44,
    _SS.mldsa65,
    _SS.mldsa87,
)

#: OpenSSL 3.5's default signature algorithm order (ssl/t1_lib.c tls12_sigalgs; 3.0's is the
#: same without ML-DSA): the order its server ranks certificates of different key types
#: by when it follows its own preference (``Config.certificate_choice == "server"``).
OPENSSL_SIGNATURE_ORDER: tuple[int, ...] = (
    _SS.mldsa65, _SS.mldsa87, _SS.mldsa44,
    _SS.ecdsa_secp256r1_sha256, _SS.ecdsa_secp384r1_sha384, _SS.ecdsa_secp521r1_sha512, _SS.ed25519, _SS.ed448,
    _SS.rsa_pss_pss_sha256, _SS.rsa_pss_pss_sha384, _SS.rsa_pss_pss_sha512,
    _SS.rsa_pss_rsae_sha256, _SS.rsa_pss_rsae_sha384, _SS.rsa_pss_rsae_sha512,
    _SS.rsa_pkcs1_sha256, _SS.rsa_pkcs1_sha384, _SS.rsa_pkcs1_sha512, _SS.ecdsa_sha1, _SS.rsa_pkcs1_sha1,
)

# Preference among the schemes one key can make (Go's signatureSchemesForCertificate).
_RSA_ORDER = (
    _SS.rsa_pss_rsae_sha256,
    _SS.rsa_pss_rsae_sha384,
    _SS.rsa_pss_rsae_sha512,
    _SS.rsa_pkcs1_sha256,
    _SS.rsa_pkcs1_sha384,
    _SS.rsa_pkcs1_sha512,
    _SS.rsa_pkcs1_sha1,
)
_RSA_PSS_ORDER = (_SS.rsa_pss_pss_sha256, _SS.rsa_pss_pss_sha384, _SS.rsa_pss_pss_sha512)
_ECDSA12_ORDER = (_SS.ecdsa_secp256r1_sha256, _SS.ecdsa_secp384r1_sha384, _SS.ecdsa_secp521r1_sha512, _SS.ecdsa_sha1)
#: Schemes TLS 1.2 does not define: a TLS 1.2-only ClientHello or CertificateRequest leaves them out.
TLS13_ONLY_SCHEMES: frozenset[int] = frozenset(i.scheme for i in SCHEMES.values() if not i.tls12)
_ECDSA13 = {256: _SS.ecdsa_secp256r1_sha256, 384: _SS.ecdsa_secp384r1_sha384, 521: _SS.ecdsa_secp521r1_sha512}


# DER encodings (tag, length, value) of the hash OIDs RSASSA-PSS-params name (RFC 4055 2.1).
_PSS_HASH_OIDS = {
    bytes.fromhex("0609608648016503040201"): _SS.rsa_pss_pss_sha256,
    bytes.fromhex("0609608648016503040202"): _SS.rsa_pss_pss_sha384,
    bytes.fromhex("0609608648016503040203"): _SS.rsa_pss_pss_sha512,
}
_MGF1_OID = bytes.fromhex("06092a864886f70d010108")


#: What cryptography raises for a certificate it will not parse, at load or on a lazy
#: read: DuplicateExtension, InvalidVersion and UnsupportedGeneralNameType are not
#: ValueErrors, and a BIT STRING name attribute under most OIDs is a TypeError.
CERT_PARSE_ERRORS = (ValueError, TypeError, x509.InvalidVersion, x509.DuplicateExtension, x509.UnsupportedGeneralNameType)


def _der_items(data: bytes, limit: int = -1) -> list[tuple[int, bytes, bytes]]:
    """The top-level DER elements of ``data``: (tag, whole encoding, contents); the first
    ``limit`` only, when given (what follows them is not read).

    Strict: a truncated element, an indefinite or over-long length, or a length in
    more bytes than it needs is a ValueError (never an IndexError)."""
    out, pos = [], 0
    while pos < len(data) and len(out) != limit:
        if pos + 2 > len(data):
            raise ValueError("truncated DER")
        if data[pos] & 0x1F == 0x1F:
            raise ValueError("DER tag in the high-tag-number form")
        tag, length = data[pos], data[pos + 1]
        start = pos + 2
        if length & 0x80:
            n = length & 0x7F
            if not 1 <= n <= 4 or start + n > len(data):
                raise ValueError("bad DER length")
            length, start = int.from_bytes(data[start : start + n], "big"), start + n
            if length < 0x80 or data[start - n] == 0:
                raise ValueError("DER length not in its shortest form")
        end = start + length
        if end > len(data):
            raise ValueError("truncated DER")
        out.append((tag, data[pos:end], data[start:end]))
        pos = end
    return out


_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING, _OID = 0x30, 0x02, 0x03, 0x04, 0x06


def _der_oid(contents: bytes) -> x509.ObjectIdentifier:
    """An OBJECT IDENTIFIER's contents as cryptography's ObjectIdentifier (ValueError if malformed)."""
    if not contents or contents[-1] & 0x80:
        raise ValueError("truncated OBJECT IDENTIFIER")
    arcs, value = [], 0
    for i, b in enumerate(contents):
        if b == 0x80 and (i == 0 or not contents[i - 1] & 0x80):
            raise ValueError("OBJECT IDENTIFIER arc not in its shortest form")
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return x509.ObjectIdentifier(".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]])))


class CertificateKey:
    """What a handshake needs of a peer certificate that ``cryptography`` will not parse
    in full (a PrintableString with ``*`` or ``_``, a T61String with a Latin-1 byte, an
    empty RDN, an IP SAN of 5 bytes, an x400Address...), read from its DER when the
    certificate is not verified: its SubjectPublicKeyInfo (``public_key()``,
    ``public_key_algorithm_oid``, ``spki``).  ``auth.verify`` takes it as it takes a
    certificate.  Made by :func:`certificate_key`; nothing else of the certificate is
    read, and its signature is never checked (it is not verified)."""

    __slots__ = ("_public_key", "der", "public_key_algorithm_oid", "spki")

    def __init__(self, der: bytes, spki: bytes, algorithm_oid: x509.ObjectIdentifier, public_key: Any) -> None:
        self.der = der
        self.spki = spki
        self.public_key_algorithm_oid = algorithm_oid
        self._public_key = public_key

    def public_key(self) -> Any:
        if self._public_key is None:
            raise ValueError("this certificate's key was not loaded (a CA certificate that is not verified)")
        return self._public_key

    def __repr__(self) -> str:
        return f"<CertificateKey {self.public_key_algorithm_oid.dotted_string} ({len(self.der)} bytes of DER)>"


def _certificate_spki(der: bytes) -> tuple[bytes, x509.ObjectIdentifier]:
    """The SubjectPublicKeyInfo of a DER certificate (its whole encoding) and its
    algorithm's OID, after checking the outline of RFC 5280 4.1 (ValueError if not)::

        Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE, signature BIT STRING }
        TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER,
            signature SEQUENCE, issuer SEQUENCE, validity SEQUENCE, subject SEQUENCE,
            subjectPublicKeyInfo SEQUENCE, [1] [2] IMPLICIT OPTIONAL, [3] extensions OPTIONAL }
        SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, parameters ANY OPTIONAL }, BIT STRING }
    """
    top = _der_items(der)
    if len(top) != 1 or top[0][0] != _SEQUENCE:
        raise ValueError("not one DER SEQUENCE")
    outer = _der_items(top[0][2])
    if [t for t, _, _ in outer] != [_SEQUENCE, _SEQUENCE, _BIT_STRING]:
        raise ValueError("Certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signature }")
    tbs = _der_items(outer[0][2])
    if tbs and tbs[0][0] == 0xA0:
        tbs = tbs[1:]
    fields = [t for t, _, _ in tbs[:6]]
    if fields != [_INTEGER, _SEQUENCE, _SEQUENCE, _SEQUENCE, _SEQUENCE, _SEQUENCE]:
        raise ValueError("TBSCertificate fields are not serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo")
    rest = [t for t, _, _ in tbs[6:]]
    if rest != sorted(set(rest)) or not set(rest) <= {0x81, 0x82, 0xA3}:
        raise ValueError("unexpected fields after subjectPublicKeyInfo")
    spki = tbs[5]
    parts = _der_items(spki[2])
    if [t for t, _, _ in parts] != [_SEQUENCE, _BIT_STRING]:
        raise ValueError("SubjectPublicKeyInfo is not SEQUENCE { algorithm, subjectPublicKey }")
    algorithm = _der_items(parts[0][2])
    if not 1 <= len(algorithm) <= 2 or algorithm[0][0] != _OID:
        raise ValueError("SubjectPublicKeyInfo algorithm is not SEQUENCE { OID, parameters }")
    return spki[1], _der_oid(algorithm[0][2])


def certificate_key(der: bytes, load_key: bool = True) -> CertificateKey:
    """The subject public key of a DER certificate, read without parsing the rest of it
    (see :class:`CertificateKey`): the SubjectPublicKeyInfo found by a strict walk of the
    certificate's outline, loaded by ``cryptography`` (unless ``load_key`` is false: a
    CA certificate that is not verified, whose key nothing uses).  ValueError when the
    DER is not a certificate or the key does not load; UnsupportedAlgorithm for a key
    type ``cryptography`` does not know."""
    der = bytes(der)
    spki, oid = _certificate_spki(der)
    return CertificateKey(der, spki, oid, serialization.load_der_public_key(spki) if load_key else None)


_MLDSA_BY_OID = {p.oid: p for p in MLDSA_PARAMS}
_MLDSA_NAMES = {p.scheme: p.name for p in MLDSA_PARAMS}
_PEM_PRIVATE_KEY = re.compile(rb"-----BEGIN PRIVATE KEY-----\r?\n(.*?)-----END PRIVATE KEY-----", re.S)
_PEM_ENCRYPTED_KEY = re.compile(rb"-----BEGIN ENCRYPTED PRIVATE KEY-----\r?\n(.*?)-----END ENCRYPTED PRIVATE KEY-----", re.S)
_PBES2 = "1.2.840.113549.1.5.13"


def _empty_password(data: bytes) -> bytes:
    """The password that opens a key encrypted with an empty one (``openssl pkey
    -passout pass:``), which cryptography takes for no password at all.  A PKCS#8 key
    under PBES2 derives its key with PBKDF2 (or scrypt, built on it) keyed by HMAC, and
    HMAC pads its key with zero bytes to the block size (RFC 2104 2): b"\\0" derives
    the very key b"" does.  Other schemes hash the password as it is: b"" stays."""
    found = _PEM_ENCRYPTED_KEY.search(data)
    if found is not None:
        try:
            info = _der_items(_der_items(base64.b64decode(found.group(1)))[0][2])
            algorithm = _der_items(info[0][2])[0]
            if algorithm[0] == _OID and _der_oid(algorithm[2]).dotted_string == _PBES2:
                return b"\x00"
        except (ValueError, IndexError, binascii.Error):
            pass
    return b""


def load_pem_private_key(data: bytes, password: bytes | None = None) -> Any:
    """``serialization.load_pem_private_key``, plus the ML-DSA key that OpenSSL 3.5 and newer
    write by default, which cryptography does not read.

    RFC 9881 6: an ML-DSA PKCS#8 key holds the 32-byte seed, the expanded key, or both
    (OpenSSL's default).  cryptography reads the seed form only; for "both" we build the
    key from its seed and check that the expanded key belongs to it (its rho and tr, which
    bind it to the public key, FIPS 204 7.2).  An expanded key alone cannot be loaded, nor an
    encrypted key in a form other than the seed's (cryptography decrypts and then parses it
    itself): the error says how to write the seed form."""
    if password is not None and not password:
        password = _empty_password(bytes(data))
    try:
        # No RSA consistency check (~35 ms for a 2048-bit key: urllib3 loads a client
        # certificate on every new connection): OpenSSL's SSL_CTX_use_PrivateKey makes none,
        # the key is the caller's own, and it must still match its certificate.
        return serialization.load_pem_private_key(data, password=password, unsafe_skip_rsa_key_validation=True)
    except ValueError as e:
        found = _PEM_PRIVATE_KEY.search(bytes(data))
        if found is None:
            if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in bytes(data) and "ASN.1" in str(e):
                raise ValueError(
                    f"{e} (an encrypted ML-DSA key that OpenSSL wrote with its expanded key cannot be read: "
                    "write it with its seed only, openssl pkey -provparam ml-dsa.output_formats=seed-only)"
                ) from None
            raise
        try:
            items = _der_items(_der_items(base64.b64decode(found.group(1)))[0][2])
            algorithm = _der_items(items[1][2])[0]
            params = _MLDSA_BY_OID.get(_der_oid(algorithm[2]).dotted_string) if algorithm[0] == _OID else None
        except (ValueError, IndexError, binascii.Error):
            raise e from None
        if params is None or len(items) < 3 or items[2][0] != _OCTET_STRING:
            raise
        name, expanded_size = params.name, params.expanded_size
        try:
            forms = _der_items(items[2][2])
        except ValueError:
            raise ValueError(f"malformed {name} private key") from None
        if len(forms) != 1 or forms[0][0] != _SEQUENCE:
            raise ValueError(
                f"{name} private key in the expanded-only form, which cryptography cannot load: write it "
                "with its seed (openssl pkey -provparam ml-dsa.output_formats=seed-only)"
            ) from None
        parts = _der_items(forms[0][2])
        if [t for t, _, _ in parts] != [_OCTET_STRING, _OCTET_STRING] or len(parts[0][2]) != 32 or len(parts[1][2]) != expanded_size:
            raise ValueError(f"malformed {name} private key (seed and expanded key)") from None
        key = params.private_type.from_seed_bytes(parts[0][2])
        public = key.public_key().public_bytes_raw()
        digest = hashes.Hash(hashes.SHAKE256(64))
        digest.update(public)
        expanded = parts[1][2]
        if expanded[:32] != public[:32] or expanded[64:128] != digest.finalize():
            raise ValueError(f"{name} private key whose seed and expanded key do not match") from None
        return key


def rsa_pss_key_schemes(cert: x509.Certificate | CertificateKey) -> tuple[SignatureScheme, ...] | None:
    """The ``rsa_pss_pss_*`` schemes an id-RSASSA-PSS certificate key may sign with.

    None when the key is not id-RSASSA-PSS.  RFC 4055 3.1: parameters in the
    key's AlgorithmIdentifier bind it to their hash, MGF1 hash and minimum salt
    length, and RFC 8446 4.2.3's schemes use MGF1 with the same hash and a salt
    as long as the hash.  So a key restricted to SHA-384 fits only
    rsa_pss_pss_sha384 (OpenSSL refuses the others: "digest not allowed"), and
    one restricted to SHA-1 (the default when the fields are left out) fits none.
    cryptography does not expose the parameters, so we read them from the DER.
    """
    if cert.public_key_algorithm_oid != RSA_PSS_OID:
        return None
    try:
        if isinstance(cert, CertificateKey):
            spki = cert.spki
        else:
            # TBSCertificate: [0] version?, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
            spki = [i for i in _der_items(_der_items(cert.tbs_certificate_bytes)[0][2]) if i[0] != 0xA0][5][1]
        algorithm = _der_items(_der_items(_der_items(spki)[0][2])[0][2])
        if len(algorithm) < 2 or algorithm[1][1] == b"\x05\x00":
            return _RSA_PSS_ORDER  # no parameters: the key is not restricted
        fields = {tag: contents for tag, _, contents in _der_items(algorithm[1][2])}
        if 0xA0 not in fields:
            return ()  # SHA-1, which no TLS scheme uses
        hash_oid = _der_items(_der_items(fields[0xA0])[0][2])[0][1]  # [0] AlgorithmIdentifier: its OID
        scheme = _PSS_HASH_OIDS.get(hash_oid)
        if scheme is None or 0xA1 not in fields:
            return ()  # another hash, or MGF1 with SHA-1
        mgf = _der_items(_der_items(fields[0xA1])[0][2])
        if mgf[0][1] != _MGF1_OID or _der_items(mgf[1][2])[0][1] != hash_oid:
            return ()
        if 0xA2 in fields:
            salt = int.from_bytes(_der_items(fields[0xA2])[0][2], "big")
            if salt > SCHEMES[scheme].hash.digest_size:
                return ()
        return (scheme,)
    except (ValueError, IndexError):
        return ()  # parameters we cannot read: sign with nothing rather than be refused


def scheme_name(scheme: int) -> str:
    try:
        return SignatureScheme(scheme).name
    except ValueError:
        return f"unknown signature scheme 0x{scheme:04x}"


def signed_message(context: bytes, transcript_hash: bytes) -> bytes:
    """RFC 8446 4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.

    The padding makes the signed data useless as a TLS 1.2 signature (which
    starts with 64 random bytes) and the context separates server from client.
    """
    return b"\x20" * 64 + context + b"\x00" + transcript_hash


def usable_in_tls13(scheme: int) -> bool:
    """May this scheme appear in a TLS 1.3 CertificateVerify (RFC 8446 4.4.3: no PKCS#1 v1.5, no SHA-1)?"""
    info = SCHEMES.get(scheme)
    return info is not None and info.tls13


def usable_in_tls12(scheme: int) -> bool:
    """Does TLS 1.2 define this scheme (ML-DSA is TLS 1.3 only: draft-ietf-tls-mldsa)?"""
    info = SCHEMES.get(scheme)
    return info is not None and info.tls12


def is_supported_public_key(public_key: Any) -> bool:
    """Can fasttls verify signatures by this key at all (and is the ECDSA curve one TLS uses)?"""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return public_key.curve.key_size in _ECDSA13 and isinstance(public_key.curve, (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1))
    return isinstance(public_key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)) or mldsa_params(public_key) is not None


def _public_of(key: Any) -> Any:
    if isinstance(key, PRIVATE_KEY_TYPES):
        return key.public_key()
    return key


def _fits(info: SchemeInfo, public_key: Any, tls13: bool | None) -> str | None:
    """Why ``info`` cannot be used with this key (None when it can)."""
    kind = info.kind
    if kind == "ecdsa":
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            return "needs an ECDSA key"
        if tls13 and not isinstance(public_key.curve, info.curve):
            return f"is bound to {info.curve.name} in TLS 1.3, the key is on {public_key.curve.name}"
        return None
    if kind in ("rsa_pss_rsae", "rsa_pss_pss", "rsa_pkcs1"):
        if not isinstance(public_key, rsa.RSAPublicKey):
            return "needs an RSA key"
        return None
    if kind == "ed25519":
        return None if isinstance(public_key, ed25519.Ed25519PublicKey) else "needs an Ed25519 key"
    if kind == "ed448":
        return None if isinstance(public_key, ed448.Ed448PublicKey) else "needs an Ed448 key"
    if kind == "mldsa":
        assert info.key_type is not None
        return None if isinstance(public_key, info.key_type) else f"needs an {_MLDSA_NAMES[info.scheme]} key"
    return "is not supported"


def _check(scheme: int, public_key: Any, tls13: bool | None) -> SchemeInfo:
    """The scheme's row, after checking it fits the key and the version (None: no version's rules)."""
    info = SCHEMES.get(scheme)
    if info is None:
        raise TLSError(AlertDescription.illegal_parameter, f"unsupported signature scheme 0x{scheme:04x}")
    if tls13 and not info.tls13:
        raise TLSError(AlertDescription.illegal_parameter, f"{info.name} is not allowed in TLS 1.3")
    if tls13 is False and not info.tls12:
        raise TLSError(AlertDescription.illegal_parameter, f"{info.name} is not allowed in TLS 1.2")
    why = _fits(info, public_key, tls13)
    if why is not None:
        raise TLSError(
            AlertDescription.illegal_parameter,
            # A reason that names the key's curve already says what the key is.
            f"signature scheme {info.name} {why}" + ("" if ", the key is" in why else f", but the key is {type(public_key).__name__.lstrip('_')}"),
        )
    return info


def _pss(info: SchemeInfo) -> padding.PSS:
    # RFC 8446 4.2.3: MGF1 with the same hash, salt length equal to the digest length.
    assert info.hash is not None
    return padding.PSS(mgf=padding.MGF1(info.hash), salt_length=info.hash.digest_size)


# The algorithm objects are immutable: built once per scheme, not per signature
# (each construction runs ABC isinstance checks inside cryptography).
_ECDSA_ALGS = {s: ec.ECDSA(i.hash) for s, i in SCHEMES.items() if i.kind == "ecdsa"}
_PSS_PADDINGS = {s: _pss(i) for s, i in SCHEMES.items() if i.kind in ("rsa_pss_rsae", "rsa_pss_pss")}
_PKCS1 = padding.PKCS1v15()


def sign(
    private_key: PrivateKey, scheme: int, message: bytes, *, tls13: bool | None = None, public_key: PublicKey | None = None
) -> bytes:
    """Sign ``message`` with ``scheme`` (ECDSA signatures are DER, as TLS sends them).

    ``tls13=True`` additionally enforces the TLS 1.3 rules, ``tls13=False`` the TLS 1.2
    ones (no ML-DSA); None neither.  A scheme that does
    not fit our own key is a local configuration error: ``internal_error``.
    ``public_key`` is the key's public half when the caller has it cached
    (``CertifiedKey.public_key``), to skip deriving it per signature.
    """
    try:
        info = _check(scheme, public_key if public_key is not None else private_key.public_key(), tls13)
    except TLSError as e:
        raise TLSError(AlertDescription.internal_error, f"cannot sign: {e.detail}") from None
    kind = info.kind
    if kind == "ecdsa":
        return private_key.sign(message, _ECDSA_ALGS[info.scheme])
    if kind in ("rsa_pss_rsae", "rsa_pss_pss"):
        try:
            return private_key.sign(message, _PSS_PADDINGS[info.scheme], info.hash)
        except ValueError as e:  # key too small for this hash with salt = hash length
            raise TLSError(AlertDescription.internal_error, f"cannot sign with {info.name}: {e}") from None
    if kind == "rsa_pkcs1":
        return private_key.sign(message, _PKCS1, info.hash)
    # Ed25519 / Ed448: pure EdDSA, no prehash; ML-DSA: pure, with the empty context
    # string (draft-ietf-tls-mldsa), which is what cryptography's context=None signs.
    return private_key.sign(message)


def verify(
    public_key: PublicKey | x509.Certificate | CertificateKey,
    scheme: int,
    message: bytes,
    signature: bytes,
    *,
    tls13: bool = True,
) -> None:
    """Check ``signature`` over ``message``; raise TLSError if it does not hold.

    ``illegal_parameter`` when the scheme does not fit the key (wrong key
    type, an ECDSA curve that does not match the scheme in TLS 1.3, PKCS#1 or
    SHA-1 in TLS 1.3); ``decrypt_error`` when the signature is wrong.

    Pass the certificate instead of its key to also enforce the rsae/pss
    split of RFC 8446 4.2.3 (``rsa_pss_rsae_*`` needs an rsaEncryption key,
    ``rsa_pss_pss_*`` an id-RSASSA-PSS one); with a bare key both are allowed.
    """
    cert: x509.Certificate | CertificateKey | None = None
    if isinstance(public_key, (x509.Certificate, CertificateKey)):
        cert, public_key = public_key, public_key.public_key()
    info = _check(scheme, public_key, tls13)
    if cert is not None and info.kind in ("rsa_pss_rsae", "rsa_pss_pss", "rsa_pkcs1"):
        pss_key = cert.public_key_algorithm_oid == RSA_PSS_OID
        if pss_key != (info.kind == "rsa_pss_pss"):
            raise TLSError(
                AlertDescription.illegal_parameter,
                f"signature scheme {info.name} does not match the certificate's "
                f"{'RSASSA-PSS' if pss_key else 'rsaEncryption'} key",
            )
        if pss_key and info.scheme not in (rsa_pss_key_schemes(cert) or ()):
            raise TLSError(
                AlertDescription.illegal_parameter,
                f"signature scheme {info.name} is outside the certificate's RSASSA-PSS key parameters",
            )
    kind = info.kind
    try:
        if kind == "ecdsa":
            public_key.verify(signature, message, _ECDSA_ALGS[info.scheme])
        elif kind in ("rsa_pss_rsae", "rsa_pss_pss"):
            public_key.verify(signature, message, _PSS_PADDINGS[info.scheme], info.hash)
        elif kind == "rsa_pkcs1":
            public_key.verify(signature, message, _PKCS1, info.hash)
        else:
            public_key.verify(signature, message)
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        raise TLSError(AlertDescription.decrypt_error, f"invalid {info.name} signature") from None


def schemes_for_key(
    key: Any, tls13: bool, *, allow_sha1: bool = False, pss_schemes: Sequence[int] | None = None
) -> list[SignatureScheme]:
    """The schemes this (private or public) key can sign with, in our preference order.

    Go's ``signatureSchemesForCertificate``: in TLS 1.3 an ECDSA key has
    exactly the scheme of its curve and RSA keys only RSA-PSS; in TLS 1.2 an
    ECDSA key may use any ECDSA hash and RSA keys also PKCS#1 v1.5.  An ML-DSA
    key has the one scheme of its parameter set, in TLS 1.3 only.  RSA
    schemes the modulus is too small for are left out.  A private key does not
    tell whether its certificate carries an id-RSASSA-PSS key: ``pss_schemes``
    (from :func:`rsa_pss_key_schemes`) says so, and then only those
    ``rsa_pss_pss_*`` fit (RFC 8446 4.2.3; in TLS 1.2 too).
    """
    pub = _public_of(key)
    out: list[SignatureScheme]
    if isinstance(pub, ec.EllipticCurvePublicKey):
        if tls13:
            s = _ECDSA13.get(pub.curve.key_size)
            out = [s] if s is not None and isinstance(pub.curve, SCHEMES[s].curve) else []
        else:
            out = list(_ECDSA12_ORDER)
    elif isinstance(pub, rsa.RSAPublicKey):
        size = (pub.key_size + 7) // 8
        order = _RSA_ORDER if pss_schemes is None else tuple(s for s in _RSA_PSS_ORDER if s in pss_schemes)
        out = [s for s in order if size >= SCHEMES[s].min_rsa_bytes() and (not tls13 or SCHEMES[s].tls13)]
    elif isinstance(pub, ed25519.Ed25519PublicKey):
        out = [_SS.ed25519]
    elif isinstance(pub, ed448.Ed448PublicKey):
        out = [_SS.ed448]
    else:
        params = mldsa_params(pub)
        out = [params.scheme] if params is not None and tls13 else []
    if not allow_sha1:
        out = [s for s in out if not SCHEMES[s].sha1]
    return out


def select_signature_scheme(
    key: Any,
    peer_schemes: Sequence[int],
    tls13: bool,
    *,
    supported: Iterable[int] | None = None,
    prefer_peer: bool = True,
    key_schemes: Sequence[int] | None = None,
) -> SignatureScheme | None:
    """Go's ``selectSignatureScheme``: a scheme the key can make and the peer accepts, or None.

    As in Go, the peer's preference order decides by default (``prefer_peer``);
    ``prefer_peer=False`` takes the first of our own preferences instead.
    ``supported`` is what we allow ourselves (default
    :data:`DEFAULT_SIGNATURE_SCHEMES`; add the SHA-1 schemes there to allow
    them).  A TLS 1.2 peer that sent no signature_algorithms implies SHA-1
    (RFC 5246 7.4.1.4.1), which yields a scheme only if SHA-1 is allowed.
    ``key_schemes`` is ``schemes_for_key(key, tls13, allow_sha1=True)`` when the
    caller has it cached (``CertifiedKey.signing_schemes``).
    """
    allowed = set(DEFAULT_SIGNATURE_SCHEMES if supported is None else supported)
    if key_schemes is None:
        key_schemes = schemes_for_key(key, tls13, allow_sha1=True)
    ours = [s for s in key_schemes if s in allowed]
    if not ours:
        return None
    peer = list(peer_schemes)
    if not peer and not tls13:
        peer = [_SS.rsa_pkcs1_sha1, _SS.ecdsa_sha1]
    if prefer_peer:
        for s in peer:
            if s in ours:
                return SignatureScheme(s)
        return None
    peer_set = set(peer)
    for s in ours:
        if s in peer_set:
            return s
    return None


def certificate_key_matches(cert: x509.Certificate, private_key: Any) -> bool:
    """Is ``private_key`` the key of ``cert``?  (Compares the SubjectPublicKeyInfo encodings.)"""
    try:
        ours = private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        theirs = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except (AttributeError, ValueError, UnsupportedAlgorithm):
        return False
    return ours == theirs


# OpenSSL's sigalgs list syntax (SSL_CTX_set1_sigalgs_list): "ECDSA+SHA256:RSA-PSS+SHA256:ed25519"
# or the IANA names ("rsa_pss_rsae_sha256").
_OPENSSL_SIGALG_ALIASES: dict[str, int] = {
    "ECDSA+SHA256": _SS.ecdsa_secp256r1_sha256,
    "ECDSA+SHA384": _SS.ecdsa_secp384r1_sha384,
    "ECDSA+SHA512": _SS.ecdsa_secp521r1_sha512,
    "ECDSA+SHA1": _SS.ecdsa_sha1,
    "RSA+SHA256": _SS.rsa_pkcs1_sha256,
    "RSA+SHA384": _SS.rsa_pkcs1_sha384,
    "RSA+SHA512": _SS.rsa_pkcs1_sha512,
    "RSA+SHA1": _SS.rsa_pkcs1_sha1,
    "RSA-PSS+SHA256": _SS.rsa_pss_rsae_sha256,
    "RSA-PSS+SHA384": _SS.rsa_pss_rsae_sha384,
    "RSA-PSS+SHA512": _SS.rsa_pss_rsae_sha512,
    "PSS+SHA256": _SS.rsa_pss_rsae_sha256,
    "PSS+SHA384": _SS.rsa_pss_rsae_sha384,
    "PSS+SHA512": _SS.rsa_pss_rsae_sha512,
    "ED25519": _SS.ed25519,
    "ED448": _SS.ed448,
    "ML-DSA-44": _SS.mldsa44,
    "ML-DSA-65": _SS.mldsa65,
    "ML-DSA-87": _SS.mldsa87,
    # Go's names (SignatureScheme.String())
    "PSSWITHSHA256": _SS.rsa_pss_rsae_sha256,
    "PSSWITHSHA384": _SS.rsa_pss_rsae_sha384,
    "PSSWITHSHA512": _SS.rsa_pss_rsae_sha512,
    "ECDSAWITHP256ANDSHA256": _SS.ecdsa_secp256r1_sha256,
    "ECDSAWITHP384ANDSHA384": _SS.ecdsa_secp384r1_sha384,
    "ECDSAWITHP521ANDSHA512": _SS.ecdsa_secp521r1_sha512,
    "PKCS1WITHSHA256": _SS.rsa_pkcs1_sha256,
    "PKCS1WITHSHA384": _SS.rsa_pkcs1_sha384,
    "PKCS1WITHSHA512": _SS.rsa_pkcs1_sha512,
}


def parse_sigalgs(s: str | Iterable[str]) -> list[SignatureScheme]:
    """Parse a signature algorithm list: IANA names (``rsa_pss_rsae_sha256``),
    OpenSSL's ``ECDSA+SHA256`` / ``RSA-PSS+SHA256`` / ``ed25519`` forms, or Go's
    names, separated by ``:`` or ``,``; case-insensitive.  Unknown names raise
    ValueError; duplicates are dropped, order is kept.
    """
    items = s.replace(",", ":").split(":") if isinstance(s, str) else list(s)
    out: list[SignatureScheme] = []
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        scheme: int | None = None
        try:
            scheme = SignatureScheme[name.lower()]
        except KeyError:
            scheme = _OPENSSL_SIGALG_ALIASES.get(name.upper())
        if scheme is None:
            raise ValueError(f"unknown signature algorithm {name!r}")
        scheme = SignatureScheme(scheme)
        if scheme not in out:
            out.append(scheme)
    if not out:
        raise ValueError("no signature algorithm selected")
    return out

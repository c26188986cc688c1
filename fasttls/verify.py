"""Certificate verification through ``cryptography.x509.verification``.

Path building, signature checks, validity periods, name constraints and the
CA/Browser Forum profile are all cryptography's (its Rust ``webpki``-style
verifier).  This module only

* keeps the trust anchors (:class:`TrustStore`, with the ``load_verify_locations``
  semantics of Python's ``ssl``, the system bundle and certifi),
* chooses the policy for each case (server name / no name / client), and
* turns a failure into an :class:`~fasttls.errors.SSLCertVerificationError`
  with the alert and the OpenSSL ``verify_code``/``verify_message`` Python's
  ``ssl`` would report, so code that inspects those keeps working.

Policy choices, and why:

* **Server, with a host name** (``check_hostname`` on): ``build_server_verifier``
  with a ``DNSName`` or, for IPv4/IPv6 literals, an ``IPAddress`` subject.  A
  certificate without a matching subjectAltName fails; the subject CN is never
  used (as in Go and the CA/B Forum rules; OpenSSL would still fall back to
  the CN of a certificate without DNS names).  Two cases follow OpenSSL's
  X509_check_host instead, through :func:`certificate_matches_host`: a name
  cryptography refuses as a subject (``my_service``, ``_srv.example.com``: it
  takes LDH names only) is matched by us after the chain is verified as with
  no host name, and a wildcard right under a TLD (``*.com``) matches nothing.
* **Server, no host name** (``check_hostname`` off, ``CERT_REQUIRED``): the
  chain must still verify for TLS server use.  cryptography's server verifier
  insists on a subject and on matching it (a custom subjectAltName validator
  does not switch the match off), and taking a name out of the leaf's own SAN
  breaks for leaves without SAN and is a trick.  So we use
  ``build_client_verifier`` - which verifies the chain without a subject - with
  extension policies that ask for *serverAuth* instead of clientAuth: the EE's
  extendedKeyUsage must contain serverAuth when present (cryptography's own
  rule, with the server EKU) and a CA's must contain serverAuth or
  anyExtendedKeyUsage; subjectAltName may be absent.  Everything else
  (signatures, validity, basicConstraints, keyUsage, path length, name
  constraints, algorithms) is cryptography's web PKI default.
* **Client certificates** (server side): ``build_client_verifier`` (clientAuth
  EKU) with subjectAltName optional, because client certificates commonly
  identify a person or device by their subject only.
* **Strictness** (``Config.x509_strict``, ``VERIFY_X509_STRICT`` on a context):
  strict is cryptography's web PKI profile as it stands.  The default accepts
  what OpenSSL without that flag and Go accept and the web PKI profile does not:
  a CA without keyUsage or with a non-critical basicConstraints (what
  ``openssl req -x509`` makes), and a leaf without an authorityKeyIdentifier
  (it only helps path building).  See ``_Policies``.  Strict also asks for
  OpenSSL's key identifiers on CAs (``_check_strict_profile``).
* **Security level** (``Config.security_level``, which ``SSLContext`` sets from
  ``@SECLEVEL=n``; OpenSSL's default 2): the peer's key is checked first (code 66, as
  X509_verify_cert does), then the CAs' keys (67) and the signatures below the anchor
  (68), with OpenSSL 3.0's strengths (:func:`security_bits`).  cryptography's own floor
  stays: below level 2 it still refuses RSA CAs under 2048 bits and SHA-1 signatures.
* **Revocation** (``Config.crl_check``, VERIFY_CRL_CHECK_LEAF/CHAIN on a context):
  after the path is verified, each certificate checked needs a current CRL from its
  issuer in the store, chosen and checked as OpenSSL's check_revocation does
  (:func:`check_revocation`); cryptography verifies the CRL's signature.  Indirect,
  delta and reason-partitioned CRLs are not used.
* A leaf that is itself one of the trust anchors (a pinned self-signed
  certificate, e.g. from ``openssl req -x509``, which marks it cA=TRUE) is
  accepted as its own chain.
* cryptography refuses X.509 v1 certificates (``openssl x509 -req`` without
  ``-extfile``) in every profile; OpenSSL accepts a v1 leaf.
* Chains may have up to 100 intermediates (OpenSSL's default depth; cryptography's
  is 8).  CAs must have RSA (rsaEncryption), ECDSA P-256/P-384/P-521 or (from
  cryptography 50) ML-DSA keys: cryptography's verifier refuses Ed25519, Ed448 and
  id-RSASSA-PSS issuers and offers no switch, so those chains fail with a message
  saying so (code 76).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import re
import ssl
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import cryptography
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x448, x25519
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, ExtensionOID, PublicKeyAlgorithmOID, SignatureAlgorithmOID
from cryptography.x509.verification import (
    Criticality,
    DNSName,
    ExtensionPolicy,
    IPAddress,
    PolicyBuilder,
    Store,
    VerificationError,
)

from . import auth
from ._fork import fork_safe_lock
from .auth import CERT_PARSE_ERRORS, MLDSA_PARAMS, mldsa_params
from .constants import AlertDescription
from .errors import SSLCertVerificationError, TLSError
from .pem import CERTIFICATE_LABELS, PemError, TrustSettings, pem_blocks, read_certificate

__all__ = [
    "TrustStore",
    "default_trust_store",
    "verify_server_chain",
    "verify_client_chain",
    "peer_certificate_dict",
    "datetime_from_timestamp",
    "hostname_subject",
    "ip_literal",
    "X509_V_ERR",
    "DEFAULT_SECURITY_LEVEL",
    "security_bits",
    "signature_security_bits",
    "level_bits",
    "certificate_key_bits",
    "check_revocation",
]

# ---------------------------------------------------------------------------
# OpenSSL verify codes (the ones we report) and the alert OpenSSL sends for each
# (ssl/statem/statem_lib.c ssl_x509err2alert).  Codes its table leaves out get its
# default, certificate_unknown: 34, 47, 48, 76, 82 and the strict ones (measured with
# ssl; tests/test_verify.py).  Messages are OpenSSL 3's X509_verify_cert_error_string().
# ---------------------------------------------------------------------------

X509_V_ERR: dict[int, tuple[str, AlertDescription]] = {
    1: ("unspecified certificate verification error", AlertDescription.bad_certificate),
    7: ("certificate signature failure", AlertDescription.decrypt_error),
    9: ("certificate is not yet valid", AlertDescription.bad_certificate),
    10: ("certificate has expired", AlertDescription.certificate_expired),
    18: ("self-signed certificate", AlertDescription.unknown_ca),
    19: ("self-signed certificate in certificate chain", AlertDescription.unknown_ca),
    20: ("unable to get local issuer certificate", AlertDescription.unknown_ca),
    22: ("certificate chain too long", AlertDescription.unknown_ca),
    25: ("path length constraint exceeded", AlertDescription.unknown_ca),
    26: ("unsuitable certificate purpose", AlertDescription.unsupported_certificate),
    28: ("certificate rejected", AlertDescription.bad_certificate),
    32: ("key usage does not include certificate signing", AlertDescription.bad_certificate),
    34: ("unhandled critical extension", AlertDescription.certificate_unknown),
    37: ("invalid non-CA certificate (has CA markings)", AlertDescription.bad_certificate),
    41: ("invalid or inconsistent certificate extension", AlertDescription.bad_certificate),
    47: ("permitted subtree violation", AlertDescription.certificate_unknown),
    48: ("excluded subtree violation", AlertDescription.certificate_unknown),
    # Revocation (Config.crl_check): OpenSSL's check_revocation.
    3: ("unable to get certificate CRL", AlertDescription.unknown_ca),
    8: ("CRL signature failure", AlertDescription.decrypt_error),
    11: ("CRL is not yet valid", AlertDescription.bad_certificate),
    12: ("CRL has expired", AlertDescription.certificate_expired),
    23: ("certificate revoked", AlertDescription.certificate_revoked),
    35: ("key usage does not include CRL signing", AlertDescription.certificate_unknown),
    36: ("unhandled critical CRL extension", AlertDescription.certificate_unknown),
    44: ("different CRL scope", AlertDescription.certificate_unknown),
    51: ("unsupported name constraint type", AlertDescription.certificate_unknown),
    52: ("unsupported or invalid name constraint syntax", AlertDescription.certificate_unknown),
    53: ("unsupported or invalid name syntax", AlertDescription.certificate_unknown),
    62: ("hostname mismatch", AlertDescription.bad_certificate),
    64: ("IP address mismatch", AlertDescription.bad_certificate),
    66: ("EE certificate key too weak", AlertDescription.bad_certificate),
    67: ("CA certificate key too weak", AlertDescription.bad_certificate),
    68: ("CA signature digest algorithm too weak", AlertDescription.bad_certificate),
    76: ("Cannot find certificate signature algorithm", AlertDescription.certificate_unknown),
    79: ("invalid CA certificate", AlertDescription.unknown_ca),
    82: ("Key usage keyCertSign invalid for non-CA cert", AlertDescription.certificate_unknown),
    # VERIFY_X509_STRICT's own codes (OpenSSL 3).
    84: ("Subject name empty", AlertDescription.certificate_unknown),
    87: ("Empty Subject Alternative Name extension", AlertDescription.certificate_unknown),
    85: ("Missing Authority Key Identifier", AlertDescription.certificate_unknown),
    86: ("Missing Subject Key Identifier", AlertDescription.certificate_unknown),
    88: ("Subject empty and Subject Alt Name extension not critical", AlertDescription.certificate_unknown),
    89: ("Basic Constraints of CA cert not marked critical", AlertDescription.certificate_unknown),
    92: ("CA cert does not include key usage extension", AlertDescription.certificate_unknown),
}

# cryptography's VerificationError texts -> OpenSSL code, for failures the
# structural diagnosis below does not pin down (first match wins).
_MESSAGE_CODES: tuple[tuple[str | tuple[str, ...], int], ...] = (
    # cryptography 50 says "2.5.29.15: ...", 51 "keyUsage (2.5.29.15): ...": both parts must be there.
    (("2.5.29.35", "Certificate is missing required extension"), 85),
    (("2.5.29.19", "Certificate extension has incorrect criticality"), 89),
    # A critical authorityKeyIdentifier or authorityInfoAccess: extensions OpenSSL does not
    # handle (X509_supported_extension), so unhandled critical extension for it too.
    (("2.5.29.35", "incorrect criticality"), 34),
    (("1.3.6.1.5.5.7.1.1", "incorrect criticality"), 34),
    (("2.5.29.15", "Certificate is missing required extension"), 92),
    ("basicConstraints.cA must not be asserted", 37),
    ("basicConstraints.cA must be asserted", 79),
    (("2.5.29.19", "missing required extension"), 79),  # an issuer without basicConstraints
    ("keyUsage.keyCertSign must be asserted", 79),
    ("EE keyUsage must not assert keyCertSign", 82),
    ("keyUsage allows no TLS use", 26),
    ("basicConstraints of a certificate marked as a CA must be critical", 89),
    ("a certificate marked as a CA must have a keyUsage", 92),
    ("path length constraint", 25),
    ("required EKU not found", 26),
    ("signature does not match", 7),
    ("RSA key is too weak", 67),
    ("Forbidden signature algorithm", 68),
    ("unaccounted-for critical extension", 34),
    # Constraints cryptography's verifier does not take (OpenSSL does): the leading-dot
    # DNS form ".example.com", directoryName subtrees in a critical extension.
    ("malformed DNS name constraint", 52),
    ("unsupported directoryName constraint", 51),
    ("excluded", 48),
    ("no permitted", 47),
    ("permitted", 47),
    ("name constraint", 47),
    ("exceeds max depth", 22),
    ("cert is not valid at validation time", 10),
)

# OpenSSL's default verify depth (X509_VERIFY_PARAM "default": 100 intermediates between
# the leaf and the anchor; Python's ssl keeps it).  cryptography's own default is 8, so
# _builder raises it to this, and the diagnosis walk reports 22 past it as OpenSSL does.
_MAX_PATH = 100


# ---------------------------------------------------------------------------
# Security levels (OpenSSL's SSL_CTX_set_security_level, ssl's security_level)
# ---------------------------------------------------------------------------

#: OpenSSL's default level, which ssl's ``SSLContext.security_level`` reads without an
#: ``@SECLEVEL=n`` in the cipher string.
DEFAULT_SECURITY_LEVEL = 2

#: The bits of security levels 1 to 5 ask of a key or a signature (OpenSSL's minbits_table,
#: x509_vfy.c and ssl/t1_lib.c): RSA/DSA of 1024, 2048, 3072, 7680, 15360 bits, ECC of 160,
#: 224, 256, 384, 512 bits.  Level 0 asks nothing; a level above 5 counts as 5.
_LEVEL_BITS = (80, 112, 128, 192, 256)


def level_bits(level: int) -> int:
    """The security bits ``level`` asks for (0 at level 0 and below)."""
    return 0 if level <= 0 else _LEVEL_BITS[min(level, len(_LEVEL_BITS)) - 1]


def _bn_security_bits(bits: int, subgroup_bits: int = -1) -> int:
    """OpenSSL 3.0's BN_security_bits: the strength of a DSA prime of ``bits`` with a
    subgroup of ``subgroup_bits``."""
    secbits = next((sb for size, sb in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)) if bits >= size), 0)
    if not secbits or subgroup_bits == -1:
        return secbits
    half = subgroup_bits // 2
    return 0 if half < 80 else min(half, secbits)


#: ossl_ifc_ffc_compute_security_bits's canonical values (SP 800-56B rev 2 Appendix D,
#: FIPS 140-2 IG 7.5).
_RSA_CANONICAL = {2048: 112, 3072: 128, 4096: 152, 6144: 176, 7680: 192, 8192: 200, 15360: 256}


# ossl_ifc_ffc_compute_security_bits works in fixed point (18 fractional bits); its steps
# are copied so the thresholds are OpenSSL's to the bit (1963 bits give 112, 2671 give 128).
_FX = 1 << 18
_FX_CBRT = 1 << 12
_FX_LN2, _FX_LOG2E, _FX_1_923, _FX_4_690 = 0x02C5C8, 0x05C551, 0x07B126, 0x12C28F


def _fx_mul(a: int, b: int) -> int:
    return a * b // _FX


def _fx_cbrt(x: int) -> int:
    """icbrt64: the shifting cube root of a scaled 64-bit integer."""
    r = 0
    for shift in range(63, -1, -3):
        r <<= 1
        b = 3 * r * (r + 1) + 1
        if (x >> shift) >= b:
            x -= b << shift
            r += 1
    return r * _FX_CBRT


def _fx_ln(v: int) -> int:
    """ilog_e: the natural logarithm of a scaled integer above one."""
    r = 0
    while v >= 2 * _FX:
        v >>= 1
        r += _FX
    i = _FX // 2
    while i:
        v = _fx_mul(v, v)
        if v >= 2 * _FX:
            v >>= 1
            r += i
        i //= 2
    return r * _FX // _FX_LOG2E


def _rsa_security_bits(n: int) -> int:
    """OpenSSL 3.0's RSA_security_bits (crypto/rsa/rsa_lib.c ossl_ifc_ffc_compute_security_bits):
    the canonical values, else SP 800-56B's estimate 1.923 * cbrt(n ln2 * ln(n ln2)^2) - 4.69
    in bits, rounded to a multiple of 8 and capped.  So 1024 bits give 80 and 2040 give 112
    (ssl takes a 2040-bit key at level 2)."""
    if n in _RSA_CANONICAL:
        return _RSA_CANONICAL[n]
    if n >= 687737:
        return 1200
    if n < 8:
        return 0
    cap = 192 if n <= 7680 else 256 if n <= 15360 else 1200
    x = n * _FX_LN2
    lx = _fx_ln(x)
    y = ((_fx_mul(_FX_1_923, _fx_cbrt(_fx_mul(_fx_mul(x, lx), lx))) - _FX_4_690) // _FX_LN2) & 0xFFFF
    return min((y + 4) & ~7, cap)


def security_bits(public_key: Any) -> int:
    """EVP_PKEY_get_security_bits (OpenSSL 3.0): RSA (PSS keys too) by RSA_security_bits,
    DSA by BN_security_bits, ECDSA by the size of the curve (ec_security_bits reads the group
    order's, which is the field's for the curves cryptography names), Ed25519/X25519 128 and
    Ed448/X448 224; ML-DSA-44/65/87 128/192/256 (OpenSSL 3.5's, by NIST category); 0 for
    a key it does not know, which no level above 0 takes."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return _rsa_security_bits(public_key.key_size)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        bits = public_key.curve.key_size
        return next((sb for size, sb in ((512, 256), (384, 192), (256, 128), (224, 112), (160, 80)) if bits >= size), bits // 2)
    if isinstance(public_key, (ed25519.Ed25519PublicKey, x25519.X25519PublicKey)):
        return 128
    if isinstance(public_key, (ed448.Ed448PublicKey, x448.X448PublicKey)):
        return 224
    mldsa = mldsa_params(public_key)
    if mldsa is not None:
        return mldsa.security_bits
    if isinstance(public_key, dsa.DSAPublicKey):
        return _bn_security_bits(public_key.key_size, public_key.parameters().parameter_numbers().q.bit_length())
    return 0


def certificate_key_bits(cert: x509.Certificate) -> int:
    """:func:`security_bits` of the certificate's key (0 when cryptography cannot load it:
    OpenSSL's "unsupported or malformed keys are not secure")."""
    try:
        return security_bits(cert.public_key())
    except (UnsupportedAlgorithm, *CERT_PARSE_ERRORS):
        return 0


#: id-ml-dsa-44/65/87 (RFC 9881) -> their names; made from dotted strings, as cryptography
#: names these OIDs from 50 only.
_ML_DSA_OIDS = {x509.ObjectIdentifier(p.oid): p.name for p in MLDSA_PARAMS}

#: Signature digests whose strength is not half their size (x509_set.c x509_sig_info_init).
_WEAK_DIGESTS = {"sha1": 63, "md5": 39}


def signature_security_bits(cert: x509.Certificate) -> int:
    """X509_get_signature_info's strength of the certificate's signature (OpenSSL 3.0): half
    the digest's size, 63 for SHA-1 and 39 for MD5 (collisions found), 128 for Ed25519 and
    224 for Ed448; for ML-DSA, which has no digest, what OpenSSL 3.5+ takes then: the bits
    of the certificate's *own* key (x509_sig_info_init falls back to the pubkey it is given,
    the certificate's); 0 for an algorithm it does not know."""
    oid = cert.signature_algorithm_oid
    if oid == SignatureAlgorithmOID.ED25519:
        return 128
    if oid == SignatureAlgorithmOID.ED448:
        return 224
    if oid in _ML_DSA_OIDS:
        return certificate_key_bits(cert)
    try:
        digest = cert.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        return 0
    if not isinstance(digest, hashes.HashAlgorithm):
        return 0
    return _WEAK_DIGESTS.get(digest.name, digest.digest_size * 4)


def _check_ee_key_level(leaf: x509.Certificate, level: int) -> None:
    """X509_verify_cert's first check: the peer's own key must reach the level (code 66),
    whatever the chain."""
    if level > 0 and certificate_key_bits(leaf) < level_bits(level):
        raise _error(66)


def _auth_level_code(path: Sequence[x509.Certificate], level: int) -> int:
    """x509_vfy.c check_auth_level on a path (leaf .. anchor): every CA's key, the anchor's
    too, must reach the level (67), and every signature but the anchor's (68); 0 if so."""
    if level <= 0:
        return 0
    need = level_bits(level)
    for i, cert in enumerate(path):
        if i > 0 and certificate_key_bits(cert) < need:
            return 67
        if i < len(path) - 1 and signature_security_bits(cert) < need:
            return 68
    return 0


def _error(code: int, verify_message: str | None = None, detail: str | None = None) -> SSLCertVerificationError:
    """The error for an OpenSSL verify code; ``detail`` (cryptography's reason) only goes into str()."""
    message, alert = X509_V_ERR.get(code, X509_V_ERR[1])
    verify_message = verify_message or message
    text = f"{verify_message} ({detail})" if detail and detail != verify_message else verify_message
    return SSLCertVerificationError(alert, text, code, verify_message)


# ---------------------------------------------------------------------------
# Trust store
# ---------------------------------------------------------------------------

#: The standard library's context class, taken before ``fasttls.inject_into_ssl`` can
#: put ours in its place (asking ours would ask cryptography again).
_OpenSSLContext = ssl.SSLContext


def _openssl_reads_certificate(data: bytes) -> bool:
    """Whether OpenSSL (a throwaway ``ssl`` context) reads this certificate, PEM or DER:
    it takes some that cryptography refuses as breaking RFC 5280 (a UTCTime without its
    seconds), and ``ssl`` loads a bundle holding one."""
    if _OpenSSLContext.__module__ != "ssl":  # pragma: no cover - replaced before we were imported
        return False
    try:
        context = _OpenSSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=data.decode("ascii") if data.startswith(b"-----") else data)
    except (ssl.SSLError, ValueError, TypeError, UnicodeDecodeError):
        return False
    return context.cert_store_stats()["x509"] == 1


def _no_start_line(detail: str = "") -> ssl.SSLError:
    """ssl's error for ``cadata`` text without a certificate (no library or reason)."""
    err = ssl.SSLError(0, f"no start line: cadata does not contain a certificate{detail}")
    err.library = err.reason = None
    return err


def _pem_lib_error(detail: str) -> ssl.SSLError:
    """ssl's error for a bundle OpenSSL's PEM reader refuses ("[X509] PEM lib")."""
    err = ssl.SSLError(ssl.SSL_ERROR_SSL, f"[X509] PEM lib: {detail}")
    err.library, err.reason = "X509", None
    return err


_HASHED_NAME = re.compile(r"^[0-9a-fA-F]{8}\.r?\d+$")
_HASHED_CERT_NAME = re.compile(r"^[0-9a-fA-F]{8}\.\d+$")
_CERT_SUFFIXES = (".pem", ".crt", ".cer")


class _NotEnoughData(ValueError):
    """OpenSSL's ASN1_R_NOT_ENOUGH_DATA: a DER tail shorter than an ASN.1 header."""


def _der_split(data: bytes) -> list[bytes]:
    """Split concatenated DER certificates (each a SEQUENCE) into their encodings.

    Anything after the last certificate is refused, a tail too short for an ASN.1
    header (a padding byte) too.  ``ssl`` took such a tail for the end of the data on
    Python 3.11 with OpenSSL 3.0.19 (ASN1_R_HEADER_TOO_LONG read as end of file), and
    refuses it on 3.12 and later, and on 3.11 with OpenSSL 3.0.22: which error OpenSSL
    reports decides it, so we do not follow it and always refuse."""
    out: list[bytes] = []
    i, n = 0, len(data)
    while i < n:
        if out and (i + 2 > n or (data[i + 1] & 0x80 and i + 2 + (data[i + 1] & 0x7F) > n)):
            raise _NotEnoughData("not enough data")
        if data[i] != 0x30 or i + 2 > n:
            raise ValueError("not a DER certificate")
        first = data[i + 1]
        if first < 0x80:
            length, header = first, 2
        else:
            k = first & 0x7F
            if k == 0 or k > 4 or i + 2 + k > n:
                raise ValueError("bad DER length")
            length, header = int.from_bytes(data[i + 2 : i + 2 + k], "big"), 2 + k
        end = i + header + length
        if end > n:
            if out:  # a certificate cut short after whole ones: OpenSSL's (so ssl's) error
                raise _NotEnoughData("not enough data")
            raise ValueError("truncated DER certificate")
        out.append(data[i:end])
        i = end
    return out


#: The most issuers one verification looks up (a path longer than this is refused anyway).
_MAX_PATH_LOOKUPS = 16


def system_store_configured() -> bool:
    """Do ``SSL_CERT_FILE``/``SSL_CERT_DIR`` choose the system store?  Then it is what they
    hold, even nothing (OpenSSL trusts nothing then), never certifi's bundle instead."""
    paths = ssl.get_default_verify_paths()
    return bool(os.environ.get(paths.openssl_cafile_env) or os.environ.get(paths.openssl_capath_env))


class TrustStore:
    """A set of trust anchors (CA certificates), deduplicated, with a cached ``Store``.

    Build one from certificates, PEM/DER data, files and directories with the
    semantics of ``ssl.SSLContext.load_verify_locations``, or take the
    system's (:meth:`system`, :func:`default_trust_store`).  The
    ``cryptography`` ``Store`` is built on first use and rebuilt only after
    the set changes, so per-handshake verification does not re-parse or
    re-index hundreds of roots.
    """

    def __init__(self, certificates: Iterable[x509.Certificate] = ()) -> None:
        self._certs: list[x509.Certificate] = []
        self._der: set[bytes] = set()
        self._by_subject: dict[x509.Name, list[x509.Certificate]] = {}
        self._store: Store | None = None
        self._subject_names: list[bytes] | None = None
        self._lock = fork_safe_lock()
        #: Certificate revocation lists by issuer name (consulted with ``Config.crl_check``),
        #: each with what :func:`crl_facts` read from it.
        self._crls: dict[tuple, list[tuple[x509.CertificateRevocationList, CRLFacts]]] = {}
        self._crl_der: set[bytes] = set()
        #: (id of a CRL held here, issuer key) -> whether the key signs it.
        self._crl_verdicts: dict[tuple[int, bytes], bool] = {}
        self._crl_objects: dict[int, x509.CertificateRevocationList] = {}  # the CRLs held, by id
        #: The trust settings of anchors read from TRUSTED CERTIFICATE blocks, by DER.
        self._trust_settings: dict[bytes, TrustSettings] = {}
        #: Hashed CA directories looked up when a chain needs an issuer (the system's
        #: SSL_CERT_DIR, OpenSSL's by_dir lookup), and the issuer names' name_hash.
        self._lookup_dirs: tuple[str, ...] = ()
        self._name_hashes: dict[x509.Name, str] = {}
        self._crl_files: dict[tuple[str, str], int] = {}  # (directory, hash) -> CRL files read
        self._lookup_lock = fork_safe_lock()
        for c in certificates:
            self.add(c)

    # -- construction -------------------------------------------------------

    @classmethod
    def from_certificates(cls, certificates: Iterable[x509.Certificate]) -> TrustStore:
        return cls(certificates)

    @classmethod
    def from_pem(cls, data: bytes | str) -> TrustStore:
        store = cls()
        store.add_pem(data)
        return store

    @classmethod
    def from_locations(cls, cafile: Any = None, capath: Any = None, cadata: Any = None) -> TrustStore:
        store = cls()
        store.load_verify_locations(cafile, capath, cadata)
        return store

    @classmethod
    def system(cls, certifi_fallback: bool = True) -> TrustStore:
        """The platform's CA bundle (``ssl.get_default_verify_paths()``, honouring
        ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or certifi's when that is empty."""
        store = cls()
        store.load_system()
        if not store and not store.can_look_up() and certifi_fallback and not system_store_configured():
            store.load_certifi()
        return store

    def copy(self) -> TrustStore:
        store = TrustStore()
        store.update(self)
        return store

    def trust_settings(self, cert: x509.Certificate) -> TrustSettings | None:
        """The trust settings ``cert`` was loaded with (a TRUSTED CERTIFICATE block), if any."""
        if not self._trust_settings:
            return None
        return self._trust_settings.get(cert.public_bytes(serialization.Encoding.DER))

    def check_trust(self, path: Sequence[x509.Certificate], purpose: x509.ObjectIdentifier) -> None:
        """OpenSSL's check_trust: an anchor of ``path`` distrusted for ``purpose`` by its
        trust settings rejects the chain (X509_V_ERR_CERT_REJECTED, 28)."""
        if not self._trust_settings:
            return
        for cert in path:
            settings = self.trust_settings(cert)
            if settings is not None and not settings.allows(purpose):
                raise _error(28)

    # -- adding ---------------------------------------------------------------

    def add(self, cert: x509.Certificate, trust: TrustSettings | None = None) -> bool:
        """Add one certificate (with the uses it is trusted for, from a TRUSTED
        CERTIFICATE block); False if it was already there (the first one's settings stay,
        as OpenSSL's X509_STORE keeps the first)."""
        from cryptography.hazmat.primitives.serialization import Encoding

        der = cert.public_bytes(Encoding.DER)
        subject = cert.subject  # parsed lazily: may raise, so before anything changes
        with self._lock:
            if der in self._der:
                return False
            self._der.add(der)
            if trust is not None:
                self._trust_settings[der] = trust
            self._certs.append(cert)
            self._by_subject.setdefault(subject, []).append(cert)
            self._store = None
            self._subject_names = None
        return True

    def add_crl(self, crl: x509.CertificateRevocationList) -> bool:
        """Add one certificate revocation list; False if it was already there."""
        der = crl.public_bytes(serialization.Encoding.DER)
        issuer = crl.issuer  # parsed lazily: may raise, so before anything changes
        if der in self._crl_der:
            return False
        facts = crl_facts(crl)
        with self._lock:
            if der in self._crl_der:
                return False
            self._crl_der.add(der)
            self._crls.setdefault(canonical_name(issuer), []).append((crl, facts))
            self._crl_objects[id(crl)] = crl
        return True

    def update(self, other: TrustStore) -> None:
        """Add ``other``'s certificates (with their trust settings), CRLs and lookup
        directories."""
        for path in other._lookup_dirs:
            self.add_lookup_directory(path)
        for cert in other:
            self.add(cert, other.trust_settings(cert))
        for crl in other.crls():
            self.add_crl(crl)

    def crls(self) -> list[x509.CertificateRevocationList]:
        """The certificate revocation lists held, in the order they were added per issuer."""
        return [crl for crls in list(self._crls.values()) for crl, _ in list(crls)]

    def crl_signature_valid(self, crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
        """Does ``issuer``'s key sign ``crl``?  Remembered per CRL and key: cryptography
        hashes the whole CRL each time (~12 ms for 30,000 entries), a handshake must not."""
        try:
            key = issuer.public_key()
            spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        except (TypeError, ValueError, UnsupportedAlgorithm):
            return False
        # Only a CRL this store holds is remembered (by its id, stable while it is held):
        # another object could come to live at the address of one that was freed.
        held = self._crl_objects.get(id(crl)) is crl
        slot = (id(crl), spki)
        valid = self._crl_verdicts.get(slot) if held else None
        if valid is None:
            try:
                valid = crl.is_signature_valid(key)  # type: ignore[arg-type]
            except (TypeError, ValueError, UnsupportedAlgorithm):
                valid = False
            if held:
                with self._lock:
                    if len(self._crl_verdicts) > 4096:
                        self._crl_verdicts.clear()
                    self._crl_verdicts[slot] = valid
        return valid

    @property
    def crl_count(self) -> int:
        return len(self._crl_der)

    def crls_by_issuer(self, name: x509.Name) -> list[tuple[x509.CertificateRevocationList, CRLFacts]]:
        """The CRLs this issuer name published (names compared as OpenSSL's X509_NAME_cmp
        does, :func:`canonical_name`), each with :func:`crl_facts`; with lookup
        directories, their ``<hash>.r<n>`` files are read first (:meth:`_look_up_crls`)."""
        if self._lookup_dirs:
            self._look_up_crls(name)
        return list(self._crls.get(canonical_name(name), ()))

    def _look_up_crls(self, name: x509.Name) -> None:
        """Load the CRL files ``<hash>.r0``, ``.r1``... of ``name`` not read yet from each
        lookup directory, as OpenSSL's by_dir lookup does for CRLs (it remembers how far
        it got per hash, and reads only files added since)."""
        h = self._name_hash(name)
        with self._lookup_lock:
            for d in self._lookup_dirs:
                self._crl_files[(d, h)] = self._load_numbered(d, f"{h}.r", self._crl_files.get((d, h), 0))

    def _load_numbered(self, directory: str, prefix: str, first: int = 0) -> int:
        """Load ``prefix`` + ``first``, + ``first + 1``... from ``directory`` until one is
        missing (OpenSSL's by_dir numbering); returns the number of the missing one."""
        i = first
        while True:
            try:
                self.load_file(os.path.join(directory, f"{prefix}{i}"), strict=False)
            except OSError:
                return i
            i += 1

    def add_pem(self, data: bytes | str, *, strict: bool = True, crls: bool = False, cadata: bool = False) -> int:
        """Add every certificate of a PEM bundle; returns how many certificates (and
        CRLs) it held.

        ``strict`` raises on a block cryptography cannot parse, and on one cut short
        (OpenSSL's BAD_END_LINE), for an explicit ``cafile``/``cadata``; system bundles
        skip such blocks instead.  ``crls`` adds the ``X509 CRL`` blocks too, as
        OpenSSL's file lookup does for ``cafile`` and ``capath`` (``cadata`` takes
        certificates only; ``cadata`` shapes a cut block's error as ssl's for it).
        ``TRUSTED CERTIFICATE`` blocks keep their trust settings (:mod:`fasttls.pem`).
        """
        if isinstance(data, str):
            data = data.encode("ascii", "replace")
        data = bytes(data)
        try:
            blocks = pem_blocks(data)
        except PemError as e:
            if strict:
                if not cadata:
                    raise _pem_lib_error(str(e)) from None
                if not any(label in CERTIFICATE_LABELS for label in e.before):
                    raise _no_start_line(f" ({e})") from None
                err = ssl.SSLError(ssl.SSL_ERROR_SSL, f"[PEM: {e.reason}] {e}")
                err.library, err.reason = "PEM", e.reason
                try:
                    raise err from None
                finally:
                    del err  # no error-traceback-frame cycle
            blocks = pem_blocks(data, skip_broken=True)  # a system bundle: the whole blocks
        found = added = 0
        left_out = None  # why the first certificate left out was (see below)
        for label, block in blocks:
            if label == "X509 CRL":
                if not crls:
                    continue
                try:
                    crl = x509.load_pem_x509_crl(block)
                    crl.issuer  # noqa: B018 - parsed lazily
                except (ValueError, TypeError) as e:
                    if strict:
                        raise _pem_lib_error(f"cannot parse CRL: {e}") from None
                    continue
                self.add_crl(crl)
                found += 1
                continue
            if label not in CERTIFICATE_LABELS:
                continue
            try:
                with warnings.catch_warnings():
                    # Some roots in system bundles have serial number 0: cryptography
                    # parses them with a deprecation warning; they are the platform's choice.
                    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                    cert, settings = read_certificate(label, block)
                    cert.subject  # noqa: B018 - parsed lazily; a damaged name raises here
            except (ValueError, TypeError) as e:
                if strict and not _openssl_reads_certificate(block):
                    raise _pem_lib_error(f"cannot parse certificate: {e}") from None
                # A system bundle's broken block, or one OpenSSL reads and cryptography
                # does not (a UTCTime without seconds): ssl loads the rest of the bundle,
                # and so do we; cryptography could not verify with it, so it is left out.
                left_out = left_out or str(e)  # the text: the exception would hold this frame in a cycle
                continue
            self.add(cert, settings)
            found += 1
            added += 1
        if strict and left_out is not None and not added:
            # Every certificate of an explicit cafile/cadata left out: fail now, naming why,
            # rather than load nothing and fail each verification later (ssl could use it).
            raise _pem_lib_error(f"cannot use any certificate: cryptography refuses them ({left_out})")
        return found

    def add_der(self, data: bytes) -> int:
        """Add one or more concatenated DER certificates; returns how many."""
        try:
            parts = _der_split(bytes(data))
            certs = []
            left_out = None
            for p in parts:
                try:
                    with warnings.catch_warnings():  # serial number 0, as in add_pem
                        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                        c = x509.load_der_x509_certificate(p)
                        c.subject  # noqa: B018 - parsed lazily; a damaged name raises here
                except (ValueError, TypeError) as e:
                    if _openssl_reads_certificate(p) and len(parts) > 1:
                        left_out = left_out or str(e)
                        continue  # as in add_pem: ssl loads the others
                    raise
                certs.append(c)
            if not certs:
                # As add_pem: every certificate left out is an error naming why.
                raise _pem_lib_error(f"cannot use any certificate: cryptography refuses them ({left_out})")
        except _NotEnoughData:
            err = ssl.SSLError(142, "[ASN1: NOT_ENOUGH_DATA] not enough data")  # ASN1_R_NOT_ENOUGH_DATA, as ssl's errno
            err.library, err.reason = "ASN1", "NOT_ENOUGH_DATA"
            try:
                raise err from None
            finally:
                del err  # no error-traceback-frame cycle
        except (ValueError, TypeError) as e:
            # ssl's, with no library or reason (as _no_start_line): code reading them must not fail.
            err = ssl.SSLError(0, f"not enough data: cadata does not contain a certificate ({e})")
            err.library = err.reason = None
            try:
                raise err from None
            finally:
                del err
        for c in certs:
            self.add(c)
        return len(certs)

    def load_verify_locations(self, cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
        """``ssl.SSLContext.load_verify_locations`` semantics and errors.

        ``cafile``: a PEM bundle (FileNotFoundError if missing, ``ssl.SSLError``
        if it holds no certificate); ``capath``: a directory of PEM files,
        OpenSSL hashed names (``1a2b3c4d.0``) or ``*.pem``/``*.crt``/``*.cer``,
        loaded eagerly (a missing directory is silently empty, as OpenSSL's
        lazy lookup is); ``cadata``: ``str`` PEM or bytes-like DER.
        """
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        if cafile is not None:
            try:
                path = os.fsdecode(os.fspath(cafile))
            except TypeError:
                raise TypeError("cafile should be a valid filesystem path") from None
            with open(path, "rb") as f:
                data = f.read()
            if not self.add_pem(data, crls=True):
                err = ssl.SSLError(136, "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found")
                err.library, err.reason = "X509", "NO_CERTIFICATE_OR_CRL_FOUND"  # as ssl's
                try:
                    raise err
                finally:
                    del err  # no error-traceback-frame cycle
        if capath is not None:
            try:
                path = os.fsdecode(os.fspath(capath))
            except TypeError:
                raise TypeError("capath should be a valid filesystem path") from None
            self.load_directory(path)
        if cadata is not None:
            if isinstance(cadata, str):
                if not cadata.isascii():
                    raise TypeError("cadata should be an ASCII string or a bytes-like object")
                if not cadata:
                    raise ValueError("Empty certificate data")
                if not self.add_pem(cadata, cadata=True):
                    raise _no_start_line()
            else:
                try:
                    data = bytes(memoryview(cadata))
                except TypeError:
                    raise TypeError("cadata should be an ASCII string or a bytes-like object") from None
                if not data:
                    raise ValueError("Empty certificate data")
                self.add_der(data)

    def load_file(self, path: str | os.PathLike, *, strict: bool = True) -> int:
        with open(path, "rb") as f:
            return self.add_pem(f.read(), strict=strict, crls=True)

    def load_directory(self, path: str | os.PathLike) -> int:
        """Load hashed-name and ``*.pem``/``*.crt``/``*.cer`` files; unreadable or non-PEM files are skipped."""
        count = 0
        try:
            names = sorted(os.listdir(path))
        except (FileNotFoundError, NotADirectoryError):
            return 0
        for name in names:
            if not (_HASHED_NAME.match(name) or name.lower().endswith(_CERT_SUFFIXES)):
                continue
            full = os.path.join(path, name)
            try:
                if os.path.isfile(full):
                    count += self.load_file(full, strict=False)
            except OSError:
                continue
        return count

    def add_lookup_directory(self, path: str) -> None:
        """Look issuers up in the hashed directory ``path`` (``openssl rehash``) when a
        chain needs them, as OpenSSL's by_dir lookup does: ``<hash>.0``, ``<hash>.1``...
        for the issuer name's :func:`name_hash`."""
        with self._lock:
            if path not in self._lookup_dirs:
                self._lookup_dirs += (path,)

    def look_up_issuers(self, chain: Sequence[x509.Certificate]) -> None:
        """Load from the lookup directories the issuers along ``chain``'s path that this
        store lacks, as OpenSSL's chain building asks its by_dir lookup: from the leaf,
        the issuer of each certificate in turn (found here, looked up, or the one the
        peer sent), never the names of certificates off the path (a peer could send a
        thousand).  What a lookup finds stays in the store, as in the X509_STORE; a name
        found nowhere is looked up again next time, as OpenSSL does, so a CA added to the
        directory meanwhile is seen."""
        if not self._lookup_dirs or not chain:
            return
        sent = list(chain[1:])
        cert = chain[0]
        for _ in range(_MAX_PATH_LOOKUPS):
            try:
                issuer = cert.issuer
                if issuer == cert.subject:
                    return  # self-issued: the end of the path
                found = self._by_subject.get(issuer)
                if not found:
                    self._look_up(issuer)
                    found = self._by_subject.get(issuer)
            except (ValueError, *CERT_PARSE_ERRORS):
                return
            nxt = found[0] if found else next((c for c in sent if c.subject == issuer), None)
            if nxt is None or nxt is cert:
                return
            cert = nxt

    def _name_hash(self, name: x509.Name) -> str:
        h = self._name_hashes.get(name)
        if h is None:
            h = name_hash(name)  # ~12 us: remembered (a failed lookup is a few us of stat)
            if len(self._name_hashes) >= 4096:
                self._name_hashes.clear()  # bounded: a peer can name any issuer
            self._name_hashes[name] = h
        return h

    def _look_up(self, name: x509.Name) -> None:
        """Load ``<hash>.0``, ``<hash>.1``... of ``name`` from each lookup directory.  One
        thread at a time: another that needs the name waits for what this one loads
        instead of verifying without it."""
        h = self._name_hash(name)
        with self._lookup_lock:
            if self._by_subject.get(name):
                return
            for d in self._lookup_dirs:
                self._load_numbered(d, f"{h}.")

    def load_system(self) -> int:
        """The system bundle: ``SSL_CERT_FILE`` or OpenSSL's default file, and
        ``SSL_CERT_DIR`` or OpenSSL's default directory, as OpenSSL's default paths use
        both.  The directory is read by hashed name when a chain needs an issuer from it
        (:meth:`look_up_issuers`), as OpenSSL's by_dir lookup: other files there are
        never trusted.  Returns how many certificates the file held."""
        paths = ssl.get_default_verify_paths()
        count = 0
        cafile = os.environ.get(paths.openssl_cafile_env) or paths.cafile or paths.openssl_cafile
        if cafile and os.path.isfile(cafile):
            try:
                count += self.load_file(cafile, strict=False)
            except OSError:
                pass
        capath = os.environ.get(paths.openssl_capath_env) or paths.capath or paths.openssl_capath
        for d in (capath or "").split(os.pathsep):
            if d:
                self.add_lookup_directory(d)
        return count

    def can_look_up(self) -> bool:
        """Does a lookup directory hold hashed names (``<hash>.<n>``) to look issuers up in?"""
        for d in self._lookup_dirs:
            try:
                if any(_HASHED_CERT_NAME.match(name) for name in os.listdir(d)):
                    return True
            except OSError:
                continue
        return False

    def load_certifi(self) -> int:
        """certifi's Mozilla bundle, if certifi is installed (0 otherwise)."""
        try:
            import certifi
        except ImportError:
            return 0
        return self.load_file(certifi.where(), strict=False)

    # -- queries --------------------------------------------------------------

    @property
    def certificates(self) -> list[x509.Certificate]:
        return list(self._certs)

    def __len__(self) -> int:
        return len(self._certs)

    def __bool__(self) -> bool:
        return bool(self._certs)

    def __iter__(self):
        return iter(list(self._certs))

    def trusts_anchor(self, cert: x509.Certificate) -> bool:
        """Is ``cert`` one of this store's anchors (loaded, or in a lookup directory)?"""
        if cert in self:
            return True
        if self._lookup_dirs:
            self._look_up(cert.subject)
            return cert in self
        return False

    def __contains__(self, cert: object) -> bool:
        if not isinstance(cert, x509.Certificate):
            return False
        from cryptography.hazmat.primitives.serialization import Encoding

        return cert.public_bytes(Encoding.DER) in self._der

    def by_subject(self, name: x509.Name) -> list[x509.Certificate]:
        return list(self._by_subject.get(name, ()))

    def store(self) -> Store | None:
        """The cached ``cryptography.x509.verification.Store`` (None when empty: cryptography refuses those)."""
        s = self._store
        if s is None and self._certs:
            with self._lock:
                if self._store is None:
                    self._store = Store(list(self._certs))
                s = self._store
        return s

    def subject_names(self) -> list[bytes]:
        """The anchors' subjects as DER distinguished names, once each, in the order they
        were added: what a server lists as acceptable CAs in a CertificateRequest (Go's
        ``CertPool.Subjects``).  Cached until the set changes."""
        names = self._subject_names
        if names is None:
            seen: dict[bytes, None] = {}
            for c in list(self._certs):
                seen.setdefault(c.subject.public_bytes(), None)
            names = self._subject_names = list(seen)
        return names

    def cert_store_stats(self) -> dict[str, int]:
        """``SSLContext.cert_store_stats()``."""
        ca = sum(1 for c in self._certs if _x509_check_ca(c))
        return {"x509": len(self._certs), "crl": self.crl_count, "x509_ca": ca}

    def get_ca_certs(self, binary_form: bool = False) -> list:
        """``SSLContext.get_ca_certs()``: the CA certificates, as dicts or DER."""
        from cryptography.hazmat.primitives.serialization import Encoding

        cas = [c for c in self._certs if _x509_check_ca(c)]
        if binary_form:
            return [c.public_bytes(Encoding.DER) for c in cas]
        return [peer_certificate_dict(c) for c in cas]

    def __repr__(self) -> str:
        return f"<TrustStore {len(self._certs)} certificates>"


def _der_serial(cert: x509.Certificate) -> int | None:
    """The serial number read from the DER (None if it cannot be): cryptography's own
    ``serial_number`` warns each time for a zero or negative one."""
    try:
        ((_, _, tbs),) = auth._der_items(cert.tbs_certificate_bytes, 1)
        for kind, _, contents in auth._der_items(tbs, 2):
            if kind == 0x02:  # an INTEGER, after the optional [0] version
                return int.from_bytes(contents, "big", signed=True)
    except ValueError:
        pass
    return None


@contextlib.contextmanager
def _quiet_serial(cert: x509.Certificate) -> Iterator[None]:
    """Some system roots have serial number 0 (Go Daddy and Starfield Class 2), which
    cryptography warns of (CryptographyDeprecationWarning) at every look at the
    certificate; ``ssl``'s get_ca_certs and cert_store_stats say nothing, and under
    ``-W error`` (pytest's filterwarnings) the warning raised.  Silenced for those alone
    (catch_warnings is process-wide state)."""
    serial = _der_serial(cert)
    if serial is not None and serial > 0:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        yield


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        return False


def _x509_check_ca(cert: x509.Certificate) -> bool:
    """OpenSSL's X509_check_ca, which decides what ``cert_store_stats()["x509_ca"]`` and
    ``get_ca_certs()`` count: a keyUsage, when present, allows keyCertSign, and
    basicConstraints says cA, or is absent from a v1 self-issued root or from a
    certificate with keyUsage (v3_purp.c check_ca; Netscape cert types are not read).
    Verification's notion of a CA stays ``_is_ca`` (cryptography's)."""
    with _quiet_serial(cert):
        return _x509_check_ca_quietly(cert)


def _x509_check_ca_quietly(cert: x509.Certificate) -> bool:
    try:
        exts = cert.extensions
        try:
            if not exts.get_extension_for_class(x509.KeyUsage).value.key_cert_sign:
                return False
            has_ku = True
        except x509.ExtensionNotFound:
            has_ku = False
        try:
            return bool(exts.get_extension_for_class(x509.BasicConstraints).value.ca)
        except x509.ExtensionNotFound:
            pass
        return has_ku or (cert.version == x509.Version.v1 and cert.subject == cert.issuer)
    except CERT_PARSE_ERRORS:  # extensions OpenSSL would not cache either (ssl: not a CA)
        return False


_default_store: TrustStore | None = None
_default_lock = fork_safe_lock()


def default_trust_store() -> TrustStore:
    """The system trust store, loaded once per process (parsing ~150 roots costs milliseconds)."""
    global _default_store
    if _default_store is None:
        with _default_lock:
            if _default_store is None:
                _default_store = TrustStore.system()
    return _default_store


# ---------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------


def _ee_eku_validator(required: x509.ObjectIdentifier):
    """EE extendedKeyUsage: when present it must list ``required`` (cryptography's EE rule, our EKU)."""

    def check(policy: Any, cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
        if eku is not None and required not in list(eku):
            raise ValueError("required EKU not found")

    return check


def _ca_eku_validator(any_eku: bool, required: x509.ObjectIdentifier | None = None):
    """CA extendedKeyUsage: when present it must list ``required`` (by default the usage
    the verifier checks, ``policy.extended_key_usage``), or, with ``any_eku`` (Go's rule),
    anyExtendedKeyUsage.  OpenSSL's purpose check (xku_reject) does not count
    anyExtendedKeyUsage: code 26."""

    def check(policy: Any, cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
        if eku is not None:
            usages = list(eku)
            want = required if required is not None else policy.extended_key_usage
            if want not in usages and not (any_eku and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages):
                raise ValueError("required EKU not found")

    return check


def _ee_key_usage(client: bool, strict: bool):
    """A leaf's keyUsage, when present, as OpenSSL's purpose check (ku_reject) wants it: a
    server's must allow digitalSignature, keyEncipherment or keyAgreement, a client's
    digitalSignature or keyAgreement.  Under VERIFY_X509_STRICT a leaf that is not marked
    as a CA may not assert keyCertSign (82); outside it that is no matter."""
    allowed = "digitalSignature or keyAgreement" if client else "digitalSignature, keyEncipherment or keyAgreement"

    def check(policy: Any, cert: x509.Certificate, ku: x509.KeyUsage | None) -> None:
        if ku is None:
            return
        if not (ku.digital_signature or ku.key_agreement or (ku.key_encipherment and not client)):
            raise ValueError(f"keyUsage allows no TLS use ({allowed})")
        if strict and ku.key_cert_sign and not _is_ca(cert):
            raise ValueError("EE keyUsage must not assert keyCertSign")

    return check


def _strict_ee_basic_constraints(policy: Any, cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    # VERIFY_X509_STRICT on a leaf marked as a CA (OpenSSL takes it as a leaf): its
    # basicConstraints must be critical (89) and it must have a keyUsage (92), as any CA's.
    if bc is not None and bc.ca:
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).critical:
            raise ValueError("basicConstraints of a certificate marked as a CA must be critical")
        if not _has_extension(cert.extensions, x509.KeyUsage):
            raise ValueError("a certificate marked as a CA must have a keyUsage")


def _leaf_policy(ee: ExtensionPolicy, *, client: bool, strict: bool, anchor: bool) -> ExtensionPolicy:
    """The end-entity policy for one role.  A leaf may be marked as a CA, as OpenSSL and Go
    take it (private PKIs issue such certificates; openssl req -x509 makes every self-signed
    one so); strict mode holds it to a CA's basicConstraints and keyUsage rules, except
    a directly trusted one.  Its keyUsage must allow the role's TLS use (_ee_key_usage)."""
    bc = _strict_ee_basic_constraints if strict and not anchor else None
    if strict and anchor:
        # Its own anchor: it names no other issuer's key (OpenSSL exempts self-signed ones).
        ee = ee.may_be_present(x509.AuthorityKeyIdentifier, Criticality.NON_CRITICAL, None)
    return ee.may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, bc).may_be_present(
        x509.KeyUsage, Criticality.AGNOSTIC, _ee_key_usage(client, strict and not anchor)
    )


def _ca_basic_constraints(policy: Any, cert: x509.Certificate, bc: x509.BasicConstraints) -> None:
    # The verifier checks cA and the path length itself; this only keeps the rule when
    # the extension's criticality is left open.
    if not bc.ca:
        raise ValueError("basicConstraints.cA must be asserted in a CA certificate")


def _ca_key_usage(policy: Any, cert: x509.Certificate, ku: x509.KeyUsage | None) -> None:
    if ku is not None and not ku.key_cert_sign:
        raise ValueError("keyUsage.keyCertSign must be asserted in a CA certificate")


class _Policies:
    """The extension policies of one strictness, built once (they are immutable).

    Strict is cryptography's web PKI profile (RFC 5280 as the CA/Browser Forum reads
    it), what OpenSSL's VERIFY_X509_STRICT asks for too.  The default is what OpenSSL
    without that flag (Python's ``ssl`` up to 3.12) and Go accept, since private CAs
    made with ``openssl req -x509`` lack some of it: a CA may have no keyUsage (when
    present it must allow keyCertSign) and a non-critical basicConstraints, and a leaf
    may lack an authorityKeyIdentifier.  Everything else stays cryptography's: cA,
    path length, name constraints, unknown critical extensions, EKU, algorithms.
    """

    def __init__(self, strict: bool, any_eku: bool) -> None:
        if strict:
            ee = ExtensionPolicy.webpki_defaults_ee()
            ca = ExtensionPolicy.webpki_defaults_ca()
        else:
            ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.AuthorityKeyIdentifier, Criticality.NON_CRITICAL, None)
            ca = (
                ExtensionPolicy.webpki_defaults_ca()
                .require_present(x509.BasicConstraints, Criticality.AGNOSTIC, _ca_basic_constraints)
                .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _ca_key_usage)
            )
        # A CA's extendedKeyUsage may be critical (RFC 5280 4.2.1.12 leaves it to the
        # issuer; OpenSSL, strict or not, takes it), where cryptography's profile refuses it.
        self.ca = ca.may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ca_eku_validator(any_eku))
        # Server certificate, no host name (or one we match ourselves): client verifier
        # asking for serverAuth.  A leaf's subjectAltName and extendedKeyUsage may be
        # critical, as OpenSSL takes them, strict or not (trustme marks both critical;
        # cryptography's web PKI profile refuses that, see verify_server_chain).
        self.server_noname_ca = ca.may_be_present(
            x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ca_eku_validator(any_eku, ExtendedKeyUsageOID.SERVER_AUTH)
        )
        noname = ee.may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        server_noname = noname.may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ee_eku_validator(ExtendedKeyUsageOID.SERVER_AUTH))
        # Client certificate: clientAuth (cryptography's client verifier), SAN optional,
        # SAN and EKU critical or not (as above).
        client = noname.may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ee_eku_validator(ExtendedKeyUsageOID.CLIENT_AUTH))
        # Each leaf policy twice: for a leaf verified through a CA, and for one that is
        # itself in the trust store (a pinned self-signed certificate).
        # "server": host name checked by cryptography's server verifier.
        self._leaf = {
            (kind, anchor): _leaf_policy(base, client=kind == "client", strict=strict, anchor=anchor)
            for kind, base in (("server", ee), ("server_noname", server_noname), ("client", client))
            for anchor in (False, True)
        }

    def leaf(self, kind: str, anchor: bool) -> ExtensionPolicy:
        """The policy for a "server", "server_noname" or "client" leaf (``anchor``: it is in
        the trust store itself)."""
        return self._leaf[(kind, anchor)]


_policies: dict[tuple[bool, bool], _Policies] = {}


def _get_policies(strict: bool = False, any_eku: bool = True) -> _Policies:
    pol = _policies.get((strict, any_eku))
    if pol is None:
        pol = _policies[(strict, any_eku)] = _Policies(strict, any_eku)
    return pol


# ---------------------------------------------------------------------------
# Verification entry points
# ---------------------------------------------------------------------------


def datetime_from_timestamp(ts: float | datetime.datetime | None) -> datetime.datetime | None:
    """A UTC datetime for a POSIX timestamp (None stays None: "now")."""
    if ts is None:
        return None
    if isinstance(ts, datetime.datetime):
        return ts if ts.tzinfo is not None else ts.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def _utc(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=datetime.timezone.utc)
    return now.astimezone(datetime.timezone.utc)


def ip_literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``text`` spells (``ipaddress.ip_address``), or None for a host name.

    Host names skip ``ip_address``'s exception path: an IP literal has a colon
    (IPv6) or only digits and dots (IPv4), so nothing else is tried.
    """
    if ":" not in text and not text.replace(".", "").isdigit():
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def address_text(host: str) -> str:
    """``host`` as an address parser reads it: an IPv4 form without the C blanks
    (" \\t\\n\\v\\f\\r") OpenSSL's sscanf skips; anything with a colon as it is."""
    return host if ":" in host else host.strip(" \t\n\v\f\r")


def hostname_subject(server_hostname: str) -> tuple[DNSName | IPAddress, bool, str]:
    """``(subject, is_ip, normalized)`` for a host name: IPv4/IPv6 literals (also
    ``[::1]`` and ``fe80::1%eth0``) become ``IPAddress``, others an A-label ``DNSName``."""
    # A name is taken exactly as given (" name" is no match for "name": ssl says 62); an
    # IPv4 address with C blanks around it is still that address, as OpenSSL's sscanf
    # reads it (its IPv6 parser takes no blanks).
    host = server_hostname
    bare = address_text(host)
    literal = bare[1:-1] if bare.startswith("[") and bare.endswith("]") else bare
    ip = ip_literal(literal.split("%", 1)[0])
    if ip is not None:
        return IPAddress(ip), True, str(ip)
    name = host[:-1] if host.endswith(".") else host
    if not name.isascii():
        name = name.encode("idna").decode("ascii")
    return DNSName(name.lower()), False, name.lower()


def _builder(store: Store, now: datetime.datetime, ca: ExtensionPolicy, ee: ExtensionPolicy) -> PolicyBuilder:
    return PolicyBuilder().store(store).time(now).max_chain_depth(_MAX_PATH).extension_policies(ca_policy=ca, ee_policy=ee)


def _refuse_untrusted_self_signed(leaf: x509.Certificate, anchor_leaf: bool) -> None:
    """OpenSSL trusts a self-signed leaf only when that very certificate is in the store
    (DEPTH_ZERO_SELF_SIGNED_CERT, 18).  Another with its name and key (an older issue of a
    self-signed server certificate) does not make it trusted, though cryptography's path
    builder would take that one as its issuer."""
    if not anchor_leaf and leaf.subject == leaf.issuer and _issued_by(leaf, leaf):
        raise _error(18)


def _check_chain(chain: Sequence[x509.Certificate], what: str) -> None:
    if not chain:
        raise TLSError(AlertDescription.decode_error if what == "server" else AlertDescription.certificate_required, f"the {what} sent no certificate")


def chain_der(verified: Sequence[x509.Certificate], received: Sequence[x509.Certificate], received_der: Sequence[bytes]) -> list[bytes]:
    """A verified chain as DER, for a stored session: the peer's own bytes for each
    certificate it sent (``received``, parsed from ``received_der``; the verifier returns
    those objects), and an encoding only for the rest (a trust anchor the peer did not
    send).  Saves re-encoding each certificate (~7 us) for every ticket."""
    sent = {id(c): d for c, d in zip(received, received_der)}
    return [sent.get(id(c)) or c.public_bytes(serialization.Encoding.DER) for c in verified]


def verify_server_chain(
    chain: Sequence[x509.Certificate],
    store: TrustStore,
    server_hostname: str | None,
    now: datetime.datetime | None = None,
    *,
    strict: bool = False,
    security_level: int = DEFAULT_SECURITY_LEVEL,
    crl_check: str | None = None,
    check_common_name: bool = False,
    ca_any_eku: bool = True,
) -> list[x509.Certificate]:
    """Verify a server's chain (leaf first); return the verified path (leaf .. anchor).

    With ``server_hostname`` the leaf must match it (IP literals against IP
    SANs); with None only the chain and its serverAuth usage are checked (see
    the module docstring for how).  Keys and signatures must reach
    ``security_level`` (OpenSSL's levels).  ``crl_check`` ("leaf" or "chain") checks
    revocation against the store's CRLs (:func:`check_revocation`).  ``check_common_name``
    lets a leaf without DNS names in its subjectAltName match a host name by its subject
    CN, as OpenSSL's X509_check_host does unless told not to.  ``ca_any_eku`` lets a CA
    whose extendedKeyUsage has anyExtendedKeyUsage but not serverAuth issue the leaf (Go;
    OpenSSL refuses, 26).  Failures raise :class:`~fasttls.errors.SSLCertVerificationError`.
    """
    _check_chain(chain, "server")
    when = _utc(now)
    leaf, intermediates = chain[0], list(chain[1:])
    level = security_level
    _check_ee_key_level(leaf, level)
    pol = _get_policies(strict, ca_any_eku)
    subject = None
    dns_name = ""  # the normalized host name, unless it is an IP literal
    if server_hostname is not None:
        try:
            subject, is_ip, normalized = hostname_subject(server_hostname)
        except (UnicodeError, ValueError):
            raise _error(62, f"Hostname mismatch, certificate is not valid for '{server_hostname}'.") from None
        if not is_ip:
            dns_name = normalized
    if store is not None:
        store.look_up_issuers(chain)
    cstore = store.store() if store is not None else None
    if cstore is None:
        raise _diagnose(chain, store, ExtendedKeyUsageOID.SERVER_AUTH, server_hostname, when, "no trust anchors", level, ca_any_eku)

    anchor_leaf = leaf in store
    _refuse_untrusted_self_signed(leaf, anchor_leaf)
    verifier = None
    # OpenSSL looks at the subject CN only when the SAN holds no DNS name (X509_check_host).
    cn_applies = check_common_name and not _has_dns_san(leaf)
    by_common_name = cn_applies and bool(dns_name)
    # cryptography's server verifier refuses a critical subjectAltName (with a subject) or
    # extendedKeyUsage, which OpenSSL takes: verify such a leaf without a subject and match
    # the name ourselves below.
    # An empty subject with a non-critical subjectAltName too: the web PKI profile refuses
    # it (RFC 5280 4.2.1.6), OpenSSL only under VERIFY_X509_STRICT (88, _check_strict_profile).
    if subject is not None and not by_common_name and not _critical_san_or_eku(leaf) and len(leaf.subject):
        ee = pol.leaf("server", anchor_leaf)
        try:
            verifier = _builder(cstore, when, pol.ca, ee).build_server_verifier(subject)
        except ValueError:
            # cryptography takes only LDH names (RFC 1123: no "_", no empty or "-"-edged
            # labels); OpenSSL matches any name.  Verify the chain without a subject and
            # match the name ourselves below, as X509_check_host does.
            pass
    try:
        if verifier is not None:
            path = list(verifier.verify(leaf, intermediates))
        else:
            ee = pol.leaf("server_noname", anchor_leaf)
            path = list(_builder(cstore, when, pol.server_noname_ca, ee).build_client_verifier().verify(leaf, intermediates).chain)
    except VerificationError as e:
        raise _diagnose(chain, store, ExtendedKeyUsageOID.SERVER_AUTH, server_hostname, when, str(e), level, ca_any_eku, strict) from None
    store.check_trust(path, ExtendedKeyUsageOID.SERVER_AUTH)
    if strict:
        _check_strict_profile(path)  # OpenSSL's check_extensions: before the level and the name
    code = _auth_level_code(path, level)
    if code:
        raise _error(code)
    if cn_applies:
        _check_common_name_constraints(leaf, path)
    _check_subject_constraints(path)
    # Our matcher decides when cryptography could not take the name, and checks a name
    # with one dot again: cryptography lets "*.com" cover "example.com", OpenSSL wants
    # two labels after the star (v3_utl.c valid_star).
    if by_common_name:
        if not any(_dns_match(cn, dns_name) for cn in _common_names(leaf)):
            raise _error(62, f"Hostname mismatch, certificate is not valid for '{server_hostname}'.")
    elif dns_name and (verifier is None or dns_name.count(".") == 1) and not _san_matches_dns(leaf, dns_name):
        raise _error(62, f"Hostname mismatch, certificate is not valid for '{server_hostname}'.")
    elif subject is not None and not dns_name and verifier is None and not certificate_matches_host(leaf, server_hostname):
        raise _error(64, f"IP address mismatch, certificate is not valid for '{server_hostname}'.")
    if crl_check:
        check_revocation(path, store, when, chain=crl_check == "chain")
    return path


def verify_client_chain(
    chain: Sequence[x509.Certificate],
    store: TrustStore,
    now: datetime.datetime | None = None,
    *,
    strict: bool = False,
    security_level: int = DEFAULT_SECURITY_LEVEL,
    crl_check: str | None = None,
    check_common_name: bool = False,
    ca_any_eku: bool = True,
) -> list[x509.Certificate]:
    """Verify a client's chain (leaf first) for clientAuth; return the verified path.
    Keys and signatures must reach ``security_level`` (OpenSSL's levels); ``crl_check`` as
    for :func:`verify_server_chain`; with ``check_common_name`` a leaf without DNS names
    keeps its CN to its CAs' name constraints, as OpenSSL checks client certificates too;
    ``ca_any_eku`` as for :func:`verify_server_chain` (clientAuth here)."""
    _check_chain(chain, "client")
    when = _utc(now)
    leaf, intermediates = chain[0], list(chain[1:])
    level = security_level
    _check_ee_key_level(leaf, level)
    pol = _get_policies(strict, ca_any_eku)
    if store is not None:
        store.look_up_issuers(chain)
    cstore = store.store() if store is not None else None
    if cstore is None:
        raise _diagnose(chain, store, ExtendedKeyUsageOID.CLIENT_AUTH, None, when, "no trust anchors", level, ca_any_eku)
    anchor_leaf = leaf in store
    _refuse_untrusted_self_signed(leaf, anchor_leaf)
    ee = pol.leaf("client", anchor_leaf)
    try:
        path = list(_builder(cstore, when, pol.ca, ee).build_client_verifier().verify(leaf, intermediates).chain)
    except VerificationError as e:
        raise _diagnose(chain, store, ExtendedKeyUsageOID.CLIENT_AUTH, None, when, str(e), level, ca_any_eku, strict) from None
    store.check_trust(path, ExtendedKeyUsageOID.CLIENT_AUTH)
    if strict:
        _check_strict_profile(path)  # OpenSSL's check_extensions: before the level
    code = _auth_level_code(path, level)
    if code:
        raise _error(code)
    if check_common_name and not _has_dns_san(leaf):
        _check_common_name_constraints(leaf, path)
    _check_subject_constraints(path)
    if crl_check:
        check_revocation(path, store, when, chain=crl_check == "chain")
    return path


# ---------------------------------------------------------------------------
# Revocation: certificate revocation lists, as OpenSSL's X509_V_FLAG_CRL_CHECK(_ALL)
# (crypto/x509/x509_vfy.c check_revocation).  cryptography checks the CRL's signature;
# choosing the CRL and reading it is policy, kept here.
# ---------------------------------------------------------------------------

# How OpenSSL's get_crl_score ranks the CRLs from a certificate's issuer (higher wins;
# on a tie the one issued last): no unhandled critical extension, then covering the
# certificate (its distribution point and kind), then current.
_CRL_NOCRITICAL, _CRL_SCOPE, _CRL_TIME = 4, 2, 1
_CRL_HANDLED_CRITICAL = frozenset(
    {x509.IssuingDistributionPoint.oid, x509.AuthorityKeyIdentifier.oid, x509.DeltaCRLIndicator.oid}
)
CRLFacts = tuple[bool, "x509.IssuingDistributionPoint | None", "bytes | None", frozenset]


def crl_facts(crl: x509.CertificateRevocationList) -> CRLFacts:
    """(has an unhandled critical extension, its issuingDistributionPoint, its AKI key id,
    the serial numbers it lists).  The entries are walked once, for critical entry
    extensions as OpenSSL does when it parses a CRL (only certificateIssuer is handled)
    and for the serials, so that a handshake looks a serial up in a set (cryptography's
    lookup walks the list: ~2 ms per check for 30,000 entries)."""
    critical, idp, akid = False, None, None
    serials: set[int] = set()
    try:
        for ext in crl.extensions:
            if isinstance(ext.value, x509.IssuingDistributionPoint):
                idp = ext.value
            elif isinstance(ext.value, x509.AuthorityKeyIdentifier):
                akid = ext.value.key_identifier
            if ext.critical and ext.oid not in _CRL_HANDLED_CRITICAL:
                critical = True
        for entry in crl:
            serials.add(entry.serial_number)
            if not critical:
                critical = any(e.critical and e.oid != x509.CertificateIssuer.oid for e in entry.extensions)
    except ValueError:  # an extension cryptography cannot parse: not one we can honour
        critical = True
    return critical, idp, akid, frozenset(serials)


def _names_overlap(a: Sequence[x509.GeneralName] | None, b: Sequence[x509.GeneralName] | None) -> bool:
    return bool(a) and bool(b) and any(x == y for x in a for y in b)  # type: ignore[union-attr]


def _crl_in_scope(cert: x509.Certificate, crl: x509.CertificateRevocationList, idp: x509.IssuingDistributionPoint | None) -> bool:
    """Does the CRL cover ``cert`` (OpenSSL's crl_crldp_check)?  An issuingDistributionPoint
    limited to CA or to end-entity certificates, or naming a distribution point the
    certificate does not list, leaves it out (RFC 5280 5.2.5, 6.3.3 b)."""
    if idp is not None:
        if idp.only_contains_attribute_certs:
            return False
        if _is_ca(cert) and idp.only_contains_user_certs:
            return False
        if not _is_ca(cert) and idp.only_contains_ca_certs:
            return False
    try:
        cdps = list(cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value)
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        cdps = []
    for dp in cdps:
        if dp.crl_issuer is not None:
            issuers = [canonical_name(n.value) for n in dp.crl_issuer if isinstance(n, x509.DirectoryName)]
            if canonical_name(crl.issuer) not in issuers:
                continue
        if idp is None or (idp.full_name is None and idp.relative_name is None):
            return True
        if dp.full_name is None and dp.relative_name is None:
            return True
        if _names_overlap(dp.full_name, idp.full_name) or (dp.relative_name is not None and dp.relative_name == idp.relative_name):
            return True
    return idp is None or (idp.full_name is None and idp.relative_name is None)


_WS = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_SPACE = " \t\n\v\f\r"


def canonical_name(name: x509.Name) -> tuple:
    """A distinguished name as OpenSSL's X509_NAME_cmp compares them (x509_name_canon):
    string values case-folded (ASCII), trimmed and with runs of ASCII white space made
    one space (not Unicode's: OpenSSL's ossl_isspace), so a CRL
    whose issuer is spelled "test root" belongs to a CA named "Test Root"."""
    out = []
    for rdn in name.rdns:
        attrs = []
        for attr in rdn:
            value = attr.value
            if isinstance(value, str):
                value = _WS.sub(" ", value.strip(_ASCII_SPACE)).translate(_ASCII_LOWER)
            attrs.append((attr.oid.dotted_string, value))
        out.append(tuple(sorted(attrs, key=repr)))
    return tuple(out)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

#: The string types OpenSSL canonicalises (ASN1_MASK_CANON), with how ASN1_STRING_to_UTF8
#: reads their bytes (one-byte types as Latin-1).
_CANON_STRINGS = {0x0C: "utf-8", 0x13: "latin-1", 0x14: "latin-1", 0x16: "latin-1", 0x1A: "latin-1", 0x1E: "utf-16-be", 0x1C: "utf-32-be"}
_C_SPACE = b" \t\n\v\f\r"
_C_SPACE_RUN = re.compile(rb"[ \t\n\v\f\r]+")
_BYTES_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def _tlv(tag: int, contents: bytes) -> bytes:
    n = len(contents)
    if n < 0x80:
        return bytes((tag, n)) + contents
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + contents


def name_hash(name: x509.Name) -> str:
    """OpenSSL's X509_NAME_hash (``openssl x509 -hash``), which names the files of a
    hashed CA directory (``c_rehash``, ``openssl rehash``): SHA-1 of the name's canonical
    encoding (x509_name_canon: each string as UTF-8, its C white space trimmed and runs
    of it made one space, ASCII lowercased; each RDN a DER SET), its first four bytes
    read little-endian, as eight hex digits."""
    from .auth import _der_items

    canon = b""
    for _tag, _whole, rdn in _der_items(_der_items(name.public_bytes())[0][2]):
        avas = []
        for _t, _w, ava in _der_items(rdn):
            (_, oid, _), (vtag, value, contents) = _der_items(ava)
            encoding = _CANON_STRINGS.get(vtag)
            if encoding is not None:
                text = contents.decode(encoding, "replace").encode("utf-8")
                text = _C_SPACE_RUN.sub(b" ", text.strip(_C_SPACE)).translate(_BYTES_LOWER)
                value = _tlv(0x0C, text)
            avas.append(_tlv(0x30, oid + value))
        canon += _tlv(0x31, b"".join(sorted(avas)))  # DER: a SET OF in encoding order
    digest = hashes.Hash(hashes.SHA1())
    digest.update(canon)
    return f"{int.from_bytes(digest.finalize()[:4], 'little'):08x}"


def _crl_time_code(crl: x509.CertificateRevocationList, now: datetime.datetime) -> int:
    if crl.last_update_utc > now:
        return 11
    nxt = crl.next_update_utc
    if nxt is not None and nxt <= now:
        return 12
    return 0


def _subject_key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        return None


def _check_cert_crl(cert: x509.Certificate, issuer: x509.Certificate | None, store: TrustStore, now: datetime.datetime) -> None:
    """OpenSSL's check_cert for one certificate: choose its issuer's best CRL, check that
    CRL (key usage, scope, time, signature, in check_crl's order) and look the serial up."""
    if issuer is None:
        raise _error(3)
    issuer_ski = _subject_key_id(issuer)
    best, best_score, best_facts = None, -1, None
    for crl, facts in store.crls_by_issuer(cert.issuer):
        critical, idp, akid, _ = facts
        if idp is not None and (idp.indirect_crl or idp.only_some_reasons):
            continue  # needs OpenSSL's extended CRL support, off by default
        if akid is not None and issuer_ski is not None and akid != issuer_ski:
            continue  # a CRL by another key of the same name
        score = (0 if critical else _CRL_NOCRITICAL) | (_CRL_SCOPE if _crl_in_scope(cert, crl, idp) else 0)
        score |= 0 if _crl_time_code(crl, now) else _CRL_TIME
        if score > best_score or (score == best_score and best is not None and crl.last_update_utc > best.last_update_utc):
            best, best_score, best_facts = crl, score, facts
    if best is None or best_facts is None:
        raise _error(3)
    try:
        ku: x509.KeyUsage | None = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        ku = None
    if ku is not None and not ku.crl_sign:
        raise _error(35)
    if not best_score & _CRL_SCOPE:
        raise _error(44)
    code = _crl_time_code(best, now)
    if code:
        raise _error(code)
    if not store.crl_signature_valid(best, issuer):
        raise _error(8)
    if best_facts[0]:
        raise _error(36)
    revoked = best.get_revoked_certificate_by_serial_number(cert.serial_number) if cert.serial_number in best_facts[3] else None
    if revoked is not None:
        try:
            reason = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except (x509.ExtensionNotFound, ValueError):
            reason = None
        if reason != x509.ReasonFlags.remove_from_crl:
            raise _error(23)


def check_revocation(path: Sequence[x509.Certificate], store: TrustStore, now: datetime.datetime, *, chain: bool = False) -> None:
    """Check a verified path (leaf .. anchor) against the store's CRLs: the leaf only, or
    with ``chain`` every certificate up to and including the anchor, which its own CRL
    covers (OpenSSL's VERIFY_CRL_CHECK_LEAF and VERIFY_CRL_CHECK_CHAIN; RFC 5280 6.3).
    A certificate whose issuer published no usable CRL fails (code 3), as in OpenSSL.

    Any certificate in the store ends a verified path; OpenSSL (without
    VERIFY_X509_PARTIAL_CHAIN) builds on to a self-signed root, whose CRL then covers
    the anchor: so does the chain check, through the store (:func:`build_chain`)."""
    if chain and path[-1].subject != path[-1].issuer:
        path = list(path[:-1]) + build_chain(path[-1], store)
    last = len(path) - 1
    for depth in range(len(path) if chain else 1):
        cert = path[depth]
        if depth < last:
            issuer: x509.Certificate | None = path[depth + 1]
        else:
            issuer = cert if cert.subject == cert.issuer else None  # a self-issued anchor signs its own CRL
        _check_cert_crl(cert, issuer, store, now)


def _check_strict_profile(path: Sequence[x509.Certificate]) -> None:
    """What OpenSSL's VERIFY_X509_STRICT adds to the web PKI profile (RFC 5280 4.2.1.1-2,
    4.1.2.6): every certificate but the trust anchor names its issuer's key (an AKI),
    every CA, the anchor included, has a subjectKeyIdentifier, and an empty subject comes
    with a critical subjectAltName.  The web PKI profile asks for neither identifier on a
    CA, since its anchors are self-signed roots.  As OpenSSL's check_extensions, only on
    chains of two or more: a pinned self-signed certificate is its own chain."""
    if len(path) < 2:
        return
    for i in range(len(path)):
        code = _strict_code(path, i)
        if code:
            raise _error(code)


def _strict_code(path: Sequence[x509.Certificate], i: int) -> int:
    """:func:`_check_strict_profile`'s code for ``path[i]`` (0: none), in
    check_extensions' order: the subject and its alternative names (84, 88, 87), then
    the key identifiers (85, 86)."""
    if len(path) < 2:
        return 0
    last = len(path) - 1
    cert = path[i]
    exts = cert.extensions
    try:
        san: x509.Extension | None = exts.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        san = None
    if not len(cert.subject):
        # RFC 5280 4.1.2.6: a CA, a CRL issuer, or a certificate without alternative
        # names must name its subject; any other must make its subjectAltName critical.
        if san is None or _is_ca(cert) or _key_usage_crl_sign(cert):
            return 84
        if not san.critical:
            return 88
    if san is not None and not len(san.value):
        return 87  # RFC 5280 4.2.1.6: at least one name
    if i < last and not _has_extension(exts, x509.AuthorityKeyIdentifier):
        return 85
    if _is_ca(cert) and not _has_extension(exts, x509.SubjectKeyIdentifier):
        return 86
    return 0


def _key_usage_crl_sign(cert: x509.Certificate) -> bool:
    """Does a keyUsage extension assert cRLSign?"""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.crl_sign)
    except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
        return False


def _has_extension(exts: x509.Extensions, kind: type) -> bool:
    try:
        exts.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return False
    return True


# ---------------------------------------------------------------------------
# Diagnosis: which OpenSSL error would Python's ssl have reported?
# ---------------------------------------------------------------------------


#: cryptography's signature check of one certificate by another (a name tests can replace
#: to play a cryptography that refuses some issuer key types).
_verify_directly_issued_by = x509.Certificate.verify_directly_issued_by


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        _verify_directly_issued_by(child, issuer)
    except (TypeError, UnsupportedAlgorithm):
        return _mldsa_issued_by(child, issuer)
    except Exception:  # ValueError: names, signature, or an algorithm it refuses
        return _signature_issued_by(child, issuer)
    return True


def _signature_issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """The name and signature check alone, for signatures ``verify_directly_issued_by``
    refuses to check (SHA-1, SHA-224, RSA-PSS whose salt is not the digest's length):
    the diagnosis must find such an issuer to say what is wrong with the signature
    (68, 76), not that there is no issuer (20)."""
    try:
        if child.issuer != issuer.subject:
            return False
        key, params = issuer.public_key(), child.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, params, child.signature_hash_algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            # cryptography gives no parameters for ecdsa-with-SHA1 (and SHA-224): the
            # signature's hash is all ECDSA needs.
            if params is None:
                params = ec.ECDSA(child.signature_hash_algorithm)  # type: ignore[arg-type]
            key.verify(child.signature, child.tbs_certificate_bytes, params)  # type: ignore[arg-type]
        else:
            return False
    except Exception:
        return False
    return True


def _signature_the_verifier_refuses(cert: x509.Certificate) -> str | None:
    """Why cryptography's verifier refuses a signature OpenSSL takes, or None.

    Its web PKI list (SHA-256/384/512 with RSA or ECDSA; RSA-PSS with MGF1 of the same
    hash and a salt as long as the digest) cannot be changed through ``PolicyBuilder``.
    SHA-1 and MD5 are not here: those OpenSSL refuses too, as too weak (68)."""
    try:
        digest = cert.signature_hash_algorithm
        params = cert.signature_algorithm_parameters
    except Exception:
        return None
    if isinstance(digest, hashes.SHA224):
        return f"{_oid_name(cert.signature_algorithm_oid)} (SHA-224)"
    if isinstance(params, padding.PSS) and isinstance(digest, hashes.HashAlgorithm):
        salt = getattr(params, "_salt_length", None)  # the parsed value (no public accessor)
        if isinstance(salt, int) and salt != digest.digest_size:
            return f"RSA-PSS with a salt of {salt} bytes (the verifier takes {digest.digest_size}, the digest's length)"
    return None


def _mldsa_issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``verify_directly_issued_by`` for an ML-DSA issuer, which cryptography before 50 does
    not take (its verifier refuses such CAs too): the diagnosis still finds the path, and so
    says that the CA's key is what failed (code 76), not that no issuer was found."""
    try:
        params = mldsa_params(issuer.public_key())
        if params is None or child.issuer != issuer.subject or child.signature_algorithm_oid.dotted_string != params.oid:
            return False
        issuer.public_key().verify(child.signature, child.tbs_certificate_bytes)  # type: ignore[call-arg, arg-type]
    except Exception:
        return False
    return True


# Signature checks the diagnosis walk may spend: a chain of _MAX_PATH intermediates needs
# about _MAX_PATH + 1, and a hostile one (hundreds of CAs with one name) must not cost
# seconds.  cryptography's verifier stops at 128 (its Budget, as Go and rustls-webpki).
_WALK_SIGNATURES = 2 * _MAX_PATH + 16


def _walk(chain: Sequence[x509.Certificate], store: TrustStore | None) -> tuple[list[x509.Certificate], int]:
    """Follow issuers from the leaf as OpenSSL builds a chain: ``(path, code)`` with
    code 0 when the path reaches a trust anchor, else 18/19/20/22, or -1 when it
    gave up after ``_WALK_SIGNATURES`` signature checks."""
    budget = _WALK_SIGNATURES

    def issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
        nonlocal budget
        budget -= 1
        return budget >= 0 and _issued_by(child, issuer)

    path = [chain[0]]
    pool = list(chain[1:])
    current = chain[0]
    while True:
        if store is not None and current in store:
            return path, 0
        anchors = store.by_subject(current.issuer) if store is not None else []
        anchor = next((a for a in anchors if issued_by(current, a)), None)
        if anchor is not None:
            path.append(anchor)
            return path, 0
        if current.subject == current.issuer and issued_by(current, current):
            return path, 18 if len(path) == 1 else 19
        nxt = next((c for c in pool if c.subject == current.issuer and c not in path and issued_by(current, c)), None)
        if budget < 0:
            return path, -1
        if nxt is None:
            return path, 20
        if len(path) > _MAX_PATH:
            return path, 22
        path.append(nxt)
        current = nxt


def build_chain(leaf: x509.Certificate, store: TrustStore) -> list[x509.Certificate]:
    """The chain OpenSSL sends for a certificate loaded without one (ssl_add_cert_chain's
    auto-chain): the leaf, then its issuers found in ``store``, up to a self-signed root
    (included) or the first issuer the store lacks.  Not a verification: an incomplete
    chain is sent as far as it goes."""
    path = [leaf]
    current = leaf
    while len(path) <= _MAX_PATH:
        if current.subject == current.issuer and _issued_by(current, current):
            break
        nxt = next((c for c in store.by_subject(current.issuer) if c not in path and _issued_by(current, c)), None)
        if nxt is None:
            break
        path.append(nxt)
        current = nxt
    return path


def _ekus(cert: x509.Certificate) -> list[x509.ObjectIdentifier] | None:
    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return None
    except ValueError:
        return []


_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_WILDCARD_LABEL = re.compile(r"[a-z0-9-]+")


def _dns_match(pattern: str, host: str) -> bool:
    """OpenSSL's X509_check_host rule (v3_utl.c) with the NO_PARTIAL_WILDCARDS flag that
    Python's ssl sets: equal ignoring case, or a whole-label "*" followed by at least two
    LDH labels (never "*.com") standing for one label of letters, digits and "-".  A
    trailing dot is dropped from the host name (``hostname_subject``), not from the pattern
    (neither OpenSSL nor cryptography matches "example.com." to "example.com")."""
    pattern, host = pattern.lower(), host.lower().rstrip(".")
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    label, _, rest = host.partition(".")
    if rest != pattern[2:] or not _WILDCARD_LABEL.fullmatch(label):
        return False
    labels = rest.split(".")
    return len(labels) >= 2 and all(_LDH_LABEL.fullmatch(x) for x in labels)


def _cn_dns_id(cn: str) -> str | None:
    """The CN as a DNS name, if it reads as one (OpenSSL's cn2dnsid): letters, digits,
    "_", inner "-" and at least one inner "." not next to another "." or a "-"."""
    is_dns = False
    for i, c in enumerate(cn):
        if c.isascii() and (c.isalnum() or c == "_"):
            continue
        if 0 < i < len(cn) - 1:
            if c == "-":
                continue
            if c == "." and cn[i + 1] != "." and cn[i - 1] != "-" and cn[i + 1] != "-":
                is_dns = True
                continue
        return None
    return cn if is_dns else None


def _nc_dns(name: str, base: str) -> bool:
    """OpenSSL's nc_dns (RFC 5280 4.2.1.10): ``base`` covers ``name`` and its subdomains."""
    if not base:
        return True
    if len(name) < len(base):
        return False
    if len(name) > len(base) and not base.startswith(".") and name[len(name) - len(base) - 1] != ".":
        return False
    return name[len(name) - len(base) :].lower() == base.lower()


def _check_common_name_constraints(leaf: x509.Certificate, path: Sequence[x509.Certificate]) -> None:
    """A leaf matched by its subject CN (no DNS names in its subjectAltName) must keep to
    its CAs' DNS name constraints too, as OpenSSL's NAME_CONSTRAINTS_check_CN: else a CA
    constrained to one domain could vouch for any host through a CN.  As its cn2dnsid,
    trailing NULs are dropped and a CN with a NUL inside is code 53 under constraints."""
    cns = [cn.rstrip("\0") for cn in _common_names(leaf)]
    names = [d for d in (_cn_dns_id(cn) for cn in cns if "\0" not in cn) if d]
    embedded_nul = any("\0" in cn for cn in cns)
    if not names and not embedded_nul:
        return
    for ca in path[1:]:
        try:
            nc = ca.extensions.get_extension_for_class(x509.NameConstraints).value
        except (x509.ExtensionNotFound, *CERT_PARSE_ERRORS):
            continue
        if embedded_nul:
            raise _error(53)
        permitted = [g.value for g in nc.permitted_subtrees or () if isinstance(g, x509.DNSName)]
        excluded = [g.value for g in nc.excluded_subtrees or () if isinstance(g, x509.DNSName)]
        for name in names:
            if permitted and not any(_nc_dns(name, b) for b in permitted):
                raise _error(47)
            if any(_nc_dns(name, b) for b in excluded):
                raise _error(48)


#: The ASN.1 string type an emailAddress attribute must have (PKCS #9: IA5String).
_IA5STRING = x509.NameAttribute(x509.NameOID.EMAIL_ADDRESS, "a@b")._type


def _nc_email(email: str, base: str) -> bool:
    """OpenSSL's nc_email (RFC 5280 4.2.1.10): does the rfc822Name constraint ``base`` (a
    mailbox, a host, or ".domain" for any address under it) cover ``email``?"""
    if "@" not in email:
        raise _error(53)
    if "@" not in base and base.startswith("."):
        return len(email) > len(base) and email[-len(base) :].lower() == base.lower()
    local, _, host = email.rpartition("@")
    if "@" in base:
        base_local, _, base = base.rpartition("@")
        if base_local and base_local != local:  # the local part matches case-sensitively
            return False
    return host.lower() == base.lower()


def _nc_dn(name: x509.Name, base: x509.Name) -> bool:
    """OpenSSL's nc_dn (RFC 5280 4.2.1.10): the directoryName constraint ``base`` covers
    ``name`` when its RDNs begin ``name``'s, compared canonically (an empty base covers all)."""
    base_rdns = canonical_name(base)
    return canonical_name(name)[: len(base_rdns)] == base_rdns


def _hold_to_subtrees(names: Sequence[Any], permitted: Sequence[Any], excluded: Sequence[Any], covers: Callable[[Any, Any], bool]) -> None:
    """OpenSSL's nc_match for one name type: each name inside some permitted subtree, if
    there are any (47), and inside no excluded one (48)."""
    for name in names:
        if permitted and not any(covers(name, b) for b in permitted):
            raise _error(47)
        if any(covers(name, b) for b in excluded):
            raise _error(48)


def _subtrees(names: Iterable[x509.GeneralName] | None, kind: type) -> list:
    return [g.value for g in names or () if isinstance(g, kind)]


def _check_subject_constraints(path: Sequence[x509.Certificate]) -> None:
    """OpenSSL's NAME_CONSTRAINTS_check holds what cryptography's verifier leaves out to
    the CAs' name constraints above a certificate (47/48, as OpenSSL):
    - the emailAddress attributes of its subject, against rfc822Name constraints
      (cryptography looks at the subjectAltName only), else a CA constrained to one mail
      domain could vouch, through the subject, for an address outside it;
    - its subject, and the directoryNames of its subjectAltName, against directoryName
      constraints, which cryptography skips in a non-critical extension (in a critical
      one it refuses the chain), else such a CA could vouch for any organisation."""
    constrained = []
    for j, ca in enumerate(path[1:], 1):
        # A scan, not get_extension_for_class: its ExtensionNotFound costs more than the
        # check itself on every handshake (CAs seldom have name constraints).
        try:
            nc = next((e.value for e in ca.extensions if e.oid == ExtensionOID.NAME_CONSTRAINTS), None)
        except CERT_PARSE_ERRORS:
            continue
        if nc is None:
            continue
        constrained.append(
            (
                j,
                _subtrees(nc.permitted_subtrees, x509.RFC822Name),
                _subtrees(nc.excluded_subtrees, x509.RFC822Name),
                _subtrees(nc.permitted_subtrees, x509.DirectoryName),
                _subtrees(nc.excluded_subtrees, x509.DirectoryName),
            )
        )
    if not constrained:
        return
    for i, cert in enumerate(path[:-1]):
        if i and cert.subject == cert.issuer:
            continue  # a self-issued CA, as OpenSSL skips it
        above = [c for c in constrained if c[0] > i]
        if not above:
            continue
        if any(c[3] or c[4] for c in above):
            names = [cert.subject] if cert.subject.rdns else []
            try:
                san = next((e.value for e in cert.extensions if e.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME), None)
            except CERT_PARSE_ERRORS:
                san = None  # the verifier refused what it cannot parse already
            if san is not None:
                names += san.get_values_for_type(x509.DirectoryName)
            for _, _, _, permitted, excluded in above:
                _hold_to_subtrees(names, permitted, excluded, _nc_dn)
        attributes = cert.subject.get_attributes_for_oid(x509.NameOID.EMAIL_ADDRESS)
        if not attributes:
            continue
        # Under any name constraints, OpenSSL takes a subject address only as an IA5String.
        if any(getattr(a, "_type", _IA5STRING) != _IA5STRING for a in attributes):
            raise _error(53)
        emails = [str(a.value) for a in attributes]
        for _, permitted, excluded, _, _ in above:
            _hold_to_subtrees(emails, permitted, excluded, _nc_email)


def _critical_san_or_eku(cert: x509.Certificate) -> bool:
    """Is the leaf's subjectAltName or extendedKeyUsage marked critical?"""
    try:
        return any(e.critical for e in cert.extensions if e.oid in (ExtensionOID.SUBJECT_ALTERNATIVE_NAME, ExtensionOID.EXTENDED_KEY_USAGE))
    except ValueError:
        return False


def _has_dns_san(cert: x509.Certificate) -> bool:
    """Does the subjectAltName hold a DNS name?  Only then does OpenSSL skip the subject
    CN when matching a host name (v3_utl.c do_x509_check: other name types do not count)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return bool(san.get_values_for_type(x509.DNSName))


def _common_names(cert: x509.Certificate) -> list[str]:
    try:
        return [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    except ValueError:
        return []


def _san_matches_dns(cert: x509.Certificate, normalized: str) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return any(_dns_match(p, normalized) for p in san.get_values_for_type(x509.DNSName))


def certificate_matches_host(cert: x509.Certificate, server_hostname: str, check_common_name: bool = False) -> bool:
    """Does the certificate's subjectAltName cover ``server_hostname`` (RFC 6125, with
    OpenSSL's wildcard rules)?  With ``check_common_name``, a certificate without DNS
    names in its subjectAltName is matched by its subject CNs, as verify_server_chain
    does (OpenSSL's X509_check_host)."""
    try:
        _, is_ip, normalized = hostname_subject(server_hostname)
    except (UnicodeError, ValueError):
        return False
    if not is_ip:
        if check_common_name and not _has_dns_san(cert):
            return any(_dns_match(cn, normalized) for cn in _common_names(cert))
        return _san_matches_dns(cert, normalized)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return ipaddress.ip_address(normalized) in san.get_values_for_type(x509.IPAddress)


def _clean(detail: str) -> str:
    detail = detail.removeprefix("validation failed: ")
    detail = re.sub(r" \(encountered processing <Certificate\(.*\)>\)$", "", detail)
    return detail.removeprefix("candidates exhausted: ")


def _diagnose(
    chain: Sequence[x509.Certificate],
    store: TrustStore | None,
    eku: x509.ObjectIdentifier,
    server_hostname: str | None,
    now: datetime.datetime,
    detail: str,
    level: int = DEFAULT_SECURITY_LEVEL,
    ca_any_eku: bool = True,
    strict: bool = False,
) -> SSLCertVerificationError:
    """Map a failure to the error OpenSSL (and so Python's ssl) reports first.

    cryptography says *that* a chain fails, often as "candidates exhausted";
    OpenSSL's verify code says *why*.  We replay OpenSSL's order of checks on
    the presented chain: chain building and trust (18/19/20), purpose (26),
    the security level (67/68), host name (62/64), then validity periods from
    the root down (10/9), and
    finally cryptography's own message for what is left.  This only chooses
    the message: the accept/reject decision is always cryptography's.
    """
    path, code = _walk(chain, store)
    if code < 0:
        return _error(1, _clean(detail))
    if code:
        return _error(code)
    if store is not None:
        try:
            store.check_trust(path, eku)  # build_chain's check_trust: before the rest
        except SSLCertVerificationError as e:
            return e
    for i, cert in enumerate(path):
        # check_extensions, certificate by certificate: the strict profile, then the purpose.
        code = _strict_code(path, i) if strict else 0
        if code:
            return _error(code)
        usages = _ekus(cert)
        if usages is None:
            continue
        if i == 0 and eku not in usages:
            return _error(26)
        if i > 0 and eku not in usages and not (ca_any_eku and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages):
            return _error(26)
    code = _auth_level_code(path, level)
    if code:
        return _error(code)
    if server_hostname is not None and not certificate_matches_host(chain[0], server_hostname):
        try:
            is_ip = hostname_subject(server_hostname)[1]
        except (UnicodeError, ValueError):
            is_ip = False
        if is_ip:
            return _error(64, f"IP address mismatch, certificate is not valid for '{server_hostname}'.")
        return _error(62, f"Hostname mismatch, certificate is not valid for '{server_hostname}'.")
    for cert in reversed(path):
        if now > cert.not_valid_after_utc:
            return _error(10)
        if now < cert.not_valid_before_utc:
            return _error(9)
    cleaned = _clean(detail)
    if server_hostname is not None and "subjectAltName" in cleaned:
        return _error(62, f"Hostname mismatch, certificate is not valid for '{server_hostname}'.")
    if "Forbidden public key algorithm" in cleaned:
        return _unsupported_ca_key(path)
    if "Forbidden signature algorithm" in cleaned:
        for cert in path[:-1]:
            why = _signature_the_verifier_refuses(cert)
            if why is not None:
                # OpenSSL's code for a signature algorithm it cannot check (76); it takes this one.
                subject = cert.subject.rfc4514_string() or "(empty subject)"
                return _error(76, detail=f"cryptography's verifier does not check this signature algorithm (OpenSSL does): {why}, on {subject}")
    if "signature does not match" in cleaned and any(c.subject == c.issuer for c in path[1:-1]):
        # The walk found every signature good: cryptography backtracked from a self-issued
        # CA (a key rollover) it counted against a pathLenConstraint, and reports the
        # signature of the same-named CA above it, which is not what failed.
        return _error(
            25, detail="cryptography's verifier counts a self-issued CA certificate against the path length; RFC 5280 6.1.4 (l) and OpenSSL do not"
        )
    for needle, c in _MESSAGE_CODES:
        if all(part in cleaned for part in ((needle,) if isinstance(needle, str) else needle)):
            return _error(c, detail=cleaned)
    return _error(1, cleaned)


_CA_KEY_NAMES = {
    PublicKeyAlgorithmOID.ED25519: "Ed25519",
    PublicKeyAlgorithmOID.ED448: "Ed448",
    PublicKeyAlgorithmOID.RSASSA_PSS: "id-RSASSA-PSS",
    PublicKeyAlgorithmOID.DSA: "DSA",
    **_ML_DSA_OIDS,
}
_CA_CURVES = ("secp256r1", "secp384r1", "secp521r1")
#: cryptography's verifier takes ML-DSA CAs from version 50 on (48 and 49 refuse them).
_VERIFIER_TAKES_MLDSA = int(cryptography.__version__.split(".")[0]) >= 50


def _unsupported_ca_key(path: Sequence[x509.Certificate]) -> SSLCertVerificationError:
    """A CA whose key cryptography's verifier will not check signatures with.

    Its web PKI algorithm list (rsaEncryption and ECDSA P-256/P-384/P-521 issuers) cannot be
    changed through ``PolicyBuilder``, so an Ed25519, Ed448 or id-RSASSA-PSS CA fails where
    OpenSSL accepts it.  Say so instead of cryptography's debug text; the code is OpenSSL's
    for a signature algorithm the verifier cannot handle (76)."""
    what, accepted = "a CA's key algorithm", "RSA and ECDSA P-256/P-384/P-521"
    if _VERIFIER_TAKES_MLDSA:
        accepted = "RSA, ECDSA P-256/P-384/P-521 and ML-DSA"
    for cert in path[1:]:
        oid = cert.public_key_algorithm_oid
        if oid == PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5 or (_VERIFIER_TAKES_MLDSA and oid in _ML_DSA_OIDS):
            continue
        if oid in _ML_DSA_OIDS:
            accepted += " (and ML-DSA from cryptography 50 on)"
        if oid == PublicKeyAlgorithmOID.EC_PUBLIC_KEY:
            try:
                curve = cert.public_key().curve.name  # type: ignore[union-attr]
            except (ValueError, UnsupportedAlgorithm):
                curve = "an unknown curve"
            if curve in _CA_CURVES:
                continue
            name = f"ECDSA on {curve}"
        else:
            name = _CA_KEY_NAMES.get(oid, oid.dotted_string)
        try:
            subject = cert.subject.rfc4514_string()
        except (ValueError, TypeError):  # a damaged name (see TrustStore.add_pem)
            subject = "?"
        what = f"the key of CA '{subject}' is {name}"
        break
    return _error(
        76,
        f"unsupported CA key algorithm: {what} (fasttls verifies chains with cryptography, which accepts "
        f"only {accepted} signatures from CAs)",
    )


# ---------------------------------------------------------------------------
# getpeercert() dictionaries
# ---------------------------------------------------------------------------

# OpenSSL long names (OBJ_nid2ln) for the attributes found in certificate names.
_LONG_NAMES: dict[str, str] = {
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.12": "title",
    "2.5.4.13": "description",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "givenName",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.45": "x500UniqueIdentifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "1.2.840.113549.1.9.2": "unstructuredName",
    "0.9.2342.19200300.100.1.1": "userId",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionLocalityName",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionStateOrProvinceName",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
    "1.2.643.3.131.1.1": "INN",
    "1.2.643.100.1": "OGRN",
    "1.2.643.100.3": "SNILS",
}
_oid_cache: dict[str, str] = {}


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    """OpenSSL's ``OBJ_obj2txt(.., no_name=0)``: the long name, else the dotted form.

    Known names come from the table; others are asked of the ``_ssl`` module's
    OpenSSL (the library behind ``getpeercert``) when available.
    """
    dotted = oid.dotted_string
    name = _LONG_NAMES.get(dotted) or _oid_cache.get(dotted)
    if name is None:
        name = dotted
        try:
            name = ssl._ssl.txt2obj(dotted)[2] or dotted  # type: ignore[attr-defined]
        except Exception:
            pass
        if len(_oid_cache) >= 1024:  # bounded: a trusted CA may still issue any OIDs
            _oid_cache.clear()
        _oid_cache[dotted] = name
    return name


def _attr_value(value: Any) -> str | bytes:
    if isinstance(value, bytes):
        # A BIT STRING attribute (x500UniqueIdentifier): ssl gives its bits as bytes, without
        # the unused-bits octet that cryptography's value starts with.
        return value[1:]
    return str(value)


def _name_tuple(name: x509.Name) -> tuple:
    return tuple(tuple((_oid_name(a.oid), _attr_value(a.value)) for a in rdn) for rdn in name.rdns)


def _openssl_time(t: datetime.datetime) -> str:
    # ASN1_TIME_print: "%b %e %H:%M:%S %Y GMT" (day padded with a space), C locale month names.
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[t.month - 1]
    return f"{month} {t.day:2d} {t.hour:02d}:{t.minute:02d}:{t.second:02d} {t.year} GMT"


def _serial_hex(n: int) -> str:
    digits = f"{abs(n):X}"
    if len(digits) % 2:
        digits = "0" + digits
    return ("-" if n < 0 else "") + digits


def _der_string(data: bytes) -> tuple[int, bytes] | None:
    """``(tag, content)`` of one DER TLV, or None if malformed."""
    if len(data) < 2:
        return None
    tag, first = data[0], data[1]
    if first < 0x80:
        length, start = first, 2
    else:
        k = first & 0x7F
        if k == 0 or k > 4 or len(data) < 2 + k:
            return None
        length, start = int.from_bytes(data[2 : 2 + k], "big"), 2 + k
    if start + length != len(data):
        return None
    return tag, data[start:]


# OpenSSL 3 GENERAL_NAME_print's otherName types: OID -> (label, required DER tag).
_OTHER_NAMES = {
    "1.3.6.1.5.5.7.8.9": ("SmtpUTF8Mailbox", 0x0C),
    "1.3.6.1.5.5.7.8.5": ("XmppAddr", 0x0C),
    "1.3.6.1.5.5.7.8.7": ("SRVName", 0x16),
    "1.3.6.1.4.1.311.20.2.3": ("UPN", 0x0C),
    "1.3.6.1.5.5.7.8.8": ("NAIRealm", 0x0C),
}


def _other_name(gn: x509.OtherName) -> str:
    known = _OTHER_NAMES.get(gn.type_id.dotted_string)
    tlv = _der_string(gn.value)
    if known is None or tlv is None or tlv[0] != known[1]:
        return "<unsupported>"
    return f"{known[0]}:{tlv[1].decode('utf-8', 'replace')}"


def _san_entry(gn: x509.GeneralName) -> tuple[str, Any]:
    if isinstance(gn, x509.DNSName):
        return ("DNS", gn.value)
    if isinstance(gn, x509.RFC822Name):
        return ("email", gn.value)
    if isinstance(gn, x509.UniformResourceIdentifier):
        return ("URI", gn.value)
    if isinstance(gn, x509.IPAddress):
        ip = gn.value
        if isinstance(ip, ipaddress.IPv4Address):
            return ("IP Address", str(ip))
        if isinstance(ip, ipaddress.IPv6Address):
            # CPython formats IPv6 itself: eight upper-case groups, no "::" compression.
            packed = ip.packed
            return ("IP Address", ":".join(f"{int.from_bytes(packed[i:i + 2], 'big'):X}" for i in range(0, 16, 2)))
        return ("IP Address", "<invalid>")  # a network (name constraints syntax) in a SAN
    if isinstance(gn, x509.DirectoryName):
        return ("DirName", _name_tuple(gn.value))
    if isinstance(gn, x509.RegisteredID):
        return ("Registered ID", _oid_name(gn.value))
    if isinstance(gn, x509.OtherName):
        return ("othername", _other_name(gn))
    return ("othername", "<unsupported>")


#: peer_certificate_dict's results by certificate (equal by DER), so a server that calls
#: getpeercert() on every request builds each dict once (~13 us).  Bounded.
_PEERCERT_DICTS: dict[x509.Certificate, dict[str, Any]] = {}


def peer_certificate_dict(cert: x509.Certificate) -> dict[str, Any]:
    """The dictionary ``ssl.SSLSocket.getpeercert()`` returns for ``cert``: a new dict each
    call (its values are tuples, strings and ints), built once per certificate."""
    d = _PEERCERT_DICTS.get(cert)
    if d is None:
        with _quiet_serial(cert):
            d = _peer_certificate_dict(cert)
        if len(_PEERCERT_DICTS) >= 256:
            _PEERCERT_DICTS.clear()
        _PEERCERT_DICTS[cert] = d
    return dict(d)


def _peer_certificate_dict(cert: x509.Certificate) -> dict[str, Any]:
    """The dictionary ``ssl.SSLSocket.getpeercert()`` returns for ``cert``.

    Same keys, value types and formatting as CPython's ``_decode_certificate``
    over OpenSSL (checked against ``ssl._ssl._test_decode_cert``): subject and
    issuer as tuples of RDN tuples of ``(long name, value)``; ``version``;
    upper-case hex ``serialNumber``; OpenSSL-formatted ``notBefore``/``notAfter``;
    and, only when present, ``subjectAltName``, ``OCSP``, ``caIssuers`` and
    ``crlDistributionPoints``.
    """
    d: dict[str, Any] = {
        "subject": _name_tuple(cert.subject),
        "issuer": _name_tuple(cert.issuer),
        "version": cert.version.value + 1,
        "serialNumber": _serial_hex(cert.serial_number),
        "notBefore": _openssl_time(cert.not_valid_before_utc),
        "notAfter": _openssl_time(cert.not_valid_after_utc),
    }
    exts = cert.extensions
    try:
        san = exts.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        pass
    else:
        d["subjectAltName"] = tuple(_san_entry(gn) for gn in san)
    try:
        aia = exts.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        pass
    else:
        ocsp = tuple(
            a.access_location.value
            for a in aia
            if a.access_method == AuthorityInformationAccessOID.OCSP and isinstance(a.access_location, x509.UniformResourceIdentifier)
        )
        issuers = tuple(
            a.access_location.value
            for a in aia
            if a.access_method == AuthorityInformationAccessOID.CA_ISSUERS and isinstance(a.access_location, x509.UniformResourceIdentifier)
        )
        if ocsp:
            d["OCSP"] = ocsp
        if issuers:
            d["caIssuers"] = issuers
    try:
        cdp = exts.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        pass
    else:
        uris = tuple(
            gn.value
            for dp in cdp
            for gn in (dp.full_name or ())
            if isinstance(gn, x509.UniformResourceIdentifier)
        )
        if uris:
            d["crlDistributionPoints"] = uris
    return d

"""Cipher suites as data tables (Go's ``cipher_suites.go``).

fasttls speaks only AEAD suites: the three TLS 1.3 suites (RFC 8446 B.4) and
the six TLS 1.2 ECDHE suites with AES-GCM (RFC 5289) or ChaCha20-Poly1305
(RFC 7905).  Everything a handshake needs to know about a suite is a field
of a frozen dataclass, so the state machines never switch on suite ids.

Preference orders follow Go on a machine with AES hardware (assumed: every
x86-64 and arm64 CPU we target has AES-NI/ARMv8-CE): AES-128-GCM, AES-256-GCM,
then ChaCha20-Poly1305; in TLS 1.2 ECDSA before RSA for each AEAD.  A server
keeps its order unless the client's first AEAD preference is ChaCha20
(:func:`aesgcm_preferred`), which signals a client without AES hardware.

``set_ciphers`` strings are evaluated by :func:`parse_openssl_cipher_string`,
a small model of OpenSSL's ``ssl_create_cipher_list`` restricted to our six
TLS 1.2 suites, so the result is what Python's ``ssl`` (OpenSSL) would select
among them, in the same order.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes

from .constants import CipherSuite
from .record.aead import CIPHER_AES_GCM, CIPHER_CHACHA20_POLY1305

__all__ = [
    "CipherSuiteTLS13",
    "CipherSuiteTLS12",
    "TLS13_SUITES",
    "TLS12_SUITES",
    "ALL_SUITES",
    "SUITES_BY_NAME",
    "SUITES_BY_OPENSSL_NAME",
    "DEFAULT_TLS13_SUITES",
    "DEFAULT_TLS12_SUITES",
    "TLS13_SUITES_NO_AES",
    "TLS12_SUITES_NO_AES",
    "aesgcm_preferred",
    "suite_by_id",
    "parse_openssl_cipher_string",
    "parse_tls13_ciphersuites",
    "cipher_tuple",
    "cipher_dict",
]


@dataclass(frozen=True)
class CipherSuiteTLS13:
    """A TLS 1.3 suite: an AEAD and the hash of the key schedule (RFC 8446 B.4)."""

    id: int
    name: str
    openssl_name: str
    key_length: int
    aead: int  # fasttls.record.aead.CIPHER_AES_GCM or CIPHER_CHACHA20_POLY1305
    hash_alg: hashes.HashAlgorithm = field(compare=False)
    iv_length: int = 12
    tag_length: int = 16
    strength_bits: int = 0

    version = "TLSv1.3"
    key_exchange = "any"
    authentication = "any"

    @property
    def is_chacha20(self) -> bool:
        return self.aead == CIPHER_CHACHA20_POLY1305


@dataclass(frozen=True)
class CipherSuiteTLS12:
    """A TLS 1.2 ECDHE AEAD suite.

    ``fixed_iv_length`` is the implicit part of the nonce from the key block:
    4 bytes of salt for GCM (RFC 5288, with an 8-byte explicit nonce per
    record) and the full 12-byte IV for ChaCha20 (RFC 7905, no explicit part).
    ``hash_alg`` is the PRF hash (RFC 5246 5, RFC 5289 3).
    """

    id: int
    name: str
    openssl_name: str
    key_exchange: str  # "ECDHE_ECDSA" or "ECDHE_RSA"
    key_length: int
    fixed_iv_length: int
    aead: int
    hash_alg: hashes.HashAlgorithm = field(compare=False)
    explicit_nonce_length: int = 0
    tag_length: int = 16
    strength_bits: int = 0

    version = "TLSv1.2"

    @property
    def is_chacha20(self) -> bool:
        return self.aead == CIPHER_CHACHA20_POLY1305

    @property
    def authentication(self) -> str:
        """``"ECDSA"`` or ``"RSA"``: the certificate key type this suite needs."""
        return self.key_exchange.split("_", 1)[1]

    @property
    def ecdsa(self) -> bool:
        return self.key_exchange == "ECDHE_ECDSA"


_S = CipherSuite
_AES, _CHACHA = CIPHER_AES_GCM, CIPHER_CHACHA20_POLY1305

_TLS13_LIST = [
    CipherSuiteTLS13(_S.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", 16, _AES, hashes.SHA256(), strength_bits=128),
    CipherSuiteTLS13(_S.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", 32, _AES, hashes.SHA384(), strength_bits=256),
    CipherSuiteTLS13(
        _S.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", 32, _CHACHA, hashes.SHA256(), strength_bits=256
    ),
]

_TLS12_LIST = [
    CipherSuiteTLS12(
        _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE_ECDSA", 16, 4, _AES, hashes.SHA256(), explicit_nonce_length=8, strength_bits=128,
    ),
    CipherSuiteTLS12(
        _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE_RSA", 16, 4, _AES, hashes.SHA256(), explicit_nonce_length=8, strength_bits=128,
    ),
    CipherSuiteTLS12(
        _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE_ECDSA", 32, 4, _AES, hashes.SHA384(), explicit_nonce_length=8, strength_bits=256,
    ),
    CipherSuiteTLS12(
        _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE_RSA", 32, 4, _AES, hashes.SHA384(), explicit_nonce_length=8, strength_bits=256,
    ),
    CipherSuiteTLS12(
        _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE_ECDSA", 32, 12, _CHACHA, hashes.SHA256(), strength_bits=256,
    ),
    CipherSuiteTLS12(
        _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE_RSA", 32, 12, _CHACHA, hashes.SHA256(), strength_bits=256,
    ),
]

#: TLS 1.3 suites by id.
TLS13_SUITES: dict[int, CipherSuiteTLS13] = {s.id: s for s in _TLS13_LIST}
#: TLS 1.2 suites by id.
TLS12_SUITES: dict[int, CipherSuiteTLS12] = {s.id: s for s in _TLS12_LIST}
ALL_SUITES: dict[int, CipherSuiteTLS13 | CipherSuiteTLS12] = {**TLS13_SUITES, **TLS12_SUITES}
#: By IANA name (``TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256``).
SUITES_BY_NAME: dict[str, CipherSuiteTLS13 | CipherSuiteTLS12] = {s.name: s for s in ALL_SUITES.values()}
#: By OpenSSL name (``ECDHE-RSA-AES128-GCM-SHA256``; TLS 1.3 names are the IANA ones).
SUITES_BY_OPENSSL_NAME: dict[str, CipherSuiteTLS13 | CipherSuiteTLS12] = {s.openssl_name: s for s in ALL_SUITES.values()}

#: Go's defaultCipherSuitesTLS13 with AES hardware.
DEFAULT_TLS13_SUITES: tuple[int, ...] = (
    _S.TLS_AES_128_GCM_SHA256,
    _S.TLS_AES_256_GCM_SHA384,
    _S.TLS_CHACHA20_POLY1305_SHA256,
)
#: Go's defaultCipherSuitesTLS13NoAES (a server uses it when the client prefers ChaCha20).
TLS13_SUITES_NO_AES: tuple[int, ...] = (
    _S.TLS_CHACHA20_POLY1305_SHA256,
    _S.TLS_AES_128_GCM_SHA256,
    _S.TLS_AES_256_GCM_SHA384,
)
#: Go's cipherSuitesPreferenceOrder restricted to our suites (ECDSA before RSA for each AEAD).
DEFAULT_TLS12_SUITES: tuple[int, ...] = (
    _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
)
#: Go's cipherSuitesPreferenceOrderNoAES restricted to our suites.
TLS12_SUITES_NO_AES: tuple[int, ...] = (
    _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
)


def suite_by_id(suite_id: int) -> CipherSuiteTLS13 | CipherSuiteTLS12 | None:
    return ALL_SUITES.get(suite_id)


def aesgcm_preferred(client_suites: Iterable[int]) -> bool:
    """Go's ``aesgcmPreferred``: is the first suite of ours the client lists an AES-GCM one?

    A client that puts ChaCha20 first most likely lacks AES hardware, so a
    server should then put ChaCha20 first too (Go's ``...NoAES`` orders).
    Ids we do not implement (SCSVs, GREASE, CBC suites) are skipped; with no
    known suite at all the answer is False, as in Go.
    """
    for sid in client_suites:
        suite = ALL_SUITES.get(sid)
        if suite is not None:
            return suite.aead == CIPHER_AES_GCM
    return False


def cipher_tuple(suite: CipherSuiteTLS13 | CipherSuiteTLS12) -> tuple[str, str, int]:
    """``SSLSocket.cipher()``'s ``(openssl name, protocol version, secret bits)``."""
    return (suite.openssl_name, suite.version, suite.strength_bits)


def cipher_dict(suite: CipherSuiteTLS13 | CipherSuiteTLS12) -> dict:
    """One entry of ``SSLContext.get_ciphers()``, shaped as OpenSSL 3.0 reports it."""
    if isinstance(suite, CipherSuiteTLS13):
        kea, auth = "kx-any", "auth-any"
        kx, au = "any", "any"
    else:
        kea = "kx-ecdhe"
        auth = "auth-ecdsa" if suite.ecdsa else "auth-rsa"
        kx, au = "ECDH", ("ECDSA" if suite.ecdsa else "RSA")
    if suite.aead == CIPHER_CHACHA20_POLY1305:
        enc, symmetric = "CHACHA20/POLY1305(256)", "chacha20-poly1305"
    else:
        enc = f"AESGCM({suite.key_length * 8})"
        symmetric = f"aes-{suite.key_length * 8}-gcm"
    mac = "AEAD"
    return {
        "id": 0x03000000 | suite.id,
        "name": suite.openssl_name,
        "protocol": suite.version,
        "description": f"{suite.openssl_name:<30} {suite.version} Kx={kx:<8} Au={au:<5} Enc={enc:<22} Mac={mac}",
        "strength_bits": suite.strength_bits,
        "alg_bits": suite.strength_bits,
        "aead": True,
        "symmetric": symmetric,
        "digest": None,
        "kea": kea,
        "auth": auth,
    }


# ---------------------------------------------------------------------------
# OpenSSL cipher strings (SSLContext.set_ciphers)
# ---------------------------------------------------------------------------

_E_AES128 = frozenset({_S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256})
_E_AES256 = frozenset({_S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384})
_E_CHACHA = frozenset({_S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256})
_E_ALL = frozenset(TLS12_SUITES)
_E_ECDSA = frozenset(s.id for s in _TLS12_LIST if s.ecdsa)
_E_RSA = _E_ALL - _E_ECDSA

#: OpenSSL alias -> the subset of our TLS 1.2 suites it selects.  Any other word
#: (a valid OpenSSL alias such as ``kRSA``, ``DHE``, ``SHA256``, ``aNULL``, or an
#: unknown one) selects none of them, which is exactly what OpenSSL does for
#: these six suites.  Aliases are case-sensitive, as in OpenSSL.  Note that
#: ``RSA`` means RSA *key exchange* (``kRSA``), so it matches none of ours.
_ALIASES: dict[str, frozenset[int]] = {
    "ALL": _E_ALL,
    "HIGH": _E_ALL,
    "FIPS": _E_AES128 | _E_AES256,
    "TLSv1.2": _E_ALL,
    "kECDHE": _E_ALL,
    "kEECDH": _E_ALL,
    "ECDHE": _E_ALL,
    "EECDH": _E_ALL,
    "ECDH": _E_ALL,
    "aECDSA": _E_ECDSA,
    "ECDSA": _E_ECDSA,
    "aRSA": _E_RSA,
    "AES": _E_AES128 | _E_AES256,
    "AESGCM": _E_AES128 | _E_AES256,
    "AES128": _E_AES128,
    "AES256": _E_AES256,
    "CHACHA20": _E_CHACHA,
}
for _s in _TLS12_LIST:
    _ALIASES[_s.openssl_name] = frozenset({_s.id})

#: OpenSSL's built-in order before any rule is applied (ssl_create_cipher_list:
#: ECDHE first, AES-GCM preferred, then sorted by strength), for our suites.
_OPENSSL_BASE_ORDER: tuple[int, ...] = (
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
)

#: Suite B profiles replace the whole string when they start it (OpenSSL check_suiteb_cipher_list).
_SUITEB = (
    ("SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    ("SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("SUITEB128", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"),
)

_SEPARATORS = str.maketrans({" ": ":", ",": ":", ";": ":"})


def is_cipher_name(name: str) -> bool:
    """Is ``name`` a cipher or alias name of OpenSSL cipher strings that we know?"""
    return name in _ALIASES


def _select(element: str) -> frozenset[int]:
    """The suites one rule element (``A`` or ``A+B+C``) selects: the intersection of its terms."""
    result = _E_ALL
    for term in element.split("+"):
        result = result & _ALIASES.get(term, frozenset())
    return result


def parse_openssl_cipher_string(s: str) -> list[int]:
    """The TLS 1.2 suites an OpenSSL cipher string selects, in OpenSSL's order.

    Supports the rule syntax of ``ciphers(1)``: elements separated by ``:``,
    space, ``,`` or ``;``; ``A+B`` intersections; the ``!`` (remove for good),
    ``-`` (remove), ``+`` (move to the end) prefixes; ``DEFAULT`` at the start;
    ``@STRENGTH``; ``@SECLEVEL=n`` (accepted, no effect on these suites); the
    Suite B profiles.  TLS 1.3 suites are not affected (``set_ciphersuites``).

    Raises ``ssl.SSLError("No cipher can be selected.")`` when none of our
    suites is selected, as ``ssl.SSLContext.set_ciphers`` does when nothing is.
    """
    if not isinstance(s, str):
        raise TypeError(f"cipher string must be str, not {type(s).__name__}")
    rule = s.strip()
    for prefix, replacement in _SUITEB:
        if rule.startswith(prefix):
            rule = replacement
            break
    if rule.startswith("DEFAULT"):
        # OpenSSL 3 DEFAULT is "ALL:!COMPLEMENTOFDEFAULT:!eNULL": all six of ours.
        rule = "ALL:" + rule[len("DEFAULT") :].lstrip(":")

    # OpenSSL keeps every cipher in one ordered list with an "active" flag;
    # removed-for-good ciphers leave the list.  Rules move entries around.
    order: list[int] = list(_OPENSSL_BASE_ORDER)
    active: set[int] = set()
    for raw in rule.translate(_SEPARATORS).split(":"):
        if not raw:
            continue
        if raw.startswith("@"):
            if raw == "@STRENGTH":
                # Stable sort of the active ciphers by strength, strongest first,
                # each strength group moved to the end in turn (ssl_cipher_strength_sort).
                for bits in sorted({TLS12_SUITES[c].strength_bits for c in order}, reverse=True):
                    moving = [c for c in order if c in active and TLS12_SUITES[c].strength_bits == bits]
                    order = [c for c in order if c not in moving] + moving
            continue  # @SECLEVEL=n and anything else after "@"
        op = raw[0] if raw[0] in "!-+" else ""
        element = raw[1:] if op else raw
        chosen = _select(element)
        if not chosen:
            continue
        if op == "!":
            order = [c for c in order if c not in chosen]
            active -= chosen
        elif op == "-":
            # Deleted ciphers go to the head, keeping their relative order, so a
            # later re-add brings them back in their previous positions' order.
            moving = [c for c in order if c in chosen and c in active]
            order = moving + [c for c in order if c not in moving]
            active -= chosen
        elif op == "+":
            moving = [c for c in order if c in chosen and c in active]
            order = [c for c in order if c not in moving] + moving
        else:
            moving = [c for c in order if c in chosen and c not in active]
            order = [c for c in order if c not in moving] + moving
            active |= set(moving)
    result = [c for c in order if c in active]
    if not result:
        raise ssl.SSLError("No cipher can be selected.")
    return result


#: TLS 1.3 suite names OpenSSL knows but fasttls does not implement; ignored.
_TLS13_KNOWN_UNSUPPORTED = frozenset({"TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256", "TLS_SHA256_SHA256", "TLS_SHA384_SHA384"})


def parse_tls13_ciphersuites(s: str) -> list[int]:
    """A colon-separated list of TLS 1.3 suite names (OpenSSL's ``set_ciphersuites``).

    The order is kept; duplicates are dropped; an empty string selects no
    TLS 1.3 suite (as in OpenSSL).  CCM suites are known and skipped; any
    other unknown name raises ``ValueError``.
    """
    if not isinstance(s, str):
        raise TypeError(f"cipher suite string must be str, not {type(s).__name__}")
    out: list[int] = []
    for name in s.split(":"):
        name = name.strip()
        if not name or name in _TLS13_KNOWN_UNSUPPORTED:
            continue
        suite = SUITES_BY_NAME.get(name)
        if suite is None or not isinstance(suite, CipherSuiteTLS13):
            raise ValueError(f"unknown TLS 1.3 cipher suite {name!r}")
        if suite.id not in out:
            out.append(suite.id)
    return out

"""Key exchange groups: (EC)DHE and the X25519MLKEM768 hybrid.

RFC 8446 4.2.8 (key_share), 4.2.8.2 (ECDHE parameters), 7.4.2 (the shared
secret), RFC 8422 5.4 (TLS 1.2 ECPoint), RFC 7748 (X25519/X448) and
draft-ietf-tls-ecdhe-mlkem (X25519MLKEM768, code point 0x11EC).

Both sides of every group go through two calls:

* client (and the TLS 1.2 server, which speaks first):
  ``share = generate_key_share(group)``; send ``share.public``; later
  ``share.shared_secret(peer_public)``;
* TLS 1.3 server: ``server_share, secret = server_key_exchange(group, client_public)``.

Every malformed peer value (wrong length, a point not on the curve, a
compressed or hybrid point encoding, the point at infinity, a low-order
X25519/X448 point giving an all-zero secret, a bad ML-KEM encapsulation key)
raises ``TLSError(illegal_parameter)`` naming the group; a raw ``ValueError``
never escapes to the handshake.

X25519MLKEM768 wire format (draft-ietf-tls-ecdhe-mlkem, section "Construction";
checked against the draft text and Go's crypto/tls, whose X25519MLKEM768 is
what OpenSSL 3.5+, BoringSSL, rustls and Chrome interoperate with):

* client share: ML-KEM-768 encapsulation key (1184) || X25519 public (32) = 1216 bytes;
* server share: ML-KEM-768 ciphertext (1088) || X25519 public (32) = 1120 bytes;
* shared secret: ML-KEM shared secret (32) || X25519 shared secret (32) = 64 bytes.

ML-KEM comes *first* in all three (unlike the obsolete X25519Kyber768Draft00
and the SecP256r1MLKEM768 group, which put the ECDH part first), so the
FIPS-approved secret leads the HKDF input (SP 800-56Cr2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x448, x25519

from .constants import AlertDescription, NamedGroup
from .errors import TLSError

__all__ = [
    "KeyShare",
    "generate_key_share",
    "server_key_exchange",
    "SUPPORTED_GROUPS",
    "DEFAULT_GROUPS",
    "DEFAULT_KEY_SHARES",
    "GROUP_NAMES",
    "parse_group_names",
    "group_name",
    "is_ecdhe_group12",
    "is_supported_group",
    "public_length",
    "MLKEM768_ENCAPSULATION_KEY_SIZE",
    "MLKEM768_CIPHERTEXT_SIZE",
    "X25519MLKEM768_CLIENT_SHARE_SIZE",
    "X25519MLKEM768_SERVER_SHARE_SIZE",
]

MLKEM768_ENCAPSULATION_KEY_SIZE = 1184
MLKEM768_CIPHERTEXT_SIZE = 1088
X25519_SIZE = 32
X448_SIZE = 56
X25519MLKEM768_CLIENT_SHARE_SIZE = MLKEM768_ENCAPSULATION_KEY_SIZE + X25519_SIZE  # 1216
X25519MLKEM768_SERVER_SHARE_SIZE = MLKEM768_CIPHERTEXT_SIZE + X25519_SIZE  # 1120

_G = NamedGroup

#: Every group fasttls implements.
SUPPORTED_GROUPS: tuple[int, ...] = (
    _G.X25519MLKEM768,
    _G.x25519,
    _G.secp256r1,
    _G.secp384r1,
    _G.secp521r1,
    _G.x448,
)
#: Go 1.24's default preference order (x448 is supported but, as in Go, not offered by default).
DEFAULT_GROUPS: tuple[int, ...] = (_G.X25519MLKEM768, _G.x25519, _G.secp256r1, _G.secp384r1, _G.secp521r1)
#: The key shares a client sends up front (Go 1.24: the hybrid and its X25519 fallback).
DEFAULT_KEY_SHARES: tuple[int, ...] = (_G.X25519MLKEM768, _G.x25519)

_CURVES: dict[int, ec.EllipticCurve] = {
    _G.secp256r1: ec.SECP256R1(),
    _G.secp384r1: ec.SECP384R1(),
    _G.secp521r1: ec.SECP521R1(),
}
_COORD_SIZE = {_G.secp256r1: 32, _G.secp384r1: 48, _G.secp521r1: 66}

#: Names accepted by :func:`parse_group_names` (matched case-insensitively).
GROUP_NAMES: dict[str, int] = {
    "x25519": _G.x25519,
    "x448": _G.x448,
    "p-256": _G.secp256r1,
    "p256": _G.secp256r1,
    "prime256v1": _G.secp256r1,
    "secp256r1": _G.secp256r1,
    "p-384": _G.secp384r1,
    "p384": _G.secp384r1,
    "secp384r1": _G.secp384r1,
    "p-521": _G.secp521r1,
    "p521": _G.secp521r1,
    "secp521r1": _G.secp521r1,
    "x25519mlkem768": _G.X25519MLKEM768,
}

_DISPLAY = {
    _G.x25519: "X25519",
    _G.x448: "X448",
    _G.secp256r1: "P-256",
    _G.secp384r1: "P-384",
    _G.secp521r1: "P-521",
    _G.X25519MLKEM768: "X25519MLKEM768",
}


def group_name(group: int) -> str:
    """The name OpenSSL and Go print for a group (``X25519``, ``P-256``, ``X25519MLKEM768``)."""
    return _DISPLAY.get(group, f"group 0x{group:04x}")


def is_supported_group(group: int) -> bool:
    return group in _DISPLAY


def is_ecdhe_group12(group: int) -> bool:
    """May TLS 1.2 ECDHE (RFC 8422) use this group?  Everything but the TLS 1.3-only hybrid."""
    return group in _DISPLAY and group != _G.X25519MLKEM768


def public_length(group: int, server: bool = False) -> int:
    """The exact length of a valid key_share / ECPoint for ``group`` (client's, or the server's)."""
    if group == _G.x25519:
        return X25519_SIZE
    if group == _G.x448:
        return X448_SIZE
    if group in _COORD_SIZE:
        return 1 + 2 * _COORD_SIZE[group]
    if group == _G.X25519MLKEM768:
        return X25519MLKEM768_SERVER_SHARE_SIZE if server else X25519MLKEM768_CLIENT_SHARE_SIZE
    raise _illegal(group, "unsupported group")


def _illegal(group: int, what: str) -> TLSError:
    return TLSError(AlertDescription.illegal_parameter, f"invalid {group_name(group)} key share: {what}")


def _check_length(group: int, data: bytes, expected: int) -> None:
    if len(data) != expected:
        raise _illegal(group, f"{len(data)} bytes, expected {expected}")


# ---------------------------------------------------------------------------
# The primitive exchanges, each validating the peer's value.
# ---------------------------------------------------------------------------


def _x25519(group: int, private: x25519.X25519PrivateKey, peer: bytes) -> bytes:
    _check_length(group, peer, X25519_SIZE)
    try:
        secret = private.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
    except ValueError:  # cryptography refuses the all-zero result of a low-order point
        raise _illegal(group, "low-order point (all-zero shared secret)") from None
    if not any(secret):  # RFC 8446 7.4.2 / RFC 7748 6.1; belt and braces
        raise _illegal(group, "low-order point (all-zero shared secret)")
    return secret


def _x448(group: int, private: x448.X448PrivateKey, peer: bytes) -> bytes:
    _check_length(group, peer, X448_SIZE)
    try:
        secret = private.exchange(x448.X448PublicKey.from_public_bytes(peer))
    except ValueError:
        raise _illegal(group, "low-order point (all-zero shared secret)") from None
    if not any(secret):
        raise _illegal(group, "low-order point (all-zero shared secret)")
    return secret


def _ecdh(group: int, private: ec.EllipticCurvePrivateKey, peer: bytes) -> bytes:
    # RFC 8446 4.2.8.2: only the uncompressed form (0x04 || X || Y) is allowed,
    # which also rules out the one-byte encoding of the point at infinity.
    _check_length(group, peer, 1 + 2 * _COORD_SIZE[group])
    if peer[0] != 0x04:
        raise _illegal(group, f"point format 0x{peer[0]:02x} (only uncompressed 0x04 is allowed)")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[group], peer)
    except ValueError:
        raise _illegal(group, "point is not on the curve") from None
    try:
        return private.exchange(ec.ECDH(), public)
    except ValueError:
        raise _illegal(group, "ECDH failed") from None


def _mlkem_public(group: int, data: bytes) -> mlkem.MLKEM768PublicKey:
    try:
        return mlkem.MLKEM768PublicKey.from_public_bytes(data)
    except ValueError:  # the FIPS 203 7.2 modulus check (encapsulation key coefficients < q)
        raise _illegal(group, "ML-KEM-768 encapsulation key fails the FIPS 203 check") from None


def _x25519_public_bytes(key: x25519.X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# ---------------------------------------------------------------------------
# KeyShare objects (the private half of one key_share entry)
# ---------------------------------------------------------------------------


class KeyShare:
    """One ephemeral key pair for ``group``: ``public`` is what goes on the wire.

    ``shared_secret(peer_public)`` validates the peer's value and returns the
    (EC)DHE input to the key schedule (for the hybrid: decapsulates the
    server's ciphertext).  A share is single-use by design, never cached.
    """

    __slots__ = ("group", "public", "_private", "_mlkem")

    group: int
    public: bytes

    def __init__(self, group: int) -> None:
        self.group = group
        self._mlkem: mlkem.MLKEM768PrivateKey | None = None
        if group == _G.x25519:
            self._private = x25519.X25519PrivateKey.generate()
            self.public = _x25519_public_bytes(self._private)
        elif group == _G.x448:
            self._private = x448.X448PrivateKey.generate()
            self.public = self._private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        elif group in _CURVES:
            self._private = ec.generate_private_key(_CURVES[group])
            self.public = self._private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        elif group == _G.X25519MLKEM768:
            self._mlkem = mlkem.MLKEM768PrivateKey.generate()
            self._private = x25519.X25519PrivateKey.generate()
            self.public = self._mlkem.public_key().public_bytes_raw() + _x25519_public_bytes(self._private)
        else:
            raise _illegal(group, "unsupported group")

    @classmethod
    def from_private_key(cls, group: int, private_key: Any, mlkem_key: mlkem.MLKEM768PrivateKey | None = None) -> KeyShare:
        """A share over a given key instead of a fresh one: for known-answer tests
        (RFC 8448 traces) and deterministic replays, never for real handshakes.

        ``private_key`` is the X25519/X448/EC private key object, or the raw
        private bytes (X25519/X448 little-endian scalar, EC big-endian scalar);
        the hybrid also needs ``mlkem_key`` (its X25519 half is ``private_key``).
        """
        self = cls.__new__(cls)
        self.group = group
        self._mlkem = None
        if isinstance(private_key, (bytes, bytearray, memoryview)):
            raw = bytes(private_key)
            if group in (_G.x25519, _G.X25519MLKEM768):
                private_key = x25519.X25519PrivateKey.from_private_bytes(raw)
            elif group == _G.x448:
                private_key = x448.X448PrivateKey.from_private_bytes(raw)
            elif group in _CURVES:
                private_key = ec.derive_private_key(int.from_bytes(raw, "big"), _CURVES[group])
            else:
                raise _illegal(group, "unsupported group")
        self._private = private_key
        if group == _G.X25519MLKEM768:
            if mlkem_key is None:
                raise ValueError("X25519MLKEM768 needs the ML-KEM-768 private key too")
            self._mlkem = mlkem_key
            self.public = mlkem_key.public_key().public_bytes_raw() + _x25519_public_bytes(private_key)
        elif group in _CURVES:
            self.public = private_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        elif group in (_G.x25519, _G.x448):
            self.public = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        else:
            raise _illegal(group, "unsupported group")
        return self

    def __repr__(self) -> str:
        return f"<KeyShare {group_name(self.group)} public={len(self.public)} bytes>"

    def shared_secret(self, peer_public: bytes) -> bytes:
        """The shared secret with the peer's key_share (or TLS 1.2 ECPoint)."""
        peer_public = bytes(peer_public)
        g = self.group
        if g == _G.x25519:
            return _x25519(g, self._private, peer_public)
        if g == _G.x448:
            return _x448(g, self._private, peer_public)
        if g in _CURVES:
            return _ecdh(g, self._private, peer_public)
        # X25519MLKEM768, client side: ciphertext (1088) || server X25519 (32).
        _check_length(g, peer_public, X25519MLKEM768_SERVER_SHARE_SIZE)
        assert self._mlkem is not None
        try:
            mlkem_secret = self._mlkem.decapsulate(peer_public[:MLKEM768_CIPHERTEXT_SIZE])
        except ValueError:  # cannot happen for a right-sized ciphertext (implicit rejection)
            raise TLSError(AlertDescription.internal_error, "X25519MLKEM768: ML-KEM-768 decapsulation failed") from None
        x_secret = _x25519(g, self._private, peer_public[MLKEM768_CIPHERTEXT_SIZE:])
        return mlkem_secret + x_secret


def generate_key_share(group: int) -> KeyShare:
    """A fresh ephemeral key pair for ``group`` (the client's key_share, or a TLS 1.2 server's ECPoint)."""
    return KeyShare(group)


def server_key_exchange(group: int, client_public: bytes) -> tuple[bytes, bytes]:
    """TLS 1.3 server side: ``(our key_share to send, the shared secret)``.

    For X25519MLKEM768 this encapsulates to the client's ML-KEM key and runs
    X25519 against its X25519 share, returning ciphertext || X25519 public.
    """
    client_public = bytes(client_public)
    if group == _G.X25519MLKEM768:
        _check_length(group, client_public, X25519MLKEM768_CLIENT_SHARE_SIZE)
        ek = _mlkem_public(group, client_public[:MLKEM768_ENCAPSULATION_KEY_SIZE])
        mlkem_secret, ciphertext = ek.encapsulate()
        ours = x25519.X25519PrivateKey.generate()
        x_secret = _x25519(group, ours, client_public[MLKEM768_ENCAPSULATION_KEY_SIZE:])
        return ciphertext + _x25519_public_bytes(ours), mlkem_secret + x_secret
    share = KeyShare(group)
    return share.public, share.shared_secret(client_public)


def parse_group_names(names: str | Iterable[str]) -> list[int]:
    """``"X25519MLKEM768:X25519:P-256"`` -> group code points, in order, without duplicates.

    Accepts OpenSSL's and Go's spellings (``X25519``, ``P-256``,
    ``prime256v1``, ``secp384r1``, ``X448``, ``X25519MLKEM768``...),
    case-insensitively, separated by ``:`` or ``,``.  A name prefixed with
    ``?`` is skipped when unknown (OpenSSL 3.3 syntax); OpenSSL 3.5's ``*``
    key-share marker is accepted and ignored.  Unknown names raise ValueError.
    """
    if isinstance(names, str):
        items = names.replace(",", ":").split(":")
    else:
        items = list(names)
    out: list[int] = []
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        optional = name.startswith("?")
        name = name.lstrip("?*")
        group = GROUP_NAMES.get(name.lower())
        if group is None:
            if optional:
                continue
            raise ValueError(f"unknown key exchange group {raw.strip()!r}")
        if group not in out:
            out.append(group)
    if not out:
        raise ValueError("no key exchange group selected")
    return out

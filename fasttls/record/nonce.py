"""Per-record nonces, the pure-Python twin of ``_nonce.pyx`` (same names, same bytes).

* TLS 1.3 (RFC 8446 section 5.3) and TLS 1.2 ChaCha20-Poly1305 (RFC 7905 section 2):
  the 64-bit sequence number, left-padded to the IV length, XORed with the 12-byte IV.
* TLS 1.2 AES-GCM (RFC 5288 section 3): the 4-byte implicit salt followed by the
  8-byte explicit nonce carried in the record; we send the sequence number there.

Sequence numbers never wrap (RFC 8446 section 5.3): the last usable one is
``MAX_SEQUENCE - 1``; reaching ``MAX_SEQUENCE`` is an error.
"""

from __future__ import annotations

from ..constants import AlertDescription
from ..errors import TLSError

__all__ = [
    "NONCE_SIZE",
    "SALT_SIZE",
    "EXPLICIT_NONCE_SIZE",
    "MAX_SEQUENCE",
    "check_sequence",
    "xor_nonce",
    "explicit_nonce",
    "gcm_nonce",
]

NONCE_SIZE = 12
SALT_SIZE = 4
EXPLICIT_NONCE_SIZE = 8
MAX_SEQUENCE = (1 << 64) - 1


def check_sequence(seq: int) -> None:
    """Refuse a sequence number that may not protect a record."""
    if seq < 0 or seq >= MAX_SEQUENCE:
        raise TLSError(AlertDescription.internal_error, "record sequence number exhausted; the connection must be rekeyed or closed")


def xor_nonce(iv: bytes, seq: int) -> bytes:
    """``iv XOR seq`` for TLS 1.3 and TLS 1.2 ChaCha20-Poly1305."""
    if len(iv) != NONCE_SIZE:
        raise ValueError("the IV must be 12 bytes")
    check_sequence(seq)
    return (int.from_bytes(iv, "big") ^ seq).to_bytes(NONCE_SIZE, "big")


def explicit_nonce(seq: int) -> bytes:
    """The 8-byte explicit part of a TLS 1.2 AES-GCM nonce: the sequence number."""
    check_sequence(seq)
    return seq.to_bytes(EXPLICIT_NONCE_SIZE, "big")


def gcm_nonce(salt: bytes, explicit: bytes) -> bytes:
    """``salt || explicit`` for TLS 1.2 AES-GCM."""
    if len(salt) != SALT_SIZE or len(explicit) != EXPLICIT_NONCE_SIZE:
        raise ValueError("AES-GCM needs a 4-byte salt and an 8-byte explicit nonce")
    return bytes(salt) + bytes(explicit)

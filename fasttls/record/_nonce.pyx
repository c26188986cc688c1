# cython: language_level=3, boundscheck=False, wraparound=False
"""Per-record nonces, the compiled twin of ``nonce.py`` (same names, same bytes).

The 12-byte XOR is done in C (``_common.xor_nonce_into``); see ``nonce.py``
for the rules and their RFC sections.
"""

from libc.stdint cimport uint8_t, uint64_t
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING

from fasttls.record._common cimport xor_nonce_into, store_be64, FASTTLS_SOURCE_DIGEST

from ..constants import AlertDescription
from ..errors import TLSError

#: The digest of the source this module was compiled from (see sources.py).
SOURCE_DIGEST = FASTTLS_SOURCE_DIGEST.decode("ascii")

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


def check_sequence(seq):
    """Refuse a sequence number that may not protect a record."""
    if seq < 0 or seq >= MAX_SEQUENCE:
        raise TLSError(AlertDescription.internal_error, "record sequence number exhausted; the connection must be rekeyed or closed")


def xor_nonce(iv, seq):
    """``iv XOR seq`` for TLS 1.3 and TLS 1.2 ChaCha20-Poly1305."""
    cdef const uint8_t[::1] ivb = iv
    if ivb.shape[0] != 12:
        raise ValueError("the IV must be 12 bytes")
    check_sequence(seq)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, 12)
    xor_nonce_into(<uint8_t*>PyBytes_AS_STRING(out), &ivb[0], <uint64_t>seq)
    return out


def explicit_nonce(seq):
    """The 8-byte explicit part of a TLS 1.2 AES-GCM nonce: the sequence number."""
    check_sequence(seq)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, 8)
    store_be64(<uint8_t*>PyBytes_AS_STRING(out), <uint64_t>seq)
    return out


def gcm_nonce(salt, explicit):
    """``salt || explicit`` for TLS 1.2 AES-GCM."""
    if len(salt) != 4 or len(explicit) != 8:
        raise ValueError("AES-GCM needs a 4-byte salt and an 8-byte explicit nonce")
    return bytes(salt) + bytes(explicit)

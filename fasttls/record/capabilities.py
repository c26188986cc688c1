"""What the installed ``cryptography`` AEAD accepts, probed once at import; both twins read it."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _encrypt_into_in_place() -> bool:
    """Whether ``encrypt_into`` may write over its own input.

    Up to cryptography 50 it may, and a separate output costs the library a copy of the
    data, so a small TLS 1.3 record is cheapest sealed in place in the output buffer.
    cryptography 51 refuses any overlap of input and output (a ValueError), and copies
    nothing for a separate one: there every record is sealed from the staging buffer.
    """
    buf = bytearray(32)
    view = memoryview(buf)
    try:
        AESGCM(bytes(16)).encrypt_into(bytes(12), view[:16], None, view)
    except ValueError:
        return False
    return True


#: Read by each new ``RecordSealer`` (tests flip it to run the staged path everywhere).
ENCRYPT_INTO_IN_PLACE: bool = _encrypt_into_in_place()

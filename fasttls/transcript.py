"""The handshake transcript hash (RFC 8446 4.4.1, RFC 5246 7.4.9).

A :class:`Transcript` is a running hash over the handshake messages exactly
as they were sent (headers included).  ``digest()`` gives the hash of
everything so far and leaves the transcript open for more messages.

The client sends its ClientHello before it knows the cipher suite, so a
transcript may start without a hash algorithm: it keeps the raw messages
until :meth:`Transcript.set_hash` names the hash, then replays them.

After a HelloRetryRequest, RFC 8446 4.4.1 replaces ClientHello1 in the
transcript with a synthetic ``message_hash`` message carrying its hash:
:meth:`Transcript.replace_with_message_hash`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from .constants import HandshakeType

__all__ = ["Transcript", "message_hash"]


def message_hash(hash_alg: hashes.HashAlgorithm, digest: bytes) -> bytes:
    """The synthetic ``message_hash`` handshake message (RFC 8446 4.4.1).

    ``digest`` is ``Hash(ClientHello1)``; the result is
    ``254 || 00 00 Hash.length || digest``.
    """
    if len(digest) != hash_alg.digest_size:
        raise ValueError("message_hash needs a digest of the transcript hash's size")
    return bytes((HandshakeType.message_hash, 0, 0, len(digest))) + digest


class Transcript:
    """A running transcript hash over handshake messages.

    ``Transcript(hash_alg)`` hashes as it goes; ``Transcript()`` buffers the
    messages until :meth:`set_hash` is called.
    """

    __slots__ = ("_hash_alg", "_hash", "_buffer")

    def __init__(self, hash_alg: hashes.HashAlgorithm | None = None) -> None:
        self._hash_alg: hashes.HashAlgorithm | None = None
        self._hash: hashes.Hash | None = None
        self._buffer: list[bytes] | None = []
        if hash_alg is not None:
            self.set_hash(hash_alg)

    @property
    def hash_alg(self) -> hashes.HashAlgorithm | None:
        """The hash algorithm, or ``None`` while the transcript still buffers."""
        return self._hash_alg

    def set_hash(self, hash_alg: hashes.HashAlgorithm) -> None:
        """Fix the hash algorithm and hash every message buffered so far.

        Setting the same algorithm again is a no-op; changing it is an error.
        """
        if self._hash_alg is not None:
            if self._hash_alg.name != hash_alg.name:
                raise ValueError(f"transcript already uses {self._hash_alg.name}, not {hash_alg.name}")
            return
        self._hash_alg = hash_alg
        self._hash = hashes.Hash(hash_alg)
        for data in self._buffer or ():
            self._hash.update(data)
        self._buffer = None

    def update(self, message: bytes | bytearray | memoryview) -> None:
        """Add one or more complete handshake messages (with their 4-byte headers)."""
        if self._hash is not None:
            self._hash.update(message)
        else:
            assert self._buffer is not None
            self._buffer.append(bytes(message))

    def _require_hash(self) -> hashes.Hash:
        if self._hash is None:
            raise ValueError("the transcript's hash algorithm is not known yet (call set_hash first)")
        return self._hash

    def digest(self) -> bytes:
        """``Transcript-Hash`` of everything so far; the transcript stays open."""
        return self._require_hash().copy().finalize()

    def copy(self) -> Transcript:
        """An independent transcript with the same contents."""
        other = Transcript.__new__(Transcript)
        other._hash_alg = self._hash_alg
        other._hash = self._hash.copy() if self._hash is not None else None
        other._buffer = list(self._buffer) if self._buffer is not None else None
        return other

    def replace_with_message_hash(self) -> None:
        """Replace the transcript so far (ClientHello1) by its ``message_hash`` (RFC 8446 4.4.1).

        Call it after ClientHello1 and before the HelloRetryRequest goes in.
        """
        digest = self.digest()
        assert self._hash_alg is not None
        self._hash = hashes.Hash(self._hash_alg)
        self._hash.update(message_hash(self._hash_alg, digest))

    def __repr__(self) -> str:
        name = self._hash_alg.name if self._hash_alg is not None else "buffering"
        return f"<Transcript {name}>"

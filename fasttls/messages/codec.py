"""The TLS presentation language, in bytes (RFC 8446 section 3).

:class:`Reader` walks received bytes: fixed-size integers (``uint8`` to
``uint32``) and length-prefixed vectors (``opaque x<0..2^8-1>`` and friends).
Every shortfall -- a vector longer than what is left, an integer cut in half --
raises ``TLSError(decode_error, "<what> truncated")``: whatever the peer sends,
parsing never fails with ``IndexError``, ``struct.error`` or ``ValueError``
(golang.org/x/crypto/cryptobyte's ``String`` plays this role in Go).

:class:`Writer` builds outgoing bytes (cryptobyte's ``Builder``).  A value that
does not fit its field is a bug on our side, never the peer's, so it raises
``ValueError``.
"""

from __future__ import annotations

from types import TracebackType

from ..constants import AlertDescription
from ..errors import TLSError

__all__ = ["Reader", "Writer", "decode_error"]


def decode_error(message: str) -> TLSError:
    """The error for bytes that do not follow the syntax (RFC 8446 section 6.2, decode_error)."""
    return TLSError(AlertDescription.decode_error, message)


class Reader:
    """A cursor over received bytes; each read consumes them.

    ``what`` names the field in the error message (``"<what> truncated"``).
    Sub-readers from :meth:`sub8`/:meth:`sub16`/:meth:`sub24` share the
    underlying bytes: no copy until a byte string is returned.
    """

    __slots__ = ("_data", "_pos", "_end", "what")

    def __init__(self, data: bytes | bytearray | memoryview, what: str = "message") -> None:
        if not isinstance(data, bytes):
            data = bytes(data)
        self._data = data
        self._pos = 0
        self._end = len(data)
        self.what = what

    @classmethod
    def _view(cls, data: bytes, start: int, end: int, what: str) -> Reader:
        r = cls.__new__(cls)
        r._data = data
        r._pos = start
        r._end = end
        r.what = what
        return r

    # ------------------------------------------------------------------ state

    @property
    def remaining(self) -> int:
        """How many bytes are left."""
        return self._end - self._pos

    @property
    def empty(self) -> bool:
        """True when every byte has been read."""
        return self._pos >= self._end

    def __len__(self) -> int:
        return self._end - self._pos

    def expect_end(self, what: str | None = None) -> None:
        """Fail with decode_error unless every byte was consumed (RFC 8446: lengths must match exactly)."""
        if self._pos != self._end:
            n = self._end - self._pos
            raise decode_error(f"{what or self.what}: {n} trailing byte{'s' if n != 1 else ''}")

    def _need(self, n: int, what: str | None) -> int:
        pos = self._pos
        if self._end - pos < n:
            raise decode_error(f"{what or self.what} truncated")
        self._pos = pos + n
        return pos

    # ------------------------------------------------------------------ integers

    # Each method checks the bounds itself instead of calling _need: these run for
    # every field of every message, and a call is most of their cost.

    def u8(self, what: str | None = None) -> int:
        pos = self._pos
        if pos >= self._end:
            raise decode_error(f"{what or self.what} truncated")
        self._pos = pos + 1
        return self._data[pos]

    def u16(self, what: str | None = None) -> int:
        pos = self._pos
        if self._end - pos < 2:
            raise decode_error(f"{what or self.what} truncated")
        self._pos = pos + 2
        d = self._data
        return (d[pos] << 8) | d[pos + 1]

    def u24(self, what: str | None = None) -> int:
        pos = self._need(3, what)
        d = self._data
        return (d[pos] << 16) | (d[pos + 1] << 8) | d[pos + 2]

    def u32(self, what: str | None = None) -> int:
        pos = self._need(4, what)
        return int.from_bytes(self._data[pos : pos + 4], "big")

    # ------------------------------------------------------------------ bytes

    def read(self, n: int, what: str | None = None) -> bytes:
        """Exactly ``n`` bytes."""
        pos = self._pos
        if self._end - pos < n:
            raise decode_error(f"{what or self.what} truncated")
        self._pos = pos + n
        return self._data[pos : pos + n]

    def rest(self) -> bytes:
        """Every byte that is left."""
        pos, self._pos = self._pos, self._end
        return self._data[pos : self._end]

    def vec8(self, what: str | None = None) -> bytes:
        """``opaque x<0..2^8-1>``: a one-byte length, then that many bytes."""
        pos = self._pos
        d = self._data
        if pos >= self._end or self._end - pos - 1 < d[pos]:
            raise decode_error(f"{what or self.what} truncated")
        end = pos + 1 + d[pos]
        self._pos = end
        return d[pos + 1 : end]

    def vec16(self, what: str | None = None) -> bytes:
        """``opaque x<0..2^16-1>``."""
        pos = self._pos
        d = self._data
        if self._end - pos < 2 or self._end - pos - 2 < ((d[pos] << 8) | d[pos + 1]):
            raise decode_error(f"{what or self.what} truncated")
        end = pos + 2 + ((d[pos] << 8) | d[pos + 1])
        self._pos = end
        return d[pos + 2 : end]

    def vec24(self, what: str | None = None) -> bytes:
        """``opaque x<0..2^24-1>``."""
        n = self.u24(what)
        return self.read(n, what)

    def sub8(self, what: str | None = None) -> Reader:
        """A reader over a vector with a one-byte length (for vectors of structures)."""
        n = self.u8(what)
        pos = self._need(n, what)
        return Reader._view(self._data, pos, pos + n, what or self.what)

    def sub16(self, what: str | None = None) -> Reader:
        pos = self._pos
        d = self._data
        if self._end - pos < 2 or self._end - pos - 2 < ((d[pos] << 8) | d[pos + 1]):
            raise decode_error(f"{what or self.what} truncated")
        start = pos + 2
        end = start + ((d[pos] << 8) | d[pos + 1])
        self._pos = end
        return Reader._view(d, start, end, what or self.what)

    def sub24(self, what: str | None = None) -> Reader:
        n = self.u24(what)
        pos = self._need(n, what)
        return Reader._view(self._data, pos, pos + n, what or self.what)

    # ------------------------------------------------------------------ common lists

    def u8_list(self, what: str, nonempty: bool = False) -> list[int]:
        """``uint8 x<0..2^8-1>`` (or ``<1..2^8-1>`` with ``nonempty``)."""
        items = list(self.vec8(what))
        if nonempty and not items:
            raise decode_error(f"{what} is empty")
        return items

    def u16_list8(self, what: str, nonempty: bool = False) -> list[int]:
        """``uint16 x<0..2^8-2>``: a one-byte length in bytes, an even number of them."""
        return _u16s(self.vec8(what), what, nonempty)

    def u16_list16(self, what: str, nonempty: bool = False) -> list[int]:
        """``uint16 x<0..2^16-2>``: a two-byte length in bytes, an even number of them."""
        return _u16s(self.vec16(what), what, nonempty)


def _u16s(data: bytes, what: str, nonempty: bool) -> list[int]:
    n = len(data)
    if n & 1:
        raise decode_error(f"{what} has an odd length ({n} bytes)")
    if nonempty and not n:
        raise decode_error(f"{what} is empty")
    return [(data[i] << 8) | data[i + 1] for i in range(0, n, 2)]


class _Block:
    """A length-prefixed block in a :class:`Writer`; the length is patched on exit."""

    __slots__ = ("_w", "_size", "_start", "_what")

    def __init__(self, w: Writer, size: int, what: str) -> None:
        self._w = w
        self._size = size
        self._what = what
        self._start = 0

    def __enter__(self) -> Writer:
        buf = self._w.buf
        buf += bytes(self._size)
        self._start = len(buf)
        return self._w

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            return
        buf = self._w.buf
        n = len(buf) - self._start
        size = self._size
        if n >= 1 << (8 * size):
            raise ValueError(f"{self._what}: {n} bytes do not fit a {8 * size}-bit length")
        buf[self._start - size : self._start] = n.to_bytes(size, "big")


class Writer:
    """A bytearray builder: integers, bytes, and length-prefixed blocks.

    >>> w = Writer()
    >>> with w.prefixed16():
    ...     w.u16(0x1301)
    >>> w.getvalue().hex()
    '00021301'
    """

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def __len__(self) -> int:
        return len(self.buf)

    def getvalue(self) -> bytes:
        return bytes(self.buf)

    # ------------------------------------------------------------------ integers

    def u8(self, v: int) -> None:
        if not 0 <= v <= 0xFF:
            raise ValueError(f"{v!r} does not fit a uint8")
        self.buf.append(v)

    def u16(self, v: int) -> None:
        if not 0 <= v <= 0xFFFF:
            raise ValueError(f"{v!r} does not fit a uint16")
        self.buf += v.to_bytes(2, "big")

    def u24(self, v: int) -> None:
        if not 0 <= v <= 0xFFFFFF:
            raise ValueError(f"{v!r} does not fit a uint24")
        self.buf += v.to_bytes(3, "big")

    def u32(self, v: int) -> None:
        if not 0 <= v <= 0xFFFFFFFF:
            raise ValueError(f"{v!r} does not fit a uint32")
        self.buf += v.to_bytes(4, "big")

    def u16s(self, values: list[int] | tuple[int, ...]) -> None:
        for v in values:
            self.u16(v)

    # ------------------------------------------------------------------ bytes

    def bytes(self, data: bytes | bytearray | memoryview) -> None:
        """Raw bytes, no length."""
        self.buf += data

    def vec8(self, data: bytes | bytearray | memoryview, what: str = "vector") -> None:
        """``opaque x<0..2^8-1>``."""
        n = len(data)
        if n > 0xFF:
            raise ValueError(f"{what}: {n} bytes do not fit an 8-bit length")
        self.buf.append(n)
        self.buf += data

    def vec16(self, data: bytes | bytearray | memoryview, what: str = "vector") -> None:
        """``opaque x<0..2^16-1>``."""
        n = len(data)
        if n > 0xFFFF:
            raise ValueError(f"{what}: {n} bytes do not fit a 16-bit length")
        self.buf += n.to_bytes(2, "big")
        self.buf += data

    def vec24(self, data: bytes | bytearray | memoryview, what: str = "vector") -> None:
        """``opaque x<0..2^24-1>``."""
        n = len(data)
        if n > 0xFFFFFF:
            raise ValueError(f"{what}: {n} bytes do not fit a 24-bit length")
        self.buf += n.to_bytes(3, "big")
        self.buf += data

    # ------------------------------------------------------------------ blocks

    def prefixed8(self, what: str = "block") -> _Block:
        """``with w.prefixed8(): ...`` writes a one-byte length, then what the block wrote."""
        return _Block(self, 1, what)

    def prefixed16(self, what: str = "block") -> _Block:
        return _Block(self, 2, what)

    def prefixed24(self, what: str = "block") -> _Block:
        return _Block(self, 3, what)

"""Record framing, the pure-Python twin of ``_framing.pyx`` (same names, same bytes).

TLSPlaintext / TLSCiphertext headers (RFC 8446 section 5.1, RFC 5246 section 6.2),
fragmentation of writes, reassembly of records from a byte stream, and the TLS 1.3
inner plaintext (content || type || zeros, RFC 8446 section 5.2).
"""

from __future__ import annotations

from ..constants import AlertDescription
from ..errors import TLSError, not_a_tls_record, oversized_record, wrong_record_version

__all__ = [
    "HEADER_SIZE",
    "POOL_SIZE",
    "POOL_MAX_BUFFER",
    "MAX_PLAINTEXT",
    "MAX_CIPHERTEXT_TLS13",
    "MAX_CIPHERTEXT_TLS12",
    "CHANGE_CIPHER_SPEC",
    "ALERT",
    "HANDSHAKE",
    "APPLICATION_DATA",
    "parse_header",
    "write_header",
    "record_count",
    "framed_length",
    "frame_into",
    "inner_content_type",
    "RecordBuffer",
]

HEADER_SIZE = 5
MAX_PLAINTEXT = 1 << 14
#: RFC 8446 section 5.2: a TLSCiphertext may exceed the plaintext limit by 256 bytes.
MAX_CIPHERTEXT_TLS13 = MAX_PLAINTEXT + 256
#: RFC 5246 section 6.2.3.
MAX_CIPHERTEXT_TLS12 = MAX_PLAINTEXT + 2048

CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23

_MIN_BUFFER = 4096

#: Buffers given back by idle connections, reused by busy ones: a connection
#: that empties its queue after every record (bulk transfer) takes the same
#: allocation straight back instead of allocating and zero-filling a new one,
#: while an idle connection holds no buffer at all (issue 6).  Bounded in count
#: and in the size of what is kept.
POOL_SIZE = 16
POOL_MAX_BUFFER = 1 << 20
_POOL: list = []


def _check_header(content_type: int, version: int, length: int, expected_version: int, max_length: int) -> None:
    if not expected_version and (version >> 8 != 3 or (content_type & 0x80 and version & 0xFF == 1)):
        # Before the version is settled, bytes that are not a TLS record at all (a plain
        # HTTP answer or request): OpenSSL's WRONG_VERSION_NUMBER or HTTP_REQUEST; or an
        # SSLv2-format ClientHello, whose length's low byte may read as a TLS major version
        # (0x81 0x03 0x01: 259 bytes, then CLIENT-HELLO).
        raise not_a_tls_record(content_type, version, length)
    if expected_version and version != expected_version:
        raise wrong_record_version(version, expected_version)
    if content_type < CHANGE_CIPHER_SPEC or content_type > APPLICATION_DATA:
        raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {content_type}")
    if length > max_length:
        raise oversized_record(length, max_length)


def parse_header(
    data, offset: int = 0, expected_version: int = 0, max_length: int = MAX_CIPHERTEXT_TLS12, end: int = -1
):
    """Return ``(content_type, version, length)`` of the header at ``offset``,
    or ``None`` when fewer than five bytes are there before ``end`` (wait for more).

    ``expected_version`` 0 accepts any 0x03xx (before negotiation, when a
    ClientHello may say 0x0301); otherwise the version must match exactly.
    """
    if end < 0 or end > len(data):
        end = len(data)
    if end - offset < HEADER_SIZE:
        return None
    content_type = data[offset]
    version = (data[offset + 1] << 8) | data[offset + 2]
    length = (data[offset + 3] << 8) | data[offset + 4]
    _check_header(content_type, version, length, expected_version, max_length)
    return content_type, version, length


def write_header(out, offset: int, content_type: int, version: int, length: int) -> None:
    out[offset] = content_type
    out[offset + 1] = version >> 8
    out[offset + 2] = version & 0xFF
    out[offset + 3] = length >> 8
    out[offset + 4] = length & 0xFF


def _check_fragment(max_fragment: int) -> None:
    if max_fragment < 1 or max_fragment > MAX_PLAINTEXT:
        raise ValueError(f"max_fragment must be in 1..{MAX_PLAINTEXT}, not {max_fragment}")


def record_count(length: int, max_fragment: int = MAX_PLAINTEXT) -> int:
    """How many records ``length`` bytes take; an empty write is one empty record."""
    _check_fragment(max_fragment)
    if length <= 0:
        return 1
    return (length + max_fragment - 1) // max_fragment


def framed_length(length: int, max_fragment: int = MAX_PLAINTEXT, overhead: int = 0) -> int:
    """Bytes on the wire for ``length`` bytes cut into records of at most
    ``max_fragment``, each adding a header and ``overhead`` (tag, nonce, type)."""
    return length + record_count(length, max_fragment) * (HEADER_SIZE + overhead)


def frame_into(out, offset: int, content_type: int, version: int, data, max_fragment: int = MAX_PLAINTEXT) -> int:
    """Write ``data`` as unprotected records into ``out`` at ``offset``; return the end offset."""
    n = len(data)
    end = offset + framed_length(n, max_fragment)
    if end > len(out):
        raise ValueError("output buffer too small")
    src = memoryview(data).cast("B")
    pos = offset
    done = 0
    while True:
        m = n - done
        if m > max_fragment:
            m = max_fragment
        write_header(out, pos, content_type, version, m)
        pos += HEADER_SIZE
        out[pos : pos + m] = src[done : done + m]
        pos += m
        done += m
        if done >= n:
            return pos


def inner_content_type(buf, start: int, end: int):
    """Strip a TLS 1.3 TLSInnerPlaintext in ``buf[start:end]``.

    Returns ``(content_type, content_end)``.  An inner plaintext that is all
    zeros has no content type: ``unexpected_message`` (RFC 8446 section 5.4).
    """
    i = end - 1
    if i >= start and buf[i]:
        return buf[i], i
    stripped = bytes(memoryview(buf)[start:end]).rstrip(b"\x00")
    if not stripped:
        raise TLSError(AlertDescription.unexpected_message, "TLS 1.3 record with no non-zero content type")
    i = start + len(stripped) - 1
    return buf[i], i


class RecordBuffer:
    """A byte queue kept in one bytearray: data lives in ``buffer[start:end]``.

    Used for bytes received from the transport (reassembled into records) and for
    records waiting to be sent.  Space at the end can be filled in place
    (``reserve`` then ``recv_into(buffer_view)`` then ``commit``), so a socket read
    lands where the record opener will read it, with no copy.  Memory is dropped
    when the queue is empty (``release``), so idle connections stay small.
    """

    __slots__ = ("buffer", "start", "end")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.start = 0
        self.end = 0

    def __len__(self) -> int:
        return self.end - self.start

    def reserve(self, n: int) -> int:
        """Make room for ``n`` more bytes after ``end``; return ``end``.

        Invalidates earlier views and offsets into the buffer.
        """
        buf = self.buffer
        if len(buf) - self.end >= n:
            return self.end
        if not buf and _POOL:
            try:
                buf = self.buffer = _POOL.pop()  # another thread may have emptied it
            except IndexError:
                pass
            else:
                if len(buf) >= n:
                    return 0
        used = self.end - self.start
        if self.start:
            buf[:used] = buf[self.start : self.end]
            self.start = 0
            self.end = used
        need = used + n
        if len(buf) < need:
            size = max(need, 2 * len(buf), _MIN_BUFFER)
            buf.extend(bytes(size - len(buf)))
        return self.end

    def commit(self, n: int) -> None:
        """``n`` bytes were written in place after ``end``."""
        if n < 0 or self.end + n > len(self.buffer):
            raise ValueError("commit beyond reserved space")
        self.end += n

    def feed(self, data) -> None:
        n = len(data)
        end = self.reserve(n)
        self.buffer[end : end + n] = data
        self.end = end + n

    def consume(self, n: int) -> None:
        if n < 0 or n > self.end - self.start:
            raise ValueError("consume beyond buffered data")
        self.start += n
        if self.start == self.end:
            self.start = self.end = 0

    def consume_to(self, pos: int) -> None:
        self.consume(pos - self.start)

    def take(self, n: int = -1) -> bytes:
        """Remove and return up to ``n`` bytes (all when ``n`` < 0)."""
        avail = self.end - self.start
        if n < 0 or n > avail:
            n = avail
        with memoryview(self.buffer) as view:
            data = bytes(view[self.start : self.start + n])  # one copy (a bytearray slice makes two)
        self.consume(n)
        return data

    def view(self) -> memoryview:
        return memoryview(self.buffer)[self.start : self.end]

    def release(self) -> None:
        """Give the memory back when nothing is buffered (idle connections)."""
        if self.start == self.end:
            buf = self.buffer
            self.start = self.end = 0
            if not buf:
                return
            # A live view (a recv_into in progress, a caller's view()) keeps the
            # buffer here: dropping or pooling it would lose or share its bytes.
            try:
                buf.append(0)
            except BufferError:
                return
            del buf[-1]
            if buf:
                self.buffer = bytearray()
                if len(buf) <= POOL_MAX_BUFFER and len(_POOL) < POOL_SIZE:
                    _POOL.append(buf)

    def next_record(self, expected_version: int = 0, max_length: int = MAX_CIPHERTEXT_TLS12):
        """Remove the next complete record and return ``(content_type, version, payload)``.

        ``None`` means the header or the body is not all here yet.
        """
        hdr = parse_header(self.buffer, self.start, expected_version, max_length, self.end)
        if hdr is None:
            return None
        body = self.start + HEADER_SIZE
        if self.end - body < hdr[2]:
            return None
        payload = bytes(self.buffer[body : body + hdr[2]])
        self.consume(HEADER_SIZE + hdr[2])
        return hdr[0], hdr[1], payload

    def peek_header(self, expected_version: int = 0, max_length: int = MAX_CIPHERTEXT_TLS12):
        """The next record's header (validated) without consuming it, or ``None``."""
        return parse_header(self.buffer, self.start, expected_version, max_length, self.end)

# cython: language_level=3, boundscheck=False, wraparound=False
"""Record framing, the compiled twin of ``framing.py`` (same names, same bytes).

See ``framing.py`` for the rules and their RFC sections.
"""

from libc.stdint cimport uint8_t, uint16_t
from libc.string cimport memcpy, memmove
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize

cdef extern from "Python.h":
    ctypedef struct PyByteArrayObject:
        Py_ssize_t ob_exports

from fasttls.record._common cimport load_be16, write_header as c_write_header, FASTTLS_SOURCE_DIGEST

from ..constants import AlertDescription
from ..errors import TLSError, not_a_tls_record, oversized_record, wrong_record_version

#: The digest of the source this module was compiled from (see sources.py).
SOURCE_DIGEST = FASTTLS_SOURCE_DIGEST.decode("ascii")

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
MAX_CIPHERTEXT_TLS13 = MAX_PLAINTEXT + 256
MAX_CIPHERTEXT_TLS12 = MAX_PLAINTEXT + 2048

CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23

cdef Py_ssize_t _MIN_BUFFER = 4096

# See framing.py: buffers of idle connections, reused by busy ones.
POOL_SIZE = 16
POOL_MAX_BUFFER = 1 << 20
cdef list _POOL = []


cdef int _check_header(int content_type, int version, int length, int expected_version, Py_ssize_t max_length) except -1:
    if not expected_version and (version >> 8 != 3 or (content_type & 0x80 and version & 0xFF == 1)):
        # Before the version is settled, bytes that are not a TLS record at all (a plain
        # HTTP answer or request): OpenSSL's WRONG_VERSION_NUMBER or HTTP_REQUEST; or an
        # SSLv2-format ClientHello, whose length's low byte may read as a TLS major version
        # (0x81 0x03 0x01: 259 bytes, then CLIENT-HELLO).
        raise not_a_tls_record(content_type, version, length)
    if expected_version and version != expected_version:
        raise wrong_record_version(version, expected_version)
    if content_type < 20 or content_type > 23:
        raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {content_type}")
    if length > max_length:
        raise oversized_record(length, max_length)
    return 0


cdef object _parse(const uint8_t[::1] buf, Py_ssize_t offset, int expected_version, Py_ssize_t max_length, Py_ssize_t end):
    if end < 0 or end > buf.shape[0]:
        end = buf.shape[0]
    if offset < 0:
        raise ValueError("negative offset")
    if end - offset < 5:
        return None
    cdef const uint8_t* p = &buf[offset]
    cdef int content_type = p[0]
    cdef int version = load_be16(p + 1)
    cdef int length = load_be16(p + 3)
    _check_header(content_type, version, length, expected_version, max_length)
    return content_type, version, length


def parse_header(data, offset=0, expected_version=0, max_length=MAX_CIPHERTEXT_TLS12, end=-1):
    """Return ``(content_type, version, length)`` of the header at ``offset``,
    or ``None`` when fewer than five bytes are there before ``end`` (wait for more)."""
    if len(data) == 0:
        return None
    return _parse(data, offset, expected_version, max_length, end)


def write_header(out, offset, content_type, version, length):
    cdef uint8_t[::1] o = out
    if offset < 0 or offset + 5 > o.shape[0]:
        raise ValueError("output buffer too small")
    c_write_header(&o[offset], content_type, version, length)


cdef int _check_fragment(Py_ssize_t max_fragment) except -1:
    if max_fragment < 1 or max_fragment > 16384:
        raise ValueError(f"max_fragment must be in 1..16384, not {max_fragment}")
    return 0


def record_count(length, max_fragment=MAX_PLAINTEXT):
    """How many records ``length`` bytes take; an empty write is one empty record."""
    _check_fragment(max_fragment)
    if length <= 0:
        return 1
    return (length + max_fragment - 1) // max_fragment


def framed_length(length, max_fragment=MAX_PLAINTEXT, overhead=0):
    """Bytes on the wire for ``length`` bytes cut into records of at most
    ``max_fragment``, each adding a header and ``overhead``."""
    return length + record_count(length, max_fragment) * (5 + overhead)


def frame_into(out, offset, content_type, version, data, max_fragment=MAX_PLAINTEXT):
    """Write ``data`` as unprotected records into ``out`` at ``offset``; return the end offset."""
    cdef const uint8_t[::1] src
    cdef uint8_t[::1] o = out
    cdef Py_ssize_t n = len(data)
    cdef Py_ssize_t frag = max_fragment
    cdef Py_ssize_t end = offset + framed_length(n, max_fragment)
    if offset < 0 or end > o.shape[0]:
        raise ValueError("output buffer too small")
    cdef Py_ssize_t pos = offset, done = 0, m
    cdef uint8_t ct = content_type
    cdef uint16_t ver = version
    if n:
        src = memoryview(data).cast("B")
    while True:
        m = n - done
        if m > frag:
            m = frag
        c_write_header(&o[pos], ct, ver, <uint16_t>m)
        pos += 5
        if m:
            memcpy(&o[pos], &src[done], m)
        pos += m
        done += m
        if done >= n:
            return pos


def inner_content_type(buf, start, end):
    """Strip a TLS 1.3 TLSInnerPlaintext in ``buf[start:end]``; return ``(content_type, content_end)``."""
    cdef const uint8_t[::1] b = buf
    cdef Py_ssize_t s = start, i = end - 1
    if s < 0 or end > b.shape[0]:
        raise ValueError("offsets out of range")
    while i >= s and b[i] == 0:
        i -= 1
    if i < s:
        raise TLSError(AlertDescription.unexpected_message, "TLS 1.3 record with no non-zero content type")
    return b[i], i


cdef class RecordBuffer:
    """A byte queue kept in one bytearray: data lives in ``buffer[start:end]``.

    See ``framing.RecordBuffer``.
    """

    cdef public bytearray buffer
    cdef public Py_ssize_t start
    cdef public Py_ssize_t end

    def __init__(self):
        self.buffer = bytearray()
        self.start = 0
        self.end = 0

    def __len__(self):
        return self.end - self.start

    def reserve(self, Py_ssize_t n):
        """Make room for ``n`` more bytes after ``end``; return ``end``."""
        cdef Py_ssize_t size = PyByteArray_GET_SIZE(self.buffer)
        cdef Py_ssize_t used, need, new
        cdef char* p
        if n < 0:
            raise ValueError("negative size")
        if size - self.end >= n:
            return self.end
        if size == 0 and _POOL:
            self.buffer = _POOL.pop()  # no GIL release between the test and the pop
            size = PyByteArray_GET_SIZE(self.buffer)
            if size >= n:
                return 0
        used = self.end - self.start
        if self.start:
            p = PyByteArray_AS_STRING(self.buffer)
            memmove(p, p + self.start, used)
            self.start = 0
            self.end = used
        need = used + n
        if size < need:
            new = max(need, 2 * size, _MIN_BUFFER)
            PyByteArray_Resize(self.buffer, new)
        return self.end

    def commit(self, Py_ssize_t n):
        """``n`` bytes were written in place after ``end``."""
        if n < 0 or self.end + n > PyByteArray_GET_SIZE(self.buffer):
            raise ValueError("commit beyond reserved space")
        self.end += n

    def feed(self, data):
        cdef const uint8_t[::1] src
        cdef Py_ssize_t n = len(data)
        if not n:
            return
        src = memoryview(data).cast("B")
        self.reserve(n)
        memcpy(PyByteArray_AS_STRING(self.buffer) + self.end, &src[0], n)
        self.end += n

    def consume(self, Py_ssize_t n):
        if n < 0 or n > self.end - self.start:
            raise ValueError("consume beyond buffered data")
        self.start += n
        if self.start == self.end:
            self.start = self.end = 0

    def consume_to(self, Py_ssize_t pos):
        self.consume(pos - self.start)

    def take(self, Py_ssize_t n=-1):
        """Remove and return up to ``n`` bytes (all when ``n`` < 0)."""
        cdef Py_ssize_t avail = self.end - self.start
        if n < 0 or n > avail:
            n = avail
        data = PyByteArray_AS_STRING(self.buffer)[self.start:self.start + n]
        self.consume(n)
        return data

    def view(self):
        return memoryview(self.buffer)[self.start:self.end]

    def release(self):
        """Give the memory back when nothing is buffered (idle connections)."""
        cdef bytearray buf
        if self.start == self.end:
            buf = self.buffer
            self.start = self.end = 0
            # A live view (a recv_into in progress, a caller's view()) keeps the
            # buffer here: dropping or pooling it would lose or share its bytes.
            if (<PyByteArrayObject*>buf).ob_exports > 0:
                return
            if PyByteArray_GET_SIZE(buf):
                self.buffer = bytearray()
                if PyByteArray_GET_SIZE(buf) <= POOL_MAX_BUFFER and len(_POOL) < POOL_SIZE:
                    _POOL.append(buf)

    def next_record(self, expected_version=0, max_length=MAX_CIPHERTEXT_TLS12):
        """Remove the next complete record and return ``(content_type, version, payload)``,
        or ``None`` when the header or the body is not all here yet."""
        if self.end - self.start < 5:
            return None
        hdr = _parse(self.buffer, self.start, expected_version, max_length, self.end)
        cdef Py_ssize_t length = hdr[2]
        cdef Py_ssize_t body = self.start + 5
        if self.end - body < length:
            return None
        payload = PyByteArray_AS_STRING(self.buffer)[body:body + length]
        self.consume(5 + length)
        return hdr[0], hdr[1], payload

    def peek_header(self, expected_version=0, max_length=MAX_CIPHERTEXT_TLS12):
        """The next record's header (validated) without consuming it, or ``None``."""
        if self.end - self.start < 5:
            return None
        return _parse(self.buffer, self.start, expected_version, max_length, self.end)

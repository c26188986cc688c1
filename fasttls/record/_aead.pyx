# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The AEAD hot loop, the compiled twin of ``aead.py`` (same names, same bytes).

The loop over records runs in C: headers, nonces and additional data are
written in place, and the ``cryptography`` AEAD's ``encrypt_into`` /
``decrypt_into`` is handed reusable buffer objects (``_Window``) that point
into the caller's buffers, so a record costs no new Python object.  See
``aead.py`` for the rules and their RFC sections.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint64_t
from libc.string cimport memcpy
from libc.stdlib cimport malloc, free
from libc.string cimport strerror
from cpython.exc cimport PyErr_CheckSignals
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE, PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.object cimport PyObject

cdef extern from "Python.h":
    PyObject* PyDict_GetItemWithError(object d, object key) except? NULL  # borrowed

from fasttls.record._common cimport load_be16, store_be16, store_be64, write_header, xor_nonce_into, FASTTLS_MAX_SEQUENCE, FASTTLS_SOURCE_DIGEST

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from ..constants import AlertDescription
from ..errors import TLSError, fresh_copy, oversized_record, wrong_record_version
from . import capabilities as _capabilities

#: The digest of the source this module was compiled from (see sources.py).
SOURCE_DIGEST = FASTTLS_SOURCE_DIGEST.decode("ascii")

__all__ = [
    "MAX_EMPTY_RECORDS",
    "CIPHER_AES_GCM",
    "CIPHER_CHACHA20_POLY1305",
    "TLS12",
    "TLS13",
    "TAG_SIZE",
    "STOP_NEED_MORE",
    "STOP_RECORD",
    "STOP_UNPROTECTED",
    "STOP_OUT_FULL",
    "STOP_FAILED",
    "RecordSealer",
    "RecordOpener",
    "RecordWriter",
    "WRITER_MAX",
]


# See aead.py.
MAX_EMPTY_RECORDS = 32
WRITER_MAX = 256 * 1024

CIPHER_AES_GCM = 1
CIPHER_CHACHA20_POLY1305 = 2

TLS12 = 0x0303
TLS13 = 0x0304

TAG_SIZE = 16

STOP_NEED_MORE = 0
STOP_RECORD = 1
STOP_UNPROTECTED = 2
STOP_OUT_FULL = 3
STOP_FAILED = 4  # see aead.STOP_FAILED

cdef enum:
    STAGE_MIN = 4096  # the staging buffer grows in powers of two to this, then to a full record
    C_STOP_NEED_MORE = 0
    C_STOP_RECORD = 1
    C_STOP_UNPROTECTED = 2
    C_STOP_OUT_FULL = 3
    C_STOP_FAILED = 4
    C_MAX_PLAINTEXT = 16384
    C_MAX_CT13 = 16384 + 256
    C_MAX_CT12 = 16384 + 2048

cdef char* _FORMAT_B = "B"

cdef extern from "<errno.h>" nogil:
    int errno
    enum:
        EAGAIN
        EWOULDBLOCK
        EINTR

cdef extern from "<sys/socket.h>" nogil:
    ssize_t send(int fd, const void* buf, size_t n, int flags)
    int MSG_NOSIGNAL

cdef extern from "<poll.h>" nogil:
    struct pollfd:
        int fd
        short events
        short revents
    int poll(pollfd* fds, unsigned long nfds, int timeout)
    short POLLOUT


cdef class _Window:
    """A buffer object over memory the caller already holds (a Py_buffer we
    acquired), re-pointed for every record instead of slicing a memoryview."""

    cdef char* ptr
    cdef Py_ssize_t size
    cdef Py_ssize_t stride

    def __cinit__(self):
        self.ptr = NULL
        self.size = 0
        self.stride = 1

    cdef inline void set(self, void* ptr, Py_ssize_t size) noexcept:
        self.ptr = <char*>ptr
        self.size = size

    def __getbuffer__(self, Py_buffer* view, int flags):
        view.buf = self.ptr
        view.obj = self
        view.len = self.size
        view.readonly = 0
        view.itemsize = 1
        view.format = _FORMAT_B if (flags & PyBUF_FORMAT) else NULL
        view.ndim = 1
        view.shape = &self.size if (flags & PyBUF_ND) else NULL
        view.strides = &self.stride if (flags & PyBUF_STRIDES) == PyBUF_STRIDES else NULL
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer* view):
        pass


cdef object _make_aead(int cipher, key):
    if cipher == CIPHER_AES_GCM:
        return AESGCM(key)
    if cipher == CIPHER_CHACHA20_POLY1305:
        return ChaCha20Poly1305(key)
    raise ValueError(f"unknown AEAD cipher {cipher}")


cdef int _check_fragment(Py_ssize_t max_fragment) except -1:
    if max_fragment < 1 or max_fragment > C_MAX_PLAINTEXT:
        raise ValueError(f"max_fragment must be in 1..{C_MAX_PLAINTEXT}, not {max_fragment}")
    return 0


cdef object _seq_exhausted():
    return TLSError(AlertDescription.internal_error, "record sequence number exhausted; the connection must be rekeyed or closed")


cdef class _Protection:
    """Key, IV, nonce scheme and sequence number shared by the sealer and the opener."""

    cdef readonly int cipher
    cdef readonly int version
    cdef readonly int overhead
    cdef object _aead
    cdef object _call  # the bound encrypt_into / decrypt_into
    cdef bint _tls13
    cdef bint _explicit
    cdef uint8_t _iv[12]
    cdef uint64_t _seq
    cdef bytearray _nonce
    cdef bytearray _aad
    cdef uint8_t* _nonce_p
    cdef uint8_t* _aad_p
    cdef _Window _win_aad
    cdef _Window _win_in
    cdef _Window _win_out
    cdef public Py_ssize_t empty_run
    cdef public Py_ssize_t empty_records
    cdef public Py_ssize_t max_empty_records

    def __init__(self, cipher, key, iv, version, seq=0):
        if version != TLS12 and version != TLS13:
            raise ValueError(f"unsupported record protection version 0x{version:04x}")
        self._aead = _make_aead(cipher, bytes(key))
        self.empty_run = 0
        self.empty_records = 0  # every empty application-data record (see aead.py)
        self.max_empty_records = MAX_EMPTY_RECORDS
        self.cipher = cipher
        self.version = version
        self._tls13 = version == TLS13
        self._explicit = version == TLS12 and cipher == CIPHER_AES_GCM
        iv = bytes(iv)
        if self._explicit:
            if len(iv) != 4:
                raise ValueError("TLS 1.2 AES-GCM needs a 4-byte implicit salt")
            memcpy(self._iv, <const char*>iv, 4)
        else:
            if len(iv) != 12:
                raise ValueError("the IV must be 12 bytes")
            memcpy(self._iv, <const char*>iv, 12)
        self.overhead = 5 + 16 + (1 if self._tls13 else 0) + (8 if self._explicit else 0)
        self._nonce = bytearray(12)
        self._aad = bytearray(13)
        self._nonce_p = <uint8_t*>PyByteArray_AS_STRING(self._nonce)
        self._aad_p = <uint8_t*>PyByteArray_AS_STRING(self._aad)
        self._win_aad = _Window()
        self._win_in = _Window()
        self._win_out = _Window()
        self.seq = seq

    @property
    def seq(self):
        """The sequence number of the next record."""
        return self._seq

    @seq.setter
    def seq(self, value):
        if value < 0 or value > (1 << 64) - 1:
            raise ValueError("sequence number out of range")
        self._seq = value

    def sealed_length(self, length, max_fragment=16384):
        """Bytes ``seal_into`` writes for ``length`` bytes of data."""
        _check_fragment(max_fragment)
        nrec = 1 if length <= 0 else (length + max_fragment - 1) // max_fragment
        return length + nrec * self.overhead

    cdef inline void _nonce_for(self, uint64_t seq) noexcept:
        cdef int i
        if self._explicit:
            for i in range(4):
                self._nonce_p[i] = self._iv[i]
            store_be64(self._nonce_p + 4, seq)
        else:
            xor_nonce_into(self._nonce_p, self._iv, seq)


cdef class RecordSealer(_Protection):
    """Protects outgoing records for one direction and one key."""

    cdef bytearray _stage  # TLS 1.3 inner plaintexts are staged here (see _stage_fit)
    cdef uint8_t* _stage_p
    cdef Py_ssize_t _stage_cap
    cdef bint _in_place  # a small TLS 1.3 record may be sealed in place (see capabilities)

    def __init__(self, cipher, key, iv, version, seq=0):
        _Protection.__init__(self, cipher, key, iv, version, seq)
        self._call = self._aead.encrypt_into
        self._stage = None
        self._stage_p = NULL
        self._stage_cap = 0
        self._in_place = _capabilities.ENCRYPT_INTO_IN_PLACE

    cdef int _stage_fit(self, Py_ssize_t need) except -1:
        """Make the staging buffer hold ``need`` bytes (an inner plaintext: the data, then
        the content type), to seal from out of place.  A record of STAGE_MIN bytes or more
        is: from one buffer in the L1 cache that costs less than copying into the record
        and sealing in place (the copy's lines are written twice).  A smaller one too where
        cryptography refuses to seal in place (51 and later, see capabilities).  Grown in
        steps, powers of two from 256 bytes and then a full record's, so a connection that
        only ever sends small records holds a small one, or none."""
        cdef Py_ssize_t size = 256
        if need > STAGE_MIN:
            size = C_MAX_PLAINTEXT + 1
        else:
            while size < need:
                size <<= 1
        self._stage = bytearray(size)
        self._stage_p = <uint8_t*>PyByteArray_AS_STRING(self._stage)
        self._stage_cap = size
        return 0

    def seal_into(self, out, offset, content_type, data, max_fragment=16384):
        """Write ``data`` as protected records of ``content_type`` into ``out``
        at ``offset``; return the offset after the last record."""
        cdef Py_buffer ob
        cdef Py_buffer db
        cdef Py_ssize_t frag = max_fragment
        cdef Py_ssize_t off = offset
        cdef uint8_t ctype = content_type
        _check_fragment(frag)
        PyObject_GetBuffer(out, &ob, PyBUF_WRITABLE)
        try:
            PyObject_GetBuffer(data, &db, PyBUF_SIMPLE)
            try:
                return self._seal(<uint8_t*>ob.buf, ob.len, off, ctype, <const uint8_t*>db.buf, db.len, frag)
            finally:
                PyBuffer_Release(&db)
        finally:
            PyBuffer_Release(&ob)

    def seal(self, content_type, data, max_fragment=16384):
        """``data`` as protected records of ``content_type``, returned as one new
        ``bytes`` object sealed in place (no buffer to reserve, no copy out):
        the write path's one call per application write."""
        cdef Py_buffer db
        cdef Py_ssize_t frag = max_fragment
        cdef Py_ssize_t n, nrec, total
        cdef uint8_t ctype = content_type
        cdef bytes out
        _check_fragment(frag)
        PyObject_GetBuffer(data, &db, PyBUF_SIMPLE)
        try:
            n = db.len
            nrec = 1 if n <= 0 else (n + frag - 1) // frag
            total = n + nrec * self.overhead
            out = PyBytes_FromStringAndSize(NULL, total)
            self._seal(<uint8_t*>PyBytes_AS_STRING(out), total, 0, ctype, <const uint8_t*>db.buf, n, frag)
            return out
        finally:
            PyBuffer_Release(&db)

    cdef Py_ssize_t _seal(self, uint8_t* o, Py_ssize_t cap, Py_ssize_t off, uint8_t ctype,
                          const uint8_t* src, Py_ssize_t n, Py_ssize_t frag) except -1:
        cdef Py_ssize_t nrec = 1 if n <= 0 else (n + frag - 1) // frag
        cdef Py_ssize_t end = off + n + nrec * self.overhead
        cdef Py_ssize_t done = 0, m, clen
        cdef uint8_t* p
        cdef uint64_t seq = self._seq
        cdef object call = self._call
        cdef object nonce = self._nonce
        cdef object aad = self._aad
        cdef _Window win_aad = self._win_aad
        cdef _Window win_in = self._win_in
        cdef _Window win_out = self._win_out
        if off < 0 or end > cap:
            raise ValueError("output buffer too small")
        if <uint64_t>nrec > FASTTLS_MAX_SEQUENCE - seq:
            raise _seq_exhausted()
        p = o + off
        try:
            if self._tls13:
                while True:
                    m = n - done
                    if m > frag:
                        m = frag
                    clen = m + 17
                    write_header(p, 23, 0x0303, <uint16_t>clen)
                    if m < STAGE_MIN and self._in_place:
                        if m:
                            memcpy(p + 5, src + done, m)
                        p[5 + m] = ctype
                        win_in.set(p + 5, m + 1)
                    else:
                        if m >= self._stage_cap:
                            self._stage_fit(m + 1)
                        if m:
                            memcpy(self._stage_p, src + done, m)
                        self._stage_p[m] = ctype
                        win_in.set(self._stage_p, m + 1)
                    xor_nonce_into(self._nonce_p, self._iv, seq)
                    win_aad.set(p, 5)
                    win_out.set(p + 5, clen)
                    call(nonce, win_in, win_aad, win_out)
                    seq += 1
                    done += m
                    p += 5 + clen
                    if done >= n:
                        break
            else:
                while True:
                    m = n - done
                    if m > frag:
                        m = frag
                    store_be64(self._aad_p, seq)
                    self._aad_p[8] = ctype
                    self._aad_p[9] = 3
                    self._aad_p[10] = 3
                    store_be16(self._aad_p + 11, <uint16_t>m)
                    self._nonce_for(seq)
                    win_in.set(<void*>(src + done), m)
                    if self._explicit:
                        write_header(p, ctype, 0x0303, <uint16_t>(m + 24))
                        store_be64(p + 5, seq)
                        win_out.set(p + 13, m + 16)
                        clen = m + 24
                    else:
                        write_header(p, ctype, 0x0303, <uint16_t>(m + 16))
                        win_out.set(p + 5, m + 16)
                        clen = m + 16
                    call(nonce, win_in, aad, win_out)
                    seq += 1
                    done += m
                    p += 5 + clen
                    if done >= n:
                        break
        finally:
            self._seq = seq
        return p - o


cdef class RecordOpener(_Protection):
    """Opens incoming protected records for one direction and one key."""

    cdef object _failed  # see aead.STOP_FAILED

    def __init__(self, cipher, key, iv, version, seq=0):
        _Protection.__init__(self, cipher, key, iv, version, seq)
        self._call = self._aead.decrypt_into

    cdef object _fail(self, exc, Py_ssize_t pos, Py_ssize_t opos):
        """STOP_FAILED: the application data opened before the failing record goes first;
        the next call raises ``exc``."""
        self._failed = fresh_copy(exc)
        return pos, opos, C_STOP_FAILED, 0, opos

    cdef int _empty_record(self) except -1:
        self.empty_records += 1
        self.empty_run += 1
        if self.empty_run > self.max_empty_records:
            raise TLSError(AlertDescription.unexpected_message, f"more than {self.max_empty_records} consecutive empty records")
        return 0

    def open_records(self, data, start, end, out, out_offset):
        """Open the complete records in ``data[start:end]``; see ``aead.RecordOpener``.

        Returns ``(pos, app_end, stop, content_type, record_end)``."""
        cdef Py_buffer ib
        cdef Py_buffer ob
        cdef Py_ssize_t s = start, e = end, oo = out_offset
        if self._failed is not None:
            raise fresh_copy(self._failed)
        PyObject_GetBuffer(data, &ib, PyBUF_SIMPLE)
        try:
            if s < 0 or e > ib.len or s > e:
                raise ValueError("offsets out of range")
            PyObject_GetBuffer(out, &ob, PyBUF_WRITABLE)
            try:
                if oo < 0 or oo > ob.len:
                    raise ValueError("offsets out of range")
                if self._tls13:
                    return self._open13(<const uint8_t*>ib.buf, s, e, <uint8_t*>ob.buf, ob.len, oo)
                return self._open12(<const uint8_t*>ib.buf, s, e, <uint8_t*>ob.buf, ob.len, oo)
            finally:
                PyBuffer_Release(&ob)
        finally:
            PyBuffer_Release(&ib)

    cdef object _open13(self, const uint8_t* d, Py_ssize_t pos, Py_ssize_t end, uint8_t* o, Py_ssize_t cap, Py_ssize_t opos):
        cdef const uint8_t* h
        cdef Py_ssize_t length, plen, i
        cdef uint8_t itype
        cdef uint64_t seq = self._seq
        cdef object call = self._call
        cdef object nonce = self._nonce
        cdef _Window win_aad = self._win_aad
        cdef _Window win_in = self._win_in
        cdef _Window win_out = self._win_out
        cdef Py_ssize_t opos0 = opos
        try:
            while end - pos >= 5:
                h = d + pos
                # OpenSSL's order for TLS 1.3 (as aead._check_header13): the major version,
                # the content type, then the rest of the version.
                if h[1] != 3:
                    raise wrong_record_version(load_be16(h + 1), 0x0303)
                if h[0] != 23:
                    if 20 <= h[0] <= 22:
                        return pos, opos, C_STOP_UNPROTECTED, h[0], opos
                    raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {h[0]}")
                if h[2] != 3:
                    raise wrong_record_version(load_be16(h + 1), 0x0303)
                length = load_be16(h + 3)
                if length > C_MAX_CT13:
                    raise oversized_record(length, C_MAX_CT13, protected=True)
                if length < 17:
                    raise TLSError(AlertDescription.bad_record_mac, "record too short to be protected")
                if end - pos - 5 < length:
                    break
                plen = length - 16
                if cap - opos < plen:
                    return pos, opos, C_STOP_OUT_FULL, 0, opos
                if seq >= FASTTLS_MAX_SEQUENCE:
                    raise _seq_exhausted()
                xor_nonce_into(self._nonce_p, self._iv, seq)
                win_aad.set(<void*>h, 5)
                win_in.set(<void*>(h + 5), length)
                win_out.set(o + opos, plen)
                call(nonce, win_in, win_aad, win_out)
                seq += 1
                pos += 5 + length
                i = opos + plen - 1
                while i >= opos and o[i] == 0:
                    i -= 1
                if i < opos:
                    raise TLSError(AlertDescription.unexpected_message, "TLS 1.3 record with no non-zero content type")
                if i - opos > C_MAX_PLAINTEXT:
                    raise TLSError(AlertDescription.record_overflow, "data length too long: record plaintext exceeds 2^14 bytes", openssl_reason="DATA_LENGTH_TOO_LONG")
                itype = o[i]
                if itype == 23:
                    if i == opos:
                        self._empty_record()
                    else:
                        self.empty_run = 0
                    opos = i
                    continue
                if itype < 21 or itype > 23:
                    raise TLSError(AlertDescription.unexpected_message, f"protected record with content type {itype}")
                self.empty_run = 0
                return pos, opos, C_STOP_RECORD, itype, i
            return pos, opos, C_STOP_NEED_MORE, 0, opos
        except InvalidTag:
            if opos > opos0:
                return self._fail(TLSError(AlertDescription.bad_record_mac, "record authentication failed"), pos, opos)
            raise TLSError(AlertDescription.bad_record_mac, "record authentication failed") from None
        except TLSError as exc:
            if opos > opos0:
                return self._fail(exc, pos, opos)
            raise
        finally:
            self._seq = seq

    cdef object _open12(self, const uint8_t* d, Py_ssize_t pos, Py_ssize_t end, uint8_t* o, Py_ssize_t cap, Py_ssize_t opos):
        cdef const uint8_t* h
        cdef Py_ssize_t length, plen, minlen = 24 if self._explicit else 16
        cdef uint8_t ctype
        cdef int i
        cdef uint64_t seq = self._seq
        cdef object call = self._call
        cdef object nonce = self._nonce
        cdef object aad = self._aad
        cdef _Window win_in = self._win_in
        cdef _Window win_out = self._win_out
        cdef Py_ssize_t opos0 = opos
        try:
            while end - pos >= 5:
                h = d + pos
                ctype = h[0]
                if h[1] != 3 or h[2] != 3:
                    raise wrong_record_version(load_be16(h + 1), 0x0303)
                if ctype < 20 or ctype > 23:
                    raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {ctype}")
                length = load_be16(h + 3)
                if length > C_MAX_CT12:
                    raise oversized_record(length, C_MAX_CT12, protected=True)
                if length < minlen:
                    raise TLSError(AlertDescription.bad_record_mac, "record too short to be protected")
                plen = length - minlen
                if plen > C_MAX_PLAINTEXT:
                    # Its plaintext is over 2^14: OpenSSL's reason once decrypted.
                    raise oversized_record(length, C_MAX_PLAINTEXT + minlen)
                if end - pos - 5 < length:
                    break
                if cap - opos < plen:
                    return pos, opos, C_STOP_OUT_FULL, 0, opos
                if seq >= FASTTLS_MAX_SEQUENCE:
                    raise _seq_exhausted()
                store_be64(self._aad_p, seq)
                self._aad_p[8] = ctype
                self._aad_p[9] = 3
                self._aad_p[10] = 3
                store_be16(self._aad_p + 11, <uint16_t>plen)
                if self._explicit:
                    for i in range(4):
                        self._nonce_p[i] = self._iv[i]
                    memcpy(self._nonce_p + 4, h + 5, 8)
                    win_in.set(<void*>(h + 13), length - 8)
                else:
                    xor_nonce_into(self._nonce_p, self._iv, seq)
                    win_in.set(<void*>(h + 5), length)
                win_out.set(o + opos, plen)
                call(nonce, win_in, aad, win_out)
                seq += 1
                pos += 5 + length
                if ctype == 23:
                    if plen:
                        self.empty_run = 0
                    else:
                        self._empty_record()
                    opos += plen
                    continue
                self.empty_run = 0
                return pos, opos, C_STOP_RECORD, ctype, opos + plen
            return pos, opos, C_STOP_NEED_MORE, 0, opos
        except InvalidTag:
            if opos > opos0:
                return self._fail(TLSError(AlertDescription.bad_record_mac, "record authentication failed"), pos, opos)
            raise TLSError(AlertDescription.bad_record_mac, "record authentication failed") from None
        except TLSError as exc:
            if opos > opos0:
                return self._fail(exc, pos, opos)
            raise
        finally:
            self._seq = seq


cdef enum:
    C_WRITER_MAX = 256 * 1024
    C_WRITER_KEEP = 64 * 1024  # a larger buffer is freed after its write (idle connections stay small)


cdef inline bint _would_block(int err) noexcept nogil:
    if err == EAGAIN:
        return True
    return err == EWOULDBLOCK  # the same value on Linux, not everywhere


cdef double _now() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


cdef inline bint _field_is(object d, object key, object expected) except -1:
    """``d[key] is expected`` for an instance dict ``d`` (False when the key is missing)."""
    cdef PyObject* v = PyDict_GetItemWithError(d, key)
    return v != NULL and <object>v is expected


cdef class RecordWriter:
    """A socket's steady-state application write (issue 6): the compiled twin
    of ``aead.RecordWriter``.

    One call takes the socket's send lock and the connection's lock, checks
    that the connection is in the state where ``Connection.send_and_take``
    seals straight away (handshake complete, no error, not closed, no tracer,
    nothing queued, keys far from their usage limit), seals the write into
    this writer's reusable buffer, releases the connection's lock and sends
    the records with ``send(2)``, polling for the socket's timeout; all of it
    in C.  Returns -1, having done nothing, when the connection is not in
    that state (or the write is larger than :data:`WRITER_MAX`): the caller
    then takes the general path.  Returns 0 when everything was sent (an
    empty write sends nothing, as with ``ssl``), 1 when also something was
    queued meanwhile by a reader (a KeyUpdate answer) for the caller to flush.  A timeout, a socket error or a signal handler's
    exception propagates; the records may then be partly sent.
    """

    cdef readonly int fd
    cdef object _send_acquire
    cdef object _send_release
    cdef object _conn_acquire
    cdef object _conn_release
    cdef uint8_t* _buf
    cdef Py_ssize_t _cap

    def __init__(self, fd, send_lock, conn_lock):
        self.fd = fd
        self._send_acquire = send_lock.acquire
        self._send_release = send_lock.release
        self._conn_acquire = conn_lock.acquire
        self._conn_release = conn_lock.release

    def __dealloc__(self):
        free(self._buf)
        self._buf = NULL

    cdef object _write_half(self, conn):
        """``Connection.direct_sealer``'s connection-level checks read in C: the
        connection's write half when they pass, else None.  They are plain instance
        attributes, read straight from the instance dict: a dict lookup per field
        costs about a third of a generic attribute lookup, and this runs per write."""
        cdef PyObject* v
        if conn is None:
            return None
        d = conn.__dict__
        if not (_field_is(d, "_error", None) and _field_is(d, "handshake_complete", True)
                and _field_is(d, "closed", False) and _field_is(d, "_trace", None)):
            return None
        v = PyDict_GetItemWithError(d, "_write")
        return None if v == NULL else <object>v

    cdef RecordSealer _sealer(self, w):
        """The rest of ``Connection.direct_sealer`` (the same fields, without a Python
        call) for the write half ``w``: its sealer when it is this twin's; else None."""
        if len(w.buffer):
            return None
        prot = w._prot
        if type(prot) is not RecordSealer:
            return None  # unprotected, or the pure-Python twin's sealer
        if (<RecordSealer>prot)._seq >= <uint64_t>w.soft_limit:
            return None
        return <RecordSealer>prot

    def write(self, conn, data, timeout):
        cdef Py_buffer db
        cdef RecordSealer prot
        cdef Py_ssize_t frag, n, nrec, total, end
        cdef uint8_t* out
        cdef double t = -1.0 if timeout is None else timeout
        if t == 0.0:
            return -1  # a non-blocking socket: the caller's SSLWantWriteError logic
        try:
            PyObject_GetBuffer(data, &db, PyBUF_SIMPLE)
        except (BufferError, TypeError, ValueError):
            # Not a contiguous buffer (numpy says ValueError): the general path copes or
            # says why, as the pure twin's does.
            return -1
        try:
            n = db.len
            if n > C_WRITER_MAX:
                return -1
            if n == 0:
                return 0  # as ssl: an empty write sends nothing (no empty record)
            self._send_acquire()
            try:
                self._conn_acquire()
                try:
                    w = self._write_half(conn)
                    if w is None:
                        return -1
                    prot = self._sealer(w)
                    if prot is None:
                        return -1
                    frag = w.max_fragment
                    _check_fragment(frag)
                    nrec = 1 if n <= 0 else (n + frag - 1) // frag
                    total = n + nrec * prot.overhead
                    if total > self._cap:
                        free(self._buf)
                        self._buf = NULL
                        self._cap = 0
                        self._buf = <uint8_t*>malloc(total)
                        if self._buf == NULL:
                            raise MemoryError()
                        self._cap = total
                    try:
                        end = prot._seal(self._buf, self._cap, 0, 23, <const uint8_t*>db.buf, n, frag)
                    except TLSError as exc:
                        conn._fail(exc)
                        raise
                finally:
                    self._conn_release()
                try:
                    self._send_all(end, t)
                finally:
                    if self._cap > C_WRITER_KEEP:
                        free(self._buf)
                        self._buf = NULL
                        self._cap = 0
            finally:
                self._send_release()
            return 1 if len(w.buffer) else 0
        finally:
            PyBuffer_Release(&db)

    cdef int _send_all(self, Py_ssize_t n, double timeout) except -1:
        cdef const uint8_t* p = self._buf
        cdef ssize_t k
        cdef int err = 0, r, ms
        cdef int fd = self.fd
        cdef double deadline = _now() + timeout if timeout > 0 else 0.0
        cdef double left
        cdef pollfd pfd
        while n > 0:
            with nogil:
                k = send(fd, p, n, MSG_NOSIGNAL)
                if k < 0:
                    err = errno
            if k >= 0:
                p += k
                n -= k
                continue
            if err == EINTR:
                if PyErr_CheckSignals() < 0:
                    return -1
                continue
            if not _would_block(err):
                raise OSError(err, strerror(err).decode())  # the errno's subclass (BrokenPipeError...)
            # The socket buffer is full (the fd is non-blocking when the socket has a timeout).
            while True:
                if timeout > 0:
                    left = deadline - _now()
                    if left <= 0:
                        raise TimeoutError("The write operation timed out")
                    ms = <int>(left * 1000) + 1
                else:
                    ms = -1
                pfd.fd = fd
                pfd.events = POLLOUT
                pfd.revents = 0
                with nogil:
                    r = poll(&pfd, 1, ms)
                    if r < 0:
                        err = errno
                if r > 0:
                    break
                if r < 0:
                    if err == EINTR:
                        if PyErr_CheckSignals() < 0:
                            return -1
                        continue
                    raise OSError(err, strerror(err).decode())
        return 0

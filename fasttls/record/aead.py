"""The AEAD hot loop, the pure-Python twin of ``_aead.pyx`` (same names, same bytes).

A :class:`RecordSealer` protects a whole application write (many records) in
one call, writing headers, ciphertexts and tags into one caller-provided
buffer; a :class:`RecordOpener` opens every complete record in a receive
buffer in one call, writing plaintexts contiguously into an output buffer.
The ``cryptography`` AEAD object is built once per key; every record goes
through its ``encrypt_into``/``decrypt_into``.

Additional data: the record header for TLS 1.3 (RFC 8446 section 5.2);
``seq || type || version || plaintext length`` for TLS 1.2 (RFC 5246
section 6.2.3.3).  Nonces as in :mod:`.nonce`.
"""

from __future__ import annotations

import os
import select
import time
from collections import deque
from functools import partial

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from ..constants import AlertDescription
from ..errors import TLSError, fresh_copy, oversized_record, wrong_record_version
from .framing import APPLICATION_DATA as _APPLICATION_DATA
from .framing import CHANGE_CIPHER_SPEC as _CHANGE_CIPHER_SPEC
from .framing import HEADER_SIZE as _HEADER_SIZE
from .framing import MAX_CIPHERTEXT_TLS12 as _MAX_CIPHERTEXT_TLS12
from .framing import MAX_CIPHERTEXT_TLS13 as _MAX_CIPHERTEXT_TLS13
from .framing import MAX_PLAINTEXT as _MAX_PLAINTEXT
from .framing import _check_fragment
from . import capabilities as _capabilities
from .nonce import MAX_SEQUENCE as _MAX_SEQUENCE
from .nonce import check_sequence

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

CIPHER_AES_GCM = 1
CIPHER_CHACHA20_POLY1305 = 2

TLS12 = 0x0303
TLS13 = 0x0304

TAG_SIZE = 16

#: ``open_records`` stop reasons.
STOP_NEED_MORE = 0  #: no complete record left in the input
STOP_RECORD = 1  #: a record that is not application data was opened (handshake, alert...)
STOP_UNPROTECTED = 2  #: TLS 1.3: the next record is not protected (ChangeCipherSpec, plaintext alert)
STOP_OUT_FULL = 3  #: the next record's plaintext does not fit in the output buffer
#: A record failed after application data was opened in the same call: that data is
#: returned first (as OpenSSL's SSL_read returns it before the error), and the next
#: call raises the record's error.
STOP_FAILED = 4

_HDR13 = b"\x17\x03\x03"
_HDR13_FULL = _HDR13 + (_MAX_PLAINTEXT + 17).to_bytes(2, "big")  # a full record's header
# A TLS 1.3 protected record header as a 40-bit number: application_data,
# 0x0303, and a length from 17 (an empty record) to 2^14 + 17 (no padding).
_H13_MIN = 0x1703030000 + 17
_H13_MAX = 0x1703030000 + _MAX_PLAINTEXT + 17


_drain = partial(deque, maxlen=0)  # runs an iterator to its end in C


def _byte_view(data) -> memoryview:
    """``data``'s bytes as a one-dimensional view: lengths count bytes, whatever the
    item type, as the compiled twin's ``PyBUF_SIMPLE`` buffers do."""
    src = memoryview(data)
    if src.ndim != 1 or src.format != "B":
        return src.cast("B")
    if not src.c_contiguous:
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    return src


def _make_aead(cipher: int, key: bytes):
    if cipher == CIPHER_AES_GCM:
        return AESGCM(key)
    if cipher == CIPHER_CHACHA20_POLY1305:
        return ChaCha20Poly1305(key)
    raise ValueError(f"unknown AEAD cipher {cipher}")


class _Unprotected(Exception):
    """Internal: a TLS 1.3 record that is not protected (ChangeCipherSpec, plaintext alert)."""


def _check_header13(h: int) -> None:
    """The slow path of a TLS 1.3 protected record header (``h`` is its 40 bits).

    Raises what is wrong with it, signals an unprotected record, or returns
    for a legal record longer than the fast path allows (padding).
    """
    ctype = h >> 32
    version = (h >> 16) & 0xFFFF
    length = h & 0xFFFF
    # OpenSSL's order for TLS 1.3: the major version (plain text: not TLS), the content
    # type, then the rest of the version.
    if version >> 8 != 3:
        raise wrong_record_version(version, 0x0303)
    if ctype != _APPLICATION_DATA:
        if _CHANGE_CIPHER_SPEC <= ctype < _APPLICATION_DATA:
            raise _Unprotected(ctype)
        raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {ctype}")
    if version != 0x0303:
        raise wrong_record_version(version, 0x0303)
    if length > _MAX_CIPHERTEXT_TLS13:
        raise oversized_record(length, _MAX_CIPHERTEXT_TLS13, protected=True)
    if length < 17:
        raise TLSError(AlertDescription.bad_record_mac, "record too short to be protected")


def _check_header12(h: int, minlen: int) -> None:
    """The slow path of a TLS 1.2 protected record header: raise what is wrong."""
    ctype = h >> 32
    version = (h >> 16) & 0xFFFF
    length = h & 0xFFFF
    if version != 0x0303:
        raise wrong_record_version(version, 0x0303)
    if ctype < _CHANGE_CIPHER_SPEC or ctype > _APPLICATION_DATA:
        raise TLSError(AlertDescription.unexpected_message, f"record with unknown content type {ctype}")
    if length > _MAX_CIPHERTEXT_TLS12:
        raise oversized_record(length, _MAX_CIPHERTEXT_TLS12, protected=True)
    if length < minlen:
        raise TLSError(AlertDescription.bad_record_mac, "record too short to be protected")
    if length > _MAX_PLAINTEXT + minlen:
        # Its plaintext is over 2^14: OpenSSL's reason once decrypted (RFC 5246 6.2.3).
        raise oversized_record(length, _MAX_PLAINTEXT + minlen)


def _inner_type13(out, om, start: int, last: int):
    """The slow path of a TLS 1.3 inner plaintext ``out[start:last + 1]``:
    strip zero padding, check the content type and the 2^14 limit.
    Returns ``(content_type, content_end)``."""
    itype = out[last]
    if not itype:
        stripped = bytes(om[start : last + 1]).rstrip(b"\x00")
        if not stripped:
            raise TLSError(AlertDescription.unexpected_message, "TLS 1.3 record with no non-zero content type")
        last = start + len(stripped) - 1
        itype = out[last]
    if last - start > _MAX_PLAINTEXT:
        raise TLSError(AlertDescription.record_overflow, "data length too long: record plaintext exceeds 2^14 bytes", openssl_reason="DATA_LENGTH_TOO_LONG")
    if itype < _CHANGE_CIPHER_SPEC + 1 or itype > _APPLICATION_DATA:
        raise TLSError(AlertDescription.unexpected_message, f"protected record with content type {itype}")
    return itype, last



#: Default bound on consecutive empty application-data records (Go allows 16
#: "useless" records; Config.max_empty_records overrides it per connection).
MAX_EMPTY_RECORDS = 32

class _Protection:
    """Key, IV, nonce scheme and sequence number shared by the sealer and the opener."""

    __slots__ = ("cipher", "version", "_aead", "_iv", "_iv_int", "_salt", "_explicit", "_seq", "overhead", "empty_run", "empty_records", "max_empty_records")

    def __init__(self, cipher: int, key: bytes, iv: bytes, version: int, seq: int = 0) -> None:
        if version not in (TLS12, TLS13):
            raise ValueError(f"unsupported record protection version 0x{version:04x}")
        self._aead = _make_aead(cipher, bytes(key))
        #: Consecutive application-data records with no data (a peer can send them
        #: for free); more than ``max_empty_records`` is an unexpected_message.
        self.empty_run = 0
        #: Every empty application-data record opened (they leave no bytes behind, so
        #: the connection counts them to hold them to the rules that data has: none
        #: before the handshake completes or between a handshake message's fragments).
        self.empty_records = 0
        self.max_empty_records = MAX_EMPTY_RECORDS
        self.cipher = cipher
        self.version = version
        self._explicit = version == TLS12 and cipher == CIPHER_AES_GCM
        if self._explicit:
            if len(iv) != 4:
                raise ValueError("TLS 1.2 AES-GCM needs a 4-byte implicit salt")
            self._salt = bytes(iv)
            self._iv_int = 0
        else:
            if len(iv) != 12:
                raise ValueError("the IV must be 12 bytes")
            self._salt = b""
            self._iv_int = int.from_bytes(iv, "big")
        self._iv = bytes(iv)
        # Bytes each record adds to its plaintext: header, tag, TLS 1.3 content
        # type, TLS 1.2 GCM explicit nonce.
        self.overhead = _HEADER_SIZE + TAG_SIZE + (1 if version == TLS13 else 0) + (8 if self._explicit else 0)
        self.seq = seq

    @property
    def seq(self) -> int:
        """The sequence number of the next record."""
        return self._seq

    @seq.setter
    def seq(self, value: int) -> None:
        if value < 0 or value > _MAX_SEQUENCE:
            raise ValueError("sequence number out of range")
        self._seq = value

    def sealed_length(self, length: int, max_fragment: int = _MAX_PLAINTEXT) -> int:
        """Bytes :meth:`RecordSealer.seal_into` writes for ``length`` bytes of data."""
        _check_fragment(max_fragment)
        nrec = 1 if length <= 0 else (length + max_fragment - 1) // max_fragment
        return length + nrec * self.overhead


#: Writes of at least this many records take the batch path.
_BATCH_MIN_RECORDS = 4
#: Up to this record size the batch lays the plaintexts out with one ``bytes.join``;
#: above it, joining (a new buffer as large as the write) costs more than copying
#: each record into place.
_JOIN_MAX_FRAGMENT = 2048


def _seal13_batch(enc, iv: int, seq: int, om, offset: int, content_type: int, src, n: int, m: int, nrec: int, stage_for) -> int:
    """TLS 1.3 records of ``m`` bytes (the last one shorter) with per-record work in C.

    Python's per-statement cost is much of the pure twin's time, so the loop
    is turned inside out: one strided assignment per header byte writes the
    headers, the inner plaintexts (data, then the content type) are laid out
    with one ``bytes.join`` (small records) or staged one by one (large ones),
    comprehensions make the nonces and buffer views, and ``map`` drives
    ``encrypt_into`` over them.  The bytes written are the loop's exactly.
    Returns the next sequence number.
    """
    ct = bytes((content_type,))
    k = nrec - 1  # full records; the last holds the rest
    lm = n - k * m
    step = m + 22
    stop = offset + k * step
    hdr = _HDR13 + (m + 17).to_bytes(2, "big")
    for j in range(5):
        om[offset + j : stop : step] = hdr[j : j + 1] * k
    last_hdr = _HDR13 + (lm + 17).to_bytes(2, "big")
    om[stop : stop + 5] = last_hdr
    if m <= _JOIN_MAX_FRAGMENT:
        chunks = [src[d : d + m] for d in range(0, n, m)]
        chunks.append(b"")
        inner = memoryview(ct.join(chunks))  # data_0 || type || data_1 || type || ... || type
        s1 = m + 1
        ins = [inner[i : i + s1] for i in range(0, k * s1, s1)]
        ins.append(inner[k * s1 :])
    else:
        # Larger records: each inner plaintext is put together in the staging buffer
        # right before it is sealed (see RecordSealer._stage_for).
        stage, sv = stage_for()
        ins = _staged(stage, sv, src, m, n, lm, content_type)
    s2 = m + 17
    outs = [om[b : b + s2] for b in range(offset + 5, stop, step)]
    outs.append(om[stop + 5 : stop + 22 + lm])
    hdrs = [hdr] * k
    hdrs.append(last_hdr)
    _drain(map(enc, [(iv ^ s).to_bytes(12, "big") for s in range(seq, seq + nrec)], ins, hdrs, outs))
    return seq + nrec


_BATCH_OPEN_MIN_BYTES = _BATCH_MIN_RECORDS * 23

#: A sealer's staging buffer grows in powers of two up to this size, and past it
#: straight to a full record's (see :meth:`RecordSealer._stage_for`).
_STAGE_MIN = 4096


def _staged(stage, sv, src, m: int, n: int, lm: int, content_type: int):
    """The inner plaintexts of records of ``m`` bytes (the last ``lm``), each copied into
    ``stage`` just before ``map`` hands it to ``encrypt_into``; one buffer for all."""
    stage[m] = content_type
    full = sv[: m + 1]
    k = n - lm
    for d in range(0, k, m):
        sv[:m] = src[d : d + m]
        yield full
    sv[:lm] = src[k:n]
    stage[lm] = content_type
    yield sv[: lm + 1]


def _open13_batch(dec, iv: int, seq: int, data, mv, pos: int, end: int, om, opos: int):
    """Open a run of identical-length TLS 1.3 application-data records with per-record work in C.

    A peer's large write arrives as records of one size, and the pure twin's
    time per record was mostly Python statements.  The run is found with one
    strided comparison per header byte; each record is decrypted by ``map``
    straight to where its data belongs, its content-type byte landing on the
    first byte of the next record's slot, so ``zip`` reads that byte (one
    C-level ``__getitem__``) before the next ``decrypt_into`` overwrites it.
    Only the plain case is taken (application data, no padding, not empty); the
    caller's loop handles what follows and whatever this declines, so every
    error is still raised by the loop, at its record.  Returns ``(pos, opos,
    seq)`` after the records opened here, or None.
    """
    hdr = bytes(data[pos : pos + 5])
    h = int.from_bytes(hdr, "big")
    if not _H13_MIN < h <= _H13_MAX:  # one data byte at least, no padding
        return None
    length = h & 0xFFFF
    stride = length + 5
    k = (end - pos) // stride
    if k < _BATCH_MIN_RECORDS:
        return None
    stop = pos + k * stride
    n = k
    for j in range(5):
        b = hdr[j : j + 1]
        col = bytes(data[pos + j : stop : stride])
        if col != b * n:
            k = min(k, n - len(col.lstrip(b)))  # the records before the first other header
    if k < _BATCH_MIN_RECORDS:
        return None
    stop = pos + k * stride
    size = length - 16  # inner plaintext: the data and the content type
    d = size - 1
    oend = opos + k * d
    try:
        marks = list(
            zip(
                map(
                    dec,
                    [(iv ^ s).to_bytes(12, "big") for s in range(seq, seq + k)],
                    [mv[p : p + length] for p in range(pos + 5, stop, stride)],
                    [hdr] * k,
                    [om[o : o + size] for o in range(opos, oend, d)],
                ),
                map(om.__getitem__, range(opos + d, oend + 1, d)),  # each record's content type
            )
        )
    except InvalidTag:
        return None  # the loop opens them again and reports the record that failed
    mark = (size, _APPLICATION_DATA)  # decrypt_into's length and the content type
    if marks.count(mark) != k:
        # Records from the first other type (or padding) on go to the loop.
        k = next(i for i, m in enumerate(marks) if m != mark)
        if not k:
            return None
    return pos + k * stride, opos + k * d, seq + k


class RecordSealer(_Protection):
    """Protects outgoing records for one direction and one key."""

    __slots__ = ("_stage", "_in_place")

    def __init__(self, cipher: int, key: bytes, iv: bytes, version: int, seq: int = 0) -> None:
        super().__init__(cipher, key, iv, version, seq)
        self._stage = None
        #: Whether a small TLS 1.3 record may be sealed in place (see capabilities).
        self._in_place = _capabilities.ENCRYPT_INTO_IN_PLACE

    def _stage_for(self, need: int = _MAX_PLAINTEXT + 1):
        """``(buffer, view)``: where a TLS 1.3 inner plaintext of up to ``need`` bytes
        is put together (the data, then the content type) and sealed from.

        A record of ``_STAGE_MIN`` bytes or more is sealed from here: from one buffer
        that stays in the CPU's cache, that costs less than copying its data into the
        output and sealing it there (the copied lines are written twice).  A smaller one
        too where cryptography refuses to seal in place (51 and later, see
        capabilities).  Made on first use and grown in steps (powers of two from 256
        bytes, then a full record's), so a connection that only ever sends small
        records holds a small one, or none.
        """
        stage = self._stage
        if stage is None or len(stage[0]) < need:
            size = _MAX_PLAINTEXT + 1 if need > _STAGE_MIN else max(256, 1 << (need - 1).bit_length())
            buf = bytearray(size)
            stage = self._stage = (buf, memoryview(buf))
        return stage

    def _seal_one13(self, out, om, content_type: int, src, n: int) -> None:
        """One TLS 1.3 record of ``src`` (1 to ``max_fragment`` bytes) at the start of
        ``out`` (``om`` its view, at least ``n + 22`` bytes): a socket write's common
        case, for :class:`RecordWriter`, which has made the other checks."""
        seq = self._seq
        if seq >= _MAX_SEQUENCE:
            check_sequence(_MAX_SEQUENCE)
        self._seal13_record(out, om, 0, content_type, src, n, seq)
        self._seq = seq + 1

    def _seal13_record(self, out, om, pos: int, content_type: int, src, m: int, seq: int) -> None:
        """The TLS 1.3 record of sequence number ``seq`` for the ``m`` bytes of ``src``,
        written at ``out[pos:pos + m + 22]`` (``om`` is ``out``'s view)."""
        # A full record (what bulk writes make) takes its header and its view of the
        # staging buffer as they are: no int-to-bytes, concatenation or new view.
        full = m == _MAX_PLAINTEXT
        hdr = _HDR13_FULL if full else _HDR13 + (m + 17).to_bytes(2, "big")
        body = pos + 5
        tend = body + m
        om[pos:body] = hdr
        if m < _STAGE_MIN and self._in_place:
            om[body:tend] = src
            out[tend] = content_type
            inner = om[body : tend + 1]
        else:
            stage = self._stage
            if stage is None or len(stage[0]) <= m:
                stage = self._stage_for(m + 1)
            stage, sv = stage
            sv[:m] = src
            stage[m] = content_type
            inner = sv if full else sv[: m + 1]
        self._aead.encrypt_into((self._iv_int ^ seq).to_bytes(12, "big"), inner, hdr, om[body : tend + 17])

    def seal(self, content_type: int, data, max_fragment: int = _MAX_PLAINTEXT) -> bytes:
        """``data`` as protected records of ``content_type``, returned as one new
        ``bytes`` object: the write path's one call per application write."""
        src = _byte_view(data)
        n = src.nbytes
        if 0 < n <= max_fragment and self.version == TLS13:
            # One record (a driver's small write): the lean path RecordWriter uses.
            _check_fragment(max_fragment)
            out = bytearray(n + 22)
            with memoryview(out) as om:
                self._seal_one13(out, om, content_type, src, n)
            return bytes(out)
        out = bytearray(self.sealed_length(n, max_fragment))
        self.seal_into(out, 0, content_type, src, max_fragment)
        return bytes(out)

    def seal_into(self, out, offset: int, content_type: int, data, max_fragment: int = _MAX_PLAINTEXT) -> int:
        """Write ``data`` as protected records of ``content_type`` into ``out``
        at ``offset``; return the offset after the last record.

        ``data`` is cut into records of at most ``max_fragment`` bytes; an
        empty ``data`` makes one empty record.  ``out`` must have room for
        :meth:`sealed_length` bytes.
        """
        src = _byte_view(data)
        n = src.nbytes
        _check_fragment(max_fragment)
        nrec = 1 if n <= 0 else (n + max_fragment - 1) // max_fragment
        end = offset + n + nrec * self.overhead
        if offset < 0 or end > len(out):
            raise ValueError("output buffer too small")
        seq = self._seq
        if seq + nrec > _MAX_SEQUENCE:
            check_sequence(_MAX_SEQUENCE)
        om = memoryview(out)
        enc = self._aead.encrypt_into
        pos = offset
        done = 0
        if self.version == TLS13:
            iv = self._iv_int
            m = max_fragment
            if nrec >= _BATCH_MIN_RECORDS:
                self._seq = _seal13_batch(enc, iv, seq, om, offset, content_type, src, n, m, nrec, self._stage_for)
                return end
            for _ in range(nrec):
                if n - done < m:
                    m = n - done
                self._seal13_record(out, om, pos, content_type, src[done : done + m], m, seq)
                seq += 1
                done += m
                pos += m + 22
        elif self._explicit:
            salt = self._salt
            tail = bytes((content_type, 3, 3))
            for _ in range(nrec):
                m = n - done
                if m > max_fragment:
                    m = max_fragment
                seqb = seq.to_bytes(8, "big")
                body = pos + 13
                out[pos : pos + 5] = bytes((content_type, 3, 3, (m + 24) >> 8, (m + 24) & 0xFF))
                out[pos + 5 : body] = seqb
                enc(salt + seqb, src[done : done + m], seqb + tail + m.to_bytes(2, "big"), om[body : body + m + 16])
                seq += 1
                done += m
                pos = body + m + 16
        else:
            iv = self._iv_int
            tail = bytes((content_type, 3, 3))
            for _ in range(nrec):
                m = n - done
                if m > max_fragment:
                    m = max_fragment
                body = pos + 5
                out[pos:body] = bytes((content_type, 3, 3, (m + 16) >> 8, (m + 16) & 0xFF))
                enc(
                    (iv ^ seq).to_bytes(12, "big"),
                    src[done : done + m],
                    seq.to_bytes(8, "big") + tail + m.to_bytes(2, "big"),
                    om[body : body + m + 16],
                )
                seq += 1
                done += m
                pos = body + m + 16
        self._seq = seq
        return pos


class RecordOpener(_Protection):
    """Opens incoming protected records for one direction and one key."""

    __slots__ = ("_failed",)

    def __init__(self, cipher: int, key: bytes, iv: bytes, version: int, seq: int = 0) -> None:
        super().__init__(cipher, key, iv, version, seq)
        self._failed: BaseException | None = None  # see STOP_FAILED

    def _empty_record(self) -> None:
        self.empty_records += 1
        self.empty_run += 1
        if self.empty_run > self.max_empty_records:
            raise TLSError(AlertDescription.unexpected_message, f"more than {self.max_empty_records} consecutive empty records")

    def open_records(self, data, start: int, end: int, out, out_offset: int):
        """Open the complete records in ``data[start:end]``.

        Application data plaintexts go to ``out`` one after the other from
        ``out_offset``.  Returns ``(pos, app_end, stop, content_type, record_end)``:
        the input offset after the last record opened; application data is in
        ``out[out_offset:app_end]``; ``stop`` says why the call returned (the
        ``STOP_*`` constants).  With ``STOP_RECORD`` the record of
        ``content_type`` (handshake or alert) is in ``out[app_end:record_end]``.
        """
        if self._failed is not None:
            raise fresh_copy(self._failed)
        if start < 0 or end > len(data) or start > end or out_offset < 0 or out_offset > len(out):
            raise ValueError("offsets out of range")
        mv = memoryview(data)
        om = memoryview(out)
        cap = len(out)
        dec = self._aead.decrypt_into
        seq = self._seq
        pos = start
        opos = out_offset
        # Checks that can be made once per call instead of once per record:
        # every record's plaintext is shorter than its ciphertext, and every
        # record is at least 22 bytes long.
        fast = cap - opos >= end - start and seq + (end - start) // 22 + 1 < _MAX_SEQUENCE
        try:
            if self.version == TLS13:
                iv = self._iv_int
                # The batch needs _BATCH_MIN_RECORDS records the size of the first: a
                # read of one or two 16 KiB records skips the call (its checks cost
                # more than they save there).
                if fast and end - pos >= _BATCH_OPEN_MIN_BYTES and end - pos >= _BATCH_MIN_RECORDS * (5 + (data[pos + 3] << 8 | data[pos + 4])):
                    batch = _open13_batch(dec, iv, seq, data, mv, pos, end, om, opos)
                    if batch is not None:
                        pos, opos, seq = batch
                        self.empty_run = 0
                lo, hi = _H13_MIN, _H13_MAX
                from_bytes = int.from_bytes
                while end - pos >= 5:
                    # The header is the additional data; a slice of ``data`` (a 5-byte copy
                    # for bytes/bytearray) is cheaper to parse than a memoryview of it.
                    hdr = data[pos : pos + 5]
                    h = from_bytes(hdr, "big")
                    # One comparison checks type, version and 17 <= length <= 2^14 + 17.
                    if not lo <= h <= hi:
                        _check_header13(h)  # raises unless a legal record with padding
                    length = h & 0xFFFF
                    rec_end = pos + 5 + length
                    if rec_end > end:
                        break
                    plen = length - 16
                    if not fast:
                        if cap - opos < plen:
                            return pos, opos, STOP_OUT_FULL, 0, opos
                        check_sequence(seq)
                    try:
                        dec((iv ^ seq).to_bytes(12, "big"), mv[pos + 5 : rec_end], hdr, om[opos : opos + plen])
                    except InvalidTag:
                        raise TLSError(AlertDescription.bad_record_mac, "record authentication failed") from None
                    seq += 1
                    pos = rec_end
                    i = opos + plen - 1
                    # The common record is application data without padding (the header
                    # check above bounded its length); anything else takes the slow path.
                    if out[i] != _APPLICATION_DATA or h > hi:
                        itype, i = _inner_type13(out, om, opos, i)
                        if itype != _APPLICATION_DATA:
                            self.empty_run = 0
                            return pos, opos, STOP_RECORD, itype, i
                    if i == opos:
                        self._empty_record()
                    elif self.empty_run:
                        self.empty_run = 0
                    opos = i
                    continue  # explicit: 7% fewer instructions per record than falling through (3.11)
            else:
                explicit = self._explicit
                salt = self._salt
                iv = self._iv_int
                minlen = 24 if explicit else 16
                hmin = 0x1703030000 + minlen
                hmax = 0x1703030000 + _MAX_PLAINTEXT + minlen
                while end - pos >= 5:
                    h = int.from_bytes(mv[pos : pos + 5], "big")
                    if not hmin <= h <= hmax:
                        _check_header12(h, minlen)  # raises unless a legal non-application-data record
                    ctype = h >> 32
                    length = h & 0xFFFF
                    body = pos + 5
                    if end - body < length:
                        break
                    plen = length - minlen
                    if not fast:
                        if cap - opos < plen:
                            return pos, opos, STOP_OUT_FULL, 0, opos
                        check_sequence(seq)
                    aad = seq.to_bytes(8, "big") + bytes((ctype, 3, 3, plen >> 8, plen & 0xFF))
                    if explicit:
                        nonce = salt + mv[body : body + 8]
                        cstart = body + 8
                    else:
                        nonce = (iv ^ seq).to_bytes(12, "big")
                        cstart = body
                    try:
                        dec(nonce, mv[cstart : body + length], aad, om[opos : opos + plen])
                    except InvalidTag:
                        raise TLSError(AlertDescription.bad_record_mac, "record authentication failed") from None
                    seq += 1
                    pos = body + length
                    if ctype == _APPLICATION_DATA:
                        if plen:
                            self.empty_run = 0
                        else:
                            self._empty_record()
                        opos += plen
                        continue
                    self.empty_run = 0
                    return pos, opos, STOP_RECORD, ctype, opos + plen
            return pos, opos, STOP_NEED_MORE, 0, opos
        except _Unprotected as e:
            return pos, opos, STOP_UNPROTECTED, e.args[0], opos
        except TLSError as e:
            if opos == out_offset:
                raise
            self._failed = fresh_copy(e)
            return pos, opos, STOP_FAILED, 0, opos
        finally:
            self._seq = seq
            # An error's traceback keeps this frame: its views must not keep the
            # caller's buffers exported (they could not be resized afterwards).
            mv.release()
            om.release()


#: Largest write :class:`RecordWriter` takes (the socket cuts larger ones).
WRITER_MAX = 256 * 1024
_WRITER_KEEP = 64 * 1024  # a larger buffer is dropped after its write (idle connections stay small)
_NO_BUFFER = (b"", memoryview(b""))


class RecordWriter:
    """A socket's steady-state application write (issue 6).

    One call takes the socket's send lock and the connection's lock, checks
    that the connection is in the state where ``Connection.send_and_take``
    seals straight away (handshake complete, no error, not closed, no tracer,
    nothing queued, keys far from their usage limit), seals the write into
    this writer's reusable buffer, releases the connection's lock and writes
    the records to the file descriptor, polling for the socket's timeout.
    Returns -1, having done nothing, when the connection is not in that state
    (or the write is larger than :data:`WRITER_MAX`, or the socket is
    non-blocking): the caller then takes the general path.  Returns 0 when
    everything was sent (an empty write sends nothing, as with ``ssl``), 1
    when also something was queued meanwhile by a reader (a KeyUpdate answer)
    for the caller to flush.  A timeout, a socket error or a signal handler's
    exception propagates; the records may then be partly sent.
    """

    def __init__(self, fd: int, send_lock, conn_lock) -> None:
        self._fd = fd
        self._send_lock = send_lock
        self._conn_lock = conn_lock
        self._out = _NO_BUFFER  # (buffer, its memoryview)

    @property
    def fd(self) -> int:
        """The socket's file descriptor."""
        return self._fd

    def write(self, conn, data, timeout) -> int:
        # Locks are taken with acquire/try/finally rather than ``with``: two
        # ``with`` blocks and a ``with`` on the view cost ~0.7 us a write on
        # 3.11, a fifth of this method's own time (issue 6).
        if timeout == 0.0:
            return -1  # a non-blocking socket: the caller's SSLWantWriteError logic
        try:
            # One cast to unsigned bytes both flattens and checks: it refuses a
            # non-contiguous buffer (TypeError), and costs less than reading the
            # view's nbytes, c_contiguous, ndim and format (getset descriptors).
            src = memoryview(data).cast("B")
        except TypeError:
            return -1
        try:
            n = len(src)
            if n > WRITER_MAX:
                return -1
            if not n:
                return 0  # as ssl: an empty write sends nothing (no empty record)
            send_lock = self._send_lock
            conn_lock = self._conn_lock
            send_lock.acquire()
            try:
                conn_lock.acquire()
                try:
                    # Connection.direct_sealer's checks, inlined as the compiled twin
                    # does (a Python call and RecordBuffer.__len__ are ~0.5 us a write).
                    if conn is None:
                        return -1
                    w = conn._write
                    prot = w._prot
                    wb = w.buffer
                    if (
                        type(prot) is not RecordSealer  # no keys, or the compiled twin's sealer
                        or conn._error is not None
                        or conn.handshake_complete is not True
                        or conn.closed is not False
                        or conn._trace is not None
                        or wb.end != wb.start
                        or prot._seq >= w.soft_limit
                    ):
                        return -1  # not in that state: the general path
                    frag = w.max_fragment
                    one13 = n <= frag and prot.version == TLS13
                    need = n + 22 if one13 else n + (n + frag - 1) // frag * prot.overhead
                    buf, om = self._out
                    if len(buf) != need:
                        buf = bytearray(need)  # kept while writes keep their size
                        om = memoryview(buf)
                        self._out = buf, om
                    try:
                        if one13:
                            # direct_sealer vouched for the sequence number (far from its limit).
                            seq = prot._seq
                            prot._seal13_record(buf, om, 0, _APPLICATION_DATA, src, n, seq)
                            prot._seq = seq + 1
                        else:
                            prot.seal_into(buf, 0, _APPLICATION_DATA, src, frag)
                    except TLSError as exc:
                        conn._fail(exc)
                        raise
                finally:
                    conn_lock.release()
                try:
                    try:
                        k = os.write(self._fd, buf)
                    except BlockingIOError:
                        k = 0
                    if k < need:
                        self._send_all(buf, k, need, timeout)
                finally:
                    if need > _WRITER_KEEP:
                        self._out = _NO_BUFFER
            finally:
                send_lock.release()
            return 1 if wb.end != wb.start else 0
        finally:
            src.release()

    def _send_all(self, buf, pos: int, n: int, timeout) -> None:
        """The rest of ``buf[:n]`` from ``pos``, polling while the socket is full."""
        fd = self._fd
        deadline = None if timeout is None else time.monotonic() + timeout
        with memoryview(buf) as view:
            while pos < n:
                try:
                    pos += os.write(fd, view[pos:n])
                    continue
                except BlockingIOError:
                    pass
                # The socket buffer is full (the fd is non-blocking when the socket has a timeout).
                poller = select.poll()
                poller.register(fd, select.POLLOUT)
                while True:
                    ms = None
                    if deadline is not None:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise TimeoutError("The write operation timed out")
                        ms = int(left * 1000) + 1
                    if poller.poll(ms):
                        break

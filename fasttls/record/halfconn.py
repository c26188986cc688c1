"""One direction of a connection: its protection, sequence number and limits.

Go's ``halfConn``: the handshake installs keys here (TLS 1.3 handshake and
application traffic keys, key updates, the TLS 1.2 ChangeCipherSpec), and the
connection moves all its bytes through it.  It drives whichever record twin is
active (or the one it is given), through the same interface.
"""

from __future__ import annotations

import os

from ..constants import AlertDescription, ProtocolVersion
from ..errors import TLSError
from . import ACTIVE, Twin

MAX_PLAINTEXT = 1 << 14

#: RFC 8446 section 5.5: at most 2^24.5 full-size records under one AES-GCM key;
#: ChaCha20-Poly1305's limit is beyond the 64-bit sequence number.
AEAD_RECORD_LIMITS = {1: int(2**24.5), 2: (1 << 64) - 1}
_SEQUENCE_END = (1 << 64) - 1
#: Ask for a key update this many records before the limit (TLS 1.3).
KEY_UPDATE_MARGIN = 1 << 20


class HalfConn:
    """Protection state of one direction.  Unprotected until :meth:`set_key`."""

    __slots__ = ("twin", "version", "cipher", "traffic_secret", "record_limit", "soft_limit", "max_fragment", "_prot", "__weakref__")

    def __init__(self, twin: Twin | None = None) -> None:
        self.twin: Twin = twin or ACTIVE
        #: The protocol version of the keys (0x0303 or 0x0304), 0 while unprotected.
        self.version = 0
        self.cipher = 0
        #: TLS 1.3 traffic secret of the current keys (for KeyUpdate); None otherwise.
        self.traffic_secret: bytes | None = None
        self.record_limit = 0
        #: Sequence number from which a TLS 1.3 sender updates its keys before sending more.
        self.soft_limit = 0
        #: Largest plaintext per record we send (RFC 8449 record_size_limit may lower it).
        self.max_fragment = MAX_PLAINTEXT
        self._prot = None

    def _factory(self):
        raise NotImplementedError

    def set_key(self, version: int, cipher: int, key: bytes, iv: bytes, traffic_secret: bytes | None = None) -> None:
        """Install new keys; the sequence number starts again at zero (RFC 8446 section 5.3)."""
        self._prot = self._factory()(cipher, key, iv, version)
        self.version = version
        self.cipher = cipher
        self.traffic_secret = traffic_secret
        # RFC 8446 5.5's limit is TLS 1.3's, where a KeyUpdate starts new keys.  TLS 1.2
        # cannot change keys (we refuse renegotiation) and RFC 5246 sets no limit: as Go
        # and OpenSSL, only the sequence number's end stops it.
        self.record_limit = AEAD_RECORD_LIMITS[cipher] if version == 0x0304 else _SEQUENCE_END
        self.soft_limit = self.record_limit - KEY_UPDATE_MARGIN

    @property
    def protected(self) -> bool:
        return self._prot is not None

    @property
    def seq(self) -> int:
        """Sequence number of the next record under the current keys."""
        return self._prot.seq if self._prot is not None else 0

    @property
    def key_update_due(self) -> bool:
        """True when the current keys are close to their AEAD usage limit."""
        return self._prot is not None and self._prot.seq >= self.soft_limit


class WriteHalf(HalfConn):
    """The sending direction; records waiting to go out queue in :attr:`buffer`."""

    __slots__ = ("buffer", "record_version")

    def __init__(self, twin: Twin | None = None) -> None:
        super().__init__(twin)
        self.buffer = self.twin.framing.RecordBuffer()
        #: legacy_record_version of unprotected records (0x0301 is allowed for a first ClientHello).
        self.record_version = 0x0303

    def _factory(self):
        return self.twin.aead.RecordSealer

    def write_record(self, content_type: int, data) -> None:
        """Queue ``data`` as records of ``content_type``: fragmented, and
        protected once keys are installed."""
        buf = self.buffer
        prot = self._prot
        if prot is None:
            framing = self.twin.framing
            pos = buf.reserve(framing.framed_length(len(data), self.max_fragment))
            end = framing.frame_into(buf.buffer, pos, content_type, self.record_version, data, self.max_fragment)
        else:
            nrec = self.twin.framing.record_count(len(data), self.max_fragment)
            if prot.seq + nrec > self.record_limit:
                prot = None  # noqa: F841 - a kept error holds this frame: not the sealer (its key)
                # TLS 1.3 updates its keys before this (RFC 8446 5.5); TLS 1.2 has no key
                # update, and its sequence number must not wrap (RFC 5246 6.1).
                what = "without a key update" if self.version == 0x0304 else "(TLS 1.2 has no key update: renegotiate by reconnecting)"
                raise TLSError(AlertDescription.internal_error, f"AEAD key usage limit reached {what}")
            pos = buf.reserve(prot.sealed_length(len(data), self.max_fragment))
            end = prot.seal_into(buf.buffer, pos, content_type, data, self.max_fragment)
        buf.commit(end - pos)

    def pending(self) -> int:
        """Bytes queued and not yet taken by :meth:`data_to_send`."""
        return len(self.buffer)

    def data_to_send(self, max_bytes: int = -1) -> bytes:
        data = self.buffer.take(max_bytes)
        if not len(self.buffer):
            self.buffer.release()
        return data


class ReadHalf(HalfConn):
    """The receiving direction; bytes from the transport queue in :attr:`buffer`."""

    __slots__ = ("buffer", "expected_version")

    def __init__(self, twin: Twin | None = None) -> None:
        super().__init__(twin)
        self.buffer = self.twin.framing.RecordBuffer()
        #: Record version the peer must use; 0 accepts any 0x03xx (before negotiation).
        self.expected_version = 0

    def _factory(self):
        return self.twin.aead.RecordOpener

    def feed(self, data) -> None:
        self.buffer.feed(data)

    def _next_unprotected(self):
        rec = self.buffer.next_record(self.expected_version, MAX_PLAINTEXT)
        if rec is None:
            self.buffer.release()  # only if empty: idle connections hold no buffer
            return None
        return rec[0], rec[2], False

    def read(self, app, marks=None):
        """Open what the buffer holds.

        Application data is appended to ``app`` (a ``RecordBuffer``) without
        a copy: records are opened straight into its free space, and with
        ``marks`` (a deque) each record's plaintext length is appended to it
        (see :func:`mark_records`).  Returns
        ``None`` once the buffer holds no complete record, or
        ``(content_type, payload, protected)`` for the next record that is not
        protected application data (a handshake message fragment, an alert,
        a ChangeCipherSpec, or unprotected data, which the caller judges).
        """
        prot = self._prot
        if prot is None:
            return self._next_unprotected()
        try:
            inp = self.buffer
            framing = self.twin.framing
            while True:
                avail = len(inp)
                if avail < framing.HEADER_SIZE:
                    if not avail:
                        inp.release()
                    return None
                base = app.reserve(avail)
                start = inp.start
                pos, app_end, stop, ctype, rec_end = prot.open_records(inp.buffer, start, inp.end, app.buffer, base)
                if marks is not None and app_end > base:
                    over = 17 if self.version == ProtocolVersion.TLS13 else 16 if self.cipher == self.twin.aead.CIPHER_CHACHA20_POLY1305 else 24
                    mark_records(inp.buffer, start, pos, stop == 1, app_end - base, marks, over)
                inp.consume_to(pos)
                if stop == 1:  # STOP_RECORD
                    payload = bytes(app.buffer[app_end:rec_end])
                    app.commit(app_end - base)
                    return ctype, payload, True
                app.commit(app_end - base)
                if stop == 2:  # STOP_UNPROTECTED (TLS 1.3 ChangeCipherSpec or a plaintext alert)
                    return self._next_unprotected()
                if stop == 0:  # STOP_NEED_MORE
                    inp.release()  # only if empty (it checks): idle connections hold no buffer
                    return None
                if stop == 4:  # STOP_FAILED: the data before the failing record is committed;
                    # now its error, which the opener raises first thing in its next call.  Not
                    # left to the loop: a record that failed once opened (its inner content
                    # type, its length) is consumed, and with no input left the loop would
                    # return without that call, the error lost.
                    prot.open_records(inp.buffer, inp.start, inp.start, app.buffer, 0)
                    raise AssertionError("the record opener did not raise its parked error")  # pragma: no cover
                # STOP_OUT_FULL cannot happen (we reserved as much as the input), but loop safely.
        except BaseException as exc:
            # A kept error must not reach the key (tests/test_hygiene.py): its traceback
            # holds this frame and the opener's own (the pure twin's), so neither keeps it.
            prot = None  # noqa: F841
            clear_record_frames(exc.__traceback__)
            raise


_RECORD_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def clear_record_frames(tb) -> None:
    """Clear the locals of the record layer's finished frames in traceback ``tb`` (the
    pure twin's ``open_records`` holds its opener, and so the key, as ``self``); file
    and line stay for the traceback.  Other frames (a signal handler's, fasttls's own
    above the record layer) keep theirs, for whoever debugs them."""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith(_RECORD_DIR):
            try:
                frame.clear()
            except RuntimeError:  # still executing (the frame that caught the error)
                pass
        tb = tb.tb_next


def mark_records(buf, start: int, end: int, drop_last: bool, total: int, marks, over: int) -> None:
    """Append to ``marks`` the plaintext length of each record in ``buf[start:end]``, whose
    application data came to ``total`` bytes (``drop_last``: the last record was not
    application data).  The twins return only the total; a record's plaintext is its
    length less ``over`` (the tag, plus TLS 1.3's content type or TLS 1.2 GCM's explicit
    nonce) unless a TLS 1.3 sender padded: then the lengths do not add up to ``total``
    and one mark covers them all.  The marks only decide how much a read returns, never
    which bytes."""
    lengths = []
    i = start
    while i < end:
        n = buf[i + 3] << 8 | buf[i + 4]
        lengths.append(n)
        i += 5 + n
    if drop_last and lengths:
        lengths.pop()
    if lengths and sum(lengths) - over * len(lengths) == total:
        marks.extend(n - over for n in lengths if n > over)
        return
    marks.append(total)


__all__ = ["AEAD_RECORD_LIMITS", "HalfConn", "ReadHalf", "WriteHalf", "mark_records"]

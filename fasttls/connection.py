"""The sans-IO TLS connection: bytes in, bytes and events out.

No sockets here (the h11 / rustls pattern): a driver calls
:meth:`Connection.receive_data` with what the transport delivered, sends what
:meth:`Connection.data_to_send` returns, and reads application data with
:meth:`Connection.read`.  The handshake runs as a generator (see
``fasttls.handshake``) fed one message at a time; the record layer is one
:class:`~fasttls.record.ReadHalf` and one :class:`~fasttls.record.WriteHalf`.

Every failure becomes a :class:`~fasttls.errors.TLSError` carrying its alert:
the alert is queued for the peer (so the driver sends it) and the error is
raised, then raised again on every later call.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import signal
from typing import TYPE_CHECKING, Any, TypeGuard

from cryptography import x509

from . import auth
from . import events as ev
from . import key_schedule
from .config import Config, ConnectionState
from .constants import AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion
from .errors import AlertReceived, SSLError, SSLZeroReturnError, TLSError, fresh_copy, openssl_error
from .handshake.client import ClientHandshake
from .handshake.common import CHANGE_CIPHER_SPEC
from .handshake.server import ServerHandshake
from .keylog import CLIENT_HANDSHAKE, CLIENT_TRAFFIC, SERVER_HANDSHAKE, SERVER_TRAFFIC  # noqa: F401 - re-exported
from .tickets import MAX_TICKET_LIFETIME, ServerSession, uncache_session
from .messages import handshake as hsmsg
from .record import ReadHalf, Twin, WriteHalf
from .record.halfconn import clear_record_frames
from .trace import log_tracer
from .trace import logger as trace_logger

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer


#: send_and_take's direct path takes at most this much plaintext per call (at the
#: smallest record size, well under halfconn.KEY_UPDATE_MARGIN records).
_FAST_SEND_MAX = 1 << 20

#: TLS 1.3 ChangeCipherSpec records dropped in one handshake (RFC 8446 section 5);
#: Go allows 16 useless records in a row.
MAX_CHANGE_CIPHER_SPECS = 16


def _is_octets(data: Any) -> TypeGuard[bytes | bytearray | memoryview]:
    """True when ``len(data)`` is its size in bytes and the record twins can take it as is."""
    t = type(data)
    return t is bytes or t is bytearray or (t is memoryview and data.format == "B" and data.ndim == 1 and data.c_contiguous)


def _octet_view(data) -> memoryview:
    """``data`` (any C-contiguous buffer: an ``array``, a 2-D view...) as a view of its bytes,
    so lengths count bytes, not items.  ``TypeError`` for a non-buffer and ``BufferError``
    for a non-contiguous one, as ``ssl`` says."""
    view = memoryview(data)
    with view:
        if not view.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        return view.cast("B")

#: Stands for the handshake generator once it has finished (and been dropped).
_FINISHED: Any = ()


def _interrupted(exc: BaseException) -> TLSError:
    """The connection's error once ``exc`` (not the protocol's) cut its state machine."""
    return TLSError(
        AlertDescription.internal_error,
        f"interrupted by {type(exc).__name__} inside the TLS state machine: this connection cannot go on",
    )


def _raised_by_signal_handler(exc: BaseException) -> bool:
    """Whether ``exc`` came out of a Python signal handler (its frame is in the traceback):
    the application's exception (a ``SIGALRM`` deadline), not a fault of ours or of a
    library, so it is not turned into an internal_error.  The handlers are read only when
    the traceback has a frame outside fasttls (ours raise our own errors; a non-blocking
    socket's want-write must stay cheap)."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    if all(code.co_filename.startswith(_PACKAGE_DIR) for code in frames):
        return False
    codes = set()
    for signum in signal.valid_signals():
        try:
            handler = signal.getsignal(signum)
        except (OSError, ValueError):  # pragma: no cover - a signal Python cannot ask about
            continue
        if not callable(handler):
            continue
        while isinstance(handler, functools.partial):
            handler = handler.func
        fn = getattr(handler, "__func__", handler)
        code = getattr(fn, "__code__", None)
        if code is None:  # a callable object
            call = getattr(type(handler), "__call__", None)
            code = getattr(getattr(call, "__func__", call), "__code__", None)
        if code is not None:
            codes.add(code)
    return not codes.isdisjoint(frames)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def is_interruption(exc: BaseException) -> bool:
    """Ctrl-C, SystemExit, or any exception a Python signal handler raised: not an error of
    the protocol or of the call, and it can land between any two steps of ours."""
    return not isinstance(exc, Exception) or _raised_by_signal_handler(exc)


def _abandoned() -> SSLError:
    return SSLError("handshake message after the handshake was abandoned (closed before it completed)")

log = logging.getLogger("fasttls")

_HS_HEADER = 4
#: Handshake messages whose body is small by definition, with their largest size (as
#: OpenSSL's per-state limits): a header declaring more is refused at once instead of
#: after its bytes have trickled in, one small record at a time.
_MAX_MESSAGE_BODY = {
    HandshakeType.hello_request: 0,
    HandshakeType.server_hello_done: 0,
    HandshakeType.end_of_early_data: 0,
    HandshakeType.key_update: 1,
    HandshakeType.finished: 64,  # OpenSSL's FINISHED_MAX_LENGTH; SHA-384's is 48
}



class Connection:
    """One TLS connection, client or server, without I/O."""

    def __init__(
        self,
        config: Config,
        *,
        server_side: bool,
        server_hostname: str | None = None,
        session: Any = None,
        twin: Twin | None = None,
    ) -> None:
        if not server_side and not server_hostname and config.verify_peer and config.check_hostname:
            # A verifying client with no name to check would take any trusted certificate
            # for any host: refused, as Go ("either ServerName or InsecureSkipVerify must
            # be specified") and ssl ("check_hostname requires server_hostname") refuse it.
            raise ValueError("check_hostname requires server_hostname (or check_hostname=False to verify the chain only)")
        self.config = config
        self.server_side = server_side
        self.server_hostname = server_hostname
        self._read = ReadHalf(twin)
        self._write = WriteHalf(twin)
        self._app = self._read.twin.framing.RecordBuffer()
        #: Each application data record's length in ``_app``, in order, when the owner reads
        #: a record at a time (``keep_record_boundaries``); None otherwise.
        self._marks: collections.deque[int] | None = None
        self._hs_buf = bytearray()
        #: The message types the handshake waits for (what its generator yielded).
        self._expecting: tuple[type, ...] | None = None
        self._hs_out = bytearray()
        self._events: list[Any] = []
        self._error: BaseException | None = None
        self._alert_sent = False

        # Negotiated state, filled in by the handshake.
        self.version: int | None = None
        self.cipher_suite: Any = None  # a cipher_suites.CipherSuiteTLS13/12
        self.alpn_protocol: str | None = None
        self.group: int | None = None
        self.hello_retry_request = False
        self.signature_scheme: int | None = None
        self.peer_signature_scheme: int | None = None
        self.session_reused = False
        #: What is queued can wait for what comes next (a TLS 1.3 client's dummy
        #: ChangeCipherSpec, RFC 8446 D.4, goes with its Finished, as OpenSSL and Go send
        #: them): socket drivers need not flush it on its own, which with Nagle held the
        #: Finished back for a delayed ACK (~40 ms).  Any other record clears it.
        self.hold_output = False
        #: Not resumed although a client offered a session (OpenSSL's "misses": our client
        #: offered one, or our TLS 1.2 server looked a session ID up and found nothing usable).
        self.session_missed = False
        self.session: Any = session  # the ClientSession offered (client) / resumed
        self.server_name: str | None = server_hostname
        self.peer_certificates: list[bytes] = []  # DER, leaf first, as received
        self.verified_chain: list[Any] = []  # x509.Certificate, leaf first
        self.local_certificate: Any = None  # the CertifiedKey we presented
        self.client_random = b""
        self.server_random = b""
        self.exporter_master_secret: bytes | None = None
        self.resumption_master_secret: bytes | None = None
        self.tls_unique: bytes | None = None
        self.ocsp_response: bytes | None = None
        self.ems = False  # TLS 1.2 extended master secret
        #: Server: the cipher suites the client offered (for ``shared_ciphers()``).
        self.peer_cipher_suites: list[int] = []
        #: Who drives this connection (an SSLSocket or SSLObject, usually by weakref):
        #: what the context's sni_callback is given.  The core never reads it.
        self.owner: Any = None

        self.handshake_complete = False
        self.peer_closed = False  # close_notify received
        self.closed = False  # close_notify sent
        self._app_read_allowed = False
        self._ccs_seen = 0
        self._key_updates_in_row = 0
        #: KeyUpdates we asked for (update_requested) and the peer has not yet answered.
        self._key_updates_owed = 0
        self._warnings = 0
        self._renegotiations_refused = 0
        self._early_skip = 0  # bytes of rejected 0-RTT data we may still skip
        self._record_seen = False  # a record that was TLS has come (OpenSSL's first-record test)
        self._trace = config.tracer
        if self._trace is None and trace_logger.isEnabledFor(logging.DEBUG):
            self._trace = log_tracer
        self._handshake = ServerHandshake(self) if server_side else ClientHandshake(self)
        self._gen = None

    # ------------------------------------------------------------------ driver API

    def replace_config(self, config: Config) -> None:
        """Go on with ``config`` (ssl's ``SSLObject.context = ...``, OpenSSL's
        SSL_set_SSL_CTX): the handshake, started or not, uses it from its next step.
        Setting ``.config`` alone would leave the handshake on the old one: a stricter
        trust store assigned before the handshake went unused."""
        self.config = config
        hs = self._handshake
        if hs is not None:
            hs.config = config
            for state in (getattr(hs, "state13", None), getattr(hs, "state12", None)):
                if state is not None and "config" in vars(state):
                    state.config = config

    def start(self) -> None:
        """Begin the handshake (a client queues its ClientHello)."""
        if self._gen is not None:
            return
        self._gen = self._handshake.run()
        self._guard(self._advance, None)

    def receive_data(self, data: ReadableBuffer) -> list[Any]:
        """Hand the connection bytes from the transport; returns the events they caused.

        Application data goes to :meth:`read`.  Raises the TLS error (after
        queueing its alert) when the peer misbehaves.
        """
        if self._error is not None:
            raise fresh_copy(self._error)
        if self._gen is None:
            self.start()
        if data:
            self._read.feed(data)
        if self.peer_closed:
            # RFC 8446 6.1: data after a closure alert is ignored; it stays in the receive
            # buffer for take_trailing_data (a STARTTLS-style unwrap).
            return []
        self._guard(self._process)
        out, self._events = self._events, []
        return out

    def receive_eof(self, reset: bool = False) -> list[Any]:
        """The transport closed.  A close without close_notify is a truncation (SSLEOFError),
        unless ``Config.ignore_unexpected_eof``: then, after the handshake, it is a close
        (returns ``[ConnectionClosed()]``), as OpenSSL's SSL_OP_IGNORE_UNEXPECTED_EOF.

        ``reset``: the transport was reset (ECONNRESET), which that option does not cover:
        OpenSSL sees a failed read, not an EOF, and ssl raises SSLEOFError without a reason
        for it; the reads after it meet the EOF (a close with that option, else
        UNEXPECTED_EOF_WHILE_READING)."""
        if self._error is not None:
            raise fresh_copy(self._error)
        if self.peer_closed:
            return []
        from .errors import SSLEOFError

        if self.config.ignore_unexpected_eof and self.handshake_complete:
            # OpenSSL (ssl3_read_n) marks the shutdown as received, as a close_notify would.
            self.peer_closed = True
            if reset:
                raise SSLEOFError("EOF occurred in violation of protocol", reason=None)
            return [ev.ConnectionClosed()]

        if len(self._read.buffer):
            self._error = SSLEOFError("EOF occurred in violation of protocol (partial record)")
        elif not self.handshake_complete:
            self._error = SSLEOFError("EOF occurred in violation of protocol (handshake not complete)")
        else:
            self._error = SSLEOFError("EOF occurred in violation of protocol")
        self._end_handshake_run()
        self._drop_secrets(fatal=False)
        if reset and self.handshake_complete:
            raise SSLEOFError("EOF occurred in violation of protocol", reason=None)
        raise fresh_copy(self._error)

    def data_to_send(self, max_bytes: int = -1) -> bytes:
        return self._write.data_to_send(max_bytes)

    def bytes_to_send(self) -> int:
        return self._write.pending()

    @property
    def receive_buffer(self) -> Any:
        """The incoming :class:`RecordBuffer`: drivers ``reserve``, ``recv_into`` its free
        space and ``commit``, then call :meth:`receive_data` with ``b""`` (no copy)."""
        return self._read.buffer

    def next_record_size(self) -> int:
        """Bytes still needed to complete the next record (5 when not even its header is here);
        0 when a whole record is buffered.  Lets ``unwrap`` stop exactly at close_notify."""
        buf = self._read.buffer
        have = len(buf)
        if have < 5:
            return 5 - have
        hdr = buf.peek_header()
        return max(0, 5 + hdr[2] - have)

    def next_record_length(self, data: bytes | bytearray | memoryview) -> int:
        """The length (header included) of the next whole record, once ``data`` follows what
        the receive buffer holds; 0 when that record is not whole yet or its header is split
        between the two."""
        buf = self._read.buffer
        have = len(buf)
        if have >= 5:
            head, at = buf.buffer, buf.start  # checked when the record is opened
            size = 5 + (head[at + 3] << 8 | head[at + 4])
            return size if have + len(data) >= size else 0
        if have or len(data) < 5:
            return 0
        size = 5 + (data[3] << 8 | data[4])
        return size if len(data) >= size else 0

    def take_trailing_data(self) -> bytes:
        """After the peer's close_notify: the bytes that followed it (the plain stream's
        first bytes, after a STARTTLS-style unwrap), removed from the connection."""
        return self._read.buffer.take()

    @property
    def write_buffer(self) -> Any:
        """The outgoing :class:`RecordBuffer` (drivers send from its view without a copy)."""
        return self._write.buffer

    def send(self, data: ReadableBuffer) -> None:
        """Queue application data (protected, cut into records).

        ``data`` is any C-contiguous buffer, whatever its item type (``ssl``'s
        rule); a non-buffer is a ``TypeError`` and leaves the connection usable.
        """
        if not _is_octets(data):
            with _octet_view(data) as octets:
                return self.send(octets)
        if self._error is not None:
            raise fresh_copy(self._error)
        if self.closed:
            # OpenSSL's SSL_write after SSL_shutdown: PROTOCOL_IS_SHUTDOWN.
            raise openssl_error("PROTOCOL_IS_SHUTDOWN", "protocol is shutdown: cannot send after our close_notify")
        if not self.handshake_complete:
            raise SSLError("cannot send application data before the handshake completes")
        self._guard(self._send_app, data)

    def direct_sealer(self) -> Any:
        """The write half's sealer when application data may be sealed straight into the
        caller's bytes (handshake complete, no error, not closed, no tracer, nothing
        queued, keys far from their usage limit), else None.  ``send_and_take`` uses it;
        both record twins' ``RecordWriter`` read the same fields inline (keep them in step)."""
        w = self._write
        prot = w._prot
        if (
            self._error is None
            and self.handshake_complete
            and not self.closed
            and self._trace is None
            and prot is not None
            and not len(w.buffer)
            and prot.seq < w.soft_limit
        ):
            return prot
        return None

    def interrupted(self, exc: BaseException) -> None:
        """``exc`` (see :func:`is_interruption`) cut a driver's step that moves sealed or
        taken bytes between this connection and its transport: they are lost to the record
        stream (the peer would fail on the next record), so the connection fails now,
        without an alert: sealed after the lost records, the peer could not open it."""
        if self._error is None:
            err = _interrupted(exc)
            err.send_alert = False
            self._fail(err)

    def send_and_take(self, data: ReadableBuffer) -> bytes:
        """``send(data)`` then ``data_to_send()`` in one step: the wire bytes for ``data``
        (after anything already queued).  Drivers call this once per application
        write; when nothing is queued, nothing is traced and the keys are far from
        their limit, the records are sealed straight into the returned bytes."""
        if type(data) is not bytes and not _is_octets(data):
            with _octet_view(data) as octets:
                return self.send_and_take(octets)
        prot = self.direct_sealer()
        if prot is not None and len(data) <= _FAST_SEND_MAX:
            try:
                return prot.seal(ContentType.APPLICATION_DATA, data, self._write.max_fragment)
            except TLSError as exc:
                self._fail(exc)
                raise
        self.send(data)
        return self.data_to_send()

    def read(self, max_bytes: int = -1) -> bytes:
        """Application data received so far (up to ``max_bytes``)."""
        data = self._app.take(max_bytes)
        if self._marks is not None:
            self._consume_marks(len(data))
        if not len(self._app):
            self._app.release()
        return data

    def keep_record_boundaries(self) -> None:
        """Remember where each application data record ends, for :meth:`read_record`."""
        if self._marks is None:
            self._marks = collections.deque()

    def read_record(self, max_bytes: int = -1) -> bytes:
        """As :meth:`read`, but no further than the end of the next record (OpenSSL's
        SSL_read returns one record's data at most), once :meth:`keep_record_boundaries`
        was called."""
        marks = self._marks
        if not marks:
            return self.read(max_bytes)
        # One call per record for asyncio's copied reads: the marks are taken here.
        app = self._app
        first = marks[0]
        if max_bytes < 0 or max_bytes >= first:
            marks.popleft()
            data = app.take(first)
        else:
            marks[0] = first - max_bytes
            data = app.take(max_bytes)
        if not len(app):
            marks.clear()
            app.release()
        return data

    def _consume_marks(self, n: int) -> None:
        marks = self._marks
        if not len(self._app):
            marks.clear()  # all read (data fed without a mark cannot shift later ones)
            return
        while n and marks:
            first = marks[0]
            if n < first:
                marks[0] = first - n
                return
            marks.popleft()
            n -= first

    def _receive_into(self, data, buffer) -> int:
        """``receive_data(data)`` then ``read_into(buffer)``, for ``SSLObject.read``, which
        drops receive_data's events too.  ``buffer`` is a byte view.

        In the steady state (application data readable and none waiting, no tracer)
        the records are opened straight into ``buffer``: no copy through the
        application buffer, and a fraction of the calls.  When the last chunk ended
        inside a record, ``data`` joins it in the receive buffer and is opened from
        there.  From a record that is not application data (a ticket, a KeyUpdate,
        an alert: opened into ``buffer`` after the data, as scratch), or one that
        does not fit, the rest goes the general way, and the bytes already opened
        are returned through the application buffer (0 here, then ``pending()``).
        """
        if (
            self._read._prot is None
            or self._error is not None
            or not self._app_read_allowed
            or self._trace
            or self._hs_buf
            or self._early_skip
            or self.peer_closed
            or len(self._app)
        ):
            self.receive_data(data)
            return self.read_into(buffer)
        self._events.clear()
        try:
            return self._guard(self._open_into, data, buffer)
        except BaseException:
            # A record that failed authentication was decrypted into the caller's buffer
            # before its tag was checked: leave none of it there (RFC 5116 2.2).
            buffer[:] = bytes(len(buffer))
            raise

    def _open_into(self, data, buffer) -> int:
        prot = self._read._prot
        try:
            inp = self._read.buffer
            if len(inp):
                inp.feed(data)  # after the partial record the last chunk left
                pos, n, stop, ctype, rec_end = prot.open_records(inp.buffer, inp.start, inp.end, buffer, 0)
                inp.consume_to(pos)
                if not len(inp):
                    inp.release()
            else:
                end = len(data)
                pos, n, stop, ctype, rec_end = prot.open_records(data, 0, end, buffer, 0)
                if pos < end:
                    self._read.feed(memoryview(data)[pos:])  # a partial record, or what the general way takes
            if n:
                self._key_updates_in_row = self._warnings = 0
            if not stop:
                return n
            # The general way from here (rare): the data opened so far goes to the application
            # buffer first, so that it stays readable, in order, whatever the rest raises.
            # STOP_RECORD: a handshake message or an alert, now in buffer[n:rec_end]; the bytes
            # after it wait in the receive buffer for _process.
            if n:
                self._app.feed(buffer[:n])
                if self._marks is not None:
                    self._marks.append(n)
            if stop == 4:  # STOP_FAILED: the opener raises its parked error (see HalfConn.read)
                prot.open_records(buffer, 0, 0, buffer, 0)
            if stop == 1:
                payload = bytes(buffer[n:rec_end])
                end = min(rec_end + 1, len(buffer))  # and the TLS 1.3 inner content type after it
                buffer[n:end] = bytes(end - n)  # scratch: no handshake plaintext left behind
                if self._on_record(ctype, payload, True):
                    return 0  # close_notify: what follows it is not ours to open
            self._process()
            self._events.clear()
            return 0
        except BaseException as exc:
            # A kept error must not reach the key: its traceback holds this frame and
            # the opener's (as ReadHalf.read).
            prot = None  # noqa: F841
            clear_record_frames(exc.__traceback__)
            raise

    def read_into(self, buffer: WriteableBuffer) -> int:
        """Move up to ``buffer``'s size in bytes of received application data into it."""
        if (type(buffer) is not memoryview or buffer.format != "B" or buffer.ndim != 1) and not _is_octets(buffer):
            with _octet_view(buffer) as octets:
                return self.read_into(octets)
        app = self._app
        n = min(len(buffer), len(app))
        if n:
            memoryview(buffer)[:n] = memoryview(app.buffer)[app.start : app.start + n]
            app.consume(n)
            if self._marks is not None:
                self._consume_marks(n)
            app.release()  # only if now empty (it checks)
        return n

    def pending(self) -> int:
        """Application bytes received and not yet read."""
        return len(self._app)

    def pending_in_record(self) -> int:
        """What is left of the record the next read takes from, once record boundaries are
        kept (:meth:`keep_record_boundaries`), else :meth:`pending`: OpenSSL's SSL_pending
        counts only the record it has open, and ``read(pending())`` then gets all of it."""
        marks = self._marks
        if marks and len(self._app):
            return min(marks[0], len(self._app))
        return len(self._app)

    def close(self) -> None:
        """Queue close_notify (RFC 8446 section 6.1); we send nothing after it."""
        if self.closed or self._error is not None:
            return
        self.closed = True
        self._send_alert(AlertLevel.WARNING, AlertDescription.close_notify)
        if not self.handshake_complete:
            # Nothing follows our close_notify, so the handshake cannot go on: end its
            # run now, which drops its secrets and the reference cycle its suspended
            # generator forms with this connection (freed by refcount, not a GC pass).
            self._end_handshake_run()

    def verify_client_post_handshake(self) -> None:
        """Server, TLS 1.3: ask the client for its certificate now (RFC 8446 4.6.2), as
        ssl's ``verify_client_post_handshake``.  The CertificateRequest is queued at once
        (send ``data_to_send()``); the client's answer is checked as it arrives, and a
        :class:`~fasttls.events.PostHandshakeAuth` event says when it has.  Needs a client
        that offered it (its ``post_handshake_auth``) and a policy that takes client
        certificates; a refusal raises :class:`SSLError` (its ``reason`` as OpenSSL's)
        and leaves the connection as it was."""
        if self._error is not None:
            raise fresh_copy(self._error)
        refusal = None
        if not self.server_side:
            refusal = ("NOT_SERVER", "only a server asks for post-handshake authentication")
        elif not self.handshake_complete:
            refusal = ("STILL_IN_INIT", "the handshake is not complete")
        elif self.version != ProtocolVersion.TLS13:
            refusal = ("WRONG_SSL_VERSION", "post-handshake authentication needs TLS 1.3")
        elif self.closed:
            refusal = ("PROTOCOL_IS_SHUTDOWN", "the connection is closed")
        else:
            refusal = self._handshake.state13.post_handshake_auth_refusal(self)
        if refusal is not None:
            err = SSLError(f"[TLS: {refusal[0]}] {refusal[1]}")
            err.reason = refusal[0]
            try:
                raise err
            finally:
                del err  # no cycle through this frame (see _guard)
        self._guard(self._handshake.state13.request_client_certificate, self)

    def key_update(self, request_peer: bool = True) -> None:
        """Send a TLS 1.3 KeyUpdate and switch our sending keys (RFC 8446 section 4.6.3)."""
        if self._error is not None:
            raise fresh_copy(self._error)
        if not self.handshake_complete or self.version != ProtocolVersion.TLS13:
            raise SSLError("key updates need an established TLS 1.3 connection")
        self._guard(self._send_key_update, request_peer)

    def export_keying_material(self, label: str | bytes, context: bytes | None, length: int) -> bytes:
        if not self.handshake_complete:
            raise SSLError("handshake not complete")
        if self._error is not None:
            # _drop_secrets: a failed connection keeps no secret to export from.
            raise SSLError(f"cannot export keying material: the connection failed ({self._error})")
        return self._handshake.export_keying_material(self, label, context, length)

    def connection_state(self) -> ConnectionState:
        """What this connection has negotiated so far (Go's ``ConnectionState()``).

        A peer certificate that ``cryptography`` cannot parse (taken with verification
        off, see ``check_certificates_parse``) is an ``auth.CertificateKey``: its DER and key."""
        suite = self.cipher_suite
        return ConnectionState(
            version=self.version,
            handshake_complete=self.handshake_complete,
            did_resume=self.session_reused,
            cipher_suite=suite.id if suite is not None else None,
            curve_id=self.group,
            negotiated_protocol=self.alpn_protocol,
            server_name=self.server_name,
            peer_certificates=[_certificate_or_key(d) for d in self.peer_certificates],
            verified_chains=[list(self.verified_chain)] if self.verified_chain else [],
            ocsp_response=self.ocsp_response,
            tls_unique=self.tls_unique,
            server_side=self.server_side,
        )

    @property
    def established(self) -> bool:
        return self.handshake_complete and self._error is None

    @property
    def error(self) -> BaseException | None:
        return self._error

    # ------------------------------------------------------------------ internals

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except TLSError as exc:
            self._fail(exc)
            raise
        except (AlertReceived, SSLZeroReturnError) as exc:
            self._error = fresh_copy(exc)
            self._end_handshake_run()
            self._drop_secrets(fatal=isinstance(exc, AlertReceived))
            raise
        except SSLError as exc:
            self._fail(exc)
            raise
        except Exception as exc:  # a bug or an unexpected library error: never leak it raw
            if _raised_by_signal_handler(exc):
                self._fail(_interrupted(exc))
                raise  # the application's own exception (a SIGALRM deadline), as ssl lets it through
            err = TLSError(AlertDescription.internal_error, f"internal error: {exc!r}")
            err.__cause__ = exc
            self._fail(err)
            try:
                raise err from exc
            finally:
                # The traceback holds this frame: with ``err`` still in it, the error,
                # the connection and its socket would wait for the cyclic GC.
                del err
        except BaseException as exc:
            # KeyboardInterrupt, SystemExit, a signal handler's BaseException: it cut the
            # handshake generator (which cannot be resumed: a retry would have found it
            # finished and taken that for a completed handshake, unverified) or a record
            # half taken in.  The connection fails, and the exception goes on unchanged.
            self._fail(_interrupted(exc))
            raise

    def _end_handshake_run(self) -> None:
        """After a fatal error, or close() before the handshake completed, no message
        reaches the handshake again: close its generator, whose suspended frame holds
        the connection, and drop what only the handshake needed (its secrets, and its
        links back to this connection)."""
        gen = self._gen
        self._expecting = None
        if gen is not _FINISHED:
            self._gen = _FINISHED
            if gen is not None:
                gen.close()
            self._handshake.release_handshake_state()

    def _fail(self, exc: BaseException) -> None:
        # A copy, not exc: exc's traceback will hold this connection's frames, and a
        # failed connection would then sit in a reference cycle until the cyclic GC.
        if self._error is None:
            self._error = fresh_copy(exc)
        alert = getattr(exc, "alert", None)
        if alert is not None and not self._alert_sent and isinstance(exc, TLSError) and exc.send_alert:
            try:
                self._flush_handshake()
                self._send_alert(AlertLevel.FATAL, alert)
            except Exception:  # noqa: BLE001 - the alert is best effort
                log.debug("could not queue the alert", exc_info=True)
        self._end_handshake_run()
        self._drop_secrets()

    def _drop_secrets(self, fatal: bool = True) -> None:
        """A failed connection opens and seals nothing more (its alert is sealed already):
        its keys and secrets go now, not with the last reference to it.  A kept exception's
        traceback holds the connection (its frames' locals), as urllib3's retry history or a
        future would keep it; ssl frees its SSL object, keys and all, on close.  The keys
        are replaced by a stand-in that refuses any use, never by None, which would mean
        records in the clear.

        ``fatal`` (a fatal alert, sent or received): the session goes too, from this
        connection and from the session caches, as RFC 5246 7.2.2 asks ("the session
        identifier MUST be invalidated") and OpenSSL does for both versions.  A transport
        closed without close_notify keeps it, as servers that just close are common."""
        if fatal:
            self._invalidate_session()
        for half in (self._read, self._write):
            if half._prot is not None:
                half._prot = _NO_KEYS
            half.traffic_secret = None
        self.exporter_master_secret = self.resumption_master_secret = None
        hs = self._handshake
        for obj in (hs, getattr(hs, "state13", None), getattr(hs, "state12", None)):
            if obj is not None:
                for name in _SECRETS_AFTER_HANDSHAKE.intersection(obj.__dict__):
                    setattr(obj, name, None)

    def _server_session(self) -> ServerSession:
        """What ``ssl`` shows of a server's session (OpenSSL's SSL_SESSION), as it shows it."""
        created = int(self.config.clock())
        if self.version == ProtocolVersion.TLS13:
            state13 = getattr(self._handshake, "state13", None)
            # OpenSSL gives a TLS 1.3 session a random id when it makes a ticket for it.
            session_id = os.urandom(32) if getattr(state13, "tickets_sent", 0) else b""
            timeout = min(self.config.ticket_lifetime, MAX_TICKET_LIFETIME)
            if getattr(state13, "external_psk_used", False):
                timeout = 304  # SSL_SESSION_new's default, which a psk callback's session keeps
        else:
            state12 = getattr(self._handshake, "state12", None)
            session_id = getattr(state12, "session_id", b"") or b""
            created = getattr(state12, "resumed_created_at", None) or created
            timeout = self.config.ticket_lifetime
        return ServerSession(session_id, int(created), int(timeout))

    def _invalidate_session(self) -> None:
        config = self.config
        if not self.server_side:
            session, self.session = self.session, None
            uncache_session(config.session_cache, self.server_hostname, session)
            return
        state12 = getattr(self._handshake, "state12", None)
        session_id = getattr(state12, "session_id", None)
        if session_id and config.server_session_cache is not None:
            config.server_session_cache.remove(session_id)

    def _send_alert(self, level: int, description: int) -> None:
        if self.closed and description != AlertDescription.close_notify:
            # RFC 5246 7.2.1, RFC 8446 6.1: nothing follows our close_notify, not even
            # the alert of an error found while we wait for the peer's (as OpenSSL).
            return
        if level == AlertLevel.FATAL:
            self._alert_sent = True  # (a warning, such as no_renegotiation, leaves room for a fatal one)
        # TLS 1.3: every alert but close_notify/user_canceled is fatal (RFC 8446 6).
        self._write_records(ContentType.ALERT, bytes((level, description)))
        if self._trace:
            self._emit_trace("alert", "send", AlertDescription(description).name, {"level": AlertLevel(level).name})

    def _emit_trace(self, kind: str, direction: str, name: str, fields: dict) -> None:
        try:
            self._trace(ev.TraceEvent(kind, direction, name, fields))
        except Exception:  # noqa: BLE001 - a broken tracer must not break TLS
            log.debug("tracer failed", exc_info=True)

    def _advance(self, msg) -> None:
        """Feed one message (or None to start) to the handshake generator."""
        gen = self._gen
        if gen.gi_frame is None:
            # Only a generator that returned just now completes the handshake; one that
            # had already ended (by an exception) would answer StopIteration too.
            raise TLSError(AlertDescription.internal_error, "the handshake had already ended without completing")
        try:
            self._expecting = gen.send(msg)
        except StopIteration:
            self._expecting = None
            self._flush_handshake()
            if not self.handshake_complete:
                self.handshake_complete = True
                self._gen = _FINISHED  # not None: None means "not started"
                if self.server_side:
                    self.session = self._server_session()
                self._handshake.release_handshake_state()
                self._app_read_allowed = True
                self._events.append(
                    ev.HandshakeComplete(
                        self.version,
                        self.cipher_suite.id if self.cipher_suite else 0,
                        self.alpn_protocol,
                        self.session_reused,
                    )
                )
            return
        self._flush_handshake()

    def _process(self) -> None:
        app = self._app
        read = self._read
        while True:
            before = len(app)
            # An empty application-data record leaves no bytes in ``app``: while data may
            # not come, the record layer's count of them tells (read() stops at the first
            # other record, so the ones it counted came before the record it returns).
            # No local holds the opener: a kept exception's traceback holds this frame.
            empties = (
                read._prot.empty_records if (self._hs_buf or not self._app_read_allowed) and read._prot is not None else -1
            )
            try:
                rec = read.read(app, self._marks)
            except TLSError as exc:
                if self._early_skip and exc.alert == AlertDescription.bad_record_mac:
                    self._skip_early_record()
                    continue
                if not exc.send_alert and self._record_seen:
                    # Not TLS after a first record that was (ssl3_get_record's first-record
                    # test): WRONG_VERSION_NUMBER, with protocol_version to the peer.
                    raise TLSError(AlertDescription.protocol_version, exc.why, openssl_reason="WRONG_VERSION_NUMBER") from None
                if self.server_side and getattr(exc, "sslv2_client_hello", False):
                    # A TLS client speaking SSLv2's hello format: it is told, with
                    # protocol_version, as Go's server tells it (RFC 5246 E.2 lets a server
                    # refuse the format; it carries no extensions, so no EMS, no groups).
                    raise TLSError(
                        AlertDescription.protocol_version, "unsupported SSLv2 handshake received (an SSLv2-format ClientHello)", openssl_reason="UNSUPPORTED_PROTOCOL"
                    ) from None
                raise
            got = len(app) - before
            if got or (empties >= 0 and read._prot.empty_records != empties):
                if self._hs_buf and self.version != ProtocolVersion.TLS12:
                    # RFC 8446 5.1: a handshake message split over records may not have
                    # other record types between its pieces.  RFC 5246 6.2.1 lets them
                    # interleave (ssl and Go agree), as _on_alert does for alerts.
                    raise TLSError(AlertDescription.unexpected_message, "application data inside a fragmented handshake message")
                if self._trace:
                    self._emit_trace("record", "receive", "APPLICATION_DATA", {"length": got, "protected": True})
                if not self._app_read_allowed:
                    raise TLSError(AlertDescription.unexpected_message, "application data before the handshake completed")
                if got:  # only a record with content ends a run of warnings or KeyUpdates
                    self._key_updates_in_row = self._warnings = 0
            if rec is None:
                if not len(app):
                    app.release()  # nothing for the application: an idle connection holds no buffer
                return
            if self._on_record(*rec):
                return

    def _on_record(self, ctype: int, payload: bytes, protected: bool) -> bool:
        """One record that is not protected application data (that went to the
        application buffer).  Returns True when it was the peer's close_notify:
        what follows it is not ours to open."""
        self._record_seen = True
        if ctype != ContentType.ALERT and payload:
            self._warnings = 0  # warning alerts are bounded in a row (see _on_alert)
        if protected:
            self._early_skip = 0  # the client's real flight has started
        elif ctype == ContentType.APPLICATION_DATA and self._early_skip:
            self._early_skip -= len(payload)
            if self._early_skip <= 0:
                raise TLSError(AlertDescription.unexpected_message, "too much rejected early data")
            return False
        if self._trace:
            self._emit_trace("record", "receive", ContentType(ctype).name, {"length": len(payload), "protected": protected})
        if ctype == ContentType.HANDSHAKE:
            self._on_handshake_record(payload, protected)
        elif ctype == ContentType.ALERT:
            self._on_alert(payload, protected)
            return self.peer_closed
        elif ctype == ContentType.CHANGE_CIPHER_SPEC:
            self._on_change_cipher_spec(payload, protected)
        else:  # protected application data went to the buffer: this one was not protected
            raise TLSError(AlertDescription.unexpected_message, "unprotected application data")
        return False

    def skip_early_data(self, budget: int) -> None:
        """We rejected 0-RTT: drop records we cannot open, up to ``budget`` bytes (RFC 8446 4.2.10)."""
        self._early_skip = budget

    def _skip_early_record(self) -> None:
        hdr = self._read.buffer.peek_header()
        size = 5 + hdr[2]
        self._early_skip -= size
        if self._early_skip <= 0:
            # RFC 8446 4.2.10 names unexpected_message for early data past the limit;
            # OpenSSL and BoringSSL send it for rejected early data too.
            raise TLSError(AlertDescription.unexpected_message, "too much rejected early data")
        self._read.buffer.consume(size)

    def _on_handshake_record(self, payload: bytes, protected: bool) -> None:
        if self._read.protected and not protected:
            raise TLSError(AlertDescription.unexpected_message, "unprotected handshake record after encryption started")
        if not payload:
            raise TLSError(AlertDescription.unexpected_message, "empty handshake record")
        if self.peer_closed:
            raise TLSError(AlertDescription.unexpected_message, "handshake data after close_notify")
        if self._gen is _FINISHED and not self.handshake_complete:
            raise _abandoned()  # whatever the message's size or shape (see _on_handshake_message)
        self._hs_buf += payload
        buf = self._hs_buf
        while len(buf) >= _HS_HEADER:
            mtype = buf[0]
            length = int.from_bytes(buf[1:4], "big")
            limit = (
                self.config.max_certificate_message
                if mtype == HandshakeType.certificate
                else _MAX_MESSAGE_BODY.get(mtype, self.config.max_handshake_message)
            )
            if length > limit:
                # As OpenSSL, which checks the type first (read_state_machine): a message
                # that may not come here is unexpected_message whatever its size; one
                # that may is illegal_parameter, EXCESSIVE_MESSAGE_SIZE.
                unexpected = self._unexpected_type(mtype)
                if unexpected:
                    raise TLSError(AlertDescription.unexpected_message, f"{unexpected} (type {mtype}, {length} bytes)")
                raise TLSError(AlertDescription.illegal_parameter, f"handshake message (type {mtype}) of {length} bytes is over the limit of {limit}", "EXCESSIVE_MESSAGE_SIZE")
            if len(buf) < _HS_HEADER + length:
                return
            raw = bytes(buf[: _HS_HEADER + length])
            del buf[: _HS_HEADER + length]
            self._on_handshake_message(raw)
            buf = self._hs_buf

    #: After the handshake, what each side may receive (RFC 8446 4.6, RFC 5246 7.4.1.1).
    _POST_HANDSHAKE_TYPES = {
        (True, False): frozenset((HandshakeType.new_session_ticket, HandshakeType.key_update, HandshakeType.certificate_request)),
        (True, True): frozenset((HandshakeType.key_update, HandshakeType.certificate, HandshakeType.certificate_verify, HandshakeType.finished)),
        (False, False): frozenset((HandshakeType.hello_request,)),
        (False, True): frozenset((HandshakeType.client_hello,)),
    }

    def _unexpected_type(self, mtype: int) -> str | None:
        """Why a message of type ``mtype`` cannot come now, from its header alone; None
        when it may (or when that needs the message: a handshake not yet started)."""
        tls13 = self._tls13_table(mtype)
        cls = (hsmsg.TLS13_MESSAGES if tls13 else hsmsg.TLS12_MESSAGES).get(mtype)
        if cls is None:
            return f"handshake message of a type {'TLS 1.3' if tls13 else 'TLS 1.2'} does not have"
        if self.handshake_complete:
            if mtype not in self._POST_HANDSHAKE_TYPES[tls13, self.server_side] or (
                tls13 and self.server_side and mtype != HandshakeType.key_update and not self._handshake.client_auth_pending()
            ):
                return f"unexpected {cls.__name__} after the handshake"
        else:
            expecting = self._expecting
            if expecting is None and self._gen is None and self.server_side:
                expecting = (hsmsg.ClientHello,)  # a server not yet started waits for one
            if expecting is not None and not issubclass(cls, expecting):
                return f"expected {' or '.join(t.__name__ for t in expecting)}, received {cls.__name__}"
        return None

    def _tls13_table(self, mtype: int) -> bool:
        """Whether a message of type ``mtype`` is read with TLS 1.3's table: in TLS 1.3, and
        before the version is known, except a HelloRequest to a client that offered TLS 1.2
        (RFC 5246 7.4.1.1: ignored while it negotiates)."""
        if self.version is None:
            return not (mtype == HandshakeType.hello_request and not self.server_side and self._offers_tls12())
        return self.version == ProtocolVersion.TLS13

    def _offers_tls12(self) -> bool:
        return ProtocolVersion.TLS12 in self.config.versions()

    def _on_handshake_message(self, raw: bytes) -> None:
        tls13 = self.version == ProtocolVersion.TLS13 or self.version is None
        if tls13 and not raw[0] and self.version is None:  # a HelloRequest, version unknown
            tls13 = self._tls13_table(raw[0])
        try:
            msg = hsmsg.parse_handshake(raw, tls13)
        except TLSError as exc:
            # As OpenSSL, which checks the type before it parses: a malformed message
            # that could not come now anyway is unexpected_message, not decode_error.
            unexpected = self._unexpected_type(raw[0])
            if unexpected and exc.alert != AlertDescription.unexpected_message:
                raise TLSError(AlertDescription.unexpected_message, f"{unexpected} (and it does not parse: {exc.detail})") from None
            raise
        if self._trace:
            self._emit_trace("message", "receive", type(msg).__name__, _describe(msg))
        if not self.handshake_complete:
            if self._gen is _FINISHED:
                # close(), or the loss of the SSLSocket/SSLObject driving this connection,
                # ended the handshake before it completed (ssl: "shutdown while in init").
                raise _abandoned()
            if self._gen is None:
                self.start()
            self._advance(msg)
            return
        self._on_post_handshake(msg)

    def _on_post_handshake(self, msg) -> None:
        if self.version == ProtocolVersion.TLS13:
            if isinstance(msg, hsmsg.KeyUpdate):
                self._on_key_update(msg)
                return
            if isinstance(msg, hsmsg.NewSessionTicketTLS13) and not self.server_side:
                session = self._handshake.on_new_session_ticket(self, msg)
                if session is not None:
                    self._events.append(ev.SessionTicketReceived(session))
                return
            if isinstance(msg, hsmsg.CertificateRequestTLS13) and not self.server_side:
                if self.closed:
                    return  # we sent close_notify: nothing more goes out (RFC 8446 6.1)
                # Each costs us a signature: a server sending them without end (and no data)
                # is held to the KeyUpdates' bound, in the same count (OpenSSL has none; Go
                # no post-handshake auth, and 16 post-handshake messages in a row).
                self._key_updates_in_row += 1
                if self._key_updates_in_row > self.config.max_key_updates:
                    raise TLSError(AlertDescription.unexpected_message, "too many KeyUpdates and CertificateRequests without application data")
                sent = self._handshake.on_certificate_request(self, msg)
                self._flush_handshake()
                self._events.append(ev.PostHandshakeAuth(sent))
                return
            if isinstance(msg, (hsmsg.CertificateTLS13, hsmsg.CertificateVerify, hsmsg.Finished)) and self.server_side:
                done = self._handshake.on_client_auth_message(self, msg)
                if done is not None:
                    self._events.append(ev.PostHandshakeAuth(done))
                return
            raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} after the handshake")
        if isinstance(msg, hsmsg.HelloRequest if not self.server_side else hsmsg.ClientHello):
            # Our policy: no renegotiation.  RFC 5246 7.2.2: no_renegotiation "is always a
            # warning", and the requester decides whether to go on (OpenSSL's
            # -no_renegotiation server answers a ClientHello so too).  At most
            # max_warning_alerts refusals over the connection, the next one fails: a count
            # of its own, kept over the whole connection (warnings count in a row).
            self._renegotiations_refused += 1
            if self._renegotiations_refused > self.config.max_warning_alerts:
                raise TLSError(AlertDescription.unexpected_message, "too many renegotiation attempts")
            self._send_alert(AlertLevel.WARNING, AlertDescription.no_renegotiation)
            return
        raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} after the handshake")

    def _on_key_update(self, msg) -> None:
        if self._hs_buf:
            raise TLSError(AlertDescription.unexpected_message, "KeyUpdate not at a record boundary")
        if not msg.update_requested and self._key_updates_owed:
            # The answer to one of ours (RFC 8446 4.6.3 obliges it): not the peer's flood.
            self._key_updates_owed -= 1
        else:
            self._key_updates_in_row += 1
        if self._key_updates_in_row > self.config.max_key_updates:
            raise TLSError(AlertDescription.unexpected_message, "too many KeyUpdates without application data")
        suite = self.cipher_suite
        secret = key_schedule.next_traffic_secret(suite.hash_alg, self._read.traffic_secret)
        self._set_read_secret(secret, None)
        del secret  # not in this frame if what follows raises (a kept error's traceback)
        self._events.append(ev.KeyUpdated("read", bool(msg.update_requested)))
        if msg.update_requested and not self.closed:
            self._send_key_update(False)

    def _send_key_update(self, request_peer: bool) -> None:
        from .constants import KeyUpdateRequest

        msg = hsmsg.KeyUpdate(
            update_requested=KeyUpdateRequest.update_requested if request_peer else KeyUpdateRequest.update_not_requested
        )
        self.write_handshake(msg)
        self._flush_handshake()
        if request_peer:
            self._key_updates_owed += 1
        suite = self.cipher_suite
        secret = key_schedule.next_traffic_secret(suite.hash_alg, self._write.traffic_secret)
        self._set_write_secret(secret, None)
        self._events.append(ev.KeyUpdated("write", request_peer))

    def _on_alert(self, payload: bytes, protected: bool) -> None:
        if len(payload) != 2:
            if not payload and self.version == ProtocolVersion.TLS13:
                # RFC 8446 5.4: a zero-length alert record is unexpected_message (as an
                # empty handshake record; OpenSSL: BAD_LENGTH with that alert).
                raise TLSError(AlertDescription.unexpected_message, "empty alert record", "BAD_LENGTH")
            raise TLSError(AlertDescription.decode_error, f"alert record of {len(payload)} bytes")
        if self._read.protected and not protected and (self.handshake_complete or not self.server_side):
            # A server can only protect what it sends once a client read its ServerHello, so
            # a client refuses a plaintext alert from then on (OpenSSL: BAD_RECORD_TYPE; Go
            # too).  A server takes one until the handshake completes: a client that refused
            # the ServerHello has no keys to protect its alert with.
            raise TLSError(AlertDescription.unexpected_message, "unprotected alert after the handshake" if self.handshake_complete else "unprotected alert after encryption started")
        if self._hs_buf and (self.version == ProtocolVersion.TLS13 or (self.version is None and self.server_side)):
            # RFC 8446 5.1: no other record type between the pieces of a handshake message.
            # TLS 1.2 allows it (RFC 5246 6.2.1).  Before the hellos settle the version, a
            # server holds a ClientHello to the stricter rule, and a client lets a warning
            # split the ServerHello, as OpenSSL does on each side.
            raise TLSError(AlertDescription.unexpected_message, "alert inside a fragmented handshake message")
        level, description = payload[0], payload[1]
        if level not in (AlertLevel.WARNING, AlertLevel.FATAL):
            # RFC 5246 7.2 / 8446 6: warning (1) or fatal (2); OpenSSL: UNKNOWN_ALERT_TYPE.
            raise TLSError(AlertDescription.illegal_parameter, f"alert of unknown level {level}", "UNKNOWN_ALERT_TYPE")
        if self._trace:
            try:
                name = AlertDescription(description).name
            except ValueError:
                name = f"alert_{description}"
            self._emit_trace("alert", "receive", name, {"level": AlertLevel(level).name})  # as sent ones
        if description == AlertDescription.close_notify:
            self.peer_closed = True
            if not self.handshake_complete:
                # The handshake can never finish: fail it now, as OpenSSL's SSL_do_handshake
                # does (SSL_ERROR_ZERO_RETURN), not wait for bytes that will not come (a socket
                # at EOF would spin on its reads).  Our close_notify answers theirs (RFC 5246
                # 7.2.1; RFC 8446 6.1: one before closing the write side), so the peer hears
                # the end from us too.
                if not self.closed:
                    self.closed = True
                    self._send_alert(AlertLevel.WARNING, AlertDescription.close_notify)
                self._alert_sent = True
                raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF): close_notify before the handshake completed")
            self._events.append(ev.ConnectionClosed())
            return
        tls13 = self.version == ProtocolVersion.TLS13
        if level == AlertLevel.WARNING and (not tls13 or description == AlertDescription.user_canceled):
            # TLS 1.2 warnings (no_renegotiation...) are informative, and a user_canceled
            # is followed by close_notify (RFC 8446 6.1); bound them all, or a peer could
            # keep a handshake going forever.  As OpenSSL (ssl3_read_bytes): the bound is on
            # warnings in a row (any other record with content resets it), and the
            # max_warning_alerts-th in a row fails (TOO_MANY_WARN_ALERTS).
            self._warnings += 1
            if self._warnings >= self.config.max_warning_alerts:
                raise TLSError(AlertDescription.unexpected_message, f"{self._warnings} warning alerts in a row", "TOO_MANY_WARN_ALERTS")
            return
        self._alert_sent = True  # never answer a fatal alert with one
        raise AlertReceived(description)

    def _on_change_cipher_spec(self, payload: bytes, protected: bool) -> None:
        if payload != b"\x01" or protected:
            raise TLSError(AlertDescription.unexpected_message, "malformed or protected ChangeCipherSpec")
        if self.handshake_complete:
            raise TLSError(AlertDescription.unexpected_message, "ChangeCipherSpec after the handshake")
        if self.version == ProtocolVersion.TLS12:
            if self._hs_buf:
                raise TLSError(AlertDescription.unexpected_message, "ChangeCipherSpec inside a handshake message")
            self._advance(CHANGE_CIPHER_SPEC)
            return
        # TLS 1.3 (or not known yet): RFC 8446 section 5 says to drop an
        # unprotected CCS sent after the first ClientHello and before the
        # peer's Finished (middlebox compatibility); anything else is unexpected.
        # A peer sends one (appendix D.4); more are dropped too, up to Go's bound
        # on useless records (maxUselessRecords), so they cannot stall a handshake.
        if self.server_side and not self._handshake.client_hello_received:
            raise TLSError(AlertDescription.unexpected_message, "ChangeCipherSpec before the ClientHello")
        if self.version is None and not self.server_side and ProtocolVersion.TLS13 not in self.config.versions():
            # A client that offered TLS 1.2 only speaks RFC 5246, where a CCS before the
            # ServerHello is unexpected (ssl: UNEXPECTED_MESSAGE); the drop is TLS 1.3's.
            raise TLSError(AlertDescription.unexpected_message, "ChangeCipherSpec before the ServerHello")
        self._ccs_seen += 1
        if self._ccs_seen > MAX_CHANGE_CIPHER_SPECS:
            raise TLSError(AlertDescription.unexpected_message, f"more than {MAX_CHANGE_CIPHER_SPECS} ChangeCipherSpec records in a TLS 1.3 handshake")

    def _send_app(self, data) -> None:
        if self.version == ProtocolVersion.TLS13 and self._write.key_update_due:
            self._send_key_update(True)
        if self._trace:
            self._write_records(ContentType.APPLICATION_DATA, data)
        else:
            self._write.write_record(ContentType.APPLICATION_DATA, data)

    def _write_records(self, content_type: int, data) -> None:
        """Queue records of ``content_type``; with a tracer, one "record" event per record
        (plaintext length, bytes on the wire, whether it is protected)."""
        self.hold_output = False
        w = self._write
        before = len(w.buffer)
        w.write_record(content_type, data)
        if self._trace:
            wire = len(w.buffer) - before
            frag = w.max_fragment
            n = max(1, -(-len(data) // frag))
            overhead = (wire - len(data)) // n
            name = ContentType(content_type).name
            for i in range(n):
                length = min(frag, len(data) - i * frag)
                self._emit_trace("record", "send", name, {"length": length, "wire": length + overhead, "protected": w.protected})

    # ------------------------------------------------------------------ for the handshake

    def write_handshake(self, msg: Any) -> bytes:
        """Queue a handshake message; returns its bytes (for the transcript)."""
        raw = msg.raw if getattr(msg, "raw", None) else msg.marshal()
        self._hs_out += raw
        if self._trace:
            self._emit_trace("message", "send", type(msg).__name__, _describe(msg))
        return raw

    def write_change_cipher_spec(self) -> None:
        self._flush_handshake()
        self._write_records(ContentType.CHANGE_CIPHER_SPEC, b"\x01")

    def _flush_handshake(self) -> None:
        if self._hs_out:
            data = bytes(self._hs_out)
            self._hs_out.clear()
            self._write_records(ContentType.HANDSHAKE, data)

    def set_record_version(self, version: int) -> None:
        self._write.record_version = version

    def expect_record_version(self, version: int) -> None:
        self._read.expected_version = version

    def _keylog(self, label: str, secret: bytes) -> None:
        if self.config.keylog is not None and label:
            try:
                self.config.keylog(f"{label} {self.client_random.hex()} {secret.hex()}")
            except Exception:  # noqa: BLE001
                log.debug("keylog writer failed", exc_info=True)

    def _set_read_secret(self, secret: bytes, label: str | None) -> None:
        if self._hs_buf:
            raise TLSError(AlertDescription.unexpected_message, "handshake message spans a key change")
        suite = self.cipher_suite
        key, iv = key_schedule.traffic_key(suite.hash_alg, secret, suite.key_length)
        self._read.set_key(ProtocolVersion.TLS13, suite.aead, key, iv, secret)
        self._read._prot.max_empty_records = self.config.max_empty_records
        if label:
            self._keylog(label, secret)
        if self._trace:
            self._emit_trace("keys", "receive", label or "KEY_UPDATE", {"suite": suite.name})

    def _set_write_secret(self, secret: bytes, label: str | None) -> None:
        self._flush_handshake()
        suite = self.cipher_suite
        key, iv = key_schedule.traffic_key(suite.hash_alg, secret, suite.key_length)
        self._write.set_key(ProtocolVersion.TLS13, suite.aead, key, iv, secret)
        if label:
            self._keylog(label, secret)
        if self._trace:
            self._emit_trace("keys", "send", label or "KEY_UPDATE", {"suite": suite.name})

    def set_read_keys12(self, cipher: int, key: bytes, iv: bytes) -> None:
        if self._hs_buf:
            raise TLSError(AlertDescription.unexpected_message, "handshake message spans a key change")
        self._read.set_key(ProtocolVersion.TLS12, cipher, key, iv)
        self._read._prot.max_empty_records = self.config.max_empty_records
        if self._trace:
            self._emit_trace("keys", "receive", "TLS12_KEYS", {"suite": self.cipher_suite.name})

    def set_write_keys12(self, cipher: int, key: bytes, iv: bytes) -> None:
        self._flush_handshake()
        self._write.set_key(ProtocolVersion.TLS12, cipher, key, iv)
        if self._trace:
            self._emit_trace("keys", "send", "TLS12_KEYS", {"suite": self.cipher_suite.name})

    def allow_app_read(self) -> None:
        self._app_read_allowed = True

    def trace_info(self, name: str, **fields: Any) -> None:
        if self._trace:
            self._emit_trace("info", "", name, fields)


def _describe(msg) -> dict:
    try:
        return msg.describe()
    except Exception:  # noqa: BLE001 - tracing must never fail the handshake
        return {}


class _NoKeys:
    """A failed connection's dropped keys (see ``Connection._drop_secrets``): any use is
    an error, never a record in the clear."""

    __slots__ = ()

    def __getattr__(self, name: str):
        raise SSLError("the connection failed: its keys are gone")


_NO_KEYS = _NoKeys()

#: What a handshake state keeps after its handshake (``HANDSHAKE_ONLY`` goes earlier).
_SECRETS_AFTER_HANDSHAKE = frozenset(("master_secret", "exporter_master_secret", "resumption_master_secret"))


def _certificate_or_key(der: bytes) -> x509.Certificate | auth.CertificateKey:
    """The peer certificate parsed, or (one ``cryptography`` refuses, taken unverified)
    what the handshake read of it."""
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.subject, cert.issuer, cert.extensions  # noqa: B018 - parse now, not in the caller
        return cert
    except auth.CERT_PARSE_ERRORS:
        return auth.certificate_key(der, load_key=False)

"""``SSLSocket``: a ``socket.socket`` subclass driving a sans-IO :class:`Connection`.

The shape follows CPython's ``ssl.SSLSocket`` (``_create`` taking over the file
descriptor of the socket it wraps), so code written for ``ssl`` finds the
methods it expects.  All TLS work happens in :mod:`fasttls.connection`; this
module only moves bytes: one ``recv_into`` straight into the record layer's
receive buffer, one ``send`` of everything the connection has queued.
"""

from __future__ import annotations

import errno
import os
import select
import _socket as _c_socket
import socket as _socket
import ssl
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

from .config import Config
from ._fork import fork_safe_lock
from .connection import Connection, is_interruption
from .constants import ProtocolVersion
from .errors import (
    SSLEOFError,
    SSLError,
    SSLWantReadError,
    SSLWantWriteError,
    SSLZeroReturnError,
    application_data_after_close_notify,
    fresh_copy,
    handshake_reentered,
    openssl_error,
    read_only_buffer,
    shutdown_while_in_init,
    want_read,
    want_write,
)
from .sslobject import TLSInfo

if TYPE_CHECKING:
    from socket import _Address, _RetAddress, _SendableFile

    from _typeshed import ReadableBuffer, WriteableBuffer
    from typing_extensions import Never

    from .sslobject import _PeerCert, _PeerCertDict

_RECV_SIZE = 256 * 1024
#: Plaintext sealed per socket send by sendall: large writes go out in bounded
#: batches (memory stays bounded; records keep flowing while the rest is sealed).
_SEND_BATCH = 256 * 1024


_DONTWAIT = getattr(_socket, "MSG_DONTWAIT", 0)

#: What sendall raises before any byte of the write went out: the connection's own
#: errors, and data that is not a contiguous buffer (``sendall("text")``), after
#: which the socket is as usable as before (as with ssl).
_NOTHING_SENT = (SSLError, TypeError, BufferError)


def _release(view: memoryview) -> None:
    """Release our view of the caller's buffer before an error leaves: a kept exception (its
    traceback holds our frame) must not keep the buffer exported, or it cannot be resized."""
    try:
        view.release()
    except BufferError:
        pass


def _write_cut_error(cut: object) -> BaseException:
    """What a write raises once an earlier one stopped inside a record (``_write_cut``)."""
    if isinstance(cut, BaseException):
        return fresh_copy(cut)  # the peer went away: as ssl, the same EOF every time
    return SSLError(
        "a previous write was interrupted inside a record (timeout, error or signal): the connection cannot send any more"
    )


#: A send that found the peer gone.  After the handshake ssl (OpenSSL 3) reports it as
#: SSLEOFError, for that write and every later one.
_PEER_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
#: Python 3.13's ssl raises the socket's own error where 3.10-3.12 report an EOF: a reset
#: read after the handshake is ConnectionResetError, a write to a peer that went away its
#: BrokenPipeError or ConnectionResetError (and BrokenPipeError every later time), a read
#: another thread's close() cut short is OSError(EBADF).  We follow the running Python's.
_SOCKET_ERRORS_AS_THEY_ARE = sys.version_info >= (3, 13)


_TIMED_OUT = {select.POLLIN: "The read operation timed out", select.POLLOUT: "The write operation timed out"}


#: The largest record (TLS 1.2's ciphertext bound, RFC 5246 6.2.3): a peek this long
#: always holds a whole record when one is there.
_ONE_RECORD = 5 + (1 << 14) + 2048


#: recv flags that take peeked bytes out of the kernel: for TCP, Linux's MSG_TRUNC discards
#: them without copying them again (elsewhere they are simply read over themselves).
_TAKE_FLAGS = getattr(_socket, "MSG_TRUNC", 0) if sys.platform.startswith("linux") else 0


def _is_alert_sized(data: bytearray, pos: int, size: int) -> bool:
    """Could the record at ``data[pos]`` (``size`` bytes with its header) be the peer's
    close_notify?  A TLS 1.2 alert record, or a TLS 1.3 record of 24 bytes (the header,
    2 of alert, the content type, the tag)."""
    return data[pos] == 21 or (data[pos] == 23 and size == 24)


def _records_to_take(data: bytearray, start: int, stop: int, want: int, known: list[int] | None = None) -> int:
    """How far into ``data[start:stop]`` (record layer bytes, peeked) a read of ``want``
    bytes should take from the kernel: whole records whose plaintext the read can return
    (at least one), and not a last record that may be the peer's close_notify
    (``_known_to_take``).

    OpenSSL reads one record at a time, so what a read does not return stays in the
    kernel, where ``select()`` sees it.  Code that waits in ``select()`` between reads
    (websockets' sync client, hand-written loops) stalled when we had opened more, or
    taken the close_notify that came with the last data (its closes waited for a
    timeout).  Holding a 3-byte TLS 1.2 ChaCha20 data record for an alert by mistake
    only costs a read.  With no whole record there, everything peeked is taken: the
    rest of the record will wake ``select()``.

    ``known`` (when given) is set to the sizes of the whole records peeked after the
    cut, as ``_known_to_take`` keeps them: they are in the kernel, so the reads that
    take them need no peek.
    """
    sizes = []
    pos = start
    while stop - pos >= 5:
        size = 5 + (data[pos + 3] << 8 | data[pos + 4])
        if pos + size > stop:
            break
        sizes.append(-size if _is_alert_sized(data, pos, size) else size)
        pos += size
    sizes.reverse()
    take = _known_to_take(sizes, want) if sizes else stop - start
    if known is not None:
        known[:] = sizes
    return start + take


def _known_to_take(known: list[int], want: int) -> int:
    """The rule of what a read takes, over the sizes of whole records in the kernel, the
    next last (negative for one that may be an alert): at least one record, more while
    they fit in ``want``, and not a last alert-sized one behind others.  Returns the
    bytes to read and drops those records from ``known``."""
    total = count = last = 0
    while known:
        size = known[-1]
        if count and total + abs(size) > want:
            break
        known.pop()
        total += abs(size)
        count += 1
        last = size
    if count > 1 and last < 0:
        known.append(last)
        total += last
    return total


class SSLSocket(TLSInfo, ssl.SSLSocket):  # type: ignore[misc]  # context, session: fasttls's own classes
    """A TLS connection over a socket; made by ``SSLContext.wrap_socket`` or :func:`wrap_socket`.

    Behaves as ``ssl.SSLSocket``: blocking, with timeouts, or non-blocking
    (``SSLWantReadError``/``SSLWantWriteError``; a ``send`` that raised
    ``SSLWantWriteError`` is retried with the same data, as with OpenSSL);
    ``makefile``, ``sendfile`` (through ``send``), ``unwrap``, and on a
    listening socket ``accept`` returns wrapped connections.

    It is an ``ssl.SSLSocket`` (every method overridden), because libraries ask
    ``isinstance(sock, ssl.SSLSocket)``: httpcore to find the negotiated ALPN (h2),
    ftplib to know TLS is on, asyncio to refuse it in ``sock_*`` calls.  Their own
    socket methods are called as ``socket.socket``'s, never through ``super()``
    (which would reach ssl.SSLSocket's and come back here).
    """

    # Set by _create (the attributes the methods below use).
    do_handshake_on_connect: bool
    suppress_ragged_eofs: bool
    _conn_lock: threading.Lock
    _send_lock: threading.Lock
    _recv_lock: threading.Lock
    _handshake_lock: threading.Lock
    _session_context: Any
    _known: list[int]
    _closing: bool

    @property
    def _sslobj(self):
        """``ssl.SSLSocket._sslobj``, which httpcore reads for the ``ssl_object``
        (``selected_alpn_protocol()``...): this socket while TLS is on, else None."""
        return self if self._conn is not None else None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. Instances are returned by SSLContext.wrap_socket()."
        )

    @classmethod
    def _create(
        cls,
        sock: _socket.socket,
        config,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | None = None,
        session: Any = None,
        context: Any = None,
    ) -> SSLSocket:
        if sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) != _socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        if server_side and server_hostname:
            raise ValueError("server_hostname can only be specified in client mode")
        if session is not None and server_side:
            raise ValueError("session can only be specified in client mode")
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto, fileno=sock.fileno())
        self = cls.__new__(cls, **kwargs)
        _socket.socket.__init__(self, **kwargs)  # (ssl.SSLSocket's __init__ refuses, by design)
        timeout = sock.gettimeout()
        sock.detach()
        self._config = config
        self._context = self._session_context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._session = session
        self._conn: Connection | None = None
        self._out = memoryview(b"")  # bytes taken from the connection and not yet sent
        self._conn_lock = fork_safe_lock()
        self._send_lock = fork_safe_lock()
        # How much of a write() was queued when it raised SSLWantWriteError or a timeout: its
        # retry (with the same data, as OpenSSL asks) goes on from there.
        self._write_pending = 0
        self._out_poller: Any = None  # made by the first _writable()
        self._was_full = False  # a write found the socket full (see _write)
        self._started = False
        self._done = False
        self._closing = False
        self._in_unwrap = False  # unwrap() waiting for the peer's close_notify
        self._unread_at_close = 0
        # Sizes of whole records a peek saw in the kernel behind what a read took (see
        # _records_to_take): the next small reads take them without peeking again.
        self._known: list[int] = []
        self._recv_lock = fork_safe_lock()  # one reader at a time (see _fill)
        self._handshake_lock = fork_safe_lock()  # one thread drives the handshake
        self._handshake_owner = 0  # that thread's ident while it holds the lock
        self._plain = b""  # plain bytes received behind the peer's close_notify (unwrap)
        # A write was interrupted where what went out is not known (a timeout inside
        # sendall's record, an error, a signal handler's exception): an unknown part of
        # a record went out, so nothing more may follow it.
        self._write_cut = False
        #: A read returned the end the peer's close_notify marks (OpenSSL's RECEIVED_SHUTDOWN:
        #: SSL_read has reached that record, not merely taken it off the socket).
        self._close_notify_read = False
        # The compiled (or pure-Python) steady-state write path, made by the first
        # sendall after the handshake (connections that never write do not pay for it).
        self._writer: Any = None
        self.settimeout(timeout)
        try:
            self.getpeername()
        except OSError as e:
            if e.errno != errno.ENOTCONN:
                self.close()
                raise
            connected = False
            # As ssl does since CVE-2023-40217: a peer that sent bytes and reset the
            # connection before we wrapped it leaves them readable on a socket that is
            # no longer connected; they must never be read as if they came through TLS.
            self.setblocking(False)
            try:
                early = _socket.socket.recv(self, 1)
            except OSError as e2:
                if e2.errno not in (errno.ENOTCONN, errno.EINVAL):
                    self.close()
                    raise
                early = b""
            self.settimeout(timeout)
            if early:
                self.close()
                err = SSLError("Closed before TLS handshake with data in recv buffer.", errno.ENOTCONN)
                err.reason, err.library = err.message, None  # as ssl's (test_preauth_data_to_tls_*)
                try:
                    raise err
                finally:
                    # As ssl's: the traceback holds this frame, and ``err`` in it would make
                    # a cycle (error, traceback, frame, socket) only the cyclic GC frees.
                    del err
        else:
            connected = True
        self._connected = connected
        if connected:
            try:
                self._conn = self._new_connection()
                if do_handshake_on_connect:
                    if timeout == 0.0:
                        raise ValueError("do_handshake_on_connect should not be specified for non-blocking sockets")
                    self.do_handshake()
            except BaseException:
                self.close()
                raise
        return self

    # ------------------------------------------------------------------ I/O pump

    def _await_io(self, event: int, deadline: float | None) -> float:
        """Wait until the socket (with a timeout; its fd is non-blocking) is readable or
        writable, within the operation's ``deadline`` (from now when None): returns it.
        (Not named ``_wait``: gevent's socket, which ssl.SSLSocket is under its monkey
        patching, has a ``_wait`` of its own that its blocking calls use.)

        As ssl's, the timeout bounds a whole operation (a handshake, a read, a write), not
        each system call: a peer that trickles a byte at a time cannot hold it for longer.
        """
        if deadline is None:
            deadline = time.monotonic() + _socket.socket.gettimeout(self)
        poller = select.poll()
        poller.register(self.fileno(), event)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(_TIMED_OUT[event])
            if poller.poll(int(left * 1000) + 1):
                return deadline

    def _writable(self) -> bool:
        """Is there room in the socket now?  One poll() without waiting, on a poller kept
        for it (making one, and reading the clock, would cost more than the call)."""
        poller = self._out_poller
        if poller is None:
            poller = self._out_poller = select.poll()
            poller.register(self.fileno(), select.POLLOUT)
        return bool(poller.poll(0))

    def _flush(self, block: bool = True, deadline: float | None = None) -> float | None:
        """Send everything the connection has queued (raises SSLWantWriteError if the socket is full).

        One thread may read while another writes (as with ``ssl``): the
        connection's state is guarded by ``_conn_lock`` (held only for CPU
        work), the socket's send side by ``_send_lock``.  A reader that finds
        the send side busy leaves its bytes (a KeyUpdate answer) to the
        holder, which looks again after releasing it.  Returns the operation's
        deadline (see :meth:`_await_io`) once one has started.
        """
        conn = self._conn
        lock = self._send_lock
        if self._write_cut:
            raise _write_cut_error(self._write_cut)
        write_first = bool(_socket.socket.gettimeout(self))  # see _write_nowait
        while True:
            if not lock.acquire(block):
                return deadline
            try:
                while True:
                    if not self._out:
                        if conn is None:
                            return deadline
                        with self._conn_lock:
                            if not conn.bytes_to_send():
                                break
                            self._out = memoryview(conn.data_to_send())
                    if write_first:
                        sent = self._write_nowait(self._out)
                        if sent is None:
                            self._was_full = True
                            deadline = self._await_io(select.POLLOUT, deadline)
                            continue
                    else:
                        try:
                            sent = _socket.socket.send(self, self._out)
                        except (BlockingIOError, InterruptedError):
                            raise want_write() from None
                    self._out = self._out[sent:]
            finally:
                lock.release()
            if not conn.bytes_to_send():
                return deadline

    def _fill(self, size: int = _RECV_SIZE, want: int = 0, deadline: float | None = None) -> float | None:
        """Receive once (up to ``size`` bytes) from the socket into the record layer and process it.

        With ``want`` (a read of that many bytes, after the handshake): peek, and take from
        the kernel only what ``_records_to_take`` says, as OpenSSL leaves the rest there;
        the whole records the peek saw behind that are taken by the next such reads with
        one ``readv`` each (``_known``: small records cost OpenSSL two reads, not four
        system calls as a peek and a take with their polls do).
        A socket with a timeout waits within the operation's ``deadline`` (:meth:`_await_io`),
        which is returned once one has started.

        One thread reads at a time (Go's ``in`` mutex): two reading at once (a reader
        thread, and a writer thread driving the handshake, or ``unwrap()``) would take
        each other's bytes.  A thread that had to wait returns without reading, for its
        caller to look again at what the other one brought."""
        lock = self._recv_lock
        if not lock.acquire(False):
            deadline = self._wait_for_reader(lock, deadline)
            lock.release()
            return deadline
        try:
            return self._fill_locked(size, want, deadline)
        finally:
            lock.release()

    def _wait_for_reader(self, lock: Any, deadline: float | None) -> float | None:
        """Wait, within the operation's timeout, until another thread's read is done."""
        timeout = _socket.socket.gettimeout(self)
        if timeout == 0.0:
            raise want_read()
        if timeout is None:
            lock.acquire()
            return deadline
        if deadline is None:
            deadline = time.monotonic() + timeout
        if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise TimeoutError(_TIMED_OUT[select.POLLIN])
        return deadline

    def _fill_locked(self, size: int, want: int, deadline: float | None) -> float | None:
        """:meth:`_fill`'s work, with the read lock held."""
        conn = self._conn
        buf = conn.receive_buffer
        end = buf.reserve(size)
        view = memoryview(buf.buffer)
        timeout = _socket.socket.gettimeout(self)
        reset = False
        try:
            n = None
            known = self._known
            if not want:
                known.clear()  # this read takes other bytes than the known records
                if timeout:
                    # A socket with a timeout makes CPython poll() before every recv; try the
                    # read first (the fd is non-blocking) and poll only when nothing is there.
                    while True:
                        try:
                            n = os.readv(self.fileno(), [view[end : end + size]])
                            break
                        except BlockingIOError:
                            deadline = self._await_io(select.POLLIN, deadline)
            elif known and end == buf.start:
                # An earlier peek saw the next records whole: take them without another
                # peek, and without the poll CPython puts before a recv with a timeout.
                take = _known_to_take(known, want)
                n = os.readv(self.fileno(), [view[end : end + take]])
                if n != take:
                    known.clear()
            else:
                known.clear()
                if timeout:
                    # recv() would wait for the socket's whole timeout: wait here instead.
                    deadline = self._await_io(select.POLLIN, deadline)
                n = _socket.socket.recv_into(self, view[end : end + size], size, _socket.MSG_PEEK)
                if n:
                    cut = _records_to_take(buf.buffer, buf.start, end + n, max(want, 1), known)
                    if cut < end:
                        known.clear()  # records still buffered: what follows is not the kernel's next
                    # The bytes are there: this does not block.  (cut == end: a whole
                    # record was already buffered; nothing to take.)  They are in the
                    # buffer already, so Linux drops them from the kernel without a copy.
                    n = _socket.socket.recv_into(self, view[end:cut], cut - end, _TAKE_FLAGS) if cut > end else -1
            if n is None:
                n = _socket.socket.recv_into(self, view[end : end + size])
        except (BlockingIOError, InterruptedError):
            raise want_read() from None
        except ConnectionResetError:
            if not conn.handshake_complete or self._in_unwrap or _SOCKET_ERRORS_AS_THEY_ARE:
                raise  # as ssl: a reset during the handshake or unwrap() is ConnectionResetError
            # As ssl (OpenSSL 3): after the handshake a reset reads as an EOF without
            # close_notify (b"" with suppress_ragged_eofs, else SSLEOFError), so a body
            # that ends at a reset is still read to its end.
            n, reset = 0, True
        except OSError as exc:
            # Another thread closed the socket under a blocked read (the usual way to stop a
            # reader thread): ssl reads that as an EOF (b"" with suppress_ragged_eofs).
            if exc.errno != errno.EBADF or _socket.socket.fileno(self) != -1 or not conn.handshake_complete or _SOCKET_ERRORS_AS_THEY_ARE:
                raise
            n = 0
        finally:
            view.release()
        if n == 0:
            with self._conn_lock:
                conn.receive_eof(reset)
            return deadline
        if n > 0:
            buf.commit(n)
        try:
            with self._conn_lock:
                conn.receive_data(b"")
        except BaseException:
            self._send_answers(conn, deadline)  # the alert, if it can go
            raise
        return self._send_answers(conn, deadline, timeout_ends_read=True)

    def _send_answers(self, conn: Connection, deadline: float | None, timeout_ends_read: bool = False) -> float | None:
        """What processing what was read queued (a KeyUpdate, an alert, a post-handshake
        Certificate) goes out now, within the read's ``deadline``; bulk reads queue nothing.
        A TLS 1.3 client's dummy ChangeCipherSpec waits for its Finished
        (``Connection.hold_output``).  A peer that does not read our answers times the read
        out, as ssl's SSL_read waiting to write them (with ``timeout_ends_read``): each read
        used to wait a whole timeout of its own for them and then go on as if sent.  A read
        that has data for its caller (opened before the record that asked for the answer)
        returns it instead; the answers stay queued for the next read or write.  ``conn`` is
        the read's own: another thread's ``close()`` may have dropped ``self._conn`` since."""
        if not conn.bytes_to_send() or conn.hold_output:
            return deadline
        if conn.pending() or conn.peer_closed:
            try:
                self._flush(block=False, deadline=time.monotonic())  # what goes without waiting
            except OSError:
                pass
            return deadline
        try:
            deadline = self._flush(block=False, deadline=deadline)
        except TimeoutError:
            if timeout_ends_read:
                raise TimeoutError(_TIMED_OUT[select.POLLIN]) from None  # ssl's words: a read
        except OSError:
            pass
        return deadline

    def _fill_or_deliver(self, want: int, deadline: float | None = None) -> float | None:
        """``_fill()`` for a read of ``want`` bytes: when the bytes that brought an error (a
        fatal alert, a bad record) also brought application data before it, that data is
        read first and the error raised by the next read, as OpenSSL's SSL_read opens one
        record at a time.

        After the handshake a read of less than 256 KiB takes from the kernel only the whole
        records it can return, and leaves a close_notify behind the last data there, as
        OpenSSL does (``_records_to_take``).  Reads of 256 KiB or more (the bulk path) take
        256 KiB at a time."""
        conn = self._conn
        if conn.error is not None:
            raise fresh_copy(conn.error)  # never wait on the socket for a failed connection
        try:
            if want < _RECV_SIZE and conn.handshake_complete:
                return self._fill(min(max(want, _ONE_RECORD), _RECV_SIZE), want, deadline)
            return self._fill(_RECV_SIZE, 0, deadline)
        except SSLError:
            if not conn.pending() or conn.error is None:
                raise
        return deadline

    def _check_connected(self) -> None:
        if not self._connected:
            # Like ssl: getpeername raises ENOTCONN for an unconnected socket.
            self.getpeername()

    # ------------------------------------------------------------------ handshake

    def do_handshake(self, block: bool = False) -> None:
        self._check_connected()
        conn = self._conn
        if conn is None:
            if self.fileno() == -1:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))  # as ssl: the socket is closed
            raise ValueError("do_handshake on closed or unwrapped SSL socket")
        if self._done and conn.error is None:
            return  # as OpenSSL's SSL_do_handshake once done: nothing to do, no I/O
        timeout = self.gettimeout()
        lock = self._handshake_lock
        deadline = None
        if not lock.acquire(False):
            if self._handshake_owner == threading.get_ident():
                # A handshake callback (sni_callback, a verify or certificate callback) of
                # this very handshake reads, writes or handshakes on its socket: that would
                # wait for itself until the timeout, or for ever without one.
                raise handshake_reentered()
            # Another thread drives the handshake (a reader and a writer thread started
            # before it, each calling it): wait for that one, as Go's handshakeMutex,
            # within this call's timeout, which the wait counts against.
            if timeout == 0.0 and not block:
                raise want_read()
            if timeout is None or block:
                lock.acquire()
            else:
                deadline = time.monotonic() + timeout
                if not lock.acquire(timeout=timeout):
                    raise TimeoutError("The handshake operation timed out")
        self._handshake_owner = threading.get_ident()
        try:
            self._handshake_locked(conn, timeout, block, deadline)
        finally:
            self._handshake_owner = 0
            lock.release()

    def _handshake_locked(self, conn: Connection, timeout: float | None, block: bool, deadline: float | None) -> None:
        """:meth:`do_handshake`'s work, with the handshake lock held (``deadline``: the
        timeout's end, when waiting for the lock started it)."""
        if self._done and conn.error is None:
            return  # another thread finished it while this one waited
        if conn.error is not None and self._started and not conn.handshake_complete:
            raise fresh_copy(conn.error)  # it failed (in another thread): never wait on the socket
        try:
            if timeout == 0.0 and block:
                self.settimeout(None)
            if not self._started:
                self._started = True
                self._count("accept" if self.server_side else "connect")
                with self._conn_lock:
                    if self.server_side:
                        self._take_late_settings()
                    conn.start()
            deadline = self._flush(True, deadline)
            # The handshake is read a record at a time (as OpenSSL does): application data
            # the peer sends right behind its last handshake record stays in the kernel,
            # where a select() loop sees it (blocking and non-blocking sockets alike).
            while not conn.handshake_complete:
                deadline = self._fill(max(1, conn.next_record_size()), 0, deadline)
            try:
                self._flush(True, deadline)
            except _PEER_GONE:
                # A TLS 1.3 server's last flight is its NewSessionTickets.  A client that
                # left right after its Finished (a health check, a port probe, a client
                # that gave up) does not fail the handshake, as it does not OpenSSL's (its
                # ticket write error is ignored): the tickets are dropped, the next read
                # sees the peer gone, and later writes meet the socket's error as any
                # write to a peer that left does (unwrap() its BrokenPipeError, as ssl's).
                if not (self.server_side and conn.version == ProtocolVersion.TLS13):
                    raise
                self._out = memoryview(b"")
        except SSLError:
            if conn.error is not None:
                self._discard_unread()
            raise
        except TimeoutError as exc:
            if exc.args and exc.args[0] in _TIMED_OUT.values():
                # As ssl: the timeout bounds the whole handshake (see _await_io).
                raise TimeoutError("The handshake operation timed out") from None
            raise
        finally:
            self.settimeout(timeout)
        if not self._done:
            self._done = True
            self._handshake_done()

    def _discard_unread(self) -> None:
        """The handshake failed and our alert went out: drop what the peer sent after the
        record that failed (the rest of its flight, still in the kernel, since we read a
        record at a time).  Closing a socket with unread data sends a reset, which can make
        the peer lose our alert before reading it."""
        # Non-blocking for this (do_handshake puts the timeout back): with a timeout,
        # CPython would wait for data before each recv, whatever MSG_DONTWAIT says.
        _socket.socket.settimeout(self, 0.0)
        for _ in range(64):  # at most 4 MiB: the peer's flight, not a stream
            try:
                if not _socket.socket.recv(self, 65536):
                    return
            except OSError:  # BlockingIOError: nothing more for now
                return

    def _ensure_handshake(self) -> None:
        self._check_connected()
        if not self._conn.handshake_complete:
            self.do_handshake()

    def connect(self, addr: _Address) -> None:
        self._real_connect(addr, False)

    def connect_ex(self, addr: _Address) -> int:
        return self._real_connect(addr, True)

    def _real_connect(self, addr, connect_ex: bool):
        if self.server_side:
            raise ValueError("can't connect in server-side mode")
        if self._connected or self._conn is not None:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        self._conn = self._new_connection()
        try:
            if connect_ex:
                rc = _socket.socket.connect_ex(self, addr)
            else:
                rc = None
                _socket.socket.connect(self, addr)
            if not rc:
                self._connected = True
                if self.do_handshake_on_connect:
                    self.do_handshake()
            return rc
        except (OSError, ValueError):
            conn, self._conn = self._conn, None
            if conn is not None and not conn.handshake_complete:
                # As _real_close: the handshake run ends now, and its key shares with it
                # (a kept exception's traceback still holds this connection).
                with self._conn_lock:
                    conn.close()
            raise

    def accept(self) -> tuple[SSLSocket, _RetAddress]:
        """Accept a connection on a wrapped listening socket: a server-side SSLSocket (handshake done
        unless ``do_handshake_on_connect`` is False)."""
        rawsock, addr = _socket.socket.accept(self)
        newsock: SSLSocket
        if self._context is not None:
            newsock = self._context.wrap_socket(
                rawsock,
                do_handshake_on_connect=self.do_handshake_on_connect,
                suppress_ragged_eofs=self.suppress_ragged_eofs,
                server_side=True,
            )
        else:
            newsock = SSLSocket._create(
                rawsock,
                self._config,
                server_side=True,
                do_handshake_on_connect=self.do_handshake_on_connect,
                suppress_ragged_eofs=self.suppress_ragged_eofs,
            )
        return newsock, addr

    # ------------------------------------------------------------------ data

    @overload  # type: ignore[override]  # int read into a buffer (typeshed's ssl says bytes)
    def read(self, len: int = 1024, buffer: None = None) -> bytes: ...
    @overload
    def read(self, len: int, buffer: WriteableBuffer) -> int: ...
    @overload
    def read(self, len: int = 1024, *, buffer: WriteableBuffer) -> int: ...

    def read(self, len: int = 1024, buffer: WriteableBuffer | None = None) -> bytes | int:
        """Read up to ``len`` bytes (into ``buffer`` if given), like ``ssl.SSLSocket.read``."""
        conn = self._conn
        if conn is None:
            raise ValueError("Read on closed or unwrapped SSL socket.")
        if buffer is not None:
            view = memoryview(buffer).cast("B")
            if view.readonly:  # refused at once, as ssl's read, not after waiting for data
                view.release()
                raise read_only_buffer(buffer)
            if len <= 0 or len > view.nbytes:
                len = view.nbytes
                if len == 0:
                    return 0  # as ssl: an empty buffer reads nothing, and does not wait
        elif len < 0:
            raise ValueError("size should not be negative")
        elif len == 0:
            return b""
        try:
            self._ensure_handshake()
            deadline = None
            while not conn.pending():
                if conn.peer_closed:
                    if conn.closed:  # after our unwrap()'s close_notify: as SSLObject.read
                        raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
                    self._close_notify_read = True
                    return 0 if buffer is not None else b""
                deadline = self._fill_or_deliver(len, deadline)
        except BaseException as exc:
            if isinstance(exc, SSLEOFError) and self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            if buffer is not None:
                _release(view)
            raise
        if buffer is not None:
            return conn.read_into(view[:len])
        return conn.read(len)

    def write(self, data: ReadableBuffer) -> int:
        """Write all of ``data`` (returns its length), with OpenSSL's SSL_write contract.

        The records are sealed a batch at a time, as OpenSSL seals a record at a time,
        so a large write to a slow or non-blocking socket holds one batch, not the whole
        of ``data`` sealed.  When the socket is full (``SSLWantWriteError``) or the
        timeout passes, what was queued stays queued and the retry, with the same data,
        goes on from there.  Any other exception in the middle (a signal handler's, a
        socket error) leaves what went out unknown: later writes are refused.
        """
        conn = self._conn
        if conn is None:
            raise ValueError("Write on closed or unwrapped SSL socket.")
        if _socket.socket.gettimeout(self) is None and self._direct_write(data):
            return len(data) if type(data) is bytes else memoryview(data).nbytes  # as send()
        self._ensure_handshake()
        if type(data) is bytes and len(data) <= _SEND_BATCH:
            return self._write(conn, data, len(data), data)  # one batch: no view needed
        with memoryview(data) as view, view.cast("B") as src:
            return self._write(conn, data if type(data) in (bytes, bytearray) else src, src.nbytes, src)

    def _cut_writes(self, exc: BaseException, conn: Connection | None) -> None:
        """A write stopped inside a record: later writes are refused.  A peer that went away
        after the handshake (EPIPE, ECONNRESET) is ``SSLEOFError`` as in ssl, raised in place
        of ``exc`` and by every later write (on Python 3.13, ``exc`` itself and then EPIPE);
        ``SSLZeroReturnError`` when it had sent its close_notify.  Up to 3.12 a write that
        another thread's ``close()`` cut short (EBADF) is that EOF too, as ``ssl``'s.

        ``conn`` is the connection the write began with: ``close()`` and ``shutdown()``
        from another thread have dropped ``self._conn`` by the time the write fails."""
        if self._write_cut:
            return  # already cut (a retry raising the stored error): keep what it said
        gone = isinstance(exc, _PEER_GONE) or (
            not _SOCKET_ERRORS_AS_THEY_ARE
            and isinstance(exc, OSError)
            and exc.errno == errno.EBADF
            and _socket.socket.fileno(self) == -1
        )
        if gone and conn is not None and conn.handshake_complete:
            if self._close_notify_read:
                # OpenSSL's SSL_get_error says ZERO_RETURN for any failure once a read has met
                # the peer's close_notify (on every Python): a clean close, not a truncation.
                zero = SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
                self._write_cut = zero
                raise fresh_copy(zero) from None
            if _SOCKET_ERRORS_AS_THEY_ARE:
                self._write_cut = BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
                return  # the caller raises ``exc`` itself
            eof = SSLEOFError("EOF occurred in violation of protocol", reason=None)
            self._write_cut = eof
            raise fresh_copy(eof) from None
        self._write_cut = True

    def _write(self, conn: Connection, whole, n: int, src) -> int:
        """write() of ``n`` bytes: ``whole`` is all of them as the connection takes them,
        ``src`` a view (or bytes) to cut batches from."""
        done = self._write_pending
        if done and n < done:
            # OpenSSL: a retry must offer at least what was taken; never report
            # more bytes written than the caller gave.
            raise openssl_error("BAD_LENGTH", "bad length")
        try:
            # Older bytes first (on a retry, this write's own queued records); if this
            # raises on a first try, nothing of ``data`` was taken.
            deadline = self._flush() if self._out or self._write_cut or conn.bytes_to_send() else None
            if not done and n and self._was_full and _socket.socket.gettimeout(self):
                # As ssl's write, nothing is sealed while the socket is full, so a write
                # that times out before any of it went anywhere took nothing.  Asked only
                # after a write found the socket full: a poll before every write costs
                # a quarter of a small send's time (ssl polls each time).
                if not self._writable():
                    deadline = self._await_io(select.POLLOUT, deadline)
                self._was_full = False
            while done < n:
                k = n - done
                if k > _SEND_BATCH:
                    k = _SEND_BATCH
                with self._conn_lock:
                    conn.send(whole if k == n else src[done : done + k])
                done += k
                deadline = self._flush(True, deadline)
        except (SSLWantWriteError, TimeoutError) as exc:
            if not (isinstance(exc, TimeoutError) and is_interruption(exc)):
                self._write_pending = done  # raised by _flush/_await_io: what was queued is known
                raise
            # A signal handler's TimeoutError (a deadline) is not ours: it may have come
            # between a send and our count of it, so what went out is not known.
            self._cut_writes(exc, conn)
            raise
        except BaseException as exc:
            if done or not isinstance(exc, _NOTHING_SENT):
                self._cut_writes(exc, conn)
            raise
        self._write_pending = 0
        return n

    def _take_plain(self, n: int) -> bytes:
        data, self._plain = self._plain[:n], self._plain[n:]
        return data

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        if self._conn is None:
            if self._plain and not flags:
                return self._take_plain(buflen)
            return _socket.socket.recv(self, buflen, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv() on {self.__class__}")
        return self.read(buflen)

    def recv_into(self, buffer: WriteableBuffer, nbytes: int | None = None, flags: int = 0) -> int:
        conn = self._conn
        if conn is not None and not flags and conn.handshake_complete:
            # The hot path (issue 6): straight from the opened records into the caller's buffer.
            view = memoryview(buffer).cast("B")
            if view.readonly:  # refused at once, as ssl's read, not after waiting for data
                view.release()
                raise read_only_buffer(buffer)
            if nbytes is not None and 0 < nbytes < view.nbytes:  # 0 or less: all of it (ssl)
                view = view[:nbytes]
            try:
                deadline = None
                while not conn.pending():
                    if conn.peer_closed or not view.nbytes:
                        if conn.closed and view.nbytes:  # after our unwrap()'s close_notify
                            raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
                        self._close_notify_read = self._close_notify_read or bool(view.nbytes)
                        return 0  # ssl returns 0 at once for an empty buffer
                    deadline = self._fill_or_deliver(view.nbytes, deadline)
            except BaseException as exc:
                if isinstance(exc, SSLEOFError) and self.suppress_ragged_eofs:
                    return 0
                _release(view)
                raise
            return conn.read_into(view)
        if self._conn is None:
            if self._plain and not flags:
                view = memoryview(buffer).cast("B")
                data = self._take_plain(nbytes or view.nbytes)
                view[: len(data)] = data
                return len(data)
            return _socket.socket.recv_into(self, buffer, nbytes or 0, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv_into() on {self.__class__}")
        if nbytes is None:
            nbytes = 0  # the whole buffer
        return self.read(nbytes, buffer)

    def recvfrom(self, buflen: int = 1024, flags: int = 0) -> tuple[bytes, _RetAddress]:
        if self._conn is not None:
            raise ValueError(f"recvfrom not allowed on instances of {self.__class__}")
        return _socket.socket.recvfrom(self, buflen, flags)

    def recvfrom_into(self, buffer: WriteableBuffer, nbytes: int | None = None, flags: int = 0) -> tuple[int, _RetAddress]:
        if self._conn is not None:
            raise ValueError(f"recvfrom_into not allowed on instances of {self.__class__}")
        return _socket.socket.recvfrom_into(self, buffer, nbytes or 0, flags)

    def recvmsg(self, *args: Never, **kwargs: Never) -> Never:  # type: ignore[override]  # as typeshed's ssl
        raise NotImplementedError(f"recvmsg not allowed on instances of {self.__class__}")

    def recvmsg_into(self, *args: Never, **kwargs: Never) -> Never:  # type: ignore[override]
        raise NotImplementedError(f"recvmsg_into not allowed on instances of {self.__class__}")

    def send(self, data: ReadableBuffer, flags: int = 0) -> int:
        if self._conn is None:
            return _socket.socket.send(self, data, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to send() on {self.__class__}")
        if _socket.socket.gettimeout(self) is None and self._direct_write(data):
            # A blocking socket's send writes all of data, as ssl's SSL_write: sendall's one
            # call into the record twin, not write()'s Python path (2.5x ssl's time for a
            # small send; makefile('wb') sends through here).  Sockets with a timeout keep
            # write(), whose SSL_write retry contract a timed-out send needs.
            return len(data) if type(data) is bytes else memoryview(data).nbytes
        return self.write(data)

    def _direct_write(self, data, timeout: float | None = None) -> bool:
        """Write all of ``data`` through the record twin's ``RecordWriter`` (the hot path,
        issue 6: it checks the connection, seals into one buffer and sends); False, having
        done nothing, when the connection or the socket is not in that state."""
        writer = self._writer
        if writer is None and self._done and self._conn is not None and _NATIVE_SOCKETS:
            writer = self._writer = self._conn._write.twin.aead.RecordWriter(self.fileno(), self._send_lock, self._conn_lock)
        if writer is None or self._write_pending or self._out or self._write_cut:
            return False
        conn = self._conn
        try:
            r = writer.write(conn, data, timeout)
        except BaseException as exc:
            # Nothing went out when the connection refused (SSLError) or the buffer could
            # not be taken (a released memoryview, a closed mmap: ValueError); anything
            # else may have cut a record.
            if not isinstance(exc, (*_NOTHING_SENT, ValueError)):
                self._cut_writes(exc, conn)
            raise
        if r < 0:
            return False
        if r:
            self._flush()  # a reader queued an answer while we held the send side
        return True

    def _write_nowait(self, data) -> int | None:
        """One write straight to the fd, or None when the socket is full.

        For sockets with a timeout, whose fd is non-blocking: CPython polls before
        every send on them, so senders write first and let send() poll only when
        this returns None.
        """
        try:
            return os.write(self.fileno(), data)
        except BlockingIOError:
            return None

    def _send_out(self, out: bytes, timeout: float | None, deadline: float | None) -> float | None:
        """All of ``out`` to the socket: with a timeout, written first (see
        :meth:`_write_nowait`) and waiting only when it is full, within the deadline
        of the whole sendall (as ssl's, see :meth:`_await_io`), which is returned."""
        if timeout is None and not _NATIVE_SOCKETS:
            # gevent's and eventlet's sendall call self.send, which is our TLS send:
            # their send is the socket's own, and waits cooperatively.
            with memoryview(out) as view:
                n = 0
                while n < len(view):
                    n += _socket.socket.send(self, view[n:])
            return deadline
        # A blocking socket's write blocks until all is sent, as CPython's sendall would;
        # unlike it, this goes on when another thread makes the socket non-blocking
        # meanwhile (its sendall raised BlockingIOError having sent an unknown part).
        n = self._write_nowait(out) or 0
        total = len(out)
        if n == total:
            return deadline
        with memoryview(out) as view:
            while n < total:
                k = self._write_nowait(view[n:])
                if k is None:
                    self._was_full = True
                    if timeout is None:
                        poller = select.poll()
                        poller.register(self.fileno(), select.POLLOUT)
                        poller.poll()
                    else:
                        deadline = self._await_io(select.POLLOUT, deadline)
                else:
                    n += k
        return deadline

    def sendall(self, data: ReadableBuffer, flags: int = 0) -> None:
        if not flags and self._direct_write(data, _socket.socket.gettimeout(self)):
            return None
        conn = self._conn
        if conn is None:
            return _socket.socket.sendall(self, data, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to sendall() on {self.__class__}")
        if self._write_cut:
            raise _write_cut_error(self._write_cut)
        timeout = _socket.socket.gettimeout(self)
        if conn.handshake_complete and not self._write_pending and not self._out and timeout != 0.0:
            # The hot path (issue 6): each batch of plaintext is sealed into records
            # by one call into the record twin and goes out with one C-level sendall.
            if type(data) is bytes and len(data) <= _SEND_BATCH:
                view = byte_view = None
            else:
                # Taken before anything is sealed: a buffer that cannot be taken (a released
                # memoryview, a closed mmap: ValueError; a strided one: TypeError) is refused
                # with nothing sent, not taken for a write cut inside a record.
                view = memoryview(data)
                try:
                    byte_view = view.cast("B")
                except BaseException:
                    view.release()
                    raise
            try:
                if byte_view is None:
                    with self._send_lock:
                        with self._conn_lock:
                            out = conn.send_and_take(data)
                        self._send_out(out, timeout, None)
                else:
                    n = byte_view.nbytes
                    pos = 0
                    deadline = None
                    while True:
                        with self._send_lock:
                            with self._conn_lock:
                                out = conn.send_and_take(byte_view[pos : pos + _SEND_BATCH])
                            deadline = self._send_out(out, timeout, deadline)
                        pos += _SEND_BATCH
                        if pos >= n:
                            break
            except BaseException as exc:
                if not isinstance(exc, _NOTHING_SENT):  # raised by the socket, not by send_and_take
                    self._cut_writes(exc, conn)
                raise
            finally:
                if byte_view is not None:
                    byte_view.release()
                if view is not None:
                    view.release()
            if len(conn.write_buffer):  # a reader queued an answer while we held the send side
                self._flush()
            return None
        with memoryview(data) as view, view.cast("B") as byte_view:
            amount = len(byte_view)
            count = 0
            while count < amount:
                count += self.send(byte_view[count:])

    @overload
    def sendto(self, data: ReadableBuffer, flags_or_addr: _Address, addr: None = None) -> int: ...
    @overload
    def sendto(self, data: ReadableBuffer, flags_or_addr: int, addr: _Address) -> int: ...

    def sendto(self, data: ReadableBuffer, flags_or_addr: int | _Address, addr: _Address | None = None) -> int:
        if self._conn is not None:
            raise ValueError(f"sendto not allowed on instances of {self.__class__}")
        if addr is None:
            return _socket.socket.sendto(self, data, flags_or_addr)  # type: ignore[arg-type]
        return _socket.socket.sendto(self, data, flags_or_addr, addr)  # type: ignore[arg-type]

    def sendmsg(self, *args: Never, **kwargs: Never) -> Never:  # type: ignore[override]
        raise NotImplementedError(f"sendmsg not allowed on instances of {self.__class__}")

    def sendfile(self, file: _SendableFile, offset: int = 0, count: int | None = None) -> int:
        if self._conn is not None:
            return self._sendfile_use_send(file, offset, count)  # type: ignore[attr-defined]  # socket's, not in typeshed
        return _socket.socket.sendfile(self, file, offset, count)

    def pending(self) -> int:
        return self._conn.pending() if self._conn is not None else 0

    # ------------------------------------------------------------------ closing

    def unwrap(self) -> _socket.socket:
        """Send close_notify, wait for the peer's, and return this socket, now plain (as ssl does).

        Non-blocking sockets raise ``SSLWantReadError``/``SSLWantWriteError``; call again.
        """
        conn = self._conn
        if conn is None:
            raise ValueError(f"No SSL wrapper around {self}")
        if conn.error is not None or not conn.handshake_complete:
            raise shutdown_while_in_init()
        if (self._write_pending or self._write_cut is True) and not self._closing:
            # A write that stopped half-way (SSLWantWriteError, a timeout; sendall's cut)
            # must be retried first: a close_notify now would tell the peer a cut message
            # was whole (ssl: BAD_WRITE_RETRY, and no close_notify).
            raise openssl_error("BAD_WRITE_RETRY", "bad write retry")
        if not self._closing:
            self._closing = True
            # Data received and not read yet: OpenSSL's SSL_shutdown meets it before the
            # peer's close_notify and fails (ssl: APPLICATION_DATA_AFTER_CLOSE_NOTIFY);
            # the data stays readable.  Dropping it with the connection lost it silently.
            self._unread_at_close = -1 if conn.pending() else 0
            with self._conn_lock:
                conn.close()
        try:
            deadline = self._flush()  # our close_notify goes out first, as ssl's does
        except (ConnectionResetError, BrokenPipeError):
            if self._close_notify_read:
                # The peer's close_notify was read, then it went: a clean end (ssl's
                # SSL_get_error says ZERO_RETURN once the shutdown was received).
                raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF)") from None
            raise
        if self._unread_at_close < 0 or conn.pending():
            # Unread now, on a later call too (see SSLObject.unwrap): fail at once.
            self._unread_at_close = -1
            raise application_data_after_close_notify()
        # A peer that closes the transport instead of answering raises here, as ssl:
        # SSLEOFError for a FIN, ConnectionResetError for a reset.  The shutdown was not
        # confirmed (what was sent may be cut short), and the socket stays wrapped.
        self._in_unwrap = True  # a reset here is ConnectionResetError, as ssl's (not after)
        try:
            while not conn.peer_closed:
                # Never read past the record being completed: what follows the
                # peer's close_notify belongs to the plain stream.
                deadline = self._fill(max(1, conn.next_record_size()), 0, deadline)
                if conn.pending() > self._unread_at_close:
                    self._unread_at_close = -1  # and every later unwrap says so too
                    raise application_data_after_close_notify()
        finally:
            self._in_unwrap = False
        # Bytes already buffered behind the close_notify are the plain stream's first bytes.
        self._plain = conn.take_trailing_data()
        self._conn = None
        return self

    def shutdown(self, how: int) -> None:
        self._conn = None
        _socket.socket.shutdown(self, how)

    def detach(self) -> int:
        self._conn = None
        return _socket.socket.detach(self)

    def dup(self) -> NoReturn:
        raise NotImplementedError(f"Can't dup() {self.__class__.__name__} instances")

    def _real_close(self) -> None:
        """Close the socket and end the connection, sending nothing, as ssl does: no
        close_notify (``unwrap()`` sends one).  The descriptor may be shared with a
        forked child still serving the connection (socketserver.ForkingMixIn closes
        the parent's copy), whose stream a close_notify from here would end."""
        conn = self._conn
        self._conn = None
        if conn is not None and not conn.handshake_complete:
            # Closed mid-handshake (a timeout, say): the connection ends its handshake
            # run so that it and its secrets go now (its close_notify is never sent).
            with self._conn_lock:
                conn.close()
        _socket.socket._real_close(self)

    # ------------------------------------------------------------------ what was negotiated

    @overload
    def getpeercert(self, binary_form: Literal[False] = False) -> _PeerCertDict | None: ...
    @overload
    def getpeercert(self, binary_form: Literal[True]) -> bytes | None: ...
    @overload
    def getpeercert(self, binary_form: bool) -> _PeerCert: ...

    def getpeercert(self, binary_form: bool = False) -> _PeerCert:
        self._check_connected()
        return self._getpeercert(binary_form)

    def verify_client_post_handshake(self) -> None:
        self._check_connected()
        if self._conn is None:
            raise ValueError(f"No SSL wrapper around {self}")  # as ssl, once unwrapped
        with self._conn_lock:
            self._conn.verify_client_post_handshake()
        self._flush()

    def key_update(self, request_peer: bool = True) -> None:
        """Send a TLS 1.3 KeyUpdate (fasttls extension)."""
        with self._conn_lock:
            self._conn.key_update(request_peer)
        self._flush()

    def __repr__(self):
        # socket.socket's, as ssl.SSLSocket's (family, type, addresses, [closed]): logs show it.
        return _socket.socket.__repr__(self)


#: Our sockets are the kernel's own (CPython's ``_socket.socket`` underneath).  Under gevent's
#: or eventlet's monkey patching ``ssl.SSLSocket`` is their cooperative socket instead, and
#: the compiled record writer, which waits in C ``poll()`` when the socket is full, would
#: stop every other greenlet: sendall then takes the Python path, whose waits they patch.
_NATIVE_SOCKETS = issubclass(SSLSocket, _c_socket.socket)


def wrap_socket(
    sock: _socket.socket,
    config: Config,
    server_side: bool = False,
    server_hostname: str | None = None,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    session: Any = None,
) -> SSLSocket:
    """Wrap ``sock`` with a :class:`~fasttls.config.Config` directly (no SSLContext)."""
    return SSLSocket._create(
        sock,
        config,
        server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs,
        server_hostname=server_hostname,
        session=session,
    )


__all__ = ["SSLSocket", "wrap_socket", "SSLError", "SSLZeroReturnError"]

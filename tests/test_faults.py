"""Faults on real sockets: peers that vanish, stall, half-close or truncate, with fasttls on one side.

Every test uses 127.0.0.1 with fasttls as the client or the server and, on the
other side, a raw socket or Python's ``ssl`` (OpenSSL).  Where the test must
decide which bytes reach the wire (half a record, data and close_notify in one
TCP segment), the ``ssl`` peer is an ``ssl.SSLObject`` over MemoryBIOs
(:class:`BioPeer`) whose records the test sends by hand.

What is checked (issue 8, "Load and faults"):

* the peer disconnects mid-handshake (before, inside and after its flight),
  mid-record and after a partial write: ``ssl.SSLEOFError`` (fasttls's
  subclass) or ``ConnectionResetError``, never a hang or a wrong error type;
  where it helps, Python's ``ssl`` runs the same scenario as the reference;
* half-close: a peer's TCP ``shutdown(SHUT_WR)`` after close_notify is a clean
  EOF and we can still answer; without close_notify it is a truncation;
* a peer that stops reading: our ``sendall`` raises ``TimeoutError`` within the
  socket timeout, and the connection then refuses to write rather than put
  a corrupted stream on the wire;
* timeouts at connect, during the handshake (both roles, before and inside
  the peer's flight) and on read, and a read that timed out inside a record
  resumes correctly when the rest arrives;
* truncation without close_notify: ``SSLEOFError`` with
  ``suppress_ragged_eofs=False``, ``b""`` with ``True``;
* ``sendall`` sends everything (byte-exact at a slow reader) or raises;
* ``recv`` returns every byte received before close_notify, including data in
  the same TCP segment as the close_notify, over ``recv``, ``recv_into``,
  ``makefile`` and asyncio's stream reader; TLS 1.3 and TLS 1.2;
* asyncio: a reader gets all data then EOF; a peer vanishing mid-handshake is
  a prompt ``ConnectionError``/``ssl.SSLError`` and the server keeps serving;
  a peer that stops reading blocks ``drain()`` with bounded buffering;
* non-blocking sockets: truncation seen through ``SSLWantReadError``, and a
  reset seen by a writer that had filled the socket;
* a peer that sends a KeyUpdate and leaves (after it, or inside its record);
* no file descriptor or thread is left behind (``tests.compat.no_leaks``,
  autouse), and every test stops by itself (socket timeouts, joins with
  timeouts, and a SIGALRM watchdog as a last resort).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import ssl
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import fasttls
from fasttls.context import _StdSSLContext

from .compat import files, no_leaks  # noqa: F401 - fixtures

#: Every blocking step of a peer or of the test is bounded by this (seconds).
T = 10.0
#: The short timeouts the tests expect to fire.
SHORT = 0.3
#: A test still running after this long is stopped by SIGALRM (it would otherwise hang CI).
WATCHDOG = 60

TLS_VERSIONS = {"TLSv1.3": ssl.TLSVersion.TLSv1_3, "TLSv1.2": ssl.TLSVersion.TLSv1_2}


class Hung(Exception):
    pass


@pytest.fixture(autouse=True)
def watchdog():
    """The last resort: a test blocked in a syscall gets ``Hung`` raised in the main thread."""

    def fire(signum, frame):
        raise Hung(f"test still running after {WATCHDOG} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(WATCHDOG)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------------


def server_ctx(kind: str, files, version: str | None = None):
    ctx = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files.cert, files.key)
    if version:
        ctx.maximum_version = TLS_VERSIONS[version]
    return ctx


def client_ctx(kind: str, files, version: str | None = None):
    if kind == "fasttls":
        ctx = fasttls.create_default_context(cafile=files.ca)
    else:
        ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(files.ca)
    if version:
        ctx.maximum_version = TLS_VERSIONS[version]
    return ctx


# ---------------------------------------------------------------------------
# Peers in threads, always joined
# ---------------------------------------------------------------------------


class Peer:
    """Runs ``fn`` in a thread; :meth:`join` waits (bounded) and re-raises what it raised."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.release = threading.Event()  # the test tells the peer to go on
        self.ready = threading.Event()  # the peer tells the test it got somewhere
        self.thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self.thread.start()

    def _run(self, fn, args) -> None:
        try:
            self.result = fn(self, *args)
        except BaseException as exc:  # noqa: BLE001 - re-raised by join
            self.error = exc
        finally:
            self.ready.set()

    def join(self) -> Any:
        self.release.set()
        self.thread.join(T + 5)
        assert not self.thread.is_alive(), "peer thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result

    def wait_release(self) -> None:
        assert self.release.wait(T), "the test never released the peer"


@contextmanager
def peer_server(behaviour: Callable[..., Any]) -> Iterator[tuple[int, Peer]]:
    """A listening socket whose one accepted connection (raw, timeout T) is given to ``behaviour(peer, sock)``."""
    lsock = socket.create_server(("127.0.0.1", 0))
    lsock.settimeout(T)

    def run(peer: Peer):
        conn, _ = lsock.accept()
        with conn:
            conn.settimeout(T)
            return behaviour(peer, conn)

    peer = Peer(run)
    try:
        yield lsock.getsockname()[1], peer
    finally:
        peer.release.set()
        peer.thread.join(T + 5)
        lsock.close()


@contextmanager
def peer_client(behaviour: Callable[..., Any]) -> Iterator[tuple[socket.socket, Peer]]:
    """A raw client socket (timeout T) given to ``behaviour(peer, sock)``; yields our accepted end."""
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        lsock.settimeout(T)
        port = lsock.getsockname()[1]

        def run(peer: Peer):
            with socket.create_connection(("127.0.0.1", port), timeout=T) as sock:
                return behaviour(peer, sock)

        peer = Peer(run)
        try:
            conn, _ = lsock.accept()
        except BaseException:
            peer.join()
            raise
        try:
            conn.settimeout(T)
            yield conn, peer
        finally:
            conn.close()
            peer.release.set()
            peer.thread.join(T + 5)


def recv_record(sock: socket.socket) -> bytes:
    """One whole TLS record (header included) from a raw socket."""
    hdr = recv_exactly(sock, 5)
    return hdr + recv_exactly(sock, struct.unpack("!H", hdr[3:5])[0])


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError(f"EOF after {len(out)} of {n} bytes")
        out += chunk
    return out


def drain_until_eof(sock: socket.socket) -> bytes:
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionError:
            return out
        if not chunk:
            return out
        out += chunk


def reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class BioPeer:
    """Python's ``ssl`` over MemoryBIOs on a raw socket: the test decides which bytes go out, and when."""

    def __init__(self, sock: socket.socket, ctx: ssl.SSLContext, server_side: bool) -> None:
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        hostname = None if server_side else "localhost"
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=server_side, server_hostname=hostname)
        assert type(self.obj) is ssl.SSLObject

    def pending_output(self) -> bytes:
        return self.outgoing.read()

    def flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def feed(self, data: bytes) -> None:
        self.incoming.write(data)

    def step(self) -> bool:
        """One handshake step without sending; True when the handshake is complete."""
        try:
            self.obj.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False

    def handshake(self) -> None:
        while not self.step():
            self.flush()
            self.feed(recv_record(self.sock))
        self.flush()  # the Finished, and a TLS 1.3 server's tickets

    def seal(self, data: bytes) -> bytes:
        """The records carrying ``data`` (not sent)."""
        self.obj.write(data)
        return self.outgoing.read()

    def close_notify(self) -> bytes:
        """The close_notify record (not sent)."""
        try:
            self.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLSyscallError, ssl.SSLEOFError):
            pass
        return self.outgoing.read()

    def read_all(self) -> bytes:
        """Application data until the transport closes or the peer's close_notify (raises on a truncation)."""
        out = b""
        while True:
            try:
                while True:
                    chunk = self.obj.read(65536)
                    if not chunk:
                        return out
                    out += chunk
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:  # close_notify
                return out
            data = self.sock.recv(65536)
            if not data:
                self.incoming.write_eof()
            else:
                self.incoming.write(data)


def wrap_client(kind: str, files, port: int, timeout: float = T, version: str | None = None, **kw):
    raw = socket.create_connection(("127.0.0.1", port), timeout=T)
    raw.settimeout(timeout)
    try:
        return client_ctx(kind, files, version).wrap_socket(raw, server_hostname="localhost", **kw)
    except BaseException:
        raw.close()
        raise


def wrap_server(kind: str, files, raw: socket.socket, version: str | None = None, **kw):
    s = server_ctx(kind, files, version).wrap_socket(raw, server_side=True, **kw)
    return s


def drain(sock: socket.socket) -> None:
    """Read until the TLS side closes, so closing the raw side resets nothing still unread."""
    sock.settimeout(10)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


def read_all(s, size: int = 65536) -> bytes:
    out = b""
    while True:
        chunk = s.recv(size)
        if not chunk:
            return out
        out += chunk


def check_type(kind: str, exc: BaseException, expected) -> None:
    assert isinstance(exc, expected), repr(exc)
    if kind == "fasttls" and isinstance(exc, ssl.SSLError):
        assert isinstance(exc, fasttls.FastTLSError), f"{exc!r} is not a fasttls error"


# ---------------------------------------------------------------------------
# The peer disconnects mid-handshake
# ---------------------------------------------------------------------------


def _server_gone(how: str, files):
    """A server peer that leaves at one point of the handshake."""

    def behaviour(peer: Peer, sock: socket.socket):
        hello = recv_record(sock)
        if how == "before_server_hello":
            return sock.close()
        if how == "reset":
            return reset(sock)
        bio = BioPeer(sock, server_ctx("ssl", files), server_side=True)
        bio.feed(hello)
        bio.step()
        flight = bio.pending_output()
        if how == "inside_server_hello":
            sock.sendall(flight[:20])  # a header and part of the ServerHello record
        elif how == "inside_flight":
            sock.sendall(flight[: len(flight) // 2])  # some whole records, then a cut one
            # A fasttls client answers the ServerHello with its ChangeCipherSpec at once
            # (as Go does); closing with it unread would reset the connection instead of
            # ending it.  End our side, then read until the client closes.
            sock.shutdown(socket.SHUT_WR)
            drain(sock)
        return sock.close()

    return behaviour


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("how", ["before_server_hello", "inside_server_hello", "inside_flight", "reset"])
def test_client_handshake_peer_disconnects(files, kind, how):
    with peer_server(_server_gone(how, files)) as (port, peer):
        with pytest.raises(OSError) as info:
            wrap_client(kind, files, port)
        peer.join()
    if how == "reset":
        check_type(kind, info.value, ConnectionResetError)
    else:
        check_type(kind, info.value, ssl.SSLEOFError)


def _client_gone(how: str, files):
    def behaviour(peer: Peer, sock: socket.socket):
        if how == "silent_close":
            return sock.close()
        bio = BioPeer(sock, client_ctx("ssl", files), server_side=False)
        bio.step()
        hello = bio.pending_output()
        if how == "inside_client_hello":
            sock.sendall(hello[: len(hello) // 2])
            return sock.close()
        sock.sendall(hello)
        if how == "reset":
            return reset(sock)
        # after_server_flight: read the server's whole first flight, never send Finished
        bio.feed(recv_record(sock))
        while not bio.step() and not bio.outgoing.pending:
            bio.feed(recv_record(sock))
        return sock.close()

    return behaviour


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("how", ["silent_close", "inside_client_hello", "after_server_flight", "reset"])
def test_server_handshake_peer_disconnects(files, kind, how):
    with peer_client(_client_gone(how, files)) as (raw, peer):
        with pytest.raises(OSError) as info:
            wrap_server(kind, files, raw)
        peer.join()
    if how == "reset":
        # The RST races with us: before the wrap (ssl.SSLError "Closed before TLS handshake
        # with data in recv buffer"), or the send or the recv meets it (reset, broken pipe),
        # or the send swallowed the error and the recv then sees the EOF (SSLEOFError).
        check_type(kind, info.value, (ConnectionResetError, BrokenPipeError, ssl.SSLError))
    else:
        check_type(kind, info.value, ssl.SSLEOFError)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_plaintext_then_reset_before_wrap_is_never_read(files, kind):
    """CVE-2023-40217: a client sends plaintext and resets before the server wraps the socket.
    The bytes stay readable on a socket that is no longer connected; wrapping must refuse
    them, not return a socket whose recv() hands them out as if they came through TLS."""
    secret = b"GET /admin HTTP/1.0\r\n\r\n"

    def behaviour(peer: Peer, sock: socket.socket):
        sock.sendall(secret)
        reset(sock)

    with peer_client(behaviour) as (raw, peer):
        peer.join()
        for _ in range(200):  # the RST crosses loopback at once; wait (bounded) until it is seen
            try:
                raw.getpeername()
            except OSError:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the reset never arrived")
        with pytest.raises(ssl.SSLError) as info:
            s = wrap_server(kind, files, raw)
            s.close()  # pragma: no cover - only reached on failure
        check_type(kind, info.value, ssl.SSLError)
    assert "Closed before TLS handshake with data in recv buffer" in str(info.value)
    assert (info.value.reason, info.value.library) == ("Closed before TLS handshake with data in recv buffer.", None)


# ---------------------------------------------------------------------------
# Truncation after the handshake: mid-record, after a partial write, ragged EOF
# ---------------------------------------------------------------------------


def _server_sends(files, parts: Callable[[BioPeer], list[bytes]], then: str = "close", version: str | None = None):
    """A Python ssl server that completes the handshake, then sends each part of ``parts(bio)``."""

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, server_ctx("ssl", files, version), server_side=True)
        bio.handshake()
        for part in parts(bio):
            sock.sendall(part)
        if then == "shut_wr":
            sock.shutdown(socket.SHUT_WR)
            return bio.read_all()  # we can still hear the client
        if then == "hold":
            peer.wait_release()
        return None

    return behaviour


@pytest.mark.parametrize("version", ["TLSv1.3", "TLSv1.2"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("suppress", [False, True])
@pytest.mark.parametrize("cut", ["mid_record", "at_record_boundary", "mid_header"])
def test_truncated_stream(files, kind, suppress, cut, version):
    """Whole records are delivered; then the stream ends without close_notify."""
    first = os.urandom(5000)

    def parts(bio: BioPeer) -> list[bytes]:
        whole = bio.seal(first)
        cut_record = bio.seal(b"never delivered" * 100)
        if cut == "mid_record":
            return [whole + cut_record[: len(cut_record) // 2]]
        if cut == "mid_header":
            return [whole + cut_record[:3]]
        return [whole]

    with peer_server(_server_sends(files, parts, version=version)) as (port, peer):
        with wrap_client(kind, files, port, suppress_ragged_eofs=suppress) as s:
            got = b""
            while len(got) < len(first):
                chunk = s.recv(65536)
                assert chunk, "EOF before the whole records were read"
                got += chunk
            assert got == first
            if suppress:
                assert s.recv(100) == b""
                assert s.recv(100) == b""  # and stays so
            else:
                with pytest.raises(ssl.SSLEOFError) as info:
                    s.recv(100)
                check_type(kind, info.value, ssl.SSLEOFError)
        peer.join()


@pytest.mark.parametrize("suppress", [False, True])
def test_truncated_stream_fasttls_server(files, suppress):
    """The same from the server side: a Python ssl client's stream ends without close_notify."""
    data = os.urandom(40_000)

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, client_ctx("ssl", files), server_side=False)
        bio.handshake()
        records = bio.seal(data) + bio.seal(b"cut" * 1000)
        sock.sendall(records[:-100])
        sock.shutdown(socket.SHUT_WR)
        drain_until_eof(sock)  # the server's tickets: unread bytes would turn our close into an RST

    with peer_client(behaviour) as (raw, peer):
        with wrap_server("fasttls", files, raw, suppress_ragged_eofs=suppress) as s:
            got = b""
            while len(got) < len(data):
                chunk = s.recv(65536)
                assert chunk
                got += chunk
            assert got == data
            if suppress:
                assert s.recv(100) == b""
            else:
                with pytest.raises(fasttls.SSLEOFError):
                    s.recv(100)
        peer.join()


# ---------------------------------------------------------------------------
# close_notify: every byte before it, in the same segment or not; half-close
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["TLSv1.3", "TLSv1.2"])
@pytest.mark.parametrize("api", ["recv", "recv_into", "makefile"])
@pytest.mark.parametrize("size", [1, 16384, 300_000])
def test_data_in_the_same_segment_as_close_notify(files, version, api, size):
    """Records and close_notify in one ``sendall`` (one segment when small): all data, then a clean EOF."""
    data = os.urandom(size)

    def parts(bio: BioPeer) -> list[bytes]:
        return [bio.seal(data) + bio.close_notify()]

    with peer_server(_server_sends(files, parts, version=version)) as (port, peer):
        with wrap_client("fasttls", files, port, suppress_ragged_eofs=False) as s:
            if api == "recv":
                got = read_all(s, 4096)
            elif api == "recv_into":
                buf = bytearray(7000)
                got = b""
                while n := s.recv_into(buf):
                    got += buf[:n]
            else:
                with s.makefile("rb") as f:
                    got = f.read()
            assert got == data
            assert s.recv(10) == b""  # a clean EOF, not SSLEOFError, even with suppress_ragged_eofs=False
        peer.join()


@pytest.mark.parametrize("version", ["TLSv1.3", "TLSv1.2"])
def test_close_notify_from_a_client_then_tcp_close(files, version):
    """fasttls server: a Python ssl client's data and close_notify in one segment, then FIN."""
    data = os.urandom(70_000)

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, client_ctx("ssl", files, version), server_side=False)
        bio.handshake()
        sock.sendall(bio.seal(data) + bio.close_notify())
        sock.shutdown(socket.SHUT_WR)
        drain_until_eof(sock)

    with peer_client(behaviour) as (raw, peer):
        with wrap_server("fasttls", files, raw, suppress_ragged_eofs=False) as s:
            assert read_all(s) == data
        peer.join()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_peer_half_close_then_we_answer(files, kind):
    """The peer sends a request, close_notify and shutdown(SHUT_WR) (TLS 1.3 half-close):
    we read all of it, a clean EOF, and our answer still reaches the peer."""
    request = b"GET / HTTP/1.0\r\n\r\n" * 50
    answer = os.urandom(100_000)

    def parts(bio: BioPeer) -> list[bytes]:
        return [bio.seal(request) + bio.close_notify()]

    with peer_server(_server_sends(files, parts, then="shut_wr")) as (port, peer):
        with wrap_client(kind, files, port, suppress_ragged_eofs=False) as s:
            assert read_all(s) == request
            assert s.recv(10) == b""
            s.sendall(answer)
            s.unwrap()  # our close_notify; the peer's is already here
        peer_got = peer.join()
    assert peer_got == answer


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("suppress", [False, True])
def test_peer_half_close_without_close_notify_is_a_truncation(files, kind, suppress):
    """shutdown(SHUT_WR) without close_notify: the data, then a truncation; like OpenSSL,
    the connection is then failed, so a write raises instead of answering a truncated request."""
    request = b"GET / HTTP/1.0\r\n\r\n" * 50

    def parts(bio: BioPeer) -> list[bytes]:
        return [bio.seal(request)]

    def behaviour(peer: Peer, sock: socket.socket):
        try:
            return _server_sends(files, parts, then="shut_wr")(peer, sock)
        except (ssl.SSLError, ConnectionError) as exc:
            return exc

    with peer_server(behaviour) as (port, peer):
        with wrap_client(kind, files, port, suppress_ragged_eofs=suppress) as s:
            got = b""
            while len(got) < len(request):
                chunk = s.recv(65536)
                assert chunk
                got += chunk
            assert got == request
            if suppress:
                assert s.recv(10) == b""
            else:
                with pytest.raises(ssl.SSLEOFError):
                    s.recv(10)
            with pytest.raises(ssl.SSLError) as info:
                s.sendall(b"answer")
            check_type(kind, info.value, ssl.SSLError)
        peer_got = peer.join()
    assert peer_got in (b"", None) or isinstance(peer_got, (ssl.SSLError, ConnectionError))


def test_our_half_close_is_plain_tcp_like_ssl(files):
    """``shutdown(SHUT_WR)`` on our socket drops TLS and shuts TCP (as ssl.SSLSocket does):
    the peer sees data, then an EOF without close_notify."""
    data = os.urandom(10_000)

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, server_ctx("ssl", files), server_side=True)
        bio.handshake()
        try:
            return bio.read_all(), None
        except ssl.SSLEOFError as exc:
            return None, exc

    with peer_server(behaviour) as (port, peer):
        with wrap_client("fasttls", files, port) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            assert s.version() is None
        _, exc = peer.join()
    assert isinstance(exc, ssl.SSLEOFError)


# ---------------------------------------------------------------------------
# sendall: everything or an exception
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind_of_data", ["bytes", "bytearray", "memoryview", "small_bytes"])
@pytest.mark.parametrize("timeout", [None, T])
def test_sendall_delivers_everything_to_a_slow_reader(files, kind_of_data, timeout):
    data = os.urandom(3_000_000 + 17)
    digest = hashlib.sha256(data).hexdigest()

    def behaviour(peer: Peer, sock: socket.socket):
        ctx = server_ctx("ssl", files)
        with ctx.wrap_socket(sock, server_side=True) as s:
            h = hashlib.sha256()
            n = 0
            while True:
                chunk = s.recv(4096)  # small reads: our sends block again and again
                if not chunk:
                    break
                h.update(chunk)
                n += len(chunk)
            s.unwrap()  # answer the client's close_notify: its unwrap() waits for ours
            return n, h.hexdigest()

    with peer_server(behaviour) as (port, peer):
        with wrap_client("fasttls", files, port) as s:
            s.settimeout(timeout)
            if kind_of_data == "small_bytes":
                for i in range(0, len(data), 65536):
                    assert s.sendall(data[i : i + 65536]) is None
            else:
                buf = {"bytes": data, "bytearray": bytearray(data), "memoryview": memoryview(data)}[kind_of_data]
                assert s.sendall(buf) is None
            s.unwrap()  # close_notify: the peer's recv returns b""
        n, got = peer.join()
    assert n == len(data)
    assert got == digest


@pytest.mark.parametrize("role", ["client", "server"])
def test_sendall_raises_when_the_peer_leaves_after_a_partial_read(files, role):
    """The peer reads part of a large write and goes away: sendall raises (SSLEOFError, as
    ssl's; from Python 3.13, as its ssl, the socket's ConnectionResetError or
    BrokenPipeError), it never reports success."""
    data = bytes(32 << 20)
    gone = (ssl.SSLEOFError, ConnectionResetError, BrokenPipeError) if sys.version_info >= (3, 13) else ssl.SSLEOFError

    def ssl_peer(peer: Peer, sock: socket.socket, server_side: bool):
        ctx = server_ctx("ssl", files) if server_side else client_ctx("ssl", files)
        s = ctx.wrap_socket(sock, server_side=server_side, server_hostname=None if server_side else "localhost")
        got = 0
        while got < 200_000:
            got += len(s.recv(65536))
        reset(s)  # unread data: an RST, like a crashed peer
        return got

    if role == "client":
        with peer_server(lambda peer, sock: ssl_peer(peer, sock, True)) as (port, peer):
            with wrap_client("fasttls", files, port) as s:
                with pytest.raises(gone):
                    s.sendall(data)
            assert peer.join() >= 200_000
    else:
        with peer_client(lambda peer, sock: ssl_peer(peer, sock, False)) as (raw, peer):
            with wrap_server("fasttls", files, raw) as s:
                with pytest.raises(gone):
                    s.sendall(data)
            assert peer.join() >= 200_000


# ---------------------------------------------------------------------------
# The peer stops reading; timeouts at every stage
# ---------------------------------------------------------------------------


AFTER = b"written after the timeout"


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("role", ["client", "server"])
@pytest.mark.parametrize("how", ["bytes", "small_bytes", "send"])
def test_peer_stops_reading_writes_time_out(files, kind, role, how):
    """Nobody reads: our writes raise TimeoutError within the socket timeout.  When the peer
    reads again, a later write either raises or arrives in a consistent stream: never a
    write reported as sent that the peer then cannot decrypt (a record cut by the timeout
    followed by new records).  fasttls refuses writes after a ``sendall`` cut inside a
    record.  A ``send`` that timed out keeps OpenSSL's contract: retried with other, shorter
    data it raises BAD_LENGTH, unless (as ssl's always) it timed out before sealing anything,
    when the other data goes out whole; never a stream the peer cannot open."""
    data = bytes(64 << 20)

    def reader(peer: Peer, sock: socket.socket, server_side: bool):
        ctx = server_ctx("ssl", files) if server_side else client_ctx("ssl", files)
        s = ctx.wrap_socket(sock, server_side=server_side, server_hostname=None if server_side else "localhost",
                            suppress_ragged_eofs=False)
        try:
            peer.wait_release()  # reads nothing until the test has seen the timeout
            n, tail = 0, b""
            try:
                while chunk := s.recv(1 << 20):
                    n, tail = n + len(chunk), (tail + chunk)[-len(AFTER):]
                s.unwrap()  # answer our close_notify
            except (ssl.SSLError, ConnectionError) as exc:
                return n, tail, exc
            return n, tail, None
        finally:
            s.close()

    def write(s) -> bool:
        s.settimeout(SHORT)
        with pytest.raises(TimeoutError):
            if how == "bytes":
                s.sendall(data)
            elif how == "small_bytes":
                for i in range(0, len(data), 65536):
                    s.sendall(data[i : i + 65536])
            else:
                sent = 0
                while sent < len(data):
                    sent += s.send(data[sent : sent + (1 << 20)])
        s.settimeout(T)
        peer.release.set()
        try:
            s.sendall(AFTER)
        except ssl.SSLError as exc:
            check_type(kind, exc, ssl.SSLError)
            if how == "send":
                assert exc.reason == "BAD_LENGTH", exc  # the write contract, not a cut stream
            if kind == "fasttls":  # and no close_notify after a cut message
                with pytest.raises(ssl.SSLError) as refused:
                    s.unwrap()
                assert refused.value.reason == "BAD_WRITE_RETRY", refused.value
            return False
        s.unwrap()
        return True

    if role == "client":
        with peer_server(lambda peer, sock: reader(peer, sock, True)) as (port, peer):
            with wrap_client(kind, files, port) as s:
                delivered = write(s)
            n, tail, exc = peer.join()
    else:
        with peer_client(lambda peer, sock: reader(peer, sock, False)) as (raw, peer):
            with wrap_server(kind, files, raw) as s:
                delivered = write(s)
            n, tail, exc = peer.join()
    if delivered:
        assert exc is None and tail == AFTER and n < len(data) + len(AFTER)
    else:
        # Refused: the peer sees the cut record as a truncation, never as a forgery.
        assert exc is None or isinstance(exc, (ssl.SSLEOFError, ConnectionError)), repr(exc)
    if kind == "fasttls" and how != "send":
        assert not delivered  # sendall cut inside a record: later writes are refused


def test_connect_timeout(files):
    """connect() on a wrapped, unconnected socket times out (a listener with a full backlog)."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(0)
        addr = lsock.getsockname()
        fillers = []
        try:
            # Fill the accept queue; the first connect that is not answered proves it is full.
            for _ in range(16):
                f = socket.socket()
                fillers.append(f)
                f.settimeout(SHORT)
                try:
                    f.connect(addr)
                except TimeoutError:
                    break
            else:
                pytest.fail("could not fill the listen backlog on 127.0.0.1")
            s = client_ctx("fasttls", files).wrap_socket(socket.socket(), server_hostname="localhost")
            with s:
                s.settimeout(SHORT)
                with pytest.raises(TimeoutError):
                    s.connect(addr)
                assert s.version() is None
        finally:
            for f in fillers:
                f.close()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("stage", ["no_server_hello", "inside_server_hello", "inside_flight"])
def test_client_handshake_timeout(files, kind, stage):
    def behaviour(peer: Peer, sock: socket.socket):
        hello = recv_record(sock)
        if stage != "no_server_hello":
            bio = BioPeer(sock, server_ctx("ssl", files), server_side=True)
            bio.feed(hello)
            bio.step()
            flight = bio.pending_output()
            sock.sendall(flight[:20] if stage == "inside_server_hello" else flight[: len(flight) // 2])
        peer.wait_release()

    with peer_server(behaviour) as (port, peer):
        with pytest.raises(TimeoutError):
            wrap_client(kind, files, port, timeout=SHORT)
        peer.join()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("stage", ["no_client_hello", "inside_client_hello", "no_finished"])
def test_server_handshake_timeout(files, kind, stage):
    def behaviour(peer: Peer, sock: socket.socket):
        if stage != "no_client_hello":
            bio = BioPeer(sock, client_ctx("ssl", files), server_side=False)
            bio.step()
            hello = bio.pending_output()
            sock.sendall(hello[: len(hello) // 2] if stage == "inside_client_hello" else hello)
        peer.wait_release()

    with peer_client(behaviour) as (raw, peer):
        raw.settimeout(SHORT)
        with pytest.raises(TimeoutError):
            wrap_server(kind, files, raw)
        raw.close()
        peer.join()


@pytest.mark.parametrize("role", ["client", "server"])
def test_read_timeout_inside_a_record_then_the_rest_arrives(files, role):
    """A recv that times out with half a record buffered keeps it: the next recv returns the data."""
    data = os.urandom(3000)

    def send_in_two(peer: Peer, sock: socket.socket, server_side: bool):
        ctx = server_ctx("ssl", files) if server_side else client_ctx("ssl", files)
        bio = BioPeer(sock, ctx, server_side=server_side)
        bio.handshake()
        record = bio.seal(data)
        sock.sendall(record[:1000])
        peer.ready.set()
        peer.wait_release()
        sock.sendall(record[1000:] + bio.close_notify())

    def check(s, peer: Peer) -> None:
        assert peer.ready.wait(T)
        s.settimeout(SHORT)
        with pytest.raises(TimeoutError):
            s.recv(100)  # nothing at all yet for a client: tickets only, then half a record
        with pytest.raises(TimeoutError):
            s.recv(100)
        peer.release.set()
        s.settimeout(T)
        assert read_all(s) == data

    if role == "client":
        with peer_server(lambda peer, sock: send_in_two(peer, sock, True)) as (port, peer):
            with wrap_client("fasttls", files, port, suppress_ragged_eofs=False) as s:
                check(s, peer)
            peer.join()
    else:
        with peer_client(lambda peer, sock: send_in_two(peer, sock, False)) as (raw, peer):
            with wrap_server("fasttls", files, raw, suppress_ragged_eofs=False) as s:
                check(s, peer)
            peer.join()


# ---------------------------------------------------------------------------
# asyncio
# ---------------------------------------------------------------------------


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("size", [1, 300_000])
def test_asyncio_reader_gets_everything_then_eof(files, kind, size):
    """Data and close_notify in one segment from a Python ssl server: the reader gets all, then EOF."""
    data = os.urandom(size)

    def parts(bio: BioPeer) -> list[bytes]:
        return [bio.seal(data) + bio.close_notify()]

    async def main():
        ctx = client_ctx(kind, files)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
        try:
            got = await asyncio.wait_for(reader.read(), T)
            assert reader.at_eof()
            return got, type(writer.get_extra_info("ssl_object"))
        finally:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), T)
            except (ConnectionError, ssl.SSLError):
                pass

    with peer_server(_server_sends(files, parts)) as (port, peer):
        got, objtype = run(main())
        peer.join()
    assert got == data
    assert objtype is (fasttls.SSLObject if kind == "fasttls" else ssl.SSLObject)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_asyncio_server_reader_gets_everything_then_eof(files, kind):
    data = os.urandom(200_000)
    received: list = []

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, client_ctx("ssl", files), server_side=False)
        bio.handshake()
        sock.sendall(bio.seal(data) + bio.close_notify())
        drain_until_eof(sock)

    async def handler(reader, writer):
        try:
            received.append(await asyncio.wait_for(reader.read(), T))
        except Exception as exc:  # noqa: BLE001 - checked below
            received.append(exc)
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx(kind, files))
        port = server.sockets[0].getsockname()[1]
        try:
            def client(peer: Peer):
                with socket.create_connection(("127.0.0.1", port), timeout=T) as sock:
                    return behaviour(peer, sock)

            peer = Peer(client)
            for _ in range(int(T / 0.01)):
                if received:
                    break
                await asyncio.sleep(0.01)
            await asyncio.get_running_loop().run_in_executor(None, peer.join)
        finally:
            server.close()
            await server.wait_closed()

    run(main())
    assert received and received[0] == data


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("how", ["before_server_hello", "inside_server_hello", "inside_flight", "reset"])
def test_asyncio_client_peer_vanishes_mid_handshake(files, kind, how):
    async def main():
        with pytest.raises((ConnectionError, ssl.SSLError)) as info:
            await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=client_ctx(kind, files), server_hostname="localhost"), T
            )
        return info.value

    with peer_server(_server_gone(how, files)) as (port, peer):
        exc = run(main())
        peer.join()
    assert not isinstance(exc, TimeoutError)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_asyncio_handshake_timeout(files, kind):
    def behaviour(peer: Peer, sock: socket.socket):
        recv_record(sock)
        peer.wait_release()

    async def main():
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(
                asyncio.open_connection(
                    "127.0.0.1",
                    port,
                    ssl=client_ctx(kind, files),
                    server_hostname="localhost",
                    ssl_handshake_timeout=SHORT,
                ),
                T,
            )

    with peer_server(behaviour) as (port, peer):
        run(main())
        peer.join()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_asyncio_server_survives_clients_vanishing_mid_handshake(files, kind):
    """Clients that leave at each point of the handshake; the server then serves a good client."""
    errors: list = []

    async def handler(reader, writer):
        data = await asyncio.wait_for(reader.read(100), T)
        writer.write(data.upper())
        await writer.drain()
        writer.close()

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: errors.append(context))
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx(kind, files))
        port = server.sockets[0].getsockname()[1]
        try:
            for how in ["silent_close", "inside_client_hello", "after_server_flight", "reset"]:
                behaviour = _client_gone(how, files)

                def client(peer: Peer, behaviour=behaviour):
                    with socket.create_connection(("127.0.0.1", port), timeout=T) as sock:
                        return behaviour(peer, sock)

                await loop.run_in_executor(None, Peer(client).join)
            ctx = client_ctx("fasttls", files)
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
            writer.write(b"still serving")
            reply = await asyncio.wait_for(reader.read(), T)
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), T)
            except (ConnectionError, ssl.SSLError):
                pass
        finally:
            server.close()
            await server.wait_closed()
        return reply

    assert run(main()) == b"STILL SERVING"
    # Whatever asyncio reported about the failed handshakes is a connection or TLS error, never a crash.
    for context in errors:
        exc = context.get("exception")
        assert exc is None or isinstance(exc, (ConnectionError, ssl.SSLError)), context


# ---------------------------------------------------------------------------
# Non-blocking sockets: the same faults, seen through SSLWantRead/WriteError
# ---------------------------------------------------------------------------


def _nonblocking_recv(s, n: int = 65536) -> bytes:
    """recv on a non-blocking TLS socket, waiting with select (bounded) on SSLWantReadError."""
    import select

    for _ in range(1000):
        try:
            return s.recv(n)
        except ssl.SSLWantReadError:
            if not select.select([s], [], [], T)[0]:
                raise TimeoutError("nothing to read") from None
    raise AssertionError("recv kept wanting to read")


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("suppress", [False, True])
@pytest.mark.parametrize("cut", ["mid_record", "at_record_boundary"])
def test_nonblocking_truncated_stream(files, kind, suppress, cut):
    """As test_truncated_stream, with the client non-blocking after the handshake."""
    first = os.urandom(5000)

    def parts(bio: BioPeer) -> list[bytes]:
        whole = bio.seal(first)
        return [whole + bio.seal(b"never delivered" * 100)[:50]] if cut == "mid_record" else [whole]

    with peer_server(_server_sends(files, parts)) as (port, peer):
        with wrap_client(kind, files, port, suppress_ragged_eofs=suppress) as s:
            s.setblocking(False)
            got = b""
            while len(got) < len(first):
                chunk = _nonblocking_recv(s)
                assert chunk, "EOF before the whole records were read"
                got += chunk
            assert got == first
            if suppress:
                assert _nonblocking_recv(s) == b""
            else:
                with pytest.raises(ssl.SSLEOFError) as info:
                    _nonblocking_recv(s)
                check_type(kind, info.value, ssl.SSLEOFError)
        peer.join()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_nonblocking_writer_sees_the_reset(files, kind):
    """A non-blocking sender fills the socket (SSLWantWriteError), the peer resets: a later
    write raises, never hangs or reports the bytes as sent."""
    import select

    gone = threading.Event()

    def behaviour(peer: Peer, sock: socket.socket):
        bio = BioPeer(sock, server_ctx("ssl", files), server_side=True)
        bio.handshake()
        peer.wait_release()  # never reads application data
        reset(sock)
        gone.set()

    with peer_server(behaviour) as (port, peer):
        with wrap_client(kind, files, port) as s:
            s.setblocking(False)
            chunk = os.urandom(1 << 16)
            with pytest.raises(ssl.SSLWantWriteError):
                for _ in range(10_000):
                    s.send(chunk)
            peer.release.set()
            assert gone.wait(T)
            # ssl (OpenSSL 3) reports the reset on write as SSLEOFError, and so do we.
            with pytest.raises((ConnectionError, ssl.SSLEOFError)) as info:
                for _ in range(1000):
                    try:
                        s.send(chunk)
                    except ssl.SSLWantWriteError:
                        select.select([], [s], [], 0.05)
            # (From Python 3.13 ssl raises the socket's ConnectionError, and so do we.)
            ours = ConnectionError if sys.version_info >= (3, 13) else ssl.SSLEOFError
            check_type(kind, info.value, ours if kind == "fasttls" else (ConnectionError, ssl.SSLEOFError))
        peer.join()


# ---------------------------------------------------------------------------
# Faults around a KeyUpdate (TLS 1.3): the peer updates and leaves
# ---------------------------------------------------------------------------


def _fasttls_server_updates_then(how: str, files, data: bytes):
    """A fasttls server that sends ``data``, a KeyUpdate asking for ours, more data, and then
    leaves without close_notify (``how``: after the whole record, or inside the KeyUpdate)."""

    def behaviour(peer: Peer, sock: socket.socket):
        s = server_ctx("fasttls", files).wrap_socket(sock, server_side=True)
        s.sendall(data)
        conn = s._conn
        with s._conn_lock:
            conn.key_update(request_peer=True)
            update = conn.data_to_send()
        if how == "inside_key_update":
            socket.socket.sendall(s, update[: len(update) // 2])
        else:
            socket.socket.sendall(s, update)
            s.sendall(data)  # under the new keys
        socket.socket.shutdown(s, socket.SHUT_WR)  # leave without close_notify
        drain_until_eof(s)  # our answering KeyUpdate (if any), then the client's close
        socket.socket.close(s)

    return behaviour


@pytest.mark.parametrize("how", ["after_key_update", "inside_key_update"])
@pytest.mark.parametrize("suppress", [False, True])
def test_peer_leaves_around_a_key_update(files, how, suppress):
    data = os.urandom(30_000)
    with peer_server(_fasttls_server_updates_then(how, files, data)) as (port, peer):
        with wrap_client("fasttls", files, port, suppress_ragged_eofs=suppress and how == "after_key_update") as s:
            first_secret = s._conn._read.traffic_secret
            expected = data * 2 if how == "after_key_update" else data
            got = b""
            while len(got) < len(expected):
                chunk = s.recv(65536)
                assert chunk, f"EOF after {len(got)} of {len(expected)} bytes"
                got += chunk
            assert got == expected
            if how == "after_key_update":
                assert s._conn._read.traffic_secret != first_secret  # we read under the new keys
                if suppress:
                    assert s.recv(10) == b""
                else:
                    with pytest.raises(fasttls.SSLEOFError):
                        s.recv(10)
            else:  # a KeyUpdate cut in two is a truncation, whatever suppress_ragged_eofs says
                with pytest.raises(fasttls.SSLEOFError):
                    s.recv(10)
        peer.join()


# ---------------------------------------------------------------------------
# asyncio: a peer that stops reading holds our writer, with bounded buffering
# ---------------------------------------------------------------------------


def test_asyncio_peer_stops_reading_drain_blocks_bounded(files):
    """asyncio server on a fasttls context writing to a client that never reads: drain()
    blocks (flow control), so a timeout ends it; what was buffered stays small."""
    hold = threading.Event()
    result: dict = {}

    def client(port: int) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=T)
        s = client_ctx("ssl", files).wrap_socket(raw, server_hostname="localhost")
        try:
            s.recv(1)  # one byte, then read nothing more
            hold.wait(T)
        finally:
            s.close()

    async def main() -> None:
        async def handler(reader, writer):
            chunk = bytes(1 << 16)
            written = 0
            try:
                writer.write(b"x")
                while written < (256 << 20):
                    writer.write(chunk)
                    written += len(chunk)
                    await asyncio.wait_for(writer.drain(), SHORT * 3)
            except asyncio.TimeoutError:
                result["timed_out"] = True
            result["written"] = written
            result["buffered"] = writer.transport.get_write_buffer_size()
            writer.transport.abort()

        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx("fasttls", files))
        port = server.sockets[0].getsockname()[1]
        t = threading.Thread(target=client, args=(port,))
        t.start()
        try:
            for _ in range(int(T / 0.05)):
                if "written" in result:
                    break
                await asyncio.sleep(0.05)
        finally:
            hold.set()
            server.close()
            await server.wait_closed()
            await asyncio.get_running_loop().run_in_executor(None, t.join, T)

    asyncio.run(main())
    assert result.get("timed_out"), result
    # The kernel buffers a few MiB on loopback; asyncio pauses the writer near its high-water mark.
    assert result["written"] < (64 << 20), result
    assert result["buffered"] < (8 << 20), result

"""The socket facade under slow peers, full sockets and signals, against Python's ``ssl``.

* A socket timeout bounds a whole operation, as ssl's does: a peer that trickles
  its ClientHello or a record a byte at a time cannot hold a handshake or a read
  for longer than the timeout (each byte arriving within it used to restart it).
* ``send`` keeps OpenSSL's write contract: one that times out waiting for room has
  taken nothing, and a large write is sealed a batch at a time, so a non-blocking
  ``send`` of 64 MiB to a peer that does not read holds one batch, not 64 MiB sealed.
* A signal handler that raises inside a blocking ``send`` leaves what went out
  unknown: the stream stays a clean prefix and later writes are refused, where
  they used to resend bytes already sent (the peer saw bad_record_mac).
* One that raises while the handshake's state machine runs fails the connection (its
  generator cannot be resumed; a retry used to call the handshake complete, unverified),
  and the handler's exception reaches the caller as itself.
"""

from __future__ import annotations

import hashlib
import select
import signal
import socket
import ssl
import threading
import time
import tracemalloc

import pytest

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .test_faults import T, client_ctx, drain, peer_client, peer_server, server_ctx, wrap_client, wrap_server

KINDS = ["fasttls", "ssl"]


def quiet_server(files):
    """An ssl server context that sends no tickets: a client that closes without reading
    them would reset the connection and lose data in flight."""
    ctx = server_ctx("ssl", files)
    ctx.num_tickets = 0
    return ctx


class Trickle:
    """Sends ``data`` a byte every 0.2 s, until told to stop or for at most 8 s; then
    ``exhausted`` is set.  A timeout of 1 s must fire well before that: a timeout that
    restarts with each byte fires only after the trickle ends."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.stop = threading.Event()
        self.exhausted = threading.Event()

    def __call__(self, sock: socket.socket) -> None:
        end = time.monotonic() + 8
        for i in range(len(self.data)):
            if self.stop.wait(0.2):
                return
            if time.monotonic() > end:
                break
            try:
                sock.sendall(self.data[i : i + 1])
            except OSError:
                return
        self.exhausted.set()


def times_out_while_trickling(trickle: Trickle, call, match: str | None = None) -> None:
    """``call()`` raises TimeoutError while the trickle still goes on (then it stops)."""
    try:
        with pytest.raises(TimeoutError, match=match):
            call()
        assert not trickle.exhausted.is_set()
    finally:
        trickle.stop.set()


def client_hello(files) -> bytes:
    """A real ClientHello (Python ssl's), as a raw record to trickle."""
    bio_in, bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx("ssl", files).wrap_bio(bio_in, bio_out, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return bio_out.read()


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickled_client_hello_cannot_hold_the_handshake(files, kind):
    """A server with a 1 s timeout, and a client sending its ClientHello a byte every 0.2 s:
    the handshake times out while the bytes still come, as ssl's does (slowloris)."""
    trickle = Trickle(client_hello(files))
    with peer_client(lambda peer, sock: trickle(sock)) as (raw, peer):
        raw.settimeout(1.0)
        try:
            times_out_while_trickling(trickle, lambda: wrap_server(kind, files, raw), "handshake operation timed out")
        finally:
            peer.join()


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickled_record_cannot_hold_a_read(files, kind):
    """After the handshake the server sends one 4 KiB record a byte every 0.2 s: a read
    with a 1 s timeout raises TimeoutError, as ssl's does, instead of waiting for it all."""
    trickle = Trickle(b"")

    def serve(peer, sock):
        bios = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = server_ctx("ssl", files).wrap_bio(*bios, server_side=True)
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(bios[1].read())
                bios[0].write(sock.recv(65536))
        sock.sendall(bios[1].read())  # Finished, tickets
        obj.write(b"x" * 4096)
        trickle.data = bios[1].read()
        trickle(sock)

    with peer_server(serve) as (port, peer):
        with wrap_client(kind, files, port, timeout=1.0) as s:
            times_out_while_trickling(trickle, lambda: s.recv(65536))
        peer.join()


@pytest.mark.parametrize("kind", KINDS)
def test_a_non_blocking_send_of_64_mib_holds_one_batch(files, kind):
    """The peer reads nothing at first: send() of 64 MiB on a non-blocking socket raises
    SSLWantWriteError having sealed a bounded amount (ssl: one record; we: one 256 KiB
    batch).  Retried with the same data until done, every byte arrives once."""
    data = bytes(range(256)) * (1 << 18)  # 64 MiB
    digest = hashlib.sha256(data).hexdigest()
    go = threading.Event()

    def reader(peer, sock):
        with quiet_server(files).wrap_socket(sock, server_side=True) as s:
            go.wait(T)
            h, n = hashlib.sha256(), 0
            while n < len(data):
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
                n += len(chunk)
            return n, h.hexdigest()

    with peer_server(reader) as (port, peer):
        with wrap_client(kind, files, port) as s:
            s.setblocking(False)
            tracemalloc.start()
            try:
                with pytest.raises(ssl.SSLWantWriteError):
                    while True:
                        s.send(data)  # the kernel takes a few MiB first
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < 8 << 20, f"{peak >> 20} MiB held for one send"
            go.set()
            sent = 0
            while True:
                try:
                    sent = s.send(data)
                    break
                except ssl.SSLWantWriteError:
                    select.select([], [s], [], T)
            assert sent == len(data)
            s.setblocking(True)
            s.settimeout(T)
        n, got = peer.join()
    assert (n, got) == (len(data), digest)


class Interrupted(Exception):
    pass


class DeadlineTimeout(TimeoutError):
    """What a SIGALRM deadline handler may raise: a TimeoutError that is not the socket's."""


@pytest.fixture(params=[(Interrupted, False), (DeadlineTimeout, False), (Interrupted, True)], ids=["Exception", "TimeoutError", "partial"])
def raising_alarm(request):
    """SIGALRM raises Interrupted, or a TimeoutError of the handler's own, from a function
    or from one behind functools.partial (a common way to give a handler state); the
    handler is restored afterwards."""
    import functools

    exc_type, partial = request.param

    def handler(label, signum, frame):
        raise exc_type(label)

    old = signal.signal(signal.SIGALRM, functools.partial(handler, "partial") if partial else lambda signum, frame: handler("plain", signum, frame))
    try:
        yield exc_type
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_a_signal_inside_a_blocking_send_cuts_the_write_side(files, raising_alarm):
    """A blocking send() of 16 MiB to a peer that does not read, interrupted by a signal
    handler that raises: what went out is not known, so the next write is refused with
    an error that says so, and the peer sees a clean prefix and then the end, never a
    record it cannot open.  (ssl, whose state lives in C, can go on writing; a Python
    handler's exception can land between a system call and our bookkeeping.)  A handler's
    TimeoutError is not taken for the socket's own timeout, after which a retry of the same
    send is allowed: the retry sent again what had gone out."""
    import fasttls

    data = bytes(16 << 20)
    go = threading.Event()

    def reader(peer, sock):
        with quiet_server(files).wrap_socket(sock, server_side=True, suppress_ragged_eofs=False) as s:
            go.wait(T)
            n = 0
            try:
                while chunk := s.recv(1 << 20):
                    n += len(chunk)
            except ssl.SSLEOFError:
                pass  # the connection ends without close_notify: a truncation, not a forgery
            return n

    with peer_server(reader) as (port, peer):
        with wrap_client("fasttls", files, port, timeout=None) as s:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(raising_alarm):
                s.send(data)
            with pytest.raises(fasttls.FastTLSError, match="interrupted"):
                s.send(data)  # the same send again: what a caller does after a timeout
            go.set()
            time.sleep(0.1)
        n = peer.join()
    assert n <= len(data)


CLOSE_NOTIFY = b"\x15\x03\x03\x00\x02\x01\x00"  # a plaintext warning close_notify record


@pytest.fixture
def deadline():
    """A spinning handshake ignores its socket timeout: SIGALRM stops the test after 20 s."""

    def fire(signum, frame):
        raise AssertionError("still running after 20 s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("then", ["FIN", "stays open"])
def test_a_close_notify_during_the_handshake_fails_it_at_once(files, kind, then, deadline):
    """A client sends its ClientHello and a close_notify (then FIN, or keeps the connection
    open): the server's handshake fails with SSLZeroReturnError at once, as ssl's does.
    fasttls used to take the alert as the end of the stream and wait for the handshake to
    go on: with FIN its reads at EOF spun a core at 100% past the socket timeout."""
    hello = client_hello(files)

    def client(peer, sock):
        sock.sendall(hello + CLOSE_NOTIFY)
        if then == "FIN":
            sock.shutdown(socket.SHUT_WR)
        drain(sock)

    with peer_client(client) as (raw, peer):
        raw.settimeout(5)
        # A handshake that waited (or spun) for more would end in TimeoutError, not this.
        with pytest.raises(ssl.SSLZeroReturnError):
            wrap_server(kind, files, raw).close()
        raw.close()
        peer.join()


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_answering_with_close_notify_fails_the_client_handshake(files, kind, deadline):
    """A server that reads the ClientHello and answers with a close_notify alone (and keeps
    the connection open): the client's handshake raises SSLZeroReturnError, not a wait."""

    def server(peer, sock):
        sock.recv(65536)
        sock.sendall(CLOSE_NOTIFY)
        drain(sock)

    with peer_server(server) as (port, peer):
        with pytest.raises(ssl.SSLZeroReturnError):  # (a wait would end in TimeoutError)
            wrap_client(kind, files, port, timeout=5).close()
        peer.join()


@pytest.mark.parametrize("server_side", [False, True], ids=["client", "server"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_close_notify_during_the_handshake_on_memory_bios(files, kind, server_side):
    """The same on ``wrap_bio``: do_handshake raises SSLZeroReturnError, as ssl's (an event
    loop would otherwise wait on SSLWantReadError for ever)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    if server_side:
        obj = server_ctx(kind, files).wrap_bio(incoming, outgoing, server_side=True)
        incoming.write(client_hello(files))
    else:
        obj = client_ctx(kind, files).wrap_bio(incoming, outgoing, server_hostname="localhost")
        with pytest.raises(ssl.SSLWantReadError):
            obj.do_handshake()
    incoming.write(CLOSE_NOTIFY)
    with pytest.raises(ssl.SSLZeroReturnError):
        obj.do_handshake()
    if kind == "fasttls":  # and stays failed (ssl says want-read now: README)
        with pytest.raises(ssl.SSLZeroReturnError):
            obj.do_handshake()


@pytest.mark.parametrize("kind", KINDS)
def test_recv_after_a_non_blocking_unwrap_ends_with_zero_return(files, kind, deadline):
    """A non-blocking server socket calls unwrap() (SSLWantReadError), then receives the
    client's last 50,000 bytes and its close_notify: recv raises SSLZeroReturnError then,
    as ssl's, where fasttls returned b"" on every call."""

    def client_side(peer, raw):
        with client_ctx("ssl", files).wrap_socket(raw, server_hostname="localhost") as c:
            assert c.recv(10) == b""  # the server's close_notify
            c.sendall(b"y" * 50_000)
            c.unwrap()

    with peer_client(client_side) as (raw, peer):
        s = wrap_server(kind, files, raw)
        s.setblocking(False)
        with pytest.raises(ssl.SSLWantReadError):
            s.unwrap()
        got = 0
        with pytest.raises(ssl.SSLZeroReturnError):
            for _ in range(10_000):
                try:
                    data = s.recv(16384)
                except ssl.SSLWantReadError:
                    select.select([s], [], [], 1)
                    continue
                assert data, "b'' where ssl raises SSLZeroReturnError"
                got += len(data)
        assert got == 50_000
        peer.join()
        s.close()


def _interrupt_once(monkeypatch, module, name, exc):
    """``module.name`` raises ``exc`` on its first call (a signal handler's exception that
    landed inside it), then is itself again."""
    real = getattr(module, name)

    def interrupted(*args, **kwargs):
        monkeypatch.setattr(module, name, real)
        raise exc

    monkeypatch.setattr(module, name, interrupted)


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_an_interrupted_handshake_fails_on_retry_instead_of_completing(files, monkeypatch, version):
    """Ctrl-C (or any signal handler's exception) inside the client's certificate check
    ends the handshake generator, which cannot be resumed.  Retrying do_handshake() used
    to find it finished and call the handshake complete: the server's certificate never
    checked, and the application's data sealed with the handshake keys (TLS 1.3) or sent
    in the clear (TLS 1.2).  Now the retry fails, nothing is sent, and the peer gets an
    internal_error alert."""
    import fasttls
    from fasttls.handshake import client12, client13

    module = client13 if version == "TLSv1.3" else client12
    _interrupt_once(monkeypatch, module, "verify_server_certificates", KeyboardInterrupt())

    def server(peer, sock):
        with pytest.raises(ssl.SSLError, match="INTERNAL_ERROR") as err:
            with wrap_server("ssl", files, sock, version) as s:
                s.recv(100)
        return err.value

    with peer_server(server) as (port, peer):
        with wrap_client("fasttls", files, port, version=version, do_handshake_on_connect=False) as s:
            with pytest.raises(KeyboardInterrupt):
                s.do_handshake()
            with pytest.raises(fasttls.FastTLSError, match="interrupted by KeyboardInterrupt"):
                s.do_handshake()
            with pytest.raises(ValueError, match="handshake not done"):
                s.getpeercert()
            with pytest.raises(fasttls.FastTLSError, match="interrupted"):
                s.sendall(b"Authorization: secret")
        peer.join()


def test_an_interrupted_client_certificate_check_fails_the_servers_handshake(files, monkeypatch):
    """The server side of the same: interrupted inside the client certificate's check, a
    server that requires one used to complete its handshake on retry without it."""
    import fasttls
    from fasttls.handshake import server13

    _interrupt_once(monkeypatch, server13, "verify_client_certificates", KeyboardInterrupt())
    ctx = server_ctx("fasttls", files)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(files.ca)

    def client(peer, sock):
        cctx = client_ctx("ssl", files)
        cctx.load_cert_chain(files.cert, files.key)
        with pytest.raises(ssl.SSLError, match="INTERNAL_ERROR"):
            with cctx.wrap_socket(sock, server_hostname="localhost") as s:
                s.recv(100)

    with peer_client(client) as (raw, peer):
        s = ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        with s:
            with pytest.raises(KeyboardInterrupt):
                s.do_handshake()
            with pytest.raises(fasttls.FastTLSError, match="interrupted"):
                s.do_handshake()
            assert s.version() is None
            with pytest.raises(fasttls.FastTLSError, match="interrupted"):
                s.sendall(b"220 banner")
        peer.join()


def test_a_signal_handlers_own_exception_reaches_the_caller(files, monkeypatch, raising_alarm):
    """A SIGALRM deadline (an Exception subclass raised by the handler) that lands while the
    handshake runs reaches the caller as itself, as with ssl; it used to come out as
    TLSError INTERNAL_ERROR "internal error: Interrupted()", which ``except Deadline``
    does not catch."""
    import fasttls
    from fasttls.handshake import client13

    real = client13.verify_server_certificates

    def signalled(*args, **kwargs):
        monkeypatch.setattr(client13, "verify_server_certificates", real)
        signal.raise_signal(signal.SIGALRM)  # the handler runs here, inside the handshake
        return real(*args, **kwargs)

    monkeypatch.setattr(client13, "verify_server_certificates", signalled)

    def server(peer, sock):
        try:
            with wrap_server("ssl", files, sock) as s:
                s.recv(100)
        except ssl.SSLError:
            pass

    with peer_server(server) as (port, peer):
        with wrap_client("fasttls", files, port, do_handshake_on_connect=False) as s:
            with pytest.raises(raising_alarm):
                s.do_handshake()
            with pytest.raises(fasttls.FastTLSError, match=f"interrupted by {raising_alarm.__name__}"):
                s.do_handshake()
        peer.join()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the case under test
def test_a_fork_while_another_thread_loads_the_default_trust_store(files):
    """A thread making the process's first default context holds the trust store's lock
    for ~20 ms; a fork() then gave a child whose own create_default_context() waited
    forever for a thread it does not have.  The module locks start unlocked in a child."""
    import os

    import fasttls
    from fasttls import context, verify

    with context._default_lock, verify._default_lock:  # as that thread would, at fork time
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            try:
                signal.alarm(10)
                fasttls.create_default_context()
                os._exit(0)
            finally:
                os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def test_a_read_times_out_when_the_peer_does_not_read_our_answers(files):
    """A server that floods post-handshake CertificateRequests and reads none of our
    answers: the client's recv() with a timeout raises TimeoutError, as ssl's (SSL_read
    waits to write them within the read's timeout).  Each read used to wait a whole timeout
    of its own for the answers, take the failure for sent and read on: recv() held until
    the server stopped sending."""
    from fasttls import auth
    from fasttls.config import CertifiedKey, Config
    from fasttls.connection import Connection
    from fasttls.constants import ProtocolVersion
    from fasttls.messages import handshake as hsmsg

    with open(files.cert, "rb") as f, open(files.key, "rb") as k:
        certified = CertifiedKey.from_pem(f.read(), k.read())
    client_timed_out, server_stopped = threading.Event(), threading.Event()

    def server(peer, sock):
        conn = Connection(Config(certificates=[certified], min_version=ProtocolVersion.TLS13), server_side=True)
        conn.start()
        while not conn.handshake_complete:
            sock.sendall(conn.data_to_send())
            conn.receive_data(sock.recv(65536))
        schemes = [s for s in conn.config.signature_schemes if auth.usable_in_tls13(s)]
        for i in range(6000):  # a record each, all sent at once: the client never waits for data
            conn.write_handshake(hsmsg.CertificateRequestTLS13(certificate_request_context=i.to_bytes(4, "big"), signature_algorithms=schemes))
            conn._flush_handshake()
        sock.sendall(conn.data_to_send())
        client_timed_out.wait(T)  # reading nothing
        server_stopped.set()  # from here the client would time out waiting for more data

    from cryptography import x509

    from fasttls.socket import wrap_socket
    from fasttls.verify import TrustStore

    with open(files.ca, "rb") as f:
        store = TrustStore.from_certificates(x509.load_pem_x509_certificates(f.read()))
    # Past the bound on requests in a row (max_key_updates), so that the socket fills first.
    config = Config(trust_store=store, certificates=[certified], post_handshake_auth=True, session_cache=None, max_key_updates=1 << 20)
    with peer_server(server) as (port, peer):
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        raw.settimeout(T)
        raw.connect(("127.0.0.1", port))
        with wrap_socket(raw, config, server_hostname="localhost") as s:
            s.settimeout(1)
            with pytest.raises(TimeoutError, match="read operation timed out"):
                s.recv(100)
            assert not server_stopped.is_set(), "the read timed out only once the server had stopped"
            client_timed_out.set()
        peer.join()


def test_a_read_returns_its_data_when_the_answer_behind_it_cannot_go(files):
    """Data, then a KeyUpdate asking for ours, read by one recv() while our socket is full:
    the read returns the data at once, as ssl's (OpenSSL opens one record at a time), and
    the answer waits for the next read or write; a read that has nothing to return waits
    within its timeout (test above)."""
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sctx = server_ctx("fasttls", files)
    cctx = client_ctx("fasttls", files)
    done: dict = {}
    t = threading.Thread(target=lambda: done.setdefault("s", sctx.wrap_socket(a, server_side=True)))
    t.start()
    with cctx.wrap_socket(b, server_hostname="localhost") as c:
        t.join(T)
        with done["s"] as s:
            s.setblocking(False)
            with pytest.raises(ssl.SSLWantWriteError):
                while True:  # the server's socket fills: the client reads nothing
                    s.send(b"x" * 16384)
            c.sendall(b"hello")
            c.key_update(request_peer=True)
            s.settimeout(T)
            assert s.recv(1024) == b"hello"
            assert s._conn.bytes_to_send() or s._out, "the KeyUpdate answer is still queued"


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the case under test
def test_socket_locks_held_at_fork_are_free_in_the_child(files):
    """A thread blocked in recv() holds the socket's read lock; a child made by fork() that
    goes on with the connection (the parent leaves it alone) waited forever for it."""
    import os

    def server(peer, sock):
        with wrap_server("ssl", files, sock) as s:
            s.sendall(b"reply to " + s.recv(100))

    with peer_server(server) as (port, peer):
        with wrap_client("fasttls", files, port) as c:
            with c._recv_lock, c._send_lock:  # as a reader and a writer thread would, at fork time
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child reports through its exit status
                    try:
                        signal.alarm(10)
                        c.sendall(b"child")
                        os._exit(0 if c.recv(100) == b"reply to child" else 2)
                    finally:
                        os._exit(1)
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        peer.join()


def test_an_interrupted_sslobject_write_fails_the_connection(files, monkeypatch):
    """SSLObject over MemoryBIO (asyncio's path): Ctrl-C, or a signal handler's exception,
    between the seal and the BIO leaves records sealed (the sequence number moved on) that
    never reach the peer.  The connection fails; the next write used to succeed, sealed at
    a sequence number the peer was not at, and the peer failed with bad_record_mac."""
    import fasttls
    from fasttls.bench import bio_pair

    c, s, (cin, cout, sin, sout) = bio_pair(client_ctx("fasttls", files), server_ctx("ssl", files))
    conn = c._conn
    real = conn.send_and_take

    def sealed_then_interrupted(data):
        real(data)
        monkeypatch.setattr(conn, "send_and_take", real)
        raise KeyboardInterrupt

    assert c.write(b"first") == 5
    monkeypatch.setattr(conn, "send_and_take", sealed_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        c.write(b"lost")
    with pytest.raises(fasttls.FastTLSError, match="interrupted by KeyboardInterrupt"):
        c.write(b"next")
    sin.write(cout.read())
    assert s.read(100) == b"first"
    with pytest.raises(ssl.SSLWantReadError):  # nothing more: never a record it cannot open
        s.read(100)


def test_a_want_write_does_not_look_for_signal_handlers(files, monkeypatch):
    """A non-blocking socket's want-write is the usual path of a full socket: telling a
    signal handler's exception from ours must not cost it the ~64 signal.getsignal()
    calls of that check (it made each retry ~30x slower)."""
    a, b = socket.socketpair()
    done: dict = {}
    t = threading.Thread(target=lambda: done.setdefault("s", server_ctx("fasttls", files).wrap_socket(a, server_side=True)))
    t.start()
    with client_ctx("fasttls", files).wrap_socket(b, server_hostname="localhost"):
        t.join(T)
        s = done["s"]
        s.setblocking(False)
        calls = []
        real = signal.getsignal
        monkeypatch.setattr(signal, "getsignal", lambda signum: calls.append(signum) or real(signum))
        wants = 0
        for _ in range(2000):
            try:
                s.send(b"x" * 16384)
            except ssl.SSLWantWriteError:
                wants += 1
                if wants == 10:
                    break
        assert wants == 10 and calls == []
        s.close()

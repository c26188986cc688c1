"""RecordWriter: the socket's steady-state write path (seal + send in one call), on both twins.

The writer reads a connection's state and its write half; a small stand-in
connection with a real ``WriteHalf`` makes every precondition settable, and a
real socket pair carries the records, so what it sends is compared byte for
byte with the twin's ``RecordSealer`` and with the other twin.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from fasttls.connection import Connection
from fasttls.constants import AlertDescription
from fasttls.errors import TLSError
from fasttls.record import TWINS, ReadHalf, WriteHalf

TLS12, TLS13 = 0x0303, 0x0304
KEY, IV = bytes(range(16)), bytes(range(100, 112))


class StandIn:
    """The attributes of ``fasttls.connection.Connection`` the writer reads."""

    def __init__(self, twin, version=TLS13, cipher=1, key=KEY, iv=IV, seq=0):
        self._error = None
        self.handshake_complete = True
        self.closed = False
        self._trace = None
        self._write = WriteHalf(twin)
        self._write.set_key(version, cipher, key, iv)
        self._write._prot.seq = seq
        self.failed = None

    def _fail(self, exc):
        self.failed = exc

    direct_sealer = Connection.direct_sealer  # the one definition of the state, reading these fields


@pytest.fixture
def sockets():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def writer_for(twin, sock):
    return twin.aead.RecordWriter(sock.fileno(), threading.Lock(), threading.Lock())


def drain(sock, n, timeout=10.0):
    sock.settimeout(timeout)
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


@pytest.mark.parametrize("version,cipher,size", [(TLS13, 1, 1), (TLS13, 2, 16384), (TLS13, 1, 40000), (TLS12, 1, 5000), (TLS12, 2, 16385)])
def test_sends_what_the_sealer_seals(twin, sockets, version, cipher, size):
    a, b = sockets
    key = KEY if cipher == 1 else KEY * 2
    iv = IV if (version == TLS13 or cipher == 2) else IV[:4]
    conn = StandIn(twin, version, cipher, key, iv, seq=7)
    data = os.urandom(size)
    expected = twin.aead.RecordSealer(cipher, key, iv, version, seq=7).seal(23, data)
    assert writer_for(twin, a).write(conn, data, None) == 0
    assert drain(b, len(expected)) == expected
    assert conn._write.seq == 7 + max(1, -(-size // 16384))
    # and the peer opens it
    r = ReadHalf(twin)
    r.set_key(version, cipher, key, iv)
    r._prot.seq = 7
    app = twin.framing.RecordBuffer()
    r.feed(expected)
    assert r.read(app) is None
    assert app.take() == data


def test_an_empty_write_sends_nothing(twin, sockets):
    """As ssl's SSL_write of 0 bytes: no record (a stream of empty records would trip the
    peer's empty-record limit), sequence number unchanged."""
    a, b = sockets
    conn = StandIn(twin, seq=5)
    assert writer_for(twin, a).write(conn, b"", None) == 0
    assert writer_for(twin, a).write(conn, memoryview(bytearray()), 1.0) == 0
    assert conn._write.seq == 5
    b.setblocking(False)
    with pytest.raises(BlockingIOError):
        b.recv(1)


@pytest.mark.parametrize("version,cipher", [(TLS13, 1), (TLS13, 2), (TLS12, 1), (TLS12, 2)])
def test_twins_send_identical_bytes(both_twins, version, cipher):
    """Every way the writers seal: one record below and at the staging size
    (4 KiB), a full record, a few records, a batch; twice each, so a reused
    buffer or staging area must not leak one write into the next."""
    key = KEY if cipher == 1 else KEY * 2
    iv = IV if (version == TLS13 or cipher == 2) else IV[:4]
    writes = [os.urandom(n) for n in (1, 4095, 4096, 16384, 16383, 40000, 70000, 100)]
    writes += writes
    sent = []
    for t in both_twins:
        a, b = socket.socketpair()
        with a, b:
            conn = StandIn(t, version, cipher, key, iv, seq=3)
            w = writer_for(t, a)
            got = bytearray()
            for data in writes:
                expected = t.aead.RecordSealer(cipher, key, iv, version, seq=conn._write.seq).seal(23, data)
                assert w.write(conn, memoryview(data), 5.0) == 0
                got += drain(b, len(expected))
                assert got.endswith(expected)
            sent.append(bytes(got))
    assert sent[0] == sent[1]


def test_small_fragment_limit(twin, sockets):
    a, b = sockets
    conn = StandIn(twin)
    conn._write.max_fragment = 512  # RFC 8449 record_size_limit
    data = os.urandom(2000)
    expected = twin.aead.RecordSealer(1, KEY, IV, TLS13).seal(23, data, 512)
    assert writer_for(twin, a).write(conn, data, None) == 0
    assert drain(b, len(expected)) == expected


#: The changes to the connection's own state (the rest are about the write or the twin).
_CONNECTION_STATES = ("error", "handshake_not_complete", "closed", "tracer", "bytes_queued", "keys_near_limit", "unprotected")


@pytest.mark.parametrize(
    "change",
    [
        "no_connection",
        "error",
        "handshake_not_complete",
        "closed",
        "tracer",
        "bytes_queued",
        "keys_near_limit",
        "unprotected",
        "too_large",
        "non_blocking",
        "not_contiguous",
        "not_a_buffer",
        "other_twins_sealer",
    ],
)
def test_declines_without_doing_anything(twin, sockets, change):
    """-1 whenever Connection.send_and_take would not seal straight away: the caller's general path runs."""
    a, b = sockets
    conn = StandIn(twin)
    data, timeout = b"x" * 100, None
    if change == "no_connection":
        conn = None
    elif change == "error":
        conn._error = TLSError(AlertDescription.internal_error, "earlier failure")
    elif change == "handshake_not_complete":
        conn.handshake_complete = False
    elif change == "closed":
        conn.closed = True
    elif change == "tracer":
        conn._trace = lambda *args: None
    elif change == "bytes_queued":
        conn._write.buffer.feed(b"\x17\x03\x03\x00\x01\x00")
    elif change == "keys_near_limit":
        conn._write._prot.seq = conn._write.soft_limit
    elif change == "unprotected":
        conn._write = WriteHalf(twin)
    elif change == "too_large":
        data = bytes(twin.aead.WRITER_MAX + 1)
    elif change == "non_blocking":
        timeout = 0.0
    elif change == "not_contiguous":
        data = memoryview(bytes(200))[::2]
    elif change == "not_a_buffer":
        data = "text"
    elif change == "other_twins_sealer":
        other = [t for name, t in TWINS.items() if name != twin.name]
        if not other:
            pytest.fail("both twins are needed (the compiled one is not built)")
        conn._write = WriteHalf(other[0])
        conn._write.set_key(TLS13, 1, KEY, IV)
    seq = conn._write.seq if conn is not None else None
    assert writer_for(twin, a).write(conn, data, timeout) == -1
    if change in _CONNECTION_STATES:
        # Both writers inline Connection.direct_sealer's checks: they must decline
        # exactly where the one definition does.
        assert conn.direct_sealer() is None and StandIn(twin).direct_sealer() is not None
    if conn is not None:
        assert conn._write.seq == seq
    b.setblocking(False)
    with pytest.raises(BlockingIOError):
        b.recv(1)  # nothing was sent


def test_reports_bytes_queued_meanwhile(twin, sockets):
    """A reader that queues an answer (a KeyUpdate) once we let go of the connection: 1, flush it."""
    a, b = sockets
    conn = StandIn(twin)

    class QueueOnRelease:
        def __init__(self):
            self.lock = threading.Lock()

        def acquire(self, *args):
            return self.lock.acquire(*args)

        def release(self):
            self.lock.release()
            conn._write.buffer.feed(b"answer")

        def __enter__(self):
            self.acquire()

        def __exit__(self, *exc):
            self.release()

    writer = twin.aead.RecordWriter(a.fileno(), threading.Lock(), QueueOnRelease())
    assert writer.write(conn, b"data", None) == 1
    assert len(drain(b, 4 + 22)) == 26


def test_seal_failure_fails_the_connection(twin, sockets):
    a, b = sockets
    conn = StandIn(twin, version=TLS13, cipher=2, key=KEY * 2)
    conn._write.soft_limit = (1 << 64) - 1  # as with ChaCha20, whose limit is the sequence space
    conn._write._prot.seq = (1 << 64) - 2  # one record left: 20000 bytes need two
    with pytest.raises(TLSError) as info:
        writer_for(twin, a).write(conn, bytes(20000), None)
    assert info.value.alert == AlertDescription.internal_error
    assert conn.failed is info.value


def test_timeout_when_the_peer_does_not_read(twin, sockets):
    a, b = sockets
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    a.settimeout(0.3)  # what SSLSocket does: the fd is non-blocking, the writer polls
    conn = StandIn(twin)
    writer = writer_for(twin, a)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        for _ in range(200):
            writer.write(conn, bytes(65536), 0.3)
    assert time.monotonic() - start < 10


def test_blocking_socket_waits_for_the_reader(twin, sockets):
    a, b = sockets
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    conn = StandIn(twin)
    data = os.urandom(twin.aead.WRITER_MAX)
    expected = twin.aead.RecordSealer(1, KEY, IV, TLS13).seal(23, data)
    got = []
    reader = threading.Thread(target=lambda: got.append(drain(b, len(expected))))
    reader.start()
    assert writer_for(twin, a).write(conn, data, None) == 0
    reader.join(30)
    assert got == [expected]


def test_peer_gone_is_an_os_error(twin, sockets):
    a, b = sockets
    b.close()
    conn = StandIn(twin)
    with pytest.raises((BrokenPipeError, ConnectionResetError)):
        writer_for(twin, a).write(conn, b"late", 1.0)

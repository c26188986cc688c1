"""Application data in any C-contiguous buffer, counted in bytes, as ``ssl`` takes it (``y*``).

``len()`` of an ``array('I')`` or of a 2-D memoryview counts items, not bytes.
A write path that used it sent a quarter of an ``array('I')`` while reporting
all of it written (the pure twin), or failed the connection with an internal
error (the compiled twin, once the write outgrew the buffer).  The sans-IO
tests run on both record twins; the ``SSLObject`` and socket tests have
Python's ``ssl`` as the peer (the whole suite also runs with the pure twin).
"""

from __future__ import annotations

import array
import inspect
import os
import ssl
import sys

import pytest

from fasttls.config import Config
from fasttls.constants import ProtocolVersion

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .pairs import do_handshake, make_pair, transfer
from .test_ssl_compat import _handshake, _pump, client, client_of, connect, echo_server, ssl_server

TLS12, TLS13 = ProtocolVersion.TLS12, ProtocolVersion.TLS13

# An array of 4-byte items (len() is a quarter of its size), a 2-D view of bytes,
# and a view with 8-byte items; each with its bytes as the peer must receive them.
SMALL = array.array("I", [1, 2, 3])
LARGE = array.array("I", range(30_000))  # 120,000 bytes: several records
MATRIX = memoryview(os.urandom(3 * 7000)).cast("B", (3, 7000))
WIDE = memoryview(bytearray(os.urandom(8 * 5000))).cast("Q")
SIGNED = array.array("b", range(-100, 100))  # 1-byte items, format 'b'
CHARS = memoryview(os.urandom(3000)).cast("c")  # 1-byte items, format 'c'
BUFFERS = {"array-small": SMALL, "array-large": LARGE, "2-d": MATRIX, "8-byte items": WIDE, "signed bytes": SIGNED, "chars": CHARS}


def octets(buf) -> bytes:
    return memoryview(buf).tobytes()


def pair(pki, twin, version=TLS13):
    cc = Config(trust_store=pki.store, min_version=version, max_version=version)
    sc = Config(certificates=[pki.server("ecdsa-p256")], min_version=version, max_version=version)
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    return c, s


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
@pytest.mark.parametrize("name", list(BUFFERS))
def test_connection_send_counts_bytes(pki, twin, version, name):
    buf = BUFFERS[name]
    c, s = pair(pki, twin, version)
    c.send(buf)
    transfer(c, s)
    assert s.read() == octets(buf)
    # send_and_take (the drivers' one-call write) says the same.
    s.receive_data(c.send_and_take(buf))
    assert s.read() == octets(buf)


@pytest.mark.parametrize("name", list(BUFFERS))
def test_record_twins_seal_any_buffer_as_its_bytes(twin, name):
    """The twins' public API: ``seal``/``seal_into`` take the buffer's bytes (the twins agree)."""
    buf = BUFFERS[name]
    data = octets(buf)
    key, iv = bytes(range(16)), bytes(range(12))
    a = twin.aead.RecordSealer(1, key, iv, 0x0304)
    b = twin.aead.RecordSealer(1, key, iv, 0x0304)
    assert a.seal(23, buf) == b.seal(23, data)
    out = bytearray(a.sealed_length(len(data)))
    assert a.seal_into(out, 0, 23, buf) == len(out)
    assert bytes(out) == b.seal(23, data)


def test_read_into_fills_bytes_of_any_buffer(pki, twin):
    c, s = pair(pki, twin)
    data = os.urandom(400)
    c.send(data)
    transfer(c, s)
    dest = array.array("I", bytes(4 * 60))  # 240 bytes, 60 items
    assert s.read_into(dest) == 240
    assert dest.tobytes() == data[:240]
    chars = memoryview(bytearray(100)).cast("c")  # 1-byte items of another format
    assert s.read_into(chars) == 100
    assert chars.tobytes() == data[240:340]
    assert s.read() == data[340:]


def test_a_bad_argument_leaves_the_connection_usable(pki, twin):
    c, s = pair(pki, twin)
    with pytest.raises(TypeError):
        c.send(5)
    with pytest.raises(TypeError):
        c.send("text")
    with pytest.raises(BufferError):
        c.send(memoryview(b"abcdef")[::2])  # not contiguous (ssl: BufferError too)
    with pytest.raises(BufferError):
        c.send_and_take(memoryview(b"abcdef")[::2])
    assert c.bytes_to_send() == 0
    c.send(b"still fine")
    transfer(c, s)
    assert s.read() == b"still fine"


@pytest.mark.parametrize("name", list(BUFFERS))
def test_sslobject_write_against_ssl(files, name):
    buf = BUFFERS[name]
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c_in, c_out, s_in, s_out = bios
    c = client(files).wrap_bio(c_in, c_out, server_hostname="localhost")
    s = ssl_server(files).wrap_bio(s_in, s_out, server_side=True)
    _handshake(c, s, bios)
    assert c.write(buf) == len(octets(buf))
    _pump(c, s, *bios)
    got = bytearray()
    while True:
        try:
            got += s.read(1 << 20)
        except ssl.SSLWantReadError:
            break
    assert bytes(got) == octets(buf)
    # And reading into an array: its bytes fill, as with ssl.
    s.write(b"x" * 40)
    _pump(c, s, *bios)
    dest = array.array("I", bytes(40))
    assert c.read(40, dest) == 40 and dest.tobytes() == b"x" * 40


@pytest.mark.parametrize("method", ["sendall", "send", "write"])
@pytest.mark.parametrize("name", ["array-small", "array-large", "2-d"])
def test_socket_writes_against_ssl(files, method, name):
    buf = BUFFERS[name]
    want = octets(buf)
    with echo_server(ssl_server(files)) as srv, connect(client(files), srv.port) as s:
        if method == "sendall":
            s.sendall(buf)
        else:
            view = memoryview(buf).cast("B")
            sent = 0
            while sent < len(want):
                # send/write take what fits in one call (all of it here); what is
                # left is sent from the byte view, as a caller would.
                sent += getattr(s, method)(buf if not sent else view[sent:])
            assert sent == len(want)
        got = bytearray()
        while len(got) < len(want):
            chunk = s.recv(1 << 20)
            assert chunk
            got += chunk
        assert bytes(got) == want


def _grows(buf: bytearray) -> bool:
    try:
        buf.extend(b"more")
    except BufferError:
        return False
    return True


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_failed_read_leaves_the_callers_buffer_resizable(files, kind):
    """A kept exception (its traceback holds the read's frames) must not keep the caller's
    buffer exported: ssl's can be resized in the except block after a timeout, a
    non-blocking want-read, or an SSLObject read before its handshake; ours could not
    (probe finding).  Checked against ssl in the same cases."""
    cctx = client_of(kind, files)
    outcomes = []
    with echo_server(ssl_server(files)) as srv, connect(cctx, srv.port) as s:
        s.settimeout(0.2)
        for call in (lambda b: s.recv_into(b), lambda b: s.read(8, b), lambda b: s.recv_into(b, 4)):
            buf = bytearray(16)
            try:
                call(buf)
            except TimeoutError:
                outcomes.append(_grows(buf))
        s.setblocking(False)
        buf = bytearray(16)
        try:
            s.recv_into(buf)
        except ssl.SSLWantReadError:
            outcomes.append(_grows(buf))
        s.setblocking(True)
        s.sendall(b"bye")
        assert recv_all(s, 3) == b"bye"
    obj = cctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    buf = bytearray(16)
    try:
        obj.read(8, buf)  # before the handshake: it wants the server's flight
    except ssl.SSLWantReadError:
        outcomes.append(_grows(buf))
    assert outcomes == [True] * 5


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_recv_into_refuses_a_read_only_buffer_at_once_and_takes_a_negative_size_as_all(files, kind):
    """ssl's recv_into and read(n, buffer) refuse a read-only buffer with TypeError before
    anything else (ours waited for data first: with no timeout, for ever), and read a
    size of 0 or less as the whole buffer (ours sliced it: ``buf[:-3]``).  Probe findings."""
    cctx = client_of(kind, files)
    with echo_server(ssl_server(files)) as srv, connect(cctx, srv.port) as s:
        s.settimeout(30)  # were nothing refused at once, TimeoutError after 30 s
        for call in (lambda b: s.recv_into(b), lambda b: s.read(4, b)):
            for readonly in (bytes(10), memoryview(bytearray(10)).toreadonly()):
                with pytest.raises(TypeError, match="read-write"):
                    call(readonly)
        s.sendall(b"0123456789")
        buf = bytearray(10)
        got = 0
        while got < 10:
            got += s.recv_into(memoryview(buf)[got:], -3)
        assert bytes(buf) == b"0123456789"


def recv_all(s, n: int) -> bytes:
    got = bytearray()
    while len(got) < n:
        chunk = s.recv(n - len(got))
        assert chunk
        got += chunk
    return bytes(got)


if sys.version_info >= (3, 12):  # a buffer from Python code (PEP 688)

    class _ContiguousOnlyWithStrides:
        """Refuses a simple (PyBUF_SIMPLE) buffer request with ValueError, as a numpy
        array that is not C-contiguous does, and gives its bytes when asked with strides."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def __buffer__(self, flags: int) -> memoryview:
            if flags == inspect.BufferFlags.SIMPLE:
                raise ValueError("ndarray is not C-contiguous")
            return memoryview(self.data)

    @pytest.mark.parametrize("method", ["sendall", "send", "write"])
    def test_a_buffer_refusing_a_simple_request_with_valueerror_takes_the_general_path(files, method):
        """The compiled twin's write fast path asked for a simple buffer and let numpy's
        ValueError out (sendall of a Fortran-order array); the pure twin, which asks with
        strides (memoryview()), sent it (probe finding).  Python 3.12+ only (a buffer made
        in Python): CI runs it on 3.12 and 3.13, both with the compiled twin, the one that
        needed the fix."""
        data = os.urandom(50_000)
        with echo_server(ssl_server(files)) as srv, connect(client(files), srv.port) as s:
            sent = getattr(s, method)(_ContiguousOnlyWithStrides(data))
            if method != "sendall":
                assert sent == len(data)
            assert recv_all(s, len(data)) == data


def test_sslobject_read_errors_leave_the_callers_buffer_resizable(files):
    """Two more ways an SSLObject read failed with the caller's buffer still exported (review
    findings): a read-only buffer refused with TypeError, and the answer to a KeyUpdate that
    cannot be written (outgoing closed by write_eof) after the records were opened."""
    from fasttls.bench import bio_pair

    from .test_ssl_compat import fasttls_server

    c, s, (c_in, c_out, s_in, s_out) = bio_pair(client(files), fasttls_server(files))
    readonly_base = bytearray(10)
    readonly = memoryview(readonly_base).toreadonly()
    with pytest.raises(TypeError, match="read-write") as info:
        c.read(10, readonly)
    readonly.release()
    assert _grows(readonly_base) and info.value is not None  # the exception is still kept
    s._conn.key_update(True)  # the server asks for the client's KeyUpdate
    s_out.write(s._conn.data_to_send())
    c_in.write(s_out.read())
    c_out.write_eof()
    buf = bytearray(100)
    with pytest.raises(ssl.SSLError, match="write_eof") as info:
        c.read(100, buf)
    assert _grows(buf) and info.value is not None

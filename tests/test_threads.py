"""One SSLSocket used from several threads at once, against Python's ssl as the peer.

Go's crypto/tls serialises the handshake (handshakeMutex) and each direction (the in and
out mutexes), so a reader thread and a writer thread may start on a connection before its
handshake, and ``unwrap()`` may run beside a blocked reader.  Ours read with both threads
at once: bogus record errors (WRONG_VERSION_NUMBER, BAD_RECORD_MAC, a BufferError), a dead
connection and an alert to the peer.  (Python's ssl is no model here: it fails the same
way, or crashes.)
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading

import pytest

from .compat import files  # noqa: F401 - fixture
from .test_ssl_compat import client, one_connection, ssl_server


def in_thread(call, out: list, barrier: threading.Barrier | None = None) -> threading.Thread:
    """Run ``call()`` on a started thread that appends what it returns, or raises, to ``out``."""

    def run():
        if barrier is not None:
            barrier.wait()
        try:
            out.append(call())
        except Exception as e:  # the test reports it
            out.append(e)

    th = threading.Thread(target=run)
    th.start()
    return th


@contextlib.contextmanager
def blocking_client(files, port: int, **kw):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with client(files).wrap_socket(raw, server_hostname="localhost", **kw) as c:
        c.settimeout(None)
        yield c


@pytest.mark.parametrize("timeout", [None, 10.0])
@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_a_reader_and_a_writer_thread_start_before_the_handshake(files, version, timeout):
    for _ in range(8):

        def serve(raw):
            raw.settimeout(10)
            sctx = ssl_server(files)
            sctx.maximum_version = getattr(ssl.TLSVersion, version)
            with sctx.wrap_socket(raw, server_side=True) as s:
                data = b""
                while len(data) < 5:
                    data += s.recv(100)
                s.sendall(b"pong:" + data)
                s.recv(10)

        with one_connection(serve) as (port, t):
            with blocking_client(files, port, do_handshake_on_connect=False) as c:
                c.settimeout(timeout)
                read, written = [], []
                both = threading.Barrier(2)
                threads = [in_thread(lambda: c.recv(100), read, both), in_thread(lambda: c.sendall(b"ping!"), written, both)]
                for th in threads:
                    th.join(20)
                assert read == [b"pong:ping!"] and written == [None], (read, written)
                assert c.version() == version.replace("_", ".")
            t.join(20)


def test_unwrap_beside_a_blocked_reader(files):
    """``unwrap()`` while another thread waits in ``recv()``: the reader gets the peer's
    answering close_notify (the connection is closed: SSLZeroReturnError, as a read after
    our own close_notify is), and ``unwrap()`` returns the socket, unwrapped.  Both failed with
    an "unknown content type" record before."""
    peer = {}

    def serve(raw):
        raw.settimeout(10)
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            peer["read"] = s.recv(100)  # our close_notify
            peer["plain"] = s.unwrap()
            peer["plain"].close()

    with one_connection(serve) as (port, t):
        with blocking_client(files, port) as c:
            got = []
            th = in_thread(lambda: c.recv(100), got)
            th.join(0.3)  # blocked in recv
            plain = c.unwrap()
            th.join(10)
            assert not th.is_alive()
            assert plain is c  # as ssl's: the same socket, no longer wrapped
            assert len(got) == 1 and (got[0] == b"" or isinstance(got[0], ssl.SSLZeroReturnError)), got
        t.join(20)
    assert peer["read"] == b"" and "plain" in peer


def test_setblocking_from_another_thread_during_a_large_sendall(files):
    """A blocking ``sendall`` of 16 MiB waits on a peer that does not read yet, and another
    thread makes the socket non-blocking (for a poll of its own): as with ssl, the sendall
    completes once the peer reads.  Ours raised BlockingIOError from CPython's sendall
    after an unknown part had gone, and refused every later write."""
    import os
    import time

    data = os.urandom(16 << 20)
    received = {}
    reading = threading.Event()

    def serve(raw):
        raw.settimeout(20)
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            reading.wait(20)
            got = bytearray()
            while len(got) < len(data):
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
            received["data"] = bytes(got)
            s.sendall(b"done")

    with one_connection(serve) as (port, t):
        with blocking_client(files, port) as c:
            result = []
            th = in_thread(lambda: c.sendall(data), result)
            deadline = time.monotonic() + 20
            while select.select([], [c], [], 0)[1] or not th.is_alive():  # until the socket is full
                assert time.monotonic() < deadline and not result, result
                time.sleep(0.01)
            time.sleep(0.1)  # the writer waits in it
            c.setblocking(False)
            reading.set()
            th.join(30)
            assert result == [None]
            c.settimeout(10)
            assert c.recv(4) == b"done"
        t.join(20)
    assert received["data"] == data

"""fasttls under gevent's monkey patching (gunicorn's gevent workers, locust, gevent servers).

After ``gevent.monkey.patch_all()``, ``ssl.SSLSocket`` is gevent's cooperative socket, so
``fasttls.SSLSocket`` (a subclass of whatever ``ssl.SSLSocket`` is at import) is built on
it.  Each scenario runs in a fresh process (patching is process-wide), once with a fasttls
context and once with Python's ``ssl``, and the two must behave alike: sockets without a
timeout (gevent's default, and requests') complete, and a write waiting on a full socket
lets the other greenlets run.  Both record twins are covered by the suite's two runs: the
child inherits ``FASTTLS_PURE_PYTHON``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .compat import files, no_leaks  # noqa: F401 - fixtures

_CHILD = r"""
from gevent import monkey

monkey.patch_all()

import json, os, socket, ssl, sys, time

sys.path.insert(0, os.environ["FASTTLS_ROOT"])
import gevent
import gevent.server

import fasttls

scenario, kind, cert, key, ca = sys.argv[1:6]
mod = fasttls if kind == "fasttls" else ssl


def server_ctx():
    ctx = mod.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def client_ctx():
    ctx = mod.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    return ctx


result = {}
if scenario == "no-timeout":
    # A gevent StreamServer with this kind's context, and a client of this kind, neither
    # with a timeout: gevent's own blocking calls do the waiting.
    def handle(sock, addr):
        data = sock.recv(100)
        sock.sendall(data.upper() * 20000)
        sock.close()

    server = gevent.server.StreamServer(("127.0.0.1", 0), handle, ssl_context=server_ctx())
    server.start()
    with gevent.Timeout(30):
        with socket.create_connection(("127.0.0.1", server.server_port)) as raw:
            with client_ctx().wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"hello")
                got = b""
                while len(got) < 100000:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    got += chunk
    server.stop()
    result["got"] = len(got)
    result["ok"] = got == b"HELLO" * 20000
elif scenario == "full-socket":
    # The client's 16 KiB sendalls outrun a server greenlet that reads slowly: while a
    # sendall waits for room, a ticker greenlet must keep running.
    gaps = []

    def ticker():
        last = time.monotonic()
        while True:
            gevent.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    gevent.spawn(ticker)
    listener = socket.create_server(("127.0.0.1", 0))
    total = 400 * 16384

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(30)
        with server_ctx().wrap_socket(conn, server_side=True) as tls:
            n = 0
            while n < total:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                n += len(chunk)
                gevent.sleep(0.001)
            tls.sendall(b"%d" % n)

    reader = gevent.spawn(serve)
    with socket.create_connection(listener.getsockname()) as raw:
        raw.settimeout(30)
        with client_ctx().wrap_socket(raw, server_hostname="localhost") as tls:
            block = os.urandom(16384)
            for _ in range(400):
                tls.sendall(block)
            result["read"] = int(tls.recv(20))
    reader.join(30)
    listener.close()
    result["longest_gap"] = max(gaps)
print(json.dumps(result))
"""


def _run(scenario: str, kind: str, files) -> dict:
    env = dict(os.environ, FASTTLS_ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, scenario, kind, files.cert, files.key, files.ca],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.decode().splitlines()[-1])


def test_sockets_without_a_timeout_work_under_gevent(files):
    """gevent's blocking calls wait through the socket's ``_wait``: ours, named the same
    with another signature, made every handshake without a timeout fail (TypeError), and
    gevent's sendall calls ``self.send``, our TLS send, which sealed the records again."""
    theirs = _run("no-timeout", "ssl", files)
    ours = _run("no-timeout", "fasttls", files)
    assert ours == theirs == {"got": 100000, "ok": True}


def test_a_write_waiting_for_room_lets_other_greenlets_run(files):
    """The compiled record writer waits in C ``poll()`` when the socket is full, which
    gevent cannot make cooperative: every greenlet stopped (3.6 s with a slow reader in
    another process; here, whose reader is a greenlet, until the write timed out).  The
    reader being a greenlet, all data is read only if the waiting writer let it run."""
    theirs = _run("full-socket", "ssl", files)
    ours = _run("full-socket", "fasttls", files)
    assert ours["read"] == theirs["read"] == 400 * 16384

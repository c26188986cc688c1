"""Helpers for the ssl drop-in tests: PEM files, HTTPS servers, leak checks.

* :func:`make_files` writes a test PKI's certificates as PEM files (what
  ``load_cert_chain``/``load_verify_locations`` read), including the bad ones
  (untrusted CA, wrong host name, expired).
* :func:`https_server` runs ``http.server`` (HTTP/1.1 keep-alive, threaded)
  on 127.0.0.1 port 0 with its *listening* socket wrapped by an SSL context,
  the way HTTPS servers built on ``http.server`` do; it works the same with a
  ``fasttls.SSLContext`` and an ``ssl.SSLContext``.  Each response names the
  class of the server's connection socket, so a test sees which TLS stack served it.
* :func:`no_leaks` (import it into a test module: it is autouse) fails a test
  that leaves a file descriptor or a thread behind.
"""

from __future__ import annotations

import datetime
import gc
import http.server
import os
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization

from .pki import make_leaf, utcnow


@dataclass
class Files:
    ca: str  # the test root CA (PEM)
    cert: str  # ECDSA server chain for localhost, 127.0.0.1, ::1
    key: str
    rsa_cert: str
    rsa_key: str
    ed25519_cert: str
    ed25519_key: str
    client_cert: str
    client_key: str
    untrusted_cert: str  # from another CA
    untrusted_key: str
    wronghost_cert: str  # trusted, for wrong.example only
    wronghost_key: str
    expired_cert: str
    expired_key: str
    encrypted_key: str  # self.key encrypted with b"secret"
    other_ca: str


def make_files(pki, other_pki, directory) -> Files:
    d = os.fspath(directory)
    ca = os.path.join(d, "ca.pem")
    with open(ca, "wb") as f:
        f.write(pki.ca_pem)
    other_ca = os.path.join(d, "other-ca.pem")
    with open(other_ca, "wb") as f:
        f.write(other_pki.ca_pem)
    ecdsa = pki.issued("ecdsa-p256")
    cert, key = ecdsa.write(d, "server-ecdsa")
    rsa_cert, rsa_key = pki.issued("rsa-2048").write(d, "server-rsa")
    ed_cert, ed_key = pki.issued("ed25519").write(d, "server-ed25519")
    client_cert, client_key = pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(d, "client")
    untrusted_cert, untrusted_key = other_pki.issued("ecdsa-p256").write(d, "untrusted")
    wrong_cert, wrong_key = make_leaf(pki.ca, ["wrong.example"]).write(d, "wronghost")
    expired = make_leaf(
        pki.ca,
        ["localhost", "127.0.0.1"],
        not_before=utcnow() - datetime.timedelta(days=30),
        not_after=utcnow() - datetime.timedelta(days=1),
    )
    expired_cert, expired_key = expired.write(d, "expired")
    encrypted_key = os.path.join(d, "encrypted.key")
    with open(encrypted_key, "wb") as f:
        f.write(
            ecdsa.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            )
        )
    return Files(
        ca, cert, key, rsa_cert, rsa_key, ed_cert, ed_key, client_cert, client_key, untrusted_cert, untrusted_key,
        wrong_cert, wrong_key, expired_cert, expired_key, encrypted_key, other_ca,
    )


@pytest.fixture(scope="session")
def files(pki, other_pki, tmp_path_factory) -> Files:
    return make_files(pki, other_pki, tmp_path_factory.mktemp("compat-pki"))


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail the test if it leaves an open file descriptor or a running thread behind."""
    gc.collect()
    fds = _open_fds()
    threads = set(threading.enumerate())
    yield
    gc.collect()
    # trio's thread cache keeps an idle worker ~10 s and ends it itself (anyio's TLS on
    # trio runs wrap_bio there); it holds nothing of the test's.
    leaked_threads = [t for t in threading.enumerate() if t not in threads and t.is_alive() and not t.name.startswith("Trio thread")]
    for t in leaked_threads:
        t.join(5)
    leaked_threads = [t for t in leaked_threads if t.is_alive()]
    leaked_fds = _open_fds() - fds
    # An fd number can be listed by listdir itself while it runs; check each one still exists.
    leaked_fds = {fd for fd in leaked_fds if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked_threads, f"threads left running: {leaked_threads}"
    assert not leaked_fds, f"file descriptors left open: {[os.readlink(f'/proc/self/fd/{fd}') for fd in leaked_fds if os.path.exists(f'/proc/self/fd/{fd}')]}"


def find_exc(exc: BaseException | None, kind: type) -> BaseException | None:
    """``exc`` or the first exception of type ``kind`` in its cause/context/args chain."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind) and (kind is not ssl.SSLCertVerificationError or hasattr(e, "verify_code")):
            return e
        stack.append(getattr(e, "certificate_error", None))  # aiohttp keeps the original there
        stack.append(e.__cause__)
        stack.append(e.__context__)
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
        stack.append(getattr(e, "reason", None) if isinstance(getattr(e, "reason", None), BaseException) else None)
    return None


# ---------------------------------------------------------------------------
# HTTPS servers on http.server
# ---------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = 20

    def do_GET(self) -> None:
        conn = self.connection
        body = f"{type(conn).__module__}.{type(conn).__name__} {conn.version()} {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[::-1])

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True

    def __init__(self, *args, **kwargs) -> None:
        self.errors: list[BaseException] = []
        super().__init__(*args, **kwargs)

    def handle_error(self, request, client_address) -> None:
        self.errors.append(sys.exc_info()[1])


@dataclass
class HTTPSServer:
    server: _Server
    port: int

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def ip_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


@contextmanager
def https_server(ctx: ssl.SSLContext) -> Iterator[HTTPSServer]:
    """``http.server`` over a listening socket wrapped with ``ctx`` (fasttls or ssl), in a thread."""
    server = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=True)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="https-server")
    thread.start()
    try:
        yield HTTPSServer(server, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def fasttls_server_context(files: Files, **kw):
    import fasttls

    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(kw.get("cert", files.cert), kw.get("key", files.key))
    return ctx


def ssl_server_context(files: Files, **kw) -> ssl.SSLContext:
    from fasttls.context import _StdSSLContext

    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(kw.get("cert", files.cert), kw.get("key", files.key))
    return ctx


def server_context(kind: str, files: Files, **kw):
    return fasttls_server_context(files, **kw) if kind == "fasttls" else ssl_server_context(files, **kw)


def fasttls_client_context(files: Files, keylog=None, cafile=None):
    import fasttls

    ctx = fasttls.create_default_context(cafile=cafile or files.ca)
    if keylog is not None:
        ctx.keylog_filename = keylog
    return ctx


def handshakes_in(keylog) -> int:
    """How many TLS 1.3 handshakes a key log file records."""
    with open(keylog) as f:
        return sum(1 for line in f if line.startswith("CLIENT_TRAFFIC_SECRET_0 "))


SERVER_KINDS = ["fasttls", "ssl"]

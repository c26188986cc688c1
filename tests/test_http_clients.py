"""Unmodified HTTP clients handed a fasttls context, against local HTTPS servers.

Each client runs against an ``http.server`` HTTPS server whose listening
socket is wrapped by a fasttls context and by a Python ``ssl`` context (both
serve HTTP/1.1 keep-alive).  The client's context writes a key log: its lines
can only come from fasttls (OpenSSL never sees the file name), so they prove
the connection was fasttls, and count the handshakes.  Every client must
also refuse an untrusted certificate and a wrong host name with
``ssl.SSLCertVerificationError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.request

import httpx
import pytest
import requests
import requests.adapters
import urllib3

import fasttls

from .compat import (  # noqa: F401 - fixtures
    SERVER_KINDS,
    fasttls_client_context,
    files,
    find_exc,
    handshakes_in,
    https_server,
    no_leaks,
    server_context,
)


@pytest.fixture(params=SERVER_KINDS)
def server(request, files):
    with https_server(server_context(request.param, files)) as srv:
        srv.kind = request.param
        yield srv


@pytest.fixture
def keylog(tmp_path):
    return str(tmp_path / "keys.log")


def served_by(body: bytes, kind: str) -> bool:
    expected = b"fasttls.socket.SSLSocket TLSv1.3" if kind == "fasttls" else b"ssl.SSLSocket TLSv1.3"
    return body.startswith(expected)


def assert_refused(exc: BaseException, code: int) -> None:
    err = find_exc(exc, ssl.SSLCertVerificationError)
    assert err is not None, f"no SSLCertVerificationError in {exc!r}"
    assert err.verify_code == code, (err.verify_code, err.verify_message)


@pytest.fixture(params=["untrusted", "wronghost"])
def bad_server(request, files):
    """A server the client must refuse, and the OpenSSL verify code it must report."""
    if request.param == "untrusted":
        ctx, code = server_context("fasttls", files, cert=files.untrusted_cert, key=files.untrusted_key), 20
    else:
        ctx, code = server_context("ssl", files, cert=files.wronghost_cert, key=files.wronghost_key), 62
    with https_server(ctx) as srv:
        srv.code = code
        yield srv


# ---------------------------------------------------------------------------
# http.client and urllib.request
# ---------------------------------------------------------------------------


def test_http_client_keep_alive(server, files, keylog):
    ctx = fasttls_client_context(files, keylog)
    conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=20)
    try:
        for path in ("/one", "/two", "/three"):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200
            assert served_by(body, server.kind) and body.endswith(path.encode())
        conn.request("POST", "/echo", body=b"x" * 100_000)
        assert conn.getresponse().read() == b"x" * 100_000
        assert isinstance(conn.sock, fasttls.SSLSocket)
        assert conn.sock.version() == "TLSv1.3"
    finally:
        conn.close()
    assert handshakes_in(keylog) == 1  # four requests, one connection


def test_http_client_refuses(bad_server, files):
    conn = http.client.HTTPSConnection("localhost", bad_server.port, context=fasttls_client_context(files), timeout=20)
    try:
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            conn.request("GET", "/")
    finally:
        conn.close()
    assert_refused(info.value, bad_server.code)


def test_urllib_urlopen(server, files, keylog):
    ctx = fasttls_client_context(files, keylog)
    with urllib.request.urlopen(server.url + "/urllib", context=ctx, timeout=20) as resp:
        body = resp.read()
    assert served_by(body, server.kind) and body.endswith(b"/urllib")
    assert handshakes_in(keylog) == 1


def test_urllib_refuses(bad_server, files):
    with pytest.raises(urllib.error.URLError) as info:
        urllib.request.urlopen(bad_server.url, context=fasttls_client_context(files), timeout=20)
    assert_refused(info.value, bad_server.code)


# ---------------------------------------------------------------------------
# urllib3 and requests
# ---------------------------------------------------------------------------


def test_urllib3_pool_manager(server, files, keylog):
    ctx = fasttls_client_context(files, keylog)
    http = urllib3.PoolManager(ssl_context=ctx)
    try:
        for path in ("/a", "/b"):
            r = http.request("GET", server.url + path, timeout=20)
            assert r.status == 200 and served_by(r.data, server.kind) and r.data.endswith(path.encode())
        r = http.request("GET", server.ip_url + "/ip", timeout=20)  # IP address SAN
        assert r.status == 200 and r.data.endswith(b"/ip")
    finally:
        http.clear()
    assert handshakes_in(keylog) == 2  # one pool per host


def test_urllib3_refuses(bad_server, files):
    http = urllib3.PoolManager(ssl_context=fasttls_client_context(files), retries=False)
    try:
        with pytest.raises(urllib3.exceptions.SSLError) as info:
            http.request("GET", bad_server.url, timeout=20)
    finally:
        http.clear()
    assert_refused(info.value, bad_server.code)


class ContextAdapter(requests.adapters.HTTPAdapter):
    """The usual way to give requests an SSLContext."""

    def __init__(self, ssl_context, **kwargs):
        self.ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self.ssl_context
        return super().init_poolmanager(*args, **kwargs)


def test_requests_adapter(server, files, keylog):
    with requests.Session() as session:
        session.mount("https://", ContextAdapter(fasttls_client_context(files, keylog)))
        for path in ("/r1", "/r2"):
            r = session.get(server.url + path, timeout=20)
            assert r.status_code == 200 and served_by(r.content, server.kind) and r.content.endswith(path.encode())
        r = session.post(server.url + "/post", data=b"abc", timeout=20)
        assert r.content == b"cba"
    assert handshakes_in(keylog) == 1


def test_requests_refuses(bad_server, files):
    with requests.Session() as session:
        session.mount("https://", ContextAdapter(fasttls_client_context(files), max_retries=0))
        with pytest.raises(requests.exceptions.SSLError) as info:
            session.get(bad_server.url, timeout=20)
    assert_refused(info.value, bad_server.code)


# ---------------------------------------------------------------------------
# httpx and aiohttp
# ---------------------------------------------------------------------------


def test_httpx_client(server, files, keylog):
    with httpx.Client(verify=fasttls_client_context(files, keylog), timeout=20) as client:
        for path in ("/x1", "/x2"):
            r = client.get(server.url + path)
            assert r.status_code == 200 and served_by(r.content, server.kind) and r.content.endswith(path.encode())
        assert r.http_version == "HTTP/1.1"
    assert handshakes_in(keylog) == 1


@contextlib.contextmanager
def h2_server(ctx):
    """An HTTP/2-only server (the ``h2`` library) on ``ctx``: answers every request with its path."""
    import h2.config
    import h2.connection
    import h2.events

    ctx.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(20)

    def serve():
        raw, _ = listener.accept()
        raw.settimeout(20)
        with ctx.wrap_socket(raw, server_side=True) as tls:
            assert tls.selected_alpn_protocol() == "h2"
            conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
            conn.initiate_connection()
            tls.sendall(conn.data_to_send())
            while True:
                try:
                    data = tls.recv(65536)
                except ConnectionResetError:  # Python 3.13: a client that left with data unread
                    return
                if not data:
                    return
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        path = dict(event.headers)[b":path"]
                        conn.send_headers(event.stream_id, [(":status", "200"), ("content-length", str(len(path)))])
                        conn.send_data(event.stream_id, path, end_stream=True)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                tls.sendall(conn.data_to_send())

    errors = []

    def run():
        try:
            serve()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield f"https://localhost:{listener.getsockname()[1]}"
    finally:
        thread.join(20)
        listener.close()
    assert not thread.is_alive() and not errors, errors


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_httpx_sync_client_speaks_http2_when_h2_is_negotiated(files, kind):
    """httpcore's sync backend finds the negotiated ALPN only on an ``ssl.SSLSocket``
    (its ``_sslobj``); our socket was not one, so httpx spoke HTTP/1.1 on an h2
    connection and the server refused it."""
    with h2_server(server_context(kind, files)) as url:
        with httpx.Client(verify=fasttls_client_context(files), http2=True, timeout=20) as client:
            r = client.get(url + "/over-h2")
    assert r.status_code == 200 and r.http_version == "HTTP/2" and r.content == b"/over-h2"


def test_httpx_refuses(bad_server, files):
    with httpx.Client(verify=fasttls_client_context(files), timeout=20) as client:
        with pytest.raises(httpx.ConnectError) as info:
            client.get(bad_server.url)
    assert_refused(info.value, bad_server.code)


def spki_pin(pem_file: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    with open(pem_file, "rb") as f:
        leaf = x509.load_pem_x509_certificates(f.read())[0]
    return hashlib.sha256(leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def pinning_context(files, pin: str):
    """Key pinning for clients that take an ssl.SSLContext: fasttls's verify_peer_certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    def check(raw_certs, verified_chains):
        assert verified_chains, "the chain was verified first"
        spki = x509.load_der_x509_certificate(raw_certs[0]).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if hashlib.sha256(spki).hexdigest() != pin:
            raise ValueError("server key is not the pinned one")

    ctx = fasttls_client_context(files)
    ctx.verify_peer_certificate = check
    return ctx


def test_requests_and_httpx_pin_the_server_key(server, files):
    good, bad = pinning_context(files, spki_pin(files.cert)), pinning_context(files, spki_pin(files.rsa_cert))
    with requests.Session() as session:
        session.mount("https://", ContextAdapter(good, max_retries=0))
        assert session.get(server.url + "/pinned", timeout=20).status_code == 200
    with requests.Session() as session:
        session.mount("https://", ContextAdapter(bad, max_retries=0))
        with pytest.raises(requests.exceptions.SSLError) as info:
            session.get(server.url, timeout=20)
    assert_refused(info.value, 50)  # X509_V_ERR_APPLICATION_VERIFICATION
    assert "not the pinned one" in str(find_exc(info.value, ssl.SSLCertVerificationError))
    with httpx.Client(verify=good, timeout=20) as client:
        assert client.get(server.url + "/pinned").status_code == 200
    with httpx.Client(verify=bad, timeout=20) as client:
        with pytest.raises(httpx.ConnectError) as info:
            client.get(server.url)
    assert_refused(info.value, 50)


def test_httpx_async_client(server, files, keylog):
    async def main():
        async with httpx.AsyncClient(verify=fasttls_client_context(files, keylog), timeout=20) as client:
            r = await client.get(server.url + "/async")
            return r.content

    body = asyncio.run(main())
    assert served_by(body, server.kind) and body.endswith(b"/async")
    assert handshakes_in(keylog) == 1


def test_aiohttp_client(server, files, keylog):
    import aiohttp

    async def main():
        ctx = fasttls_client_context(files, keylog)
        async with aiohttp.ClientSession() as session:
            bodies = []
            for path in ("/aio1", "/aio2"):
                async with session.get(server.url + path, ssl=ctx) as resp:
                    assert resp.status == 200
                    bodies.append(await resp.read())
            return bodies

    bodies = asyncio.run(main())
    assert all(served_by(b, server.kind) for b in bodies)
    assert handshakes_in(keylog) == 1


def test_aiohttp_refuses(bad_server, files):
    import aiohttp

    async def main():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientError) as info:
                async with session.get(bad_server.url, ssl=fasttls_client_context(files)):
                    pass
            return info.value

    assert_refused(asyncio.run(main()), bad_server.code)


# ---------------------------------------------------------------------------
# inject_into_ssl: no change to the program at all
# ---------------------------------------------------------------------------


@pytest.fixture
def injected(files, monkeypatch, keylog):
    monkeypatch.setenv("SSL_CERT_FILE", files.ca)  # the "system" CAs of this test
    monkeypatch.setenv("SSLKEYLOGFILE", keylog)
    # urlopen keeps its first opener for the process, and from Python 3.13 that opener's
    # HTTPSHandler holds the context it made then (with an earlier test's key log).
    urllib.request.install_opener(None)
    fasttls.inject_into_ssl()
    try:
        yield
    finally:
        fasttls.extract_from_ssl()
        urllib.request.install_opener(None)


def test_inject_into_ssl_unmodified_clients(server, injected, keylog, files):
    assert ssl.SSLContext is fasttls.SSLContext
    assert isinstance(ssl.create_default_context(), fasttls.SSLContext)
    conn = http.client.HTTPSConnection("localhost", server.port, timeout=20)  # ssl's default context
    try:
        conn.request("GET", "/injected")
        body = conn.getresponse().read()
        assert isinstance(conn.sock, fasttls.SSLSocket)
    finally:
        conn.close()
    assert served_by(body, server.kind)
    with urllib.request.urlopen(server.url + "/urlopen", timeout=20) as resp:
        assert resp.read().endswith(b"/urlopen")
    pool = urllib3.PoolManager()
    try:
        assert pool.request("GET", server.url + "/urllib3", timeout=20).data.endswith(b"/urllib3")
    finally:
        pool.clear()
    with requests.Session() as session:
        # requests' own bundle (certifi, or REQUESTS_CA_BUNDLE) would not trust the test CA.
        assert session.get(server.url + "/requests", verify=files.ca, timeout=20).content.endswith(b"/requests")
    assert handshakes_in(keylog) == 4


def test_extract_from_ssl_restores(injected):
    fasttls.extract_from_ssl()
    assert ssl.SSLContext is fasttls.context._StdSSLContext
    assert not isinstance(ssl.create_default_context(), fasttls.SSLContext)
    import urllib3.util.ssl_

    assert urllib3.util.ssl_.SSLContext is ssl.SSLContext

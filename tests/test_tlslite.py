"""TLS 1.3 and 1.2 against tlslite-ng, a TLS stack that is neither ours nor OpenSSL.

tlslite-ng is a pure-Python TLS library (the one under tlsfuzzer), written
from the RFCs and strict about them: it checks what it receives field by
field, and does what the RFCs allow but Python's ssl cannot be made to do
(offer a TLS 1.2 ticket with an empty session ID, send a KeyUpdate on
demand).  Every other peer of the interop tests (the openssl CLI, Python's
ssl, pyOpenSSL) is OpenSSL inside, so a misreading we share with OpenSSL
would pass them all; tlslite-ng is the independent second opinion.

Where Python's ssl can stand in for fasttls, a scenario runs against both
with the same tlslite-ng peer and asserts the same concrete outcome: ssl's
behaviour is the reference.

tlslite-ng runs without its optional accelerators (pycryptodome, gmpy2,
M2Crypto): its crypto is pure Python, so transfers stay at a few KB.  Every
server binds 127.0.0.1 on a port the OS picks; each peer runs on a thread
that the test joins.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import struct
import threading
import warnings
from contextlib import contextmanager

import pytest

with warnings.catch_warnings():
    # tlslite-ng imports asyncore (deprecated; gone in 3.12, where it does without) for an integration we do not use.
    warnings.simplefilter("ignore", DeprecationWarning)
    from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey
from tlslite.constants import AlertDescription, CipherSuite, GroupName, KeyUpdateMessageType
from tlslite.errors import TLSRemoteAlert
from tlslite.extensions import TLSExtension
from tlslite.handshakehelpers import HandshakeHelpers

import fasttls
from fasttls.constants import NamedGroup
from fasttls.context import _StdSSLContext

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .interop import recv_exactly
from .test_ssl_compat import connect as py_client

TIMEOUT = 10
KINDS = ["fasttls", "ssl"]
VERSIONS = {"1.3": (3, 4), "1.2": (3, 3)}  # tlslite-ng's names for them
TLS_VERSIONS = {"1.3": ssl.TLSVersion.TLSv1_3, "1.2": ssl.TLSVersion.TLSv1_2}

# Record content types and handshake message types read off the wire (RFC 8446 5.1, 4).
ALERT, HANDSHAKE, APPLICATION_DATA = 21, 22, 23
CLIENT_HELLO = 1
EXT_SESSION_TICKET, EXT_PRE_SHARED_KEY, EXT_EARLY_DATA, EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE = 35, 41, 42, 43, 51


# ---------------------------------------------------------------------------
# tlslite-ng side
# ---------------------------------------------------------------------------


def tl_settings(version: str, **kw) -> HandshakeSettings:
    """tlslite-ng settings pinned to one version; ``kw`` sets attributes (each must exist)."""
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = VERSIONS[version]
    for name, value in kw.items():
        assert hasattr(s, name), name
        setattr(s, name, value)
    return s


def tl_credentials(certfile: str, keyfile: str):
    """A PEM chain and key as tlslite-ng takes them."""
    chain = X509CertChain()
    with open(certfile) as f:
        chain.parsePemList(f.read())
    with open(keyfile) as f:
        key = parsePEMKey(f.read(), private=True, implementations=["python"])
    return chain, key


def suite_name(conn: TLSConnection) -> str:
    return CipherSuite.ietfNames[conn.session.cipherSuite]


def tl_read_exactly(conn: TLSConnection, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = conn.read(max=n - len(out))
        if not chunk:
            raise EOFError(f"connection closed after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


def tl_echo(conn: TLSConnection) -> int:
    """Echo until the peer's close_notify (read() returns b"" and tlslite-ng answers it); a bare FIN raises."""
    total = 0
    while True:
        data = conn.read()
        if not data:
            return total
        total += len(data)
        conn.write(data)


class Spy:
    """The socket tlslite-ng talks through: keeps the bytes each way, to read plaintext
    record headers and ClientHellos; ``inject`` goes out right behind the first ClientHello."""

    def __init__(self, sock: socket.socket, inject: bytes = b"") -> None:
        self.sock = sock
        self.sent = bytearray()
        self.received = bytearray()
        self.inject = inject

    def _out(self, data) -> bytes:
        data = bytes(data)
        if self.inject and data[:1] == bytes([HANDSHAKE]) and data[5:6] == bytes([CLIENT_HELLO]):
            data, self.inject = data + self.inject, b""
        self.sent += data
        return data

    def send(self, data) -> int:
        self.sock.sendall(self._out(data))
        return len(data)

    def sendall(self, data) -> None:
        self.sock.sendall(self._out(data))

    def recv(self, n: int) -> bytes:
        data = self.sock.recv(n)
        self.received += data
        return data

    def __getattr__(self, name):
        return getattr(self.sock, name)


def records(stream: bytes) -> list[tuple[int, bytes]]:
    """(content type, fragment) of each whole record in a byte stream."""
    out, i = [], 0
    while i + 5 <= len(stream):
        (length,) = struct.unpack_from(">H", stream, i + 3)
        out.append((stream[i], bytes(stream[i + 5 : i + 5 + length])))
        i += 5 + length
    return out


def client_hellos(sent: bytes) -> list[dict]:
    """The ClientHellos in what a client sent: legacy session ID and extensions (RFC 8446 4.1.2).

    All of them when the first offers TLS 1.3 (later handshake records are encrypted as
    application_data, so only a second ClientHello after a HelloRetryRequest is in the
    clear), the first alone otherwise."""
    hellos = []
    for ctype, body in records(sent):
        if ctype != HANDSHAKE or body[:1] != bytes([CLIENT_HELLO]):
            continue
        i = 4 + 2 + 32
        session_id = body[i + 1 : i + 1 + body[i]]
        i += 1 + body[i]
        i += 2 + struct.unpack_from(">H", body, i)[0]  # cipher_suites
        i += 1 + body[i]  # legacy_compression_methods
        end = i + 2 + struct.unpack_from(">H", body, i)[0]
        i += 2
        extensions = {}
        while i < end:
            ext_type, ext_len = struct.unpack_from(">HH", body, i)
            extensions[ext_type] = body[i + 4 : i + 4 + ext_len]
            i += 4 + ext_len
        hellos.append({"session_id": session_id, "extensions": extensions, "order": list(extensions)})
        if b"\x03\x04" not in extensions.get(EXT_SUPPORTED_VERSIONS, b""):
            break  # TLS 1.2: the client's later handshake records may be encrypted
    return hellos


@contextmanager
def tl_client(port: int, inject: bytes = b""):
    """A tlslite-ng connection to 127.0.0.1:port, over a :class:`Spy`.  Its close() sends
    close_notify and waits for the peer's (closeSocket off: the socket is ours to close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        spy = Spy(raw, inject)
        conn = TLSConnection(spy)
        conn.closeSocket = False
        conn.spy = spy
        yield conn


# ---------------------------------------------------------------------------
# Threads: a listener on 127.0.0.1:0 serving clients one after the other
# ---------------------------------------------------------------------------


class Peer:
    """Runs ``serve(raw_socket, i)`` for each of ``connections`` clients; keeps what each returned or raised."""

    def __init__(self, serve, connections: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.results: list = []
        self.thread = threading.Thread(target=self._run, args=(serve, connections), name="tlslite-test-peer")
        self.thread.start()

    def _run(self, serve, connections: int) -> None:
        for i in range(connections):
            try:
                raw, _ = self.sock.accept()
            except OSError as exc:
                self.results.append(exc)
                return
            with raw:
                raw.settimeout(TIMEOUT)
                try:
                    self.results.append(serve(raw, i))
                except Exception as exc:  # noqa: BLE001 - the test inspects it
                    self.results.append(exc)

    def result(self, i: int = 0):
        r = self.results[i]
        if isinstance(r, BaseException):
            raise r
        return r


@contextmanager
def peer(serve, connections: int = 1):
    p = Peer(serve, connections)
    try:
        yield p
    except BaseException:
        # Wake a thread still waiting in accept() for a client that will not come.
        with contextlib.suppress(OSError):
            p.sock.shutdown(socket.SHUT_RDWR)
        raise
    finally:
        p.thread.join(3 * TIMEOUT)
        p.sock.close()
        assert not p.thread.is_alive()


def tl_server(handshake, connections: int = 1, after=tl_echo):
    """A tlslite-ng server: ``handshake(conn, i)`` runs the handshake and returns a dict of what the
    test wants to know of it; ``after(conn)`` runs next (echo until close_notify by default), and
    the dict gets its result as "after" and the client's ClientHellos as "hellos"."""

    def serve(raw, i):
        spy = Spy(raw)
        conn = TLSConnection(spy)
        info = handshake(conn, i)
        info["hellos"] = client_hellos(spy.received)
        info["after"] = after(conn)
        return info

    return peer(serve, connections)


# ---------------------------------------------------------------------------
# fasttls / ssl side
# ---------------------------------------------------------------------------


def context(kind: str, protocol):
    return fasttls.SSLContext(protocol) if kind == "fasttls" else _StdSSLContext(protocol)


def server_ctx(kind: str, files, verify_client: bool = False):
    ctx = context(kind, ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files.cert, files.key)
    if verify_client:
        ctx.load_verify_locations(files.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_ctx(kind: str, files, version: str | None = None):
    """A client that verifies the chain against the test CA and checks the host name."""
    ctx = context(kind, ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(files.ca)
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = TLS_VERSIONS[version]
    return ctx


def py_server(ctx, serve, connections: int = 1):
    """A fasttls or ssl server: ``serve(sslsock, i)`` after each handshake.  Ragged EOFs raise, so a
    b"" from recv() is the client's close_notify."""

    def run(raw, i):
        with ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False) as s:
            return serve(s, i)

    return peer(run, connections)


def py_echo(s) -> int:
    """Echo until the client's close_notify, then answer it (unwrap() returns at once: it has the client's)."""
    total = 0
    while True:
        data = s.recv(65536)
        if not data:
            s.unwrap()
            return total
        total += len(data)
        s.sendall(data)


def handshake_info(s) -> dict:
    return {"version": s.version(), "cipher": s.cipher()[0], "reused": s.session_reused, "peercert": s.getpeercert()}




# ---------------------------------------------------------------------------
# 1, 2. tlslite-ng client -> fasttls server
# ---------------------------------------------------------------------------

TLS13_SUITES = [
    ("aes128gcm", "TLS_AES_128_GCM_SHA256"),
    ("aes256gcm", "TLS_AES_256_GCM_SHA384"),
    ("chacha20-poly1305", "TLS_CHACHA20_POLY1305_SHA256"),
]
TLS12_SUITES = [
    ("aes128gcm", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    ("aes256gcm", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("chacha20-poly1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cipher, suite", TLS13_SUITES, ids=[c for c, _ in TLS13_SUITES])
def test_tlslite_client_tls13(files, kind, cipher, suite):
    """TLS 1.3, tlslite-ng client: the suite it asks for, 20 KB each way (two records), then the
    server's close_notify first and tlslite-ng's answer to it (RFC 8446 6.1)."""
    data = os.urandom(20000)

    def serve(s, i):
        info = handshake_info(s)
        info["got"] = recv_exactly(s, len(data))
        s.sendall(info["got"])
        s.unwrap()  # close_notify first; returns once tlslite-ng's own came back (a bare FIN raises SSLEOFError)
        return info

    with py_server(server_ctx(kind, files), serve) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(settings=tl_settings("1.3", cipherNames=[cipher]), serverName="localhost")
        assert c.version == (3, 4)
        assert suite_name(c) == suite
        assert c.session.serverCertChain.getNumCerts() == 2  # leaf and intermediate
        c.write(data)
        assert tl_read_exactly(c, len(data)) == data
        assert c.read() == b""  # the server's close_notify: a bare FIN raises TLSAbruptCloseError
        assert c.closed
    info = srv.result()
    assert info["version"] == "TLSv1.3"
    assert info["cipher"] == suite
    assert info["got"] == data


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cipher, suite, openssl_name", TLS12_SUITES, ids=[c for c, _, _ in TLS12_SUITES])
def test_tlslite_client_tls12(files, kind, cipher, suite, openssl_name):
    """TLS 1.2 ECDHE-ECDSA, tlslite-ng client: AES-GCM and ChaCha20 (RFC 5289, RFC 7905), 5 KB each
    way, then tlslite-ng's close_notify first and the server's answer (RFC 5246 7.2.1)."""
    data = os.urandom(5000)
    settings = tl_settings("1.2", cipherNames=[cipher], keyExchangeNames=["ecdhe_ecdsa"])

    def serve(s, i):
        info = handshake_info(s)
        info["got"] = recv_exactly(s, len(data))
        s.sendall(info["got"])
        info["eof"] = s.recv(1)  # b"" is the client's close_notify: a bare FIN raises SSLEOFError here
        s.unwrap()  # our answer; returns at once
        return info

    with py_server(server_ctx(kind, files), serve) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(settings=settings, serverName="localhost")
        assert c.version == (3, 3)
        assert suite_name(c) == suite
        assert c.extendedMasterSecret  # RFC 7627, offered by tlslite-ng and taken by both servers
        c.write(data)
        assert tl_read_exactly(c, len(data)) == data
        c.close()  # sends close_notify, then waits for the server's
        # TLS 1.2 record types are in the clear: the last record tlslite-ng took in is an alert,
        # and it decrypted (a bad one raises from close()).
        assert records(c.spy.received)[-1][0] == ALERT
    info = srv.result()
    assert (info["version"], info["cipher"]) == ("TLSv1.2", openssl_name)
    assert info["got"] == data
    assert info["eof"] == b""


# ---------------------------------------------------------------------------
# 3. fasttls client -> tlslite-ng server, verifying
# ---------------------------------------------------------------------------


def tl_serve_with(files, settings, **kw):
    chain, key = tl_credentials(files.cert, files.key)

    def handshake(conn, i):
        conn.handshakeServer(certChain=chain, privateKey=key, settings=settings, **kw)
        return {"version": conn.version, "suite": suite_name(conn), "sni": conn.session.serverName}

    return handshake


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "version, suite", [("1.3", "TLS_AES_128_GCM_SHA256"), ("1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")]
)
def test_client_verifies_tlslite_server(files, kind, version, suite):
    """A verifying client (the test CA, host name checked) against a tlslite-ng server: the chain
    verifies, SNI is sent, 6 KB echo, and our close_notify is answered by tlslite-ng's (unwrap())."""
    settings = tl_settings(version, cipherNames=["aes128gcm"])
    data = os.urandom(6000)
    with tl_server(tl_serve_with(files, settings)) as srv:
        with py_client(client_ctx(kind, files, version), srv.port) as s:
            assert (s.version(), s.cipher()[0]) == (f"TLSv{version}", suite)
            assert dict(x[0] for x in s.getpeercert()["subject"])["commonName"] == "localhost"
            s.sendall(data)
            assert recv_exactly(s, len(data)) == data
            s.unwrap()  # tlslite-ng answers a close_notify with its own; a bare FIN would raise here
    info = srv.result()
    assert info["version"] == VERSIONS[version]
    assert info["sni"] == "localhost"
    assert info["after"] == len(data)  # tl_echo ended on our close_notify (a FIN raises TLSAbruptCloseError)


@pytest.mark.parametrize("kind", KINDS)
def test_client_refuses_tlslite_server_for_another_host(files, kind):
    """The same tlslite-ng server reached as wrong.example: verification fails on the host name
    (X509_V_ERR_HOSTNAME_MISMATCH, 62) and the server hears bad_certificate, as from ssl."""
    settings = tl_settings("1.3")
    with tl_server(tl_serve_with(files, settings), after=lambda c: None) as srv:
        with pytest.raises(ssl.SSLCertVerificationError) as excinfo:
            with py_client(client_ctx(kind, files), srv.port, server_hostname="wrong.example"):
                pass
    assert excinfo.value.verify_code == 62
    exc = srv.results[0]
    assert isinstance(exc, TLSRemoteAlert)
    assert AlertDescription.toStr(exc.description) == "bad_certificate"


# ---------------------------------------------------------------------------
# 4, 5. Resumption
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_client_resumes_with_tlslite_server_tls13(files, kind):
    """TLS 1.3 resumption with a tlslite-ng server's ticket, given back with session= (RFC 8446 2.2):
    the second ClientHello carries pre_shared_key as its last extension (4.2.11) and is resumed."""
    settings = tl_settings("1.3", ticketKeys=[os.urandom(32)])
    ctx = client_ctx(kind, files, "1.3")
    session, reused = None, []
    with tl_server(tl_serve_with(files, settings), connections=2) as srv:
        for _ in range(2):
            with py_client(ctx, srv.port, session=session) as s:
                s.sendall(b"ping")
                assert recv_exactly(s, 4) == b"ping"  # the ticket came before the echo
                reused.append(s.session_reused)
                session = s.session
                assert session is not None
                s.unwrap()
    assert reused == [False, True]
    first, second = srv.result(0), srv.result(1)
    assert EXT_PRE_SHARED_KEY not in first["hellos"][0]["extensions"]
    assert second["hellos"][0]["order"][-1] == EXT_PRE_SHARED_KEY
    assert first["after"] == second["after"] == 4


@pytest.mark.parametrize("kind", KINDS)
def test_tlslite_client_resumes_tls13(files, kind):
    """TLS 1.3 resumption by a tlslite-ng client with our ticket: the server reports it resumed, and
    tlslite-ng got no Certificate (a PSK handshake, RFC 8446 2.2).  (tlslite-ng's own ``resumed``
    flag stays False after a TLS 1.3 PSK handshake, so it is not asserted.)"""

    def serve(s, i):
        info = handshake_info(s)
        info["echo"] = py_echo(s)
        return info

    settings = tl_settings("1.3")
    session, certs, psk_offered = None, [], []
    with py_server(server_ctx(kind, files), serve, connections=2) as srv:
        for _ in range(2):
            with tl_client(srv.port) as c:
                c.handshakeClientCert(settings=settings, serverName="localhost", session=session)
                c.write(b"ping")
                assert tl_read_exactly(c, 4) == b"ping"  # the tickets came first
                certs.append(c.session.serverCertChain)
                psk_offered.append(EXT_PRE_SHARED_KEY in client_hellos(c.spy.sent)[0]["extensions"])
                c.close()
                session = c.session
                assert session.tickets and session.valid()
    assert psk_offered == [False, True]
    assert certs[0].getNumCerts() == 2 and certs[1] is None
    assert [srv.result(i)["reused"] for i in range(2)] == [False, True]
    assert srv.result(1)["version"] == "TLSv1.3"


@pytest.mark.parametrize("kind", KINDS)
def test_tlslite_client_resumes_tls12_ticket_with_empty_session_id(files, kind):
    """TLS 1.2 ticket resumption by a tlslite-ng client that sends the ticket with an EMPTY session
    ID, as RFC 5077 3.4 allows: the server must resume it (and tlslite-ng, which cannot tell a
    resumption by the session ID, then expects the abbreviated handshake)."""

    def serve(s, i):
        info = handshake_info(s)
        info["echo"] = py_echo(s)
        return info

    settings = tl_settings("1.2", keyExchangeNames=["ecdhe_ecdsa"])
    session, resumed, hellos = None, [], []
    with py_server(server_ctx(kind, files), serve, connections=2) as srv:
        for _ in range(2):
            with tl_client(srv.port) as c:
                c.handshakeClientCert(settings=settings, serverName="localhost", session=session)
                resumed.append(c.resumed)
                hellos.append(client_hellos(c.spy.sent)[0])
                c.write(b"ping")
                assert tl_read_exactly(c, 4) == b"ping"
                c.close()
                session = c.session
                assert session.tls_1_0_tickets  # the server's NewSessionTicket
    second = hellos[1]
    assert second["session_id"] == b""
    assert len(second["extensions"][EXT_SESSION_TICKET]) > 0
    assert [srv.result(i)["reused"] for i in range(2)] == [False, True]
    assert resumed == [False, True]


# ---------------------------------------------------------------------------
# 6. HelloRetryRequest
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "shares, server_curve, group",
    [
        ([], None, "x25519"),  # no share at all: the server picks its first group
        (["secp256r1", "x25519"], "secp384r1", "secp384r1"),  # shares only for groups the server will not use
    ],
    ids=["no-share", "unwanted-shares"],
)
def test_hello_retry_request_to_tlslite_client(files, kind, shares, server_curve, group):
    """A tlslite-ng client whose key shares the server cannot use gets a HelloRetryRequest naming a
    group it offered, answers with a second ClientHello holding one share for it (RFC 8446 4.1.4,
    4.2.8), and the handshake completes."""
    ctx = server_ctx(kind, files)
    if server_curve:
        ctx.set_ecdh_curve(server_curve)

    def serve(s, i):
        info = handshake_info(s)
        if kind == "fasttls":
            info["hrr"] = s.connection.hello_retry_request
            info["group"] = s.connection.group
        info["echo"] = py_echo(s)
        return info

    settings = tl_settings("1.3", keyShares=shares, eccCurves=["x25519", "secp256r1", "secp384r1"])
    with py_server(ctx, serve) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(settings=settings, serverName="localhost")
        c.write(b"after HRR")
        assert tl_read_exactly(c, 9) == b"after HRR"
        c.close()
    assert GroupName.toStr(c.ecdhCurve) == group
    hellos = client_hellos(c.spy.sent)
    assert len(hellos) == 2
    (share_group,) = struct.unpack_from(">H", hellos[1]["extensions"][EXT_KEY_SHARE], 2)  # key_share: one entry
    assert GroupName.toStr(share_group) == group
    info = srv.result()
    assert info["version"] == "TLSv1.3" and info["echo"] == 9
    if kind == "fasttls":
        assert info["hrr"] is True
        assert info["group"] == getattr(NamedGroup, group)


# ---------------------------------------------------------------------------
# 7. Client certificates
# ---------------------------------------------------------------------------


def client_cert_settings(version: str) -> HandshakeSettings:
    # tlslite-ng 0.8.2 compresses its TLS 1.3 client Certificate (RFC 8879) when its own
    # ClientHello offered compression, not when the server's CertificateRequest did: ssl and
    # fasttls, which never offer it, rightly refuse that with unexpected_message.  So no compression.
    return tl_settings(version, certificate_compression_send=[])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_tlslite_client_certificate_accepted(files, kind, version):
    """CERT_REQUIRED and a tlslite-ng client certificate from the test CA: it verifies, and
    getpeercert() shows it."""

    def serve(s, i):
        info = handshake_info(s)
        info["echo"] = py_echo(s)
        return info

    chain, key = tl_credentials(files.client_cert, files.client_key)
    with py_server(server_ctx(kind, files, verify_client=True), serve) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(chain, key, settings=client_cert_settings(version), serverName="localhost")
        c.write(b"ping")
        assert tl_read_exactly(c, 4) == b"ping"
        c.close()
    info = srv.result()
    assert info["version"] == f"TLSv{version}"
    peercert = info["peercert"]
    assert dict(x[0] for x in peercert["subject"])["commonName"] == "client.fasttls.test"
    assert peercert["subjectAltName"] == (("DNS", "client.fasttls.test"),)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "version, alert",
    [("1.3", "certificate_required"), ("1.2", "handshake_failure")],
)
def test_tlslite_client_without_certificate_refused(files, kind, version, alert):
    """CERT_REQUIRED and a tlslite-ng client with no certificate: refused with certificate_required
    in TLS 1.3 (RFC 8446 4.4.2.4), handshake_failure in TLS 1.2 (RFC 5246 7.4.6)."""

    def serve(s, i):  # never reached: the handshake fails
        return handshake_info(s)

    with py_server(server_ctx(kind, files, verify_client=True), serve) as srv, tl_client(srv.port) as c:
        with pytest.raises(TLSRemoteAlert) as excinfo:
            # In TLS 1.3 the client's flight ends its handshake: the alert comes on the next read.
            c.handshakeClientCert(settings=client_cert_settings(version), serverName="localhost")
            c.read()
    assert AlertDescription.toStr(excinfo.value.description) == alert
    exc = srv.results[0]
    assert isinstance(exc, ssl.SSLError)
    assert exc.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE"


# ---------------------------------------------------------------------------
# 8. KeyUpdate
# ---------------------------------------------------------------------------


def secrets(c: TLSConnection) -> tuple[bytes, bytes]:
    return bytes(c.session.cl_app_secret), bytes(c.session.sr_app_secret)


@pytest.mark.parametrize("kind", KINDS)
def test_tlslite_client_key_update(files, kind):
    """tlslite-ng sends KeyUpdate(update_requested) mid-stream: the server reads on with the new key
    and answers with its own KeyUpdate before its next data (RFC 8446 4.6.3); data flows both ways."""
    first, second = os.urandom(3000), os.urandom(3000)
    with py_server(server_ctx(kind, files), lambda s, i: py_echo(s)) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(settings=tl_settings("1.3"), serverName="localhost")
        c.write(first)
        assert tl_read_exactly(c, len(first)) == first
        client0, server0 = secrets(c)
        for _ in c.send_keyupdate_request(KeyUpdateMessageType.update_requested):
            pass
        c.write(second)
        assert tl_read_exactly(c, len(second)) == second
        client1, server1 = secrets(c)
        c.close()
    assert client1 != client0  # ours moved on
    assert server1 != server0  # and the server's, as asked
    assert srv.result() == len(first) + len(second)


def test_fasttls_server_key_update(files):
    """Our server sends KeyUpdate(update_requested) mid-stream (ssl has no API for it): tlslite-ng
    takes the new key, answers with its own KeyUpdate (RFC 8446 4.6.3), and the data it sends
    next, under its new key, reads back."""
    first, second, third = os.urandom(3000), os.urandom(3000), os.urandom(3000)

    def serve(s, i):
        s.sendall(recv_exactly(s, len(first)))
        s.key_update(True)  # goes out before the echo of ``second``
        return py_echo(s)

    with py_server(server_ctx("fasttls", files), serve) as srv, tl_client(srv.port) as c:
        c.handshakeClientCert(settings=tl_settings("1.3"), serverName="localhost")
        c.write(first)
        assert tl_read_exactly(c, len(first)) == first
        client0, server0 = secrets(c)
        c.write(second)
        assert tl_read_exactly(c, len(second)) == second  # behind our KeyUpdate, answered on the way
        client1, server1 = secrets(c)
        c.write(third)
        assert tl_read_exactly(c, len(third)) == third
        c.close()
    assert server1 != server0  # tlslite-ng took our KeyUpdate
    assert client1 != client0  # and answered it with its own
    assert srv.result() == len(second) + len(third)


# ---------------------------------------------------------------------------
# 9. 0-RTT, declined
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_tlslite_client_early_data_declined(files, kind, monkeypatch):
    """A resuming tlslite-ng client offers early_data and sends three 0-RTT records behind its
    ClientHello.  The server declines 0-RTT: it skips the records it cannot decrypt (RFC 8446
    4.2.10) and the handshake and the data after it succeed.  (tlslite-ng cannot send 0-RTT: the
    extension is added to its ClientHello here, ahead of pre_shared_key, and the records are
    random bytes, which is what early data under keys the server does not use looks like.)"""

    align = HandshakeHelpers.alignClientHelloPadding

    def add_early_data(hello):
        # tlslite-ng calls this hook before it appends pre_shared_key, which stays last (RFC 8446 4.2.11).
        hello.extensions.append(TLSExtension(extType=EXT_EARLY_DATA).create(bytearray()))
        return align(hello)

    def serve(s, i):
        info = handshake_info(s)
        info["echo"] = py_echo(s)
        return info

    early = b"".join(struct.pack(">BHH", APPLICATION_DATA, 0x0303, 1000) + os.urandom(1000) for _ in range(3))
    settings = tl_settings("1.3")
    assert settings.usePaddingExtension  # the hook runs
    with py_server(server_ctx(kind, files), serve, connections=2) as srv:
        with tl_client(srv.port) as c:
            c.handshakeClientCert(settings=settings, serverName="localhost")
            c.write(b"ping")
            assert tl_read_exactly(c, 4) == b"ping"
            c.close()
        session = c.session
        assert session.tickets and session.valid()
        monkeypatch.setattr(HandshakeHelpers, "alignClientHelloPadding", staticmethod(add_early_data))
        with tl_client(srv.port, inject=early) as c:
            c.handshakeClientCert(settings=settings, serverName="localhost", session=session)
            c.write(b"after early data")
            assert tl_read_exactly(c, 16) == b"after early data"
            c.close()
        assert c.spy.inject == b""  # the records went out
        hello = client_hellos(c.spy.sent)[0]
        assert EXT_EARLY_DATA in hello["extensions"] and hello["order"][-1] == EXT_PRE_SHARED_KEY
    assert srv.result(1)["reused"] is True
    assert srv.result(1)["echo"] == 16

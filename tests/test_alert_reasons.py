"""The reason, library and text of an error, next to what Python's ``ssl`` reports on the same peer.

An alert received from the peer carries OpenSSL's reason and text, as ``ssl`` gives them
(``e.reason == "TLSV1_ALERT_UNKNOWN_CA"``, ``[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca``),
in either role, in TLS 1.2 and 1.3; a TLS 1.2 server that shares no cipher suite with its
client says ``NO_SHARED_CIPHER`` as ``ssl`` does (and still sends handshake_failure).

Every comparison runs fasttls and ``ssl`` against the same peer: a raw socket that sends one
alert record, ``openssl s_server``/``s_client``, or ``ssl`` itself.  Our text is ``ssl``'s
without its ``(_ssl.c:NNN)`` suffix, as for fasttls's other OpenSSL-shaped errors.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import socket
import ssl
import struct
import threading

import pytest

import fasttls
from fasttls.constants import AlertDescription
from fasttls.context import _StdSSLContext
from fasttls.errors import OPENSSL_ALERT_REASONS, AlertReceived

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .peers import openssl_client, openssl_server, thread_server
from .test_faults import drain, drain_until_eof

# Every alert OpenSSL names, with its text, is fasttls.errors.OPENSSL_ALERT_REASONS: the
# test checks ssl (OpenSSL 3.0) agrees with that table for each, then that fasttls does.

SUFFIX = re.compile(r" \(_ssl\.c:\d+\)$")


def shape(exc: BaseException) -> tuple:
    """What code looks at: library, reason, and the text without ssl's source position."""
    return (getattr(exc, "library", None), getattr(exc, "reason", None), SUFFIX.sub("", str(exc)))


def server_context(kind: str, cert: str, key: str) -> ssl.SSLContext:
    ctx = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def client_context(kind: str, files, **attrs) -> ssl.SSLContext:
    ctx = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(files.ca)
    for name, value in attrs.items():
        setattr(ctx, name, value)
    return ctx


# ---------------------------------------------------------------------------
# A raw peer that answers with one alert record
# ---------------------------------------------------------------------------


def alert_record(description: int) -> bytes:
    return bytes([21, 3, 3, 0, 2, 2, description])  # fatal


def read_record(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    header = exactly(5)
    return header + exactly(struct.unpack("!H", header[3:5])[0])


def client_hears(kind: str, files, description: int) -> BaseException:
    """A client of ``kind`` whose server reads its ClientHello and answers with the alert."""
    return client_answered(kind, files, alert_record(description))[0]


def tls12_client_hello() -> bytes:
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the alert then comes in the clear, as it may
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return outgoing.read()


def server_hears(kind: str, files, description: int) -> BaseException:
    """A server of ``kind`` whose client sends a ClientHello and then the alert."""
    ctx = server_context(kind, files.cert, files.key)
    hello = tls12_client_hello()
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        lsock.settimeout(15)

        def client():
            with socket.create_connection(("127.0.0.1", lsock.getsockname()[1]), timeout=15) as c:
                c.sendall(hello + alert_record(description))
                drain(c)

        t = threading.Thread(target=client)
        t.start()
        try:
            raw, _ = lsock.accept()
            with raw:
                raw.settimeout(15)
                with pytest.raises(ssl.SSLError) as info:
                    ctx.wrap_socket(raw, server_side=True)
        finally:
            t.join(20)
    return info.value


@pytest.mark.parametrize("hears", [client_hears, server_hears], ids=["client", "server"])
def test_every_alert_openssl_names_is_reported_as_ssl_reports_it(files, hears):
    """All of OpenSSL's alert reasons, checked one by one against ssl on the same raw peer."""
    # Every alert OpenSSL 3.0 names (a raw peer sent each of 0-255 to ssl, both roles).
    named = {10, 20, 21, 22, 30, *range(40, 52), 60, 70, 71, 80, 86, 90, 100, *range(109, 117), 120}
    assert set(OPENSSL_ALERT_REASONS) == named
    mismatches = []
    for description, (reason, text) in OPENSSL_ALERT_REASONS.items():
        ours, theirs = hears("fasttls", files, description), hears("ssl", files, description)
        assert isinstance(ours, AlertReceived) and ours.alert == description, ours
        expected = ("SSL", reason, f"[SSL: {reason}] {text}")
        if theirs.reason is None:
            # Python 3.11's table of OpenSSL names lacks 115 and 120 (later ones have them):
            # its text is OpenSSL's all the same.
            assert description in (115, 120) and shape(theirs) == ("SSL", None, f"[SSL] {text}"), theirs
        elif shape(theirs) != expected:
            mismatches.append((description, "our table", expected, "ssl", shape(theirs)))
        if shape(ours) != expected:
            mismatches.append((description, "fasttls", shape(ours), "expected", expected))
    # An alert OpenSSL has no name for: ssl says "[SSL] unknown error"; ours keeps its number.
    ours, theirs = hears("fasttls", files, 121), hears("ssl", files, 121)
    assert shape(theirs) == ("SSL", None, "[SSL] unknown error"), theirs
    assert isinstance(ours, AlertReceived) and ours.alert == 121 and "121" in str(ours), ours
    assert not mismatches, mismatches


# ---------------------------------------------------------------------------
# Alerts from real peers: openssl s_server / s_client
# ---------------------------------------------------------------------------


def server_error_from_s_client(kind: str, cert: str, key: str, s_client_args: list[str], alert: list | None = None) -> BaseException:
    """The server's error when ``s_client`` with these arguments connects (the alert line
    s_client printed is appended to ``alert`` when given)."""
    ctx = server_context(kind, cert, key)

    def handler(raw):
        with ctx.wrap_socket(raw, server_side=True) as s:
            s.recv(100)

    with thread_server(handler) as srv:
        with openssl_client(srv.port, s_client_args) as cli:
            srv.join()
            cli.wait()
            if alert is not None:
                alert.append(cli.wait_for(r"SSL alert number \d+"))
    assert len(srv.errors) == 1, (srv.errors, srv.results)
    return srv.errors[0]


def client_error_from_s_server(kind: str, files, s_server_args: list[str], client_cert: bool = False, **attrs) -> BaseException:
    ctx = client_context(kind, files, **attrs)
    if client_cert:
        ctx.load_cert_chain(files.client_cert, files.client_key)
    with openssl_server(s_server_args) as srv:
        return refused_client(ctx, srv.port)


def refused_client(ctx, port: int) -> BaseException:
    """The error of a client with ``ctx`` that the server on ``port`` refuses; it sends a line
    after its handshake (TLS 1.3: a refused client hears the alert after its Finished)."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
        with pytest.raises(ssl.SSLError) as info:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"hello\n")
                s.recv(100)
    return info.value


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_server_hears_unknown_ca_from_s_client(files, version):
    args = ["-CAfile", files.other_ca, "-verify_return_error", "-servername", "localhost", version]
    ours = server_error_from_s_client("fasttls", files.cert, files.key, args)
    theirs = server_error_from_s_client("ssl", files.cert, files.key, args)
    assert shape(theirs) == ("SSL", "TLSV1_ALERT_UNKNOWN_CA", "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca")
    assert isinstance(ours, AlertReceived) and ours.alert == AlertDescription.unknown_ca
    assert shape(ours) == shape(theirs)


@pytest.mark.parametrize(
    "args,attrs,reason",
    [
        (["-tls1_3"], {"maximum_version": ssl.TLSVersion.TLSv1_2}, "TLSV1_ALERT_PROTOCOL_VERSION"),
        (["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"], {}, "SSLV3_ALERT_HANDSHAKE_FAILURE"),
        (["-tls1_3", "-Verify", "1"], {}, "TLSV13_ALERT_CERTIFICATE_REQUIRED"),
        # s_server does not trust our client's CA (TLS 1.2: the client hears it in its handshake)
        (["-tls1_2", "-Verify", "1", "-verify_return_error", "-CAfile", "OTHER_CA"], {"client_cert": True}, "TLSV1_ALERT_UNKNOWN_CA"),
    ],
    ids=["protocol_version", "handshake_failure", "certificate_required", "unknown_ca"],
)
def test_client_hears_alerts_from_s_server(files, args, attrs, reason):
    server_args = ["-cert", files.cert, "-cert_chain", files.cert, "-key", files.key, *(files.other_ca if a == "OTHER_CA" else a for a in args)]
    ours = client_error_from_s_server("fasttls", files, server_args, **attrs)
    theirs = client_error_from_s_server("ssl", files, server_args, **attrs)
    assert theirs.reason == reason, theirs
    assert isinstance(ours, AlertReceived), ours
    assert shape(ours) == shape(theirs)


def test_client_hears_bad_certificate_from_a_fasttls_server_as_from_ssl(files):
    """A fasttls server refusing a client certificate in its verify hook sends bad_certificate;
    a fasttls client and an ssl client hear it the same way."""

    def refuse(raw_certs, verified_chains):
        raise ValueError("not this one")

    def serve(client_kind):
        ctx = server_context("fasttls", files.cert, files.key)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(files.ca)
        ctx.verify_peer_certificate = refuse
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the client hears it in its handshake

        def handler(raw):
            with ctx.wrap_socket(raw, server_side=True) as s:
                s.recv(100)

        cctx = client_context(client_kind, files)
        cctx.load_cert_chain(files.client_cert, files.client_key)
        with thread_server(handler) as srv:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as raw:
                with pytest.raises(ssl.SSLError) as info:
                    cctx.wrap_socket(raw, server_hostname="localhost")
            srv.join()
        return info.value

    ours, theirs = serve("fasttls"), serve("ssl")
    assert theirs.reason == "SSLV3_ALERT_BAD_CERTIFICATE", theirs
    assert isinstance(ours, AlertReceived) and ours.alert == AlertDescription.bad_certificate
    assert shape(ours) == shape(theirs)


# ---------------------------------------------------------------------------
# A server that shares no cipher suite with its client
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s_client_args,key_type",
    [
        (["-tls1_2", "-cipher", "AES128-GCM-SHA256"], "rsa"),  # static RSA only (it offers ECDHE groups)
        (["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"], "rsa"),  # finite-field DHE only
        (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", "ffdhe2048"], "rsa"),  # no EC group
        (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], "rsa"),  # no certificate for the suite
        (["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"], "ecdsa"),  # TLS 1.3: a suite we lack
    ],
    ids=["static-rsa", "dhe", "no-ec-group", "no-certificate", "tls13-ccm"],
)
def test_no_shared_cipher_as_ssl_says_it(files, s_client_args, key_type):
    cert, key = (files.rsa_cert, files.rsa_key) if key_type == "rsa" else (files.cert, files.key)
    args = ["-servername", "localhost", *s_client_args]
    shapes, alerts = {}, {}
    for kind in ("fasttls", "ssl"):
        seen: list = []
        shapes[kind] = shape(server_error_from_s_client(kind, cert, key, args, seen))
        alerts[kind] = seen[0]
    lib, reason, text = shapes["ssl"]
    assert (lib, reason, text) == ("SSL", "NO_SHARED_CIPHER", "[SSL: NO_SHARED_CIPHER] no shared cipher")
    assert shapes["fasttls"][:2] == (lib, reason)
    assert shapes["fasttls"][2].startswith(text), shapes["fasttls"]  # and then says which part was missing
    assert alerts["fasttls"] == alerts["ssl"] == "SSL alert number 40"  # handshake_failure, still


def test_no_shared_cipher_with_an_ssl_client(files):
    """Python's ssl as the client, offering only a static-RSA suite: both servers say NO_SHARED_CIPHER,
    and the client hears handshake_failure from either."""
    results = {}
    for kind in ("fasttls", "ssl"):
        ctx = server_context(kind, files.rsa_cert, files.rsa_key)

        def handler(raw, ctx=ctx):
            with ctx.wrap_socket(raw, server_side=True) as s:
                s.recv(100)

        cctx = client_context("ssl", files, maximum_version=ssl.TLSVersion.TLSv1_2)
        cctx.set_ciphers("AES256-GCM-SHA384")
        with thread_server(handler) as srv:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as raw:
                with pytest.raises(ssl.SSLError) as info:
                    cctx.wrap_socket(raw, server_hostname="localhost")
            srv.join()
        assert len(srv.errors) == 1, srv.errors
        results[kind] = (shape(srv.errors[0]), shape(info.value))
    (ours, our_client), (theirs, their_client) = results["fasttls"], results["ssl"]
    assert theirs == ("SSL", "NO_SHARED_CIPHER", "[SSL: NO_SHARED_CIPHER] no shared cipher")
    assert ours[:2] == theirs[:2] and ours[2].startswith(theirs[2]), ours
    assert our_client == their_client == ("SSL", "SSLV3_ALERT_HANDSHAKE_FAILURE", "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure")


def test_the_reasons_survive_the_copy_a_failed_connection_keeps():
    """A failed connection keeps a fresh copy of its error (rebuilt from ``__reduce__``) and
    errors cross processes pickled: OpenSSL's reason stays with both."""
    from fasttls.errors import TLSError, fresh_copy

    refusal = TLSError(AlertDescription.handshake_failure, "no shared cipher: why", openssl_reason="NO_SHARED_CIPHER")
    for err in (AlertReceived(AlertDescription.unknown_ca), AlertReceived(121), refusal, TLSError(AlertDescription.decode_error, "bad")):
        for copy in (fresh_copy(err), pickle.loads(pickle.dumps(err))):
            assert copy is not err and type(copy) is type(err)
            assert (shape(copy), copy.alert, copy.args, copy.errno) == (shape(err), err.alert, err.args, err.errno)
    assert shape(refusal) == ("SSL", "NO_SHARED_CIPHER", "[SSL: NO_SHARED_CIPHER] no shared cipher: why")
    assert refusal.alert == AlertDescription.handshake_failure  # what the peer is told


def test_openssl_shaped_errors_keep_their_reason_when_copied():
    """The errors made as OpenSSL's (PROTOCOL_IS_SHUTDOWN, BAD_LENGTH, BAD_WRITE_RETRY...:
    a plain SSLError with its library and reason set) kept their text but lost both when
    pickled, copied, or kept by a failed connection; ssl's keep theirs."""
    import copy as copying

    from fasttls.errors import fresh_copy, openssl_error

    err = openssl_error("PROTOCOL_IS_SHUTDOWN", "protocol is shutdown")
    for copy in (fresh_copy(err), pickle.loads(pickle.dumps(err)), copying.copy(err)):
        assert copy is not err and type(copy) is type(err)
        assert (copy.library, copy.reason, str(copy), copy.args) == ("SSL", "PROTOCOL_IS_SHUTDOWN", str(err), err.args)


# ---------------------------------------------------------------------------
# Failures fasttls detects itself, where ssl names OpenSSL's reason
# ---------------------------------------------------------------------------
# Code branches on these (urllib3's "wrong version number" hint, servers logging HTTP_REQUEST):
# ours is library SSL with ssl's reason, and its text is ssl's followed by why.


def same_reason(ours: BaseException, theirs: BaseException, reason: str) -> None:
    lib, their_reason, text = shape(theirs)
    assert (lib, their_reason) == ("SSL", reason), theirs
    assert shape(ours)[:2] == (lib, reason), ours
    assert shape(ours)[2].startswith(text + ": "), ours


def alerts_in(data: bytes) -> list[int]:
    """The descriptions of the plaintext alert records in ``data``."""
    found, pos = [], 0
    while pos + 5 <= len(data):
        length = struct.unpack("!H", data[pos + 3 : pos + 5])[0]
        if data[pos] == 21 and length == 2 and pos + 7 <= len(data):
            found.append(data[pos + 6])
        pos += 5 + length
    return found


def server_fed(kind: str, files, data: bytes) -> tuple[BaseException, bytes]:
    """A server of ``kind`` whose raw client sends ``data`` and closes its side: the server's
    error and what it sent back."""
    ctx = server_context(kind, files.cert, files.key)
    received: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        lsock.settimeout(15)

        def client():
            with socket.create_connection(("127.0.0.1", lsock.getsockname()[1]), timeout=15) as c:
                c.sendall(data)
                c.shutdown(socket.SHUT_WR)
                received.append(drain_until_eof(c))

        t = threading.Thread(target=client)
        t.start()
        try:
            raw, _ = lsock.accept()
            with raw, raw.dup() as keep:  # ``keep`` holds the connection open when the TLS socket closes
                raw.settimeout(15)
                keep.settimeout(15)
                with pytest.raises(ssl.SSLError) as info:
                    ctx.wrap_socket(raw, server_side=True)
                drain(keep)  # the rest of what the client sent: our close then resets nothing
        finally:
            t.join(20)
    return info.value, received[0] if received else b""


def client_answered(kind: str, files, answer: bytes) -> tuple[BaseException, bytes]:
    """A client of ``kind`` whose raw server reads its ClientHello and answers ``answer``: the
    client's error and what it sent after its ClientHello."""
    received: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        lsock.settimeout(15)

        def serve():
            conn, _ = lsock.accept()
            with conn:
                conn.settimeout(15)
                read_record(conn)
                conn.sendall(answer)
                received.append(drain_until_eof(conn))

        t = threading.Thread(target=serve)
        t.start()
        try:
            with socket.create_connection(("127.0.0.1", lsock.getsockname()[1]), timeout=15) as raw:
                with pytest.raises(ssl.SSLError) as info:
                    client_context(kind, files).wrap_socket(raw, server_hostname="localhost")
        finally:
            t.join(20)
    return info.value, received[0] if received else b""


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        b"220 mail.example.org ESMTP Postfix\r\n",
    ],
    ids=["http", "ssh", "smtp"],
)
def test_a_client_answered_in_plaintext_says_wrong_version_number(files, answer):
    """https:// to a plain HTTP (or SSH, SMTP) port: WRONG_VERSION_NUMBER, which urllib3 looks for."""
    (ours, _), (theirs, _) = client_answered("fasttls", files, answer), client_answered("ssl", files, answer)
    same_reason(ours, theirs, "WRONG_VERSION_NUMBER")
    assert "wrong version number" in str(ours)


@pytest.mark.parametrize(
    "request_bytes,reason",
    [
        (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "HTTP_REQUEST"),
        (b"POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", "HTTP_REQUEST"),
        (b"HEAD / HTTP/1.0\r\n\r\n", "HTTP_REQUEST"),
        (b"PUT /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", "HTTP_REQUEST"),
        (b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", "HTTPS_PROXY_REQUEST"),
        (b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n", "WRONG_VERSION_NUMBER"),  # OpenSSL looks for four methods
        (b"SSH-2.0-OpenSSH_9.2p1\r\n", "WRONG_VERSION_NUMBER"),
    ],
    ids=["GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "ssh"],
)
def test_a_server_sent_plaintext_says_what_openssl_says(files, request_bytes, reason):
    """http:// to an https port: HTTP_REQUEST, as OpenSSL's record layer tells it, and no
    alert back to a peer that does not speak TLS (curl then says "Empty reply from server",
    not "Received HTTP/0.9")."""
    (ours, our_reply), (theirs, their_reply) = server_fed("fasttls", files, request_bytes), server_fed("ssl", files, request_bytes)
    same_reason(ours, theirs, reason)
    assert our_reply == their_reply == b""


def test_plaintext_after_a_first_record_that_was_tls(files):
    """Only the first record may be "not TLS" without an alert (OpenSSL's first-record
    test): a ClientHello's first fragment and then an HTTP request is WRONG_VERSION_NUMBER,
    with protocol_version back, as from ssl."""
    obj = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO(), server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    hello = out.read()[5:]  # the ClientHello message, out of its record
    fed = b"\x16\x03\x01" + struct.pack("!H", 40) + hello[:40] + b"GET / HTTP/1.1\r\n\r\n"
    (ours, our_reply), (theirs, their_reply) = server_fed("fasttls", files, fed), server_fed("ssl", files, fed)
    same_reason(ours, theirs, "WRONG_VERSION_NUMBER")
    assert alerts_in(our_reply) == alerts_in(their_reply) == [AlertDescription.protocol_version]


@pytest.mark.parametrize("version", ["TLSv1.3", "TLSv1.2"])
@pytest.mark.parametrize("junk", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\x17\x03\x01\x00\x05hello", b"\x17\xfe\xfd\x00\x05hello"], ids=["http", "tls10-version", "dtls-version"])
def test_a_record_of_another_version_after_the_handshake_says_wrong_version_number(files, version, junk):
    """Plain text, or a record whose version is not the connection's, after the handshake:
    ssl says WRONG_VERSION_NUMBER (OpenSSL, and Go, check the record version before the
    content type); ours said UNEXPECTED_MESSAGE "unknown content type" for plain text and
    PROTOCOL_VERSION without OpenSSL's reason for a wrong version."""
    from fasttls.bench import bio_pair

    results = {}
    for kind in ("fasttls", "ssl"):
        cctx = fasttls.create_default_context(cafile=files.ca) if kind == "fasttls" else ssl.create_default_context(cafile=files.ca)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(files.cert, files.key)
        sctx.maximum_version = ssl.TLSVersion[version.replace(".", "_")]
        c, _, (cin, _, _, _) = bio_pair(cctx, sctx)
        cin.write(junk)
        with pytest.raises(ssl.SSLError) as info:
            c.read(100)
        results[kind] = info.value
    lib, reason, text = shape(results["ssl"])
    assert (lib, reason) == ("SSL", "WRONG_VERSION_NUMBER"), results["ssl"]
    assert shape(results["fasttls"])[:2] == (lib, reason), results["fasttls"]
    assert results["fasttls"].alert == AlertDescription.protocol_version


def test_tls13_checks_a_records_type_before_its_minor_version(files):
    """In TLS 1.3 OpenSSL checks the major version, then the content type, then the rest of
    the version: a record of an unknown type that says 0x0301 is a bad type there
    (BAD_RECORD_TYPE, unexpected_message), not a wrong version."""
    from fasttls.bench import bio_pair

    results = {}
    for kind in ("fasttls", "ssl"):
        cctx = fasttls.create_default_context(cafile=files.ca) if kind == "fasttls" else ssl.create_default_context(cafile=files.ca)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(files.cert, files.key)
        c, _, (cin, _, _, _) = bio_pair(cctx, sctx)
        cin.write(b"\x42\x03\x01\x00\x02ab")
        with pytest.raises(ssl.SSLError) as info:
            c.read(100)
        results[kind] = info.value
    assert results["ssl"].reason == "BAD_RECORD_TYPE", results["ssl"]
    assert results["fasttls"].alert == AlertDescription.unexpected_message and "content type" in str(results["fasttls"])


def record(content_type: int, length: int) -> bytes:
    return bytes([content_type, 3, 3]) + struct.pack("!H", length) + bytes(length)


# OpenSSL 3.0 sorts them by size (ssl3_get_record): over its read buffer, over its bound on
# an encrypted record, over 2^14 of plaintext.  Each is record_overflow.
OVERSIZED = [(18433, "PACKET_LENGTH_TOO_LONG"), (16708, "PACKET_LENGTH_TOO_LONG"), (16705, "ENCRYPTED_LENGTH_TOO_LONG"), (16385, "DATA_LENGTH_TOO_LONG")]


@pytest.mark.parametrize("side", ["server", "client"])
@pytest.mark.parametrize("length,reason", OVERSIZED)
def test_an_oversized_record(files, side, length, reason):
    """A plaintext record too long, to a server (as its ClientHello) or a client (as the
    server's answer): OpenSSL's reason for its size, and record_overflow to the peer."""
    fed = server_fed if side == "server" else client_answered
    ours, our_reply = fed("fasttls", files, record(22, length))
    theirs, their_reply = fed("ssl", files, record(22, length))
    same_reason(ours, theirs, reason)
    assert alerts_in(our_reply) == alerts_in(their_reply) == [AlertDescription.record_overflow]


def ssl_client_against(server_kind: str, files, server_attrs: dict, client_attrs: dict, client_cert: bool = False):
    """An ssl client (``client_attrs``) against a server of ``server_kind`` (``server_attrs``;
    ``cert=False``: none loaded): the server's error and the client's."""
    attrs = dict(server_attrs)
    if attrs.pop("cert", True):
        ctx = server_context(server_kind, files.cert, files.key)
    else:
        ctx = (fasttls.SSLContext if server_kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_SERVER)
    if attrs.pop("require_client_cert", False):
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(files.ca)
    for name, value in attrs.items():
        setattr(ctx, name, value)

    def handler(raw):
        with raw.dup() as keep:
            try:
                with ctx.wrap_socket(raw, server_side=True) as s:
                    s.recv(100)
            except ssl.SSLError:
                # Read what the client still sends (its data after a TLS 1.3 Finished) before
                # closing, so no reset overtakes the alert on its way to the client.
                drain(keep)
                raise

    cctx = client_context("ssl", files, **client_attrs)
    if client_cert:
        cctx.load_cert_chain(files.client_cert, files.client_key)
    with thread_server(handler) as srv:
        client_error = refused_client(cctx, srv.port)
        srv.join()
    assert len(srv.errors) == 1, (srv.errors, srv.results)
    return srv.errors[0], client_error


TLS12_ONLY = {"maximum_version": ssl.TLSVersion.TLSv1_2}


@pytest.mark.parametrize(
    "server_attrs,client_attrs,reason",
    [
        (TLS12_ONLY, {"minimum_version": ssl.TLSVersion.TLSv1_3}, "UNSUPPORTED_PROTOCOL"),
        ({"require_client_cert": True}, {}, "PEER_DID_NOT_RETURN_A_CERTIFICATE"),
        ({"require_client_cert": True, **TLS12_ONLY}, {}, "PEER_DID_NOT_RETURN_A_CERTIFICATE"),
        ({"cert": False}, {}, "NO_SHARED_CIPHER"),
        ({"cert": False}, TLS12_ONLY, "NO_SHARED_CIPHER"),
    ],
    ids=["no-common-version", "no-client-cert-tls13", "no-client-cert-tls12", "no-server-cert-tls13", "no-server-cert-tls12"],
)
def test_server_refusals_of_an_ssl_client_as_ssl_says_them(files, server_attrs, client_attrs, reason):
    """Each server names OpenSSL's reason, and the ssl client hears the same alert from either."""
    ours, our_client = ssl_client_against("fasttls", files, server_attrs, client_attrs)
    theirs, their_client = ssl_client_against("ssl", files, server_attrs, client_attrs)
    same_reason(ours, theirs, reason)
    assert shape(our_client) == shape(their_client), (our_client, their_client)


@pytest.mark.parametrize(
    "s_client_args,curve,reason,rsa",
    [
        (["-tls1_1"], None, "UNSUPPORTED_PROTOCOL", False),
        (["-tls1_3", "-groups", "X25519"], "secp384r1", "NO_SUITABLE_KEY_SHARE", False),
        (["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], None, "NO_SUITABLE_SIGNATURE_ALGORITHM", False),  # our certificate is ECDSA
        # TLS 1.2 said NO_SHARED_CIPHER for all three.  An ECDSA suite needs a scheme the key
        # can make; an RSA certificate takes its suites whatever the schemes.
        (["-tls1_2", "-sigalgs", "rsa_pss_rsae_sha256:ed25519"], None, "NO_SHARED_CIPHER", False),
        (["-tls1_2", "-sigalgs", "rsa_pss_pss_sha256:ecdsa_secp256r1_sha256"], None, "NO_SUITABLE_SIGNATURE_ALGORITHM", True),
        (["-tls1_2", "-sigalgs", "ECDSA+SHA1", "-cipher", "DEFAULT@SECLEVEL=0"], None, "NO_SHARED_SIGNATURE_ALGORITHMS", False),
        # Checked as OpenSSL reads the ClientHello: before the suites (a CBC one here).
        (["-tls1_2", "-sigalgs", "ECDSA+SHA1", "-cipher", "ECDHE-ECDSA-AES128-SHA@SECLEVEL=0"], None, "NO_SHARED_SIGNATURE_ALGORITHMS", False),
        # SHA-224 is a scheme OpenSSL shares (we never sign with it): not "no shared".
        (["-tls1_2", "-sigalgs", "RSA+SHA224"], None, "NO_SHARED_CIPHER", False),
    ],
    ids=[
        "tls1_1", "no-common-group", "no-fitting-sigalg", "tls12-ecdsa-no-fitting-sigalg", "tls12-rsa-no-fitting-sigalg",
        "tls12-no-shared-sigalg", "tls12-no-shared-sigalg-before-suites", "tls12-sha224-is-shared",
    ],
)
def test_server_refusals_of_s_client_as_ssl_says_them(files, s_client_args, curve, reason, rsa):
    """And s_client reads the same alert from either server."""
    results, alerts = {}, {}
    for kind in ("fasttls", "ssl"):
        ctx = server_context(kind, files.rsa_cert if rsa else files.cert, files.rsa_key if rsa else files.key)
        if curve:
            ctx.set_ecdh_curve(curve)

        def handler(raw, ctx=ctx):
            with ctx.wrap_socket(raw, server_side=True) as s:
                s.recv(100)

        with thread_server(handler) as srv:
            with openssl_client(srv.port, ["-servername", "localhost", *s_client_args]) as cli:
                srv.join()
                cli.wait()
                alerts[kind] = cli.wait_for(r"SSL alert number \d+")
        assert len(srv.errors) == 1, (srv.errors, srv.results)
        results[kind] = srv.errors[0]
    same_reason(results["fasttls"], results["ssl"], reason)
    assert alerts["fasttls"] == alerts["ssl"]


def test_the_new_reasons_survive_the_copy_a_failed_connection_keeps():
    from fasttls.errors import fresh_copy, not_a_tls_record, oversized_record

    for err in (not_a_tls_record(0x47, 0x4554, 0x2047), oversized_record(18433, 16384)):
        for copy in (fresh_copy(err), pickle.loads(pickle.dumps(err))):
            assert (type(copy), shape(copy), copy.alert) == (type(err), shape(err), err.alert)


# ---------------------------------------------------------------------------
# A server name with a trailing dot
# ---------------------------------------------------------------------------


def test_a_server_name_with_a_trailing_dot_is_taken_as_ssl_takes_it(files):
    """Python's ssl client sends server_hostname "localhost." as it is (RFC 6066 wants no dot);
    OpenSSL's server takes it and its sni_callback sees the name as sent.  So does ours."""
    seen: dict[str, list] = {}
    for kind in ("fasttls", "ssl"):
        ctx = server_context(kind, files.cert, files.key)
        names = seen[kind] = []
        ctx.sni_callback = lambda obj, name, c, names=names: names.append(name)

        def handler(raw, ctx=ctx):
            with ctx.wrap_socket(raw, server_side=True) as s:
                s.sendall(s.recv(100))

        cctx = client_context("ssl", files, check_hostname=False)
        with thread_server(handler) as srv:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as raw:
                with cctx.wrap_socket(raw, server_hostname="localhost.") as s:
                    s.sendall(b"ping")
                    assert s.recv(100) == b"ping"
            srv.join()
        assert not srv.errors, srv.errors
    assert seen["fasttls"] == seen["ssl"] == ["localhost."]


def test_a_trailing_dot_is_dropped_for_certificates_callbacks_and_the_record(pki, files):
    """Certificate selection, ClientHelloInfo.server_name and the connection's server_name use
    the host name without the dot; Python's ssl and openssl s_client as clients."""
    from fasttls.config import Config
    from fasttls.errors import TLSError

    from .interop import fasttls_server

    infos: list = []

    def choose(info):
        infos.append(info.server_name)

    config = Config(
        certificates=[pki.server(names=("other.example",)), pki.server(names=("a.example",))], get_config_for_client=choose
    )
    with fasttls_server(config, connections=3) as srv:
        cctx = client_context("ssl", files, check_hostname=False)
        with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as raw:
            with cctx.wrap_socket(raw, server_hostname="a.example.") as s:
                assert ("DNS", "a.example") in s.getpeercert()["subjectAltName"]
        with openssl_client(srv.port, ["-servername", "a.example.", "-CAfile", files.ca, "-verify_return_error"]) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)", timeout=15)
            assert "a.example" in cli.wait_for(r"subject=.*")
            cli.close_stdin()
            cli.wait()
        with openssl_client(srv.port, ["-servername", "a.example.."]) as cli:  # two dots: still refused
            assert cli.wait_for(r"SSL alert number \d+", timeout=15) == "SSL alert number 47"  # illegal_parameter
            cli.wait()
        results = srv.join()
    assert [r["sni"] for r in results[:2]] == ["a.example", "a.example"], results
    assert isinstance(results[2], TLSError) and results[2].alert == AlertDescription.illegal_parameter, results
    assert infos == ["a.example", "a.example"]


def test_the_server_name_parser_takes_one_trailing_dot_and_no_more():
    """One trailing dot is taken (the name as sent); two, or nothing but dots, stay
    illegal_parameter."""
    from fasttls.errors import TLSError
    from fasttls.messages import extensions as ext

    def sni(name: bytes) -> bytes:
        return struct.pack("!HBH", len(name) + 3, 0, len(name)) + name

    assert ext.parse_server_name(sni(b"a.example.")) == "a.example."
    assert ext.parse_server_name(sni(b"A.example.")) == "A.example."
    for name in (b"a.example..", b".", b".."):
        with pytest.raises(TLSError) as info:
            ext.parse_server_name(sni(name))
        assert info.value.alert == AlertDescription.illegal_parameter, name


def _client_reads_an_oversized_protected_record(kind: str, files, version, length: int) -> BaseException:
    """A client of ``kind`` reads, after the handshake, a record of ``length`` bytes (too long
    for any record) that its fasttls server writes straight to the socket."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)

    def serve():
        raw, _ = listener.accept()
        ctx = fasttls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(files.cert, files.key)
        ctx.maximum_version = version
        with ctx.wrap_socket(raw, server_side=True) as tls:
            tls.recv(1)
            socket.socket.sendall(tls, b"\x17\x03\x03" + length.to_bytes(2, "big") + os.urandom(length))
            with contextlib.suppress(OSError):
                tls.recv(10)  # the client's alert

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        ctx = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(files.ca)
        with socket.create_connection(listener.getsockname(), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"x")
                with pytest.raises(ssl.SSLError) as info:
                    tls.recv(100_000)
        return info.value
    finally:
        thread.join(30)
        listener.close()


@pytest.mark.parametrize(
    "version,length",
    [(ssl.TLSVersion.TLSv1_3, 16641), (ssl.TLSVersion.TLSv1_3, 16707), (ssl.TLSVersion.TLSv1_3, 16708),
     (ssl.TLSVersion.TLSv1_2, 16705), (ssl.TLSVersion.TLSv1_2, 20000)],
)
def test_an_oversized_protected_record_says_what_openssl_says(files, version, length):
    """After the handshake, OpenSSL 3.0 says ENCRYPTED_LENGTH_TOO_LONG up to its 16707-byte read
    buffer and PACKET_LENGTH_TOO_LONG past it (a TLS 1.2 record of 16641-16704 bytes it tries
    to decrypt: bad_record_mac there, where we refuse it by its length)."""
    ours = _client_reads_an_oversized_protected_record("fasttls", files, version, length)
    theirs = _client_reads_an_oversized_protected_record("ssl", files, version, length)
    assert (ours.library, ours.reason) == (theirs.library, theirs.reason)


def test_a_tls12_record_that_opens_to_over_2_14_bytes_says_data_length_too_long(pki, twin, monkeypatch):
    """RFC 5246 6.2.3: a TLS 1.2 record whose plaintext is over 2^14 bytes is record_overflow;
    OpenSSL, which decrypts a record up to 16704 bytes long before it looks, says
    DATA_LENGTH_TOO_LONG for one that opens (the probe's peer, against ssl).  Both twins said
    ENCRYPTED_LENGTH_TOO_LONG; past 16704 bytes they still do, as OpenSSL
    (test_an_oversized_protected_record_says_what_openssl_says)."""
    from fasttls import record
    from fasttls.config import Config
    from fasttls.constants import ContentType, ProtocolVersion
    from fasttls.errors import TLSError

    from .pairs import do_handshake, make_pair

    pure = record.TWINS["python"]
    cc = Config(trust_store=pki.store, max_version=ProtocolVersion.TLS12, session_cache=None)
    sc = Config(certificates=[pki.server()], max_version=ProtocolVersion.TLS12)
    c, s = make_pair(cc, sc, twin=twin)
    s = type(s)(sc, server_side=True, twin=pure)  # its sealer is the pure twin's, which the test can drive
    c.start()
    do_handshake(c, s)
    monkeypatch.setattr(pure.aead, "_check_fragment", lambda fragment: None)
    oversized = s._write._prot.seal(ContentType.APPLICATION_DATA, b"A" * 16385, 16385)
    assert len(oversized) == 5 + 8 + 16385 + 16
    with pytest.raises(TLSError) as info:
        c.receive_data(oversized)
    assert info.value.alert == AlertDescription.record_overflow
    assert info.value.reason == "DATA_LENGTH_TOO_LONG", info.value

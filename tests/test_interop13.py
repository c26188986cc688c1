"""TLS 1.3 against peers we did not write: the openssl CLI, Python's ssl, pyOpenSSL.

Every server binds 127.0.0.1 on a port the OS picks and is stopped when its
test ends.  Runs on whichever record twin is active (CI runs it on both).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import ssl
import subprocess

import pytest
from OpenSSL import SSL

from fasttls.config import ClientAuthType, Config
from fasttls.constants import CipherSuite, NamedGroup, ProtocolVersion
from fasttls.errors import SSLCertVerificationError
from fasttls.key_exchange import DEFAULT_GROUPS

from .interop import fasttls_client, fasttls_server, recv_exactly
from .peers import openssl_client, openssl_server, ssl_echo_handler, thread_server

TLS13 = ProtocolVersion.TLS13

SUITES = {
    "TLS_AES_128_GCM_SHA256": CipherSuite.TLS_AES_128_GCM_SHA256,
    "TLS_AES_256_GCM_SHA384": CipherSuite.TLS_AES_256_GCM_SHA384,
    "TLS_CHACHA20_POLY1305_SHA256": CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
}
# openssl 3.0 names -> our codepoints (X25519MLKEM768 is tested against pyOpenSSL's newer OpenSSL)
GROUPS = {
    "X25519": NamedGroup.x25519,
    "P-256": NamedGroup.secp256r1,
    "P-384": NamedGroup.secp384r1,
    "P-521": NamedGroup.secp521r1,
    "X448": NamedGroup.x448,
}


@pytest.fixture(scope="module")
def files(pki, tmp_path_factory):
    """PEM files for the openssl CLI: root CA, server chains per key type, a client chain."""
    d = tmp_path_factory.mktemp("interop13")
    out = {"ca": str(d / "ca.pem")}
    with open(out["ca"], "wb") as f:
        f.write(pki.ca_pem)
    for key_type in ("ecdsa-p256", "rsa-2048", "ed25519"):
        issued = pki.issued(key_type)
        cert, key = issued.write(d, f"server-{key_type}")
        out[key_type] = (cert, key)
    cert, key = pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(d, "client")
    out["client"] = (cert, key)
    return out


def server_args(files, key_type="ecdsa-p256"):
    cert, key = files[key_type]
    # The chain file holds leaf + intermediate: -cert takes the leaf, -cert_chain the rest.
    return ["-cert", cert, "-cert_chain", cert, "-key", key, "-tls1_3"]


def client_config(pki, **kw) -> Config:
    return Config(trust_store=pki.store, min_version=TLS13, **kw)


def server_config(pki, key_type="ecdsa-p256", **kw) -> Config:
    return Config(certificates=[pki.server(key_type)], min_version=TLS13, **kw)


def s_client_args(files, *extra):
    return ["-tls1_3", "-CAfile", files["ca"], "-verify_return_error", "-servername", "localhost", "-verify_hostname", "localhost", *extra]


# ---- fasttls client -> openssl s_server ------------------------------------------------------------


def rev_roundtrip(tls, line: bytes = b"hello fasttls\n") -> bytes:
    """``s_server -rev`` sends each line back reversed."""
    tls.sendall(line)
    return recv_exactly(tls, len(line))


@pytest.mark.parametrize("suite", SUITES)
def test_client_suites_vs_openssl(pki, files, suite):
    with openssl_server([*server_args(files), "-ciphersuites", suite, "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.version() == "TLSv1.3"
            assert tls.cipher()[0] == suite
            assert rev_roundtrip(tls) == b"hello fasttls"[::-1] + b"\n"


@pytest.mark.parametrize("name", GROUPS)
@pytest.mark.parametrize("share", ["matching", "default"])
def test_client_groups_vs_openssl(pki, files, name, share):
    """With a matching key share the handshake is 1-RTT; with our defaults (hybrid + X25519) the
    server must ask for its group with a HelloRetryRequest unless it is X25519."""
    kw = {"key_share_groups": [GROUPS[name]]} if share == "matching" else {}
    kw["groups"] = [*DEFAULT_GROUPS, NamedGroup.x448]  # X448 is supported, not offered by default (as in Go)
    with openssl_server([*server_args(files), "-groups", name, "-rev"]) as srv:
        with fasttls_client(client_config(pki, **kw), srv.port) as tls:
            conn = tls.connection
            assert conn.group == GROUPS[name]
            assert conn.hello_retry_request == (share == "default" and name != "X25519")
            assert rev_roundtrip(tls, b"abc\n") == b"cba\n"


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "rsa-2048", "ed25519"])
def test_client_verifies_openssl_certificates(pki, files, key_type):
    with openssl_server([*server_args(files, key_type), "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.connection.verified_chain[0] == pki.issued(key_type).cert
            assert tls.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")
            assert rev_roundtrip(tls, b"xy\n") == b"yx\n"


def test_client_refuses_untrusted_openssl_server(other_pki, files, pki):
    with openssl_server([*server_args(files), "-rev"]) as srv:
        with pytest.raises(SSLCertVerificationError) as info:
            with fasttls_client(Config(trust_store=other_pki.store, min_version=TLS13), srv.port):
                pass
        assert info.value.verify_code == 20  # unable to get local issuer certificate
        # openssl saw our alert
        srv.wait_for(r"unknown ca|alert number 48")


def test_client_certificate_to_openssl(pki, files):
    ck = pki.client()
    with openssl_server([*server_args(files), "-Verify", "2", "-CAfile", files["ca"], "-verify_return_error", "-rev"]) as srv:
        with fasttls_client(client_config(pki, certificates=[ck]), srv.port) as tls:
            assert rev_roundtrip(tls, b"mtls\n") == b"sltm\n"
        srv.wait_for(r"CN ?= ?client\.fasttls\.test")


def test_client_without_certificate_refused_by_openssl(pki, files):
    with openssl_server([*server_args(files), "-Verify", "2", "-CAfile", files["ca"], "-verify_return_error", "-rev"]) as srv:
        with pytest.raises(Exception) as info:
            with fasttls_client(client_config(pki), srv.port) as tls:
                rev_roundtrip(tls, b"x\n")
        assert "CERTIFICATE_REQUIRED" in str(info.value).upper() or "certificate_required" in str(info.value)


def test_client_alpn_with_openssl(pki, files):
    with openssl_server([*server_args(files), "-alpn", "h2,http/1.1", "-rev"]) as srv:
        with fasttls_client(client_config(pki, alpn_protocols=["http/1.1"]), srv.port) as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"
            assert rev_roundtrip(tls, b"ab\n") == b"ba\n"


def test_client_resumes_with_openssl_ticket(pki, files):
    cfg = client_config(pki)
    with openssl_server([*server_args(files), "-rev"]) as srv:
        with fasttls_client(cfg, srv.port) as tls:
            assert not tls.session_reused
            rev_roundtrip(tls)  # the ticket arrives after the handshake
            assert tls.session is not None
        with fasttls_client(cfg, srv.port) as tls:
            assert tls.session_reused
            assert rev_roundtrip(tls, b"again\n") == b"niaga\n"


def test_client_key_update_with_openssl(pki, files):
    with openssl_server([*server_args(files), "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            for i in range(3):
                tls.key_update(request_peer=True)
                assert rev_roundtrip(tls, b"after update %d\n" % i) == (b"after update %d" % i)[::-1] + b"\n"


# ---- openssl s_client -> fasttls server ------------------------------------------------------------


def s_client_echo(port, files, *extra, data=b"ping from s_client\n"):
    with openssl_client(port, s_client_args(files, *extra)) as cli:
        cli.wait_for(r"Verify return code: 0 \(ok\)")
        cli.send(data)
        cli.wait_for(data.strip().decode())
        cli.close_stdin()
        cli.wait()
        return cli.text()


@pytest.mark.parametrize("suite", SUITES)
def test_server_suites_vs_openssl(pki, files, suite):
    with fasttls_server(server_config(pki)) as srv:
        text = s_client_echo(srv.port, files, "-ciphersuites", suite)
        info = srv.join()[0]
    assert f"TLSv1.3, Cipher is {suite}" in text
    assert info["cipher"] == suite and info["echoed"] == len(b"ping from s_client\n")


@pytest.mark.parametrize("name", GROUPS)
def test_server_groups_vs_openssl(pki, files, name):
    with fasttls_server(server_config(pki, groups=[*DEFAULT_GROUPS, NamedGroup.x448])) as srv:
        s_client_echo(srv.port, files, "-groups", name)
        info = srv.join()[0]
    assert info["group"] == GROUPS[name] and not info["hrr"]


def test_server_hello_retry_request_to_openssl(pki, files):
    # s_client sends a key share for its first group only; our server insists on P-384.
    with fasttls_server(server_config(pki, groups=[NamedGroup.secp384r1])) as srv:
        s_client_echo(srv.port, files, "-groups", "X25519:P-384")
        info = srv.join()[0]
    assert info["group"] == NamedGroup.secp384r1 and info["hrr"]


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "rsa-2048", "ed25519"])
def test_server_certificates_verified_by_openssl(pki, files, key_type):
    with fasttls_server(server_config(pki, key_type)) as srv:
        text = s_client_echo(srv.port, files)
        srv.join()
    assert "Verify return code: 0 (ok)" in text


@pytest.mark.parametrize("session_tickets", [True, False], ids=["stateless", "stateful"])
def test_server_resumption_with_openssl(pki, files, tmp_path, session_tickets):
    """Without session tickets the server keeps the session and sends its cache key as
    the ticket (OpenSSL's SSL_OP_NO_TICKET in TLS 1.3); s_client resumes either way."""
    sess = str(tmp_path / "sess.pem")
    with fasttls_server(server_config(pki, session_tickets=session_tickets), connections=2) as srv:
        first = s_client_echo(srv.port, files, "-sess_out", sess)
        second = s_client_echo(srv.port, files, "-sess_in", sess)
        results = srv.join()
    assert "New, TLSv1.3" in first
    assert "Reused, TLSv1.3" in second
    assert [r["reused"] for r in results] == [False, True]


@pytest.mark.parametrize("hrr", [False, True], ids=["same-group", "hello-retry-request"])
def test_server_skips_openssl_early_data(pki, files, tmp_path, hrr):
    """s_client holding an OpenSSL ticket that allows 0-RTT sends early data; we never
    accept it, so we skip those records (RFC 8446 4.2.10) and the handshake goes on.
    With a HelloRetryRequest the early records come after it: we used to check the second
    ClientHello (which may not offer early data) and failed on them (unexpected_message)."""
    sess, early = str(tmp_path / "sess.pem"), tmp_path / "early.txt"
    early.write_bytes(b"0-RTT data we must skip\n" * 40)
    with openssl_server([*server_args(files), "-early_data"]) as ossl:
        with openssl_client(ossl.port, s_client_args(files, "-sess_out", sess)) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"ticket please\n")
            ossl.wait_for("ticket please")  # the tickets came before it
            cli.close_stdin()
            cli.wait()
    with open(sess) as f:
        assert "Max Early Data: 16384" in subprocess.run(
            ["openssl", "sess_id", "-noout", "-text"], stdin=f, capture_output=True, text=True, timeout=30
        ).stdout
    groups = [NamedGroup.secp384r1] if hrr else DEFAULT_GROUPS
    with fasttls_server(server_config(pki, groups=groups)) as srv:
        text = s_client_echo(srv.port, files, "-sess_in", sess, "-early_data", str(early), "-groups", "X25519:P-384")
        info = srv.join()[0]
    assert "Early data was rejected" in text, text
    assert info["hrr"] == hrr and info["echoed"] == len(b"ping from s_client\n")


def test_server_resumes_openssl_with_its_verified_client_certificate(pki, files, tmp_path):
    sess = str(tmp_path / "sess.pem")
    cert, key = files["client"]
    cfg = server_config(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg, connections=2) as srv:
        first = s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key, "-sess_out", sess)
        second = s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key, "-sess_in", sess)
        results = srv.join()
    assert "New, TLSv1.3" in first and "Reused, TLSv1.3" in second
    assert [r["reused"] for r in results] == [False, True]
    # The resumed connection carries the client's certificate over from the ticket.
    assert results[1]["peer_chain"] == results[0]["peer_chain"] and results[1]["peer_chain"]


def test_server_does_not_resume_an_unverified_openssl_session_once_it_verifies(pki, files, tmp_path):
    """A ticket from a server that took any client certificate does not resume on one that
    now verifies them (the same ticket keys): s_client gets a full handshake, verified."""
    sess = str(tmp_path / "sess.pem")
    cert, key = files["client"]
    lax = server_config(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    strict = dataclasses.replace(lax, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    assert strict.ticket_keys is lax.ticket_keys
    with fasttls_server(lax) as srv:
        first = s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key, "-sess_out", sess)
        assert not srv.join()[0]["reused"]
    with fasttls_server(dataclasses.replace(lax)) as srv:  # control: the lax server resumes it
        assert "Reused, TLSv1.3" in s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key, "-sess_in", sess)
        assert srv.join()[0]["reused"]
    with fasttls_server(strict) as srv:
        second = s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key, "-sess_in", sess)
        result = srv.join()[0]
    assert "New, TLSv1.3" in first and "New, TLSv1.3" in second
    assert not result["reused"] and result["peer_chain"]


def test_server_requires_client_certificate_from_openssl(pki, files):
    cert, key = files["client"]
    cfg = server_config(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg) as srv:
        s_client_echo(srv.port, files, "-cert", cert, "-cert_chain", cert, "-key", key)
        info = srv.join()[0]
    assert info["peer_chain"][0] == pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).cert_der


def test_server_refuses_openssl_without_client_certificate(pki, files):
    cfg = server_config(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg) as srv:
        with openssl_client(srv.port, s_client_args(files)) as cli:
            # s_client may have read the server's alert and exited before this write.
            with contextlib.suppress(BrokenPipeError):
                cli.send(b"data\n")
            cli.wait_for(r"alert certificate required|certificate required", timeout=15)
        result = srv.join()[0]
    assert isinstance(result, ssl.SSLError) and "certificate" in str(result).lower()


def test_server_alpn_with_openssl(pki, files):
    with fasttls_server(server_config(pki, alpn_protocols=["h2", "http/1.1"])) as srv:
        text = s_client_echo(srv.port, files, "-alpn", "http/1.1,h2")
        info = srv.join()[0]
    # Server preference decides (as Go and OpenSSL servers do).
    assert info["alpn"] == "h2" and "ALPN protocol: h2" in text


def test_server_answers_openssl_key_update(pki, files):
    with fasttls_server(server_config(pki)) as srv:
        with openssl_client(srv.port, s_client_args(files)) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"one\n")
            cli.wait_for("one")
            cli.send(b"K\n")  # KeyUpdate, update_requested
            cli.wait_for("KEYUPDATE")
            cli.send(b"two\n")
            cli.wait_for("two")
            cli.close_stdin()
            cli.wait()
        info = srv.join()[0]
    assert info["echoed"] == len(b"one\ntwo\n")


# ---- Python's ssl module ---------------------------------------------------------------------------


def ssl_server_context(files, key_type="ecdsa-p256") -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(*files[key_type])
    return ctx


def test_client_with_python_ssl_server_megabyte_echo_and_resumption(pki, files):
    cfg = client_config(pki)
    data = os.urandom(1 << 20)
    with thread_server(ssl_echo_handler(ssl_server_context(files)), connections=2) as srv:
        for expect_reused in (False, True):
            with fasttls_client(cfg, srv.port) as tls:
                assert tls.session_reused == expect_reused
                tls.sendall(data)
                assert recv_exactly(tls, len(data)) == data
        srv.join()
    assert [r["reused"] for r in srv.results] == [False, True]
    assert all(r["echoed"] == len(data) and r["version"] == "TLSv1.3" for r in srv.results)


def test_python_ssl_client_with_server_megabyte_echo_and_resumption(pki, files):
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    data = os.urandom(1 << 20)
    session = None
    with fasttls_server(server_config(pki), connections=2) as srv:
        for expect_reused in (False, True):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                    s.sendall(data)
                    got = bytearray()
                    while len(got) < len(data):
                        got += s.recv(65536)
                    assert got == data
                    assert s.session_reused == expect_reused
                    session = s.session
        results = srv.join()
    assert [r["reused"] for r in results] == [False, True]


def test_python_ssl_client_certificate(pki, files):
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.load_cert_chain(*files["client"])
    cfg = server_config(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"hi")
                assert s.recv(10) == b"hi"
        info = srv.join()[0]
    assert info["peer_chain"]


# ---- pyOpenSSL (a newer OpenSSL, with the hybrid post-quantum group) --------------------------------


def pyopenssl_context(files, server: bool) -> SSL.Context:
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
    if server:
        ctx.use_certificate_chain_file(files["ecdsa-p256"][0])
        ctx.use_privatekey_file(files["ecdsa-p256"][1])
    else:
        ctx.load_verify_locations(files["ca"])
        ctx.set_verify(SSL.VERIFY_PEER, lambda *a: a[-1])
    return ctx


def pyopenssl_io(conn: SSL.Connection, send: bytes) -> bytes:
    conn.do_handshake()
    conn.sendall(send)
    got = b""
    while len(got) < len(send):
        got += conn.recv(65536)
    return got


def test_pyopenssl_client_negotiates_x25519mlkem768(pki, files):
    with fasttls_server(server_config(pki)) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            raw.setblocking(True)  # pyOpenSSL wants blocking sockets; our server side times out instead
            conn = SSL.Connection(pyopenssl_context(files, server=False), raw)
            conn.set_tlsext_host_name(b"localhost")
            conn.set_connect_state()
            assert pyopenssl_io(conn, b"post-quantum hello") == b"post-quantum hello"
            assert conn.get_group_name() == "X25519MLKEM768"
            conn.shutdown()
        info = srv.join()[0]
    assert info["group"] == NamedGroup.X25519MLKEM768 and not info["hrr"]


def test_client_negotiates_x25519mlkem768_with_pyopenssl_server(pki, files):
    ctx = pyopenssl_context(files, server=True)
    result = {}

    def handler(raw):
        raw.setblocking(True)  # pyOpenSSL wants blocking sockets; our client side times out instead
        conn = SSL.Connection(ctx, raw)
        conn.set_accept_state()
        conn.do_handshake()
        result["group"] = conn.get_group_name()
        data = conn.recv(65536)
        conn.sendall(data)
        conn.shutdown()

    with thread_server(handler) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.connection.group == NamedGroup.X25519MLKEM768
            tls.sendall(b"kem")
            assert recv_exactly(tls, 3) == b"kem"
        srv.join()
    assert not srv.errors, srv.errors
    assert result["group"] == "X25519MLKEM768"


# ---- close_notify, both ways -------------------------------------------------------------------


def test_close_notify_to_and_from_python_ssl(pki, files):
    """Our unwrap sends close_notify (ssl's recv returns b'' instead of raising SSLEOFError
    with suppress_ragged_eofs off), and ssl's unwrap reaches our server as close_notify."""
    seen = {}

    def handler(raw):
        ctx = ssl_server_context(files)
        with ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False) as s:
            seen["data"] = s.recv(100)
            seen["after"] = s.recv(100)  # b"" only on a real close_notify
            s.unwrap()

    with thread_server(handler) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            tls.sendall(b"bye")
            tls.unwrap()
        srv.join()
    assert not srv.errors, srv.errors
    assert seen == {"data": b"bye", "after": b""}

    ctx = ssl.create_default_context(cafile=files["ca"])
    with fasttls_server(server_config(pki)) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"x")
                assert s.recv(1) == b"x"
                s.unwrap()
        info = srv.join()[0]
    assert info["close_notify"] is True


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
@pytest.mark.parametrize("second_name, reused", [("other.example", False), ("LOCALHOST", True), ("localhost", True)])
def test_server_resumes_a_python_ssl_session_only_under_the_name_it_was_made_for(pki, files, version, second_name, reused):
    """RFC 6066 section 3: a server "MUST NOT accept the request to resume the session if the
    server_name extension contains a different name" (names compare case-insensitively).  Both
    names are on the certificate, so ssl's client verifies either; under another name it gets a
    full handshake (it used to resume, as OpenSSL's server does: probe finding)."""
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
    cfg = Config(certificates=[pki.server(names=("localhost", "other.example"))], min_version=ProtocolVersion.TLS12)
    session = None
    with fasttls_server(cfg, connections=2) as srv:
        for name in ("localhost", second_name):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname=name, session=session) as s:
                    s.sendall(b"ping")
                    assert recv_exactly(s, 4) == b"ping"  # the TLS 1.3 ticket comes before the echo
                    assert s.version() == version.replace("_", ".")
                    assert s.session_reused == (reused and session is not None)
                    session = s.session
        results = srv.join()
    assert [r["reused"] for r in results] == [False, reused]

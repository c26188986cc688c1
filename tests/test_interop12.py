"""TLS 1.2 against peers we did not write: the openssl CLI (3.0), Python's ssl and pyOpenSSL.

Every server binds 127.0.0.1 on a port the OS picks and is stopped when its
test ends.  Runs on whichever record twin is active (CI runs it on both).
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from fasttls.config import CertifiedKey, ClientAuthType, Config
from fasttls.constants import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion
from fasttls.errors import AlertReceived, TLSError

from .interop import fasttls_client, fasttls_server, recv_exactly, strip_tls13_proxy
from .peers import openssl_client, openssl_server, ssl_echo_handler, thread_server

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
S = CipherSuite

#: OpenSSL name -> (our code point, the certificate it needs)
SUITES = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": (S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ecdsa-p256"),
    "ECDHE-ECDSA-AES256-GCM-SHA384": (S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ecdsa-p256"),
    "ECDHE-ECDSA-CHACHA20-POLY1305": (S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ecdsa-p256"),
    "ECDHE-RSA-AES128-GCM-SHA256": (S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "rsa-2048"),
    "ECDHE-RSA-AES256-GCM-SHA384": (S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "rsa-2048"),
    "ECDHE-RSA-CHACHA20-POLY1305": (S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "rsa-2048"),
}
GROUPS = {
    "X25519": NamedGroup.x25519,
    "P-256": NamedGroup.secp256r1,
    "P-384": NamedGroup.secp384r1,
    "P-521": NamedGroup.secp521r1,
}
ALL_GROUPS = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1]
#: SSL_OP_NO_EXTENDED_MASTER_SECRET (OpenSSL 3.0), which Python's ssl accepts as a raw option bit.
OP_NO_EXTENDED_MASTER_SECRET = 1 << 0


@pytest.fixture(scope="module")
def files(pki, tmp_path_factory):
    """PEM files for the openssl CLI (root CA, server chains, a client chain) and a DER OCSP response."""
    d = tmp_path_factory.mktemp("interop12")
    out = {"ca": str(d / "ca.pem")}
    with open(out["ca"], "wb") as f:
        f.write(pki.ca_pem)
    for key_type in ("ecdsa-p256", "rsa-2048"):
        out[key_type] = pki.issued(key_type).write(d, f"server-{key_type}")
    out["client"] = pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(d, "client")
    now = datetime.datetime.now(datetime.timezone.utc)
    leaf = pki.issued("ecdsa-p256").cert
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf, issuer=pki.ca.cert, algorithm=hashes.SHA256(), cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now, next_update=now + datetime.timedelta(days=1), revocation_time=None, revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.ca.cert)
    )  # fmt: skip
    out["ocsp_der"] = builder.sign(pki.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    out["ocsp"] = str(d / "ocsp.der")
    with open(out["ocsp"], "wb") as f:
        f.write(out["ocsp_der"])
    return out


def server_args(files, key_type="ecdsa-p256", tls12_only=True):
    cert, key = files[key_type]
    return ["-cert", cert, "-cert_chain", cert, "-key", key, *(["-tls1_2"] if tls12_only else [])]


def client_config(pki, **kw) -> Config:
    """A default fasttls client: it offers TLS 1.3 and 1.2."""
    return Config(trust_store=pki.store, **kw)


def server_config(pki, key_types=("ecdsa-p256", "rsa-2048"), **kw) -> Config:
    return Config(certificates=[pki.server(k) for k in key_types], **kw)


def s_client_args(files, *extra, tls12_only=True):
    return [*(["-tls1_2"] if tls12_only else []), "-CAfile", files["ca"], "-verify_return_error", "-servername", "localhost", "-verify_hostname", "localhost", *extra]


def rev_roundtrip(tls, line: bytes = b"hello fasttls\n") -> bytes:
    """``s_server -rev`` sends each line back reversed."""
    tls.sendall(line)
    return recv_exactly(tls, len(line))


# ---- fasttls client -> openssl s_server -tls1_2 ------------------------------------------------------


@pytest.mark.parametrize("name", SUITES)
def test_client_suites_vs_openssl(pki, files, name):
    suite, key_type = SUITES[name]
    with openssl_server([*server_args(files, key_type), "-cipher", name, "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.version() == "TLSv1.2"
            assert tls.cipher()[0] == name and tls.connection.cipher_suite.id == suite
            assert tls.connection.ems
            assert tls.connection.verified_chain[0] == pki.issued(key_type).cert
            assert rev_roundtrip(tls) == b"hello fasttls"[::-1] + b"\n"


@pytest.mark.parametrize("name", GROUPS)
def test_client_groups_vs_openssl(pki, files, name):
    with openssl_server([*server_args(files, "rsa-2048"), "-groups", name, "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.connection.version == TLS12 and tls.connection.group == GROUPS[name]
            assert rev_roundtrip(tls, b"abc\n") == b"cba\n"


def test_client_resumes_with_openssl_ticket(pki, files):
    cfg = client_config(pki)
    with openssl_server([*server_args(files), "-rev"]) as srv:
        with fasttls_client(cfg, srv.port) as tls:
            assert not tls.session_reused
            assert tls.session.ticket and tls.session.version == TLS12
            rev_roundtrip(tls)
        with fasttls_client(cfg, srv.port) as tls:
            assert tls.session_reused
            assert rev_roundtrip(tls, b"again\n") == b"niaga\n"


def test_client_resumes_with_openssl_session_id(pki, files):
    cfg = client_config(pki)
    with openssl_server([*server_args(files), "-no_ticket", "-rev"]) as srv:
        with fasttls_client(cfg, srv.port) as tls:
            assert not tls.session_reused
            assert tls.session.session_id and not tls.session.ticket
            rev_roundtrip(tls)
            # OpenSSL forgets a TLS 1.2 session whose connection was not shut down with
            # close_notify; close() sends none (as ssl's), unwrap() does.
            tls.unwrap()
        with fasttls_client(cfg, srv.port) as tls:
            assert tls.session_reused
            assert rev_roundtrip(tls, b"by id\n") == b"di yb\n"


def test_a_session_without_id_or_ticket_is_still_a_session_as_in_ssl(files):
    """A TLS 1.2 server with no session cache and no tickets gives nothing to resume
    with; ssl's socket still has a session (id b"", has_ticket False, OpenSSL's 7200 s),
    and code reading ``sock.session.id`` works.  Ours was None."""
    import fasttls

    seen = {}
    with openssl_server([*server_args(files), "-no_ticket", "-no_cache", "-rev"]) as srv:
        for mod in (ssl, fasttls):
            ctx = mod.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(files["ca"])
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10), server_hostname="localhost") as tls:
                tls.sendall(b"x\n")
                recv_exactly(tls, 2)
                session = tls.session
                seen[mod.__name__] = (session.id, session.has_ticket, session.timeout, session.ticket_lifetime_hint, tls.session_reused)
    assert seen["fasttls"] == seen["ssl"] == (b"", False, 7200, 0, False), seen


def test_client_certificate_to_openssl(pki, files):
    ck = pki.client()
    with openssl_server([*server_args(files), "-Verify", "2", "-CAfile", files["ca"], "-verify_return_error", "-rev"]) as srv:
        with fasttls_client(client_config(pki, certificates=[ck]), srv.port) as tls:
            assert tls.connection.local_certificate is ck
            assert rev_roundtrip(tls, b"mtls\n") == b"sltm\n"
        srv.wait_for(r"CN ?= ?client\.fasttls\.test")


def test_client_without_certificate_refused_by_openssl(pki, files):
    with openssl_server([*server_args(files), "-Verify", "2", "-CAfile", files["ca"], "-verify_return_error", "-rev"]) as srv:
        with pytest.raises(AlertReceived) as info:
            with fasttls_client(client_config(pki), srv.port) as tls:
                rev_roundtrip(tls, b"x\n")
        assert info.value.alert in (40, 42, 116)  # what OpenSSL 3.0 says for "peer did not return a certificate"


def test_client_alpn_with_openssl(pki, files):
    with openssl_server([*server_args(files), "-alpn", "h2,http/1.1", "-rev"]) as srv:
        with fasttls_client(client_config(pki, alpn_protocols=["http/1.1"]), srv.port) as tls:
            assert tls.version() == "TLSv1.2" and tls.selected_alpn_protocol() == "http/1.1"
            assert rev_roundtrip(tls, b"ab\n") == b"ba\n"


def test_client_gets_openssl_ocsp_staple(pki, files):
    with openssl_server([*server_args(files), "-status_file", files["ocsp"], "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.connection.ocsp_response == files["ocsp_der"]
            assert rev_roundtrip(tls, b"ocsp\n") == b"psco\n"


def test_client_exporter_matches_openssl(pki, files):
    """RFC 5705 keying material: s_server -keymatexport prints what it derived."""
    args = [*server_args(files), "-keymatexport", "EXPORTER-fasttls", "-keymatexportlen", "20"]
    with openssl_server(args) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            ours = tls.connection.export_keying_material("EXPORTER-fasttls", None, 20)
            tls.sendall(b"exported\n")
            srv.wait_for("exported")
        line = srv.wait_for(r"Keying material: [0-9A-Fa-f]+")
    assert line.split(":", 1)[1].strip().lower() == ours.hex()


# ---- version negotiation and downgrade protection -----------------------------------------------------


def test_tls12_only_client_vs_tls13_openssl(pki, files):
    with openssl_server([*server_args(files, tls12_only=False), "-rev"]) as srv:
        with fasttls_client(client_config(pki, max_version=TLS12), srv.port) as tls:
            assert tls.version() == "TLSv1.2"
            # OpenSSL 3.0 is 1.3-capable, so it marks the random; a 1.2-only client lets it be.
            assert tls.connection.server_random[24:] == b"DOWNGRD\x01"
            assert rev_roundtrip(tls, b"v\n") == b"v\n"


def test_tls13_client_vs_tls12_only_openssl(pki, files):
    with openssl_server([*server_args(files), "-rev"]) as srv:
        with fasttls_client(client_config(pki), srv.port) as tls:
            assert tls.version() == "TLSv1.2"
            assert tls.connection.server_random[24:] != b"DOWNGRD\x01"


def test_client_catches_openssl_downgrade_sentinel(pki, files):
    """A man in the middle strips TLS 1.3 from our hello; OpenSSL's sentinel gives it away."""
    with openssl_server([*server_args(files, tls12_only=False), "-rev"]) as srv:
        with strip_tls13_proxy(srv.port) as proxy:
            with pytest.raises(TLSError) as info:
                with fasttls_client(client_config(pki), proxy.port):
                    pass
    assert info.value.alert == 47 and "downgrade" in str(info.value)


def test_server_sentinel_caught_by_python_ssl(pki, files):
    ctx = ssl.create_default_context(cafile=files["ca"])
    with fasttls_server(server_config(pki), echo=False) as srv:
        with strip_tls13_proxy(srv.port) as proxy:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=20) as raw:
                with pytest.raises(ssl.SSLError) as info:
                    ctx.wrap_socket(raw, server_hostname="localhost")
        result = srv.join()[0]
    assert "INAPPROPRIATE_FALLBACK" in str(info.value).upper() or "ILLEGAL_PARAMETER" in str(info.value).upper()
    assert isinstance(result, Exception)


def test_openssl_fallback_scsv_is_refused(pki, files):
    with fasttls_server(server_config(pki), echo=False) as srv:
        with openssl_client(srv.port, s_client_args(files, "-fallback_scsv")) as cli:
            cli.wait_for(r"inappropriate fallback", timeout=15)
        result = srv.join()[0]
    assert isinstance(result, TLSError) and result.alert == 86


def test_tls13_client_vs_tls12_only_fasttls_over_openssl_s_client(pki, files):
    """openssl s_client offers 1.3; a 1.2-only fasttls server answers with 1.2 and no sentinel."""
    with fasttls_server(server_config(pki, max_version=TLS12)) as srv:
        text = s_client_echo(srv.port, files, tls12_only=False)
        info = srv.join()[0]
    assert "New, TLSv1.2" in text and info["version"] == "TLSv1.2"


# ---- extended master secret (RFC 7627) ---------------------------------------------------------------


def python_ssl_server_context(files, key_type="ecdsa-p256", no_ems=False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*files[key_type])
    if no_ems:
        ctx.options |= OP_NO_EXTENDED_MASTER_SECRET
    return ctx


def test_client_refuses_server_without_ems(pki, files):
    with thread_server(ssl_echo_handler(python_ssl_server_context(files, no_ems=True))) as srv:
        with pytest.raises(TLSError) as info:
            with fasttls_client(client_config(pki), srv.port):
                pass
        srv.join()
    assert info.value.alert == 40 and "extended master secret" in str(info.value)


def test_client_allows_server_without_ems_when_configured(pki, files):
    with thread_server(ssl_echo_handler(python_ssl_server_context(files, no_ems=True))) as srv:
        with fasttls_client(client_config(pki, require_extended_master_secret=False), srv.port) as tls:
            assert not tls.connection.ems and tls.version() == "TLSv1.2"
            tls.sendall(b"legacy")
            assert recv_exactly(tls, 6) == b"legacy"
        srv.join()


def test_sslcontext_client_may_allow_a_server_without_ems(files):
    """SSLContext.require_extended_master_secret (fasttls's; True by default) is the way
    for code that takes an ssl.SSLContext (kombu against RabbitMQ on Erlang/OTP 25, which
    offers no EMS) to connect over TLS 1.2 anyway; the refusal names the setting, and a
    session made without EMS is never resumed (RFC 7627 5.3)."""
    import fasttls

    ctx = fasttls.create_default_context(cafile=files["ca"])
    assert ctx.require_extended_master_secret is True
    with thread_server(ssl_echo_handler(python_ssl_server_context(files, no_ems=True))) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with pytest.raises(ssl.SSLError, match=r"extended master secret.*require_extended_master_secret"):
                ctx.wrap_socket(raw, server_hostname="localhost")
        srv.join()
    ctx.require_extended_master_secret = False
    with thread_server(ssl_echo_handler(python_ssl_server_context(files, no_ems=True)), connections=2) as srv:
        for attempt in range(2):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    assert tls.version() == "TLSv1.2" and not tls._conn.ems
                    assert not tls.session_reused  # the first session, without EMS, is not offered
                    tls.sendall(b"no ems")
                    assert recv_exactly(tls, 6) == b"no ems"
        srv.join()


def test_server_refuses_python_ssl_client_without_ems(pki, files):
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= OP_NO_EXTENDED_MASTER_SECRET
    with fasttls_server(server_config(pki), echo=False) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with pytest.raises(ssl.SSLError) as info:
                ctx.wrap_socket(raw, server_hostname="localhost")
        result = srv.join()[0]
    assert "HANDSHAKE_FAILURE" in str(info.value).upper()
    assert isinstance(result, TLSError) and "extended master secret" in str(result)


def test_server_allowing_no_ems_never_resumes_such_a_session(pki, files):
    """A server with require_extended_master_secret off takes Python's ssl client without
    EMS, but offered that session again (which OpenSSL's client does), it makes a full
    handshake: RFC 7627 5.3, never resume a session the handshake is not bound to."""
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= OP_NO_EXTENDED_MASTER_SECRET
    reused = []
    with fasttls_server(server_config(pki, require_extended_master_secret=False), connections=2) as srv:
        session = None
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
                    tls.sendall(b"legacy")
                    assert recv_exactly(tls, 6) == b"legacy"
                    reused.append(tls.session_reused)
                    session = tls.session
        results = srv.join()
    assert reused == [False, False]
    assert [r["reused"] for r in results] == [False, False], results


# ---- openssl s_client -tls1_2 -> fasttls server ------------------------------------------------------


def s_client_echo(port, files, *extra, data=b"ping from s_client\n", tls12_only=True):
    with openssl_client(port, s_client_args(files, *extra, tls12_only=tls12_only)) as cli:
        cli.wait_for(r"Verify return code: 0 \(ok\)")
        cli.send(data)
        cli.wait_for(data.strip().decode())
        cli.close_stdin()
        cli.wait()
        return cli.text()


@pytest.mark.parametrize("name", SUITES)
def test_server_suites_vs_openssl(pki, files, name):
    suite, key_type = SUITES[name]
    with fasttls_server(server_config(pki)) as srv:
        text = s_client_echo(srv.port, files, "-cipher", name)
        info = srv.join()[0]
    assert f"New, TLSv1.2, Cipher is {name}" in text
    assert "Extended master secret: yes" in text
    assert info["cipher"] == S(suite).name and info["echoed"] == len(b"ping from s_client\n")


@pytest.mark.parametrize("name", GROUPS)
def test_server_groups_vs_openssl(pki, files, name):
    with fasttls_server(server_config(pki, groups=ALL_GROUPS)) as srv:
        s_client_echo(srv.port, files, "-groups", name)
        info = srv.join()[0]
    assert info["group"] == GROUPS[name] and info["version"] == "TLSv1.2"


@pytest.mark.parametrize("prefer_client", [False, True])
def test_server_group_order_vs_openssl(pki, files, prefer_client):
    """Which group a TLS 1.2 server picks from a client's list: by its own order (Go; ssl's
    default, OP_CIPHER_SERVER_PREFERENCE), or by the client's when it prefers the client's
    ciphers, as OpenSSL's tls1_shared_group (ours kept its own order then)."""
    with fasttls_server(server_config(pki, groups=ALL_GROUPS, prefer_client_ciphers=prefer_client)) as srv:
        s_client_echo(srv.port, files, "-groups", "P-384:P-256:X25519")
        info = srv.join()[0]
    assert info["group"] == (NamedGroup.secp384r1 if prefer_client else NamedGroup.x25519)


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "rsa-2048"])
def test_server_certificates_verified_by_openssl(pki, files, key_type):
    with fasttls_server(server_config(pki, key_types=(key_type,))) as srv:
        text = s_client_echo(srv.port, files)
        srv.join()
    assert "Verify return code: 0 (ok)" in text and "TLSv1.2" in text


@pytest.mark.parametrize("mode", ["ticket", "session-id"])
def test_server_resumption_with_openssl(pki, files, tmp_path, mode):
    sess = str(tmp_path / "sess.pem")
    extra = ["-no_ticket"] if mode == "session-id" else []
    with fasttls_server(server_config(pki), connections=2) as srv:
        first = s_client_echo(srv.port, files, "-sess_out", sess, *extra)
        second = s_client_echo(srv.port, files, "-sess_in", sess, *extra)
        results = srv.join()
    assert "New, TLSv1.2" in first
    assert "Reused, TLSv1.2" in second
    assert [r["reused"] for r in results] == [False, True]


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
            cli.wait_for(r"alert handshake failure", timeout=15)
        result = srv.join()[0]
    assert isinstance(result, TLSError) and "certificate" in str(result).lower()


def test_server_alpn_with_openssl(pki, files):
    with fasttls_server(server_config(pki, alpn_protocols=["h2", "http/1.1"])) as srv:
        text = s_client_echo(srv.port, files, "-alpn", "http/1.1,h2")
        info = srv.join()[0]
    assert info["alpn"] == "h2" and "ALPN protocol: h2" in text


def test_server_ocsp_staple_to_openssl(pki, files):
    ck = pki.server("ecdsa-p256")
    stapled = CertifiedKey(ck.chain, ck.private_key, ocsp_staple=files["ocsp_der"])
    with fasttls_server(Config(certificates=[stapled])) as srv:
        text = s_client_echo(srv.port, files, "-status")
        srv.join()
    assert "OCSP Response Status: successful" in text and "Cert Status: good" in text


def test_server_sends_no_renegotiation_to_openssl(pki, files):
    """s_client's ``R`` line starts a renegotiation: our server refuses it with a warning
    (RFC 5246 7.2.2: no_renegotiation "is always a warning"), as OpenSSL's
    ``-no_renegotiation`` server does, and s_client then gives up with handshake_failure."""
    with fasttls_server(server_config(pki)) as srv:
        with openssl_client(srv.port, s_client_args(files) + ["-msg"]) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"R\n")
            cli.wait_for(r"RENEGOTIATING")
            cli.wait_for(r"<<< TLS 1.2, Alert \[length 0002\], warning no_renegotiation", timeout=15)
        result = srv.join()[0]
    assert isinstance(result, AlertReceived) and result.alert == AlertDescription.handshake_failure, result


# ---- Python's ssl module ---------------------------------------------------------------------------


def test_client_with_python_ssl_server_megabyte_echo_and_resumption(pki, files):
    cfg = client_config(pki)
    data = os.urandom(1 << 20)
    with thread_server(ssl_echo_handler(python_ssl_server_context(files, "rsa-2048")), connections=2) as srv:
        for expect_reused in (False, True):
            with fasttls_client(cfg, srv.port) as tls:
                assert tls.session_reused == expect_reused and tls.version() == "TLSv1.2"
                tls.sendall(data)
                assert recv_exactly(tls, len(data)) == data
        srv.join()
    assert [r["reused"] for r in srv.results] == [False, True]
    assert all(r["echoed"] == len(data) and r["version"] == "TLSv1.2" for r in srv.results)


@pytest.mark.parametrize("tickets", [True, False])
def test_python_ssl_client_with_server_megabyte_echo_and_resumption(pki, files, tickets):
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET  # resumption by session ID
    data = os.urandom(1 << 20)
    session = None
    with fasttls_server(server_config(pki), connections=2) as srv:
        for expect_reused in (False, True):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                    assert s.version() == "TLSv1.2"
                    s.sendall(data)
                    got = bytearray()
                    while len(got) < len(data):
                        got += s.recv(65536)
                    assert got == data
                    assert s.session_reused == expect_reused
                    assert s.session.has_ticket == tickets
                    session = s.session
        results = srv.join()
    assert [r["reused"] for r in results] == [False, True]


def test_python_ssl_client_certificate(pki, files):
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*files["client"])
    cfg = server_config(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"hi")
                assert s.recv(10) == b"hi"
        info = srv.join()[0]
    assert info["peer_chain"] and info["version"] == "TLSv1.2"


def test_client_certificate_to_python_ssl_server(pki, files):
    sctx = python_ssl_server_context(files)
    sctx.verify_mode = ssl.CERT_REQUIRED
    sctx.load_verify_locations(files["ca"])
    with thread_server(ssl_echo_handler(sctx)) as srv:
        with fasttls_client(client_config(pki, certificates=[pki.client("rsa-2048")]), srv.port) as tls:
            tls.sendall(b"mtls")
            assert recv_exactly(tls, 4) == b"mtls"
        srv.join()
    assert not srv.errors, srv.errors
    assert srv.results[0]["peercert"] == pki.client("rsa-2048").chain_der[0]


@pytest.mark.parametrize("server", ["fasttls", "ssl"])
def test_python_ssl_client_keeps_its_session_when_a_tls12_ticket_resumes(pki, files, server):
    """ssl's client compares sessions (``session.id``, ``==``); OpenSSL's server sends no new
    ticket while the resumed one's key still seals, so the session stays the same.  Ours
    renewed the ticket on every resumption (as Go does), and ssl's session changed
    (CPython's test_ssl, test_session: probe finding)."""
    ctx = ssl.create_default_context(cafile=files["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    sessions = []
    if server == "fasttls":
        srv_cm = fasttls_server(server_config(pki), connections=2)
    else:
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(*files["ecdsa-p256"])
        srv_cm = thread_server(ssl_echo_handler(sctx), connections=2)
    with srv_cm as srv:
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=sessions[-1] if sessions else None) as s:
                    s.sendall(b"ping")
                    assert recv_exactly(s, 4) == b"ping"
                    assert s.session_reused == bool(sessions)
                    sessions.append(s.session)
        srv.join()
    assert sessions[1].has_ticket and sessions[1].id == sessions[0].id and sessions[1] == sessions[0]

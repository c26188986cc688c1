"""Which client certificate goes: the CAs a server names in its CertificateRequest
(certificate_authorities, RFC 8446 4.2.4 / RFC 5246 7.4.4) and Go's
``GetClientCertificate`` / ``CertificateRequestInfo``.

Two PKIs whose roots have different names: ``alpha`` (root + intermediate, as a
client chain usually is) and ``beta`` (root only).  A server that trusts one of them
names its root; a client holding a certificate from each sends the one the server
named.  First in memory, TLS 1.3 and 1.2, then against the openssl command line and
pyOpenSSL on either side.
"""

from __future__ import annotations

import socket
import ssl

import pytest
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL

import fasttls
from fasttls import events as ev
from fasttls.config import MAX_CA_NAMES_SIZE, CertificateRequestInfo, ClientAuthType, Config
from fasttls.constants import AlertDescription, ClientCertificateType, ProtocolVersion, SignatureScheme
from fasttls.errors import AlertReceived
from fasttls.messages import handshake as m

from .interop import fasttls_client, fasttls_server, recv_exactly
from .pairs import do_handshake, make_pair, run_until_error, tamper_sent, transfer
from .peers import openssl_client, openssl_server, thread_server
from .pki import TestPKI

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12
VERSIONS = pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
DER = serialization.Encoding.DER


@pytest.fixture(scope="module")
def alpha():
    return TestPKI(name="fasttls alpha")


@pytest.fixture(scope="module")
def beta():
    return TestPKI(intermediate=False, name="fasttls beta")


def root_name(p: TestPKI) -> bytes:
    return p.root.cert.subject.public_bytes()


def client_config(alpha, version, **kw) -> Config:
    kw.setdefault("certificates", [alpha.client()])
    return Config(trust_store=alpha.store, min_version=version, max_version=version, session_cache=None, **kw)


def server_config(alpha, version, mode=ClientAuthType.RequireAndVerifyClientCert, **kw) -> Config:
    kw.setdefault("trust_store", alpha.store)  # verifies clients unless client_ca_store is given, names none
    return Config(certificates=[alpha.server()], client_auth=mode, min_version=version, max_version=version, **kw)


# ---- in memory ---------------------------------------------------------------------------------


@VERSIONS
def test_the_server_names_the_roots_of_its_client_ca_store(alpha, beta, version):
    seen = []

    def choose(info):
        seen.append(info)
        return info.connection.config.certificates[1]

    c, s = make_pair(
        client_config(alpha, version, certificates=[alpha.client(), beta.client()], get_client_certificate=choose),
        server_config(alpha, version, client_ca_store=beta.store),
    )
    do_handshake(c, s)
    (info,) = seen
    assert info.acceptable_cas == [root_name(beta)]
    assert info.version == version and info.connection.config is c.config and info.signature_schemes
    assert s.peer_certificates == list(beta.client().chain_der)


@VERSIONS
def test_the_client_sends_the_certificate_from_a_ca_the_server_named(alpha, beta, version):
    """Without the names the client would send its first certificate (alpha's), which a
    server trusting only beta refuses: the control half shows the names decide."""
    client = client_config(alpha, version, certificates=[alpha.client(), beta.client()])
    c, s = make_pair(client, server_config(alpha, version, client_ca_store=beta.store))
    do_handshake(c, s)
    assert c.local_certificate is beta.client()
    assert s.peer_certificates == list(beta.client().chain_der)
    assert s.verified_chain[-1] == beta.root.cert

    c, s = make_pair(client, server_config(alpha, version, client_ca_store=beta.store, client_ca_names=[]))
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.unknown_ca
    assert c.local_certificate is alpha.client()


@VERSIONS
def test_an_intermediate_issued_by_a_named_root_matches(alpha, beta, version):
    """alpha's client leaf is issued by its intermediate; the intermediate by the root the
    server names (Go checks the issuer of every certificate in the chain)."""
    client = client_config(alpha, version, certificates=[beta.client(), alpha.client()])
    c, s = make_pair(client, server_config(alpha, version, client_ca_store=alpha.store))
    do_handshake(c, s)
    assert c.local_certificate is alpha.client()
    # Naming the intermediate itself works too.
    names = [alpha.ca.cert.subject.public_bytes()]
    c, s = make_pair(client, server_config(alpha, version, client_ca_store=alpha.store, client_ca_names=names))
    do_handshake(c, s)
    assert c.local_certificate is alpha.client()


@VERSIONS
def test_without_a_named_match_the_first_fitting_certificate_still_goes(alpha, beta, version):
    """As OpenSSL's client (Go would send none): the server decides.  One that only
    requests a certificate takes it; one that verifies refuses it as unknown."""
    client = client_config(alpha, version)
    c, s = make_pair(client, server_config(alpha, version, ClientAuthType.RequestClientCert, client_ca_names=[root_name(beta)]))
    do_handshake(c, s)
    assert s.peer_certificates == list(alpha.client().chain_der)
    c, s = make_pair(client, server_config(alpha, version, ClientAuthType.VerifyClientCertIfGiven, client_ca_store=beta.store))
    assert run_until_error(c, s).alert == AlertDescription.unknown_ca


@VERSIONS
def test_the_callback_may_send_no_certificate(alpha, version):
    client = client_config(alpha, version, get_client_certificate=lambda info: None)
    c, s = make_pair(client, server_config(alpha, version, ClientAuthType.RequestClientCert, client_ca_store=alpha.store))
    do_handshake(c, s)
    assert s.peer_certificates == [] and c.local_certificate is None
    c, s = make_pair(client, server_config(alpha, version, ClientAuthType.RequireAnyClientCert))
    err = run_until_error(c, s)
    assert err.alert == (AlertDescription.certificate_required if version == TLS13 else AlertDescription.handshake_failure)


@VERSIONS
def test_a_failing_callback_aborts_the_handshake(alpha, version):
    def refuse(info):
        raise RuntimeError("no smart card inserted")

    c, s = make_pair(client_config(alpha, version, get_client_certificate=refuse), server_config(alpha, version))
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.internal_error and "no smart card inserted" in str(err)
    with pytest.raises(AlertReceived) as got:  # and the server hears why
        transfer(c, s)
    assert got.value.alert == AlertDescription.internal_error

    c, s = make_pair(client_config(alpha, version, get_client_certificate=lambda info: "cert.pem"), server_config(alpha, version))
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.internal_error and "not a CertifiedKey" in str(err)


@VERSIONS
def test_a_callback_certificate_the_request_cannot_take_is_handshake_failure(alpha, version):
    """The server accepts ECDSA signatures only; the callback insists on an RSA key."""
    rsa_cert = alpha.client("rsa-2048")
    c, s = make_pair(
        client_config(alpha, version, get_client_certificate=lambda info: rsa_cert),
        server_config(alpha, version, signature_schemes=[SignatureScheme.ecdsa_secp256r1_sha256]),
    )
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.handshake_failure and "cannot sign with a scheme the server accepts" in str(err)
    # Without the callback the RSA certificate is skipped for the ECDSA one.
    c, s = make_pair(
        client_config(alpha, version, certificates=[rsa_cert, alpha.client()]),
        server_config(alpha, version, signature_schemes=[SignatureScheme.ecdsa_secp256r1_sha256]),
    )
    do_handshake(c, s)
    assert c.local_certificate is alpha.client()


def test_supports_certificate_is_gos(alpha, beta):
    ecdsa = [SignatureScheme.ecdsa_secp256r1_sha256]
    info = CertificateRequestInfo([], ecdsa, TLS13)
    assert info.supports_certificate(alpha.client()) and not info.supports_certificate(alpha.client("rsa-2048"))
    assert info.signature_scheme_for(alpha.client()) == SignatureScheme.ecdsa_secp256r1_sha256
    named = CertificateRequestInfo([root_name(beta)], ecdsa, TLS13)
    assert named.supports_certificate(beta.client()) and not named.supports_certificate(alpha.client())
    assert CertificateRequestInfo([root_name(alpha)], ecdsa, TLS13).supports_certificate(alpha.client())
    # TLS 1.3 binds ECDSA schemes to curves; TLS 1.2 does not.
    p384 = [SignatureScheme.ecdsa_secp384r1_sha384]
    assert not CertificateRequestInfo([], p384, TLS13).supports_certificate(alpha.client())
    assert CertificateRequestInfo([], p384, TLS12).supports_certificate(alpha.client())


def test_tls12_certificate_types_narrow_the_schemes(alpha):
    """RFC 5246 7.4.4: a request for ecdsa_sign only is no request for an RSA signature."""
    seen = []

    def choose(info):
        seen.append(info)
        return None

    c, s = make_pair(
        client_config(alpha, TLS12, get_client_certificate=choose),
        server_config(alpha, TLS12, ClientAuthType.RequestClientCert),
    )
    tamper_sent(s, m.CertificateRequestTLS12, certificate_types=[ClientCertificateType.ecdsa_sign])
    do_handshake(c, s)
    (info,) = seen
    assert info.signature_schemes and all(not fasttls.auth.SCHEMES[x].kind.startswith("rsa") for x in info.signature_schemes)


def test_post_handshake_request_names_cas_and_the_client_chooses_by_them(alpha, beta):
    client = client_config(alpha, TLS13, certificates=[alpha.client(), beta.client()], post_handshake_auth=True)
    server = server_config(alpha, TLS13, client_ca_store=beta.store, post_handshake_auth=True)
    c, s = make_pair(client, server)
    do_handshake(c, s)
    assert s.peer_certificates == []
    s.verify_client_post_handshake()
    transfer(s, c)
    events = transfer(c, s)
    assert ev.PostHandshakeAuth(True) in events
    assert s.peer_certificates == list(beta.client().chain_der) and c.local_certificate is beta.client()


def test_names_that_do_not_fit_the_message_are_not_sent(alpha):
    big = [b"\x30" + bytes(1000)] * 70  # ~70 KB of names: over certificate_authorities' 2^16-1
    assert sum(2 + len(n) for n in big) > MAX_CA_NAMES_SIZE
    seen = []
    client = client_config(alpha, TLS13, get_client_certificate=lambda info: seen.append(info) or alpha.client())
    c, s = make_pair(client, server_config(alpha, TLS13, client_ca_store=alpha.store, client_ca_names=big))
    do_handshake(c, s)
    assert seen[0].acceptable_cas == [] and s.peer_certificates
    assert Config(client_ca_names=big[:10]).certificate_request_authorities() == big[:10]
    # x509.Name objects are taken too.
    assert Config(client_ca_names=[alpha.root.cert.subject]).certificate_request_authorities() == [root_name(alpha)]


def test_ssl_context_servers_name_no_cas_as_ssl_does(alpha):
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=alpha.root.cert.public_bytes(DER))
    assert ctx._config_for(server_side=True).certificate_request_authorities() == []


# ---- against the openssl command line ----------------------------------------------------------


@pytest.fixture(scope="module")
def pem(alpha, beta, tmp_path_factory):
    d = tmp_path_factory.mktemp("cachoice")
    out = {}
    for name, p in (("alpha", alpha), ("beta", beta)):
        path = d / f"{name}-root.pem"
        path.write_bytes(p.root.cert_pem)
        out[f"{name}-ca"] = str(path)
        out[f"{name}-client"] = p.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(d, f"{name}-client")
    out["server"] = alpha.issued().write(d, "server")
    return out


def s_server_args(pem, version, *extra):
    cert, key = pem["server"]
    flag = "-tls1_3" if version == TLS13 else "-tls1_2"
    return ["-cert", cert, "-cert_chain", cert, "-key", key, flag, "-rev", *extra]


@VERSIONS
def test_client_answers_the_cas_openssl_names(alpha, beta, pem, version):
    """s_server names the roots of its -CAfile; the client sends beta's certificate."""
    args = s_server_args(pem, version, "-Verify", "2", "-CAfile", pem["beta-ca"], "-verify_return_error")
    with openssl_server(args) as srv:
        client = client_config(alpha, version, certificates=[alpha.client(), beta.client()])
        with fasttls_client(client, srv.port) as tls:
            tls.sendall(b"chosen\n")
            assert recv_exactly(tls, 7) == b"nesohc\n"
            assert tls.connection.local_certificate is beta.client()
        srv.wait_for(r"depth=1 .*CN ?= ?fasttls beta root CA")
        srv.wait_for(r"Verification: OK")


def test_client_without_names_from_openssl_sends_its_first_certificate(alpha, beta, pem):
    """The control: with -no_ca_names s_server (TLS 1.3) names nothing, alpha's goes and
    s_server refuses it."""
    args = s_server_args(pem, TLS13, "-Verify", "2", "-CAfile", pem["beta-ca"], "-verify_return_error", "-no_ca_names")
    with openssl_server(args) as srv:
        client = client_config(alpha, TLS13, certificates=[alpha.client(), beta.client()])
        with pytest.raises((ssl.SSLError, OSError)):
            with fasttls_client(client, srv.port) as tls:
                tls.sendall(b"x\n")
                recv_exactly(tls, 2)
        srv.wait_for(r"unable to get local issuer certificate|unknown ca|verify error")


@VERSIONS
def test_openssl_client_reads_the_cas_we_name(alpha, beta, pem, version):
    cfg = server_config(alpha, version, ClientAuthType.VerifyClientCertIfGiven, client_ca_store=beta.store)
    flag = "-tls1_3" if version == TLS13 else "-tls1_2"
    with fasttls_server(cfg) as srv:
        with openssl_client(srv.port, [flag, "-CAfile", pem["alpha-ca"], "-servername", "localhost"]) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"names\n")
            cli.wait_for("names")
            cli.close_stdin()
            cli.wait()
            text = cli.text()
        srv.join()
    block = text.split("Acceptable client certificate CA names", 1)[1].split("\n")[1]
    assert "fasttls beta root CA" in block and "alpha" not in block


def test_openssl_client_sees_no_names_from_an_ssl_context_server(alpha, pem):
    """fasttls.SSLContext keeps ssl's (OpenSSL's default) behaviour: no CA names."""
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*pem["server"])
    ctx.load_verify_locations(pem["beta-ca"])
    ctx.verify_mode = ssl.CERT_OPTIONAL

    def handler(raw):
        with ctx.wrap_socket(raw, server_side=True) as tls:
            tls.sendall(tls.recv(100))

    with thread_server(handler) as srv:
        with openssl_client(srv.port, ["-tls1_3", "-CAfile", pem["alpha-ca"], "-servername", "localhost"]) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"none\n")
            cli.wait_for("none")
            cli.close_stdin()
            cli.wait()
            text = cli.text()
        srv.join()
    assert "No client certificate CA names sent" in text


# ---- against pyOpenSSL (the newer OpenSSL in cryptography's wheel) -------------------------------


@VERSIONS
def test_pyopenssl_client_reads_the_cas_we_name(alpha, beta, pem, version):
    cfg = server_config(alpha, version, ClientAuthType.RequestClientCert, client_ca_store=beta.store)
    with fasttls_server(cfg) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            raw.setblocking(True)
            ctx = SSL.Context(SSL.TLS_METHOD)
            ctx.load_verify_locations(pem["alpha-ca"])
            ctx.set_verify(SSL.VERIFY_PEER, lambda *a: a[-1])
            ctx.set_min_proto_version(SSL.TLS1_3_VERSION if version == TLS13 else SSL.TLS1_2_VERSION)
            ctx.set_max_proto_version(SSL.TLS1_3_VERSION if version == TLS13 else SSL.TLS1_2_VERSION)
            conn = SSL.Connection(ctx, raw)
            conn.set_tlsext_host_name(b"localhost")
            conn.set_connect_state()
            conn.do_handshake()
            conn.sendall(b"ca")
            assert conn.recv(10) == b"ca"
            names = conn.get_client_ca_list()
            conn.shutdown()
        srv.join()
    assert [n.CN for n in names] == ["fasttls beta root CA"]
    assert [n.der() for n in names] == [root_name(beta)]


@VERSIONS
def test_client_answers_the_cas_a_pyopenssl_server_names(alpha, beta, pem, version):
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.use_certificate_chain_file(pem["server"][0])
    ctx.use_privatekey_file(pem["server"][1])
    ctx.load_verify_locations(pem["beta-ca"])
    ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, lambda *a: a[-1])
    ctx.load_client_ca(pem["beta-ca"].encode())  # the names it sends
    result = {}

    def handler(raw):
        raw.setblocking(True)
        conn = SSL.Connection(ctx, raw)
        conn.set_accept_state()
        conn.do_handshake()
        result["peer"] = conn.get_peer_certificate(as_cryptography=True)
        conn.sendall(conn.recv(100))
        conn.shutdown()

    with thread_server(handler) as srv:
        with fasttls_client(client_config(alpha, version, certificates=[alpha.client(), beta.client()]), srv.port) as tls:
            tls.sendall(b"py")
            assert recv_exactly(tls, 2) == b"py"
        srv.join()
    assert not srv.errors, srv.errors
    assert result["peer"] == beta.client().leaf

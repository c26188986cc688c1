"""The application's own checks of the peer: Go's ``VerifyPeerCertificate`` and
``VerifyConnection`` (``Config.verify_peer_certificate`` / ``verify_connection``).

When each runs (full handshakes, resumptions, post-handshake auth, client and server,
TLS 1.3 and 1.2), what it sees, and what a refusal does: bad_certificate to the peer
and an ``SSLCertVerificationError`` with OpenSSL's code 50 here.  First in memory,
then against Python's ssl, the openssl command line and pyOpenSSL.
"""

from __future__ import annotations

import hashlib
import socket
import ssl

import pytest
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL

from fasttls.config import ClientAuthType, Config, ConnectionState
from fasttls.constants import AlertDescription, CipherSuite, ProtocolVersion
from fasttls.errors import AlertReceived, SSLCertVerificationError
from fasttls.messages import handshake as m

from .interop import fasttls_client, fasttls_server, recv_exactly
from .pairs import do_handshake, exchange, make_pair, run_until_error, tamper_sent, transfer
from .peers import openssl_server

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12
VERSIONS = pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
DER = serialization.Encoding.DER
SPKI = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def pin_of(cert) -> str:
    return hashlib.sha256(cert.public_key().public_bytes(*SPKI)).hexdigest()


class Recorder:
    """Both hooks, recording their calls in order; ``refuse`` names the one that raises."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[tuple] = []
        self.refuse = refuse

    def peer(self, raw_certs, verified_chains) -> None:
        self.calls.append(("peer", raw_certs, verified_chains))
        if self.refuse == "peer":
            raise ValueError("certificate not on our list")

    def connection(self, state: ConnectionState) -> None:
        self.calls.append(("connection", state))
        if self.refuse == "connection":
            raise ValueError("connection not to our taste")

    def kinds(self) -> list[str]:
        return [c[0] for c in self.calls]

    def hooks(self) -> dict:
        return {"verify_peer_certificate": self.peer, "verify_connection": self.connection}


def client_config(pki, version, rec: Recorder | None = None, **kw) -> Config:
    return Config(
        trust_store=pki.store, min_version=version, max_version=version, session_cache=None, **(rec.hooks() if rec else {}), **kw
    )


def server_config(pki, version, rec: Recorder | None = None, **kw) -> Config:
    return Config(certificates=[pki.server()], trust_store=pki.store, min_version=version, max_version=version, **(rec.hooks() if rec else {}), **kw)


def chain_to_root(pki, issued_chain_der) -> list:
    return [*issued_chain_der, pki.root.cert.public_bytes(DER)]


# ---- in memory: the client -----------------------------------------------------------------------


@VERSIONS
def test_client_hooks_see_the_server_chain_then_the_connection(pki, version):
    rec = Recorder()
    c, s = make_pair(client_config(pki, version, rec, alpn_protocols=["h2"]), server_config(pki, version, alpn_protocols=["h2"]))
    do_handshake(c, s)
    assert rec.kinds() == ["peer", "connection"]
    _, raw, chains = rec.calls[0]
    assert raw == list(pki.server().chain_der)
    assert [[x.public_bytes(DER) for x in chain] for chain in chains] == [chain_to_root(pki, pki.server().chain_der)]
    state = rec.calls[1][1]
    assert state.version == version and not state.handshake_complete and not state.did_resume and not state.server_side
    assert state.cipher_suite == c.cipher_suite.id and state.curve_id == c.group and state.negotiated_protocol == "h2"
    assert state.server_name == "localhost"
    assert [x.public_bytes(DER) for x in state.peer_certificates] == raw
    assert state.verified_chains == chains
    assert c.connection_state().handshake_complete and c.connection_state().cipher_suite == state.cipher_suite


@VERSIONS
def test_a_resumed_client_runs_only_verify_connection(pki, version):
    server = server_config(pki, version)
    c, s = make_pair(client_config(pki, version), server)
    do_handshake(c, s)
    exchange(s, c, b"ticket")
    rec = Recorder()
    c, s = make_pair(client_config(pki, version, rec), server, session=c.session)
    do_handshake(c, s)
    assert c.session_reused and rec.kinds() == ["connection"]
    state = rec.calls[0][1]
    assert state.did_resume and [x.public_bytes(DER) for x in state.peer_certificates] == list(pki.server().chain_der)
    assert [x.public_bytes(DER) for x in state.verified_chains[0]] == chain_to_root(pki, pki.server().chain_der)


@VERSIONS
@pytest.mark.parametrize("refuse", ["peer", "connection"])
def test_a_client_hook_refusing_ends_the_handshake_with_bad_certificate(pki, version, refuse):
    rec = Recorder(refuse)
    c, s = make_pair(client_config(pki, version, rec), server_config(pki, version))
    err = run_until_error(c, s)
    assert isinstance(err, SSLCertVerificationError) and isinstance(err, ssl.SSLCertVerificationError)
    assert err.alert == AlertDescription.bad_certificate and err.verify_code == 50
    assert err.verify_message == "application verification failure"
    assert ("certificate not on our list" if refuse == "peer" else "connection not to our taste") in str(err)
    assert rec.kinds() == (["peer"] if refuse == "peer" else ["peer", "connection"])
    with pytest.raises(AlertReceived) as got:
        transfer(c, s)
    assert got.value.alert == AlertDescription.bad_certificate


@VERSIONS
def test_pinning_with_verification_off(pki, other_pki, version):
    """Go's pattern for a self-signed peer: verification off, the key pinned in
    verify_peer_certificate, which then gets no verified chains."""
    from cryptography import x509

    want = pin_of(pki.server().leaf)

    def pinned(raw, chains):
        assert chains == []
        if pin_of(x509.load_der_x509_certificate(raw[0])) != want:
            raise ValueError("server key does not match the pin")

    config = Config(trust_store=other_pki.store, verify_peer=False, min_version=version, max_version=version, verify_peer_certificate=pinned)
    c, s = make_pair(config, server_config(pki, version))
    do_handshake(c, s)
    c, s = make_pair(config, Config(certificates=[other_pki.server()], min_version=version, max_version=version))
    err = run_until_error(c, s)
    assert err.verify_code == 50 and "does not match the pin" in str(err)


@VERSIONS
def test_hooks_run_only_after_the_peer_proved_its_key(pki, version):
    """A server whose signature does not verify never reaches the hooks."""
    rec = Recorder()
    c, s = make_pair(client_config(pki, version, rec), server_config(pki, version))
    if version == TLS13:
        tamper_sent(s, m.CertificateVerify, change=lambda cv: m.CertificateVerify(cv.signature_algorithm, bytes(len(cv.signature))))
    else:
        def bad_ske(ske):
            raw = bytearray(ske.raw or ske.marshal())
            raw[-1] ^= 1
            return m.parse_handshake(bytes(raw), False)

        tamper_sent(s, m.ServerKeyExchange, change=bad_ske)
    err = run_until_error(c, s)
    assert err.alert in (AlertDescription.decrypt_error, AlertDescription.decode_error, AlertDescription.illegal_parameter)
    assert rec.calls == []


# ---- in memory: the server -----------------------------------------------------------------------


@VERSIONS
def test_a_server_that_asks_for_no_certificate_runs_only_verify_connection(pki, version):
    rec = Recorder()
    c, s = make_pair(client_config(pki, version), server_config(pki, version, rec))
    do_handshake(c, s)
    assert rec.kinds() == ["connection"]
    state = rec.calls[0][1]
    assert state.server_side and state.peer_certificates == [] and state.verified_chains == [] and state.server_name == "localhost"


@VERSIONS
@pytest.mark.parametrize("mode", [ClientAuthType.RequestClientCert, ClientAuthType.RequireAndVerifyClientCert])
def test_server_hooks_see_the_client_chain(pki, version, mode):
    rec = Recorder()
    client = client_config(pki, version, certificates=[pki.client()])
    c, s = make_pair(client, server_config(pki, version, rec, client_auth=mode))
    do_handshake(c, s)
    assert rec.kinds() == ["peer", "connection"]
    _, raw, chains = rec.calls[0]
    assert raw == list(pki.client().chain_der)
    if mode == ClientAuthType.RequestClientCert:
        assert chains == []  # Go: no verified chains from a server that does not verify
    else:
        assert [[x.public_bytes(DER) for x in chain] for chain in chains] == [chain_to_root(pki, pki.client().chain_der)]
    assert rec.calls[1][1].verified_chains == chains


@VERSIONS
def test_a_server_that_asked_sees_an_empty_answer(pki, version):
    rec = Recorder()
    c, s = make_pair(client_config(pki, version), server_config(pki, version, rec, client_auth=ClientAuthType.VerifyClientCertIfGiven))
    do_handshake(c, s)
    assert rec.calls[0] == ("peer", [], []) and rec.kinds() == ["peer", "connection"]


@VERSIONS
@pytest.mark.parametrize("refuse", ["peer", "connection"])
def test_a_server_hook_refusing_sends_bad_certificate(pki, version, refuse):
    rec = Recorder(refuse)
    client = client_config(pki, version, certificates=[pki.client()])
    c, s = make_pair(client, server_config(pki, version, rec, client_auth=ClientAuthType.RequireAndVerifyClientCert))
    with pytest.raises(SSLCertVerificationError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.bad_certificate and e.value.verify_code == 50
    assert s.error is not None and s.peer_certificates  # the server failed, not the client
    # The client hears it: in TLS 1.3 after its own Finished went, so on its next read.
    with pytest.raises(AlertReceived) as got:
        transfer(s, c)
    assert got.value.alert == AlertDescription.bad_certificate


@VERSIONS
def test_a_resuming_server_runs_only_verify_connection_with_the_session_certificates(pki, version):
    rec = Recorder()
    server = server_config(pki, version, rec, client_auth=ClientAuthType.RequireAndVerifyClientCert)
    client = client_config(pki, version, certificates=[pki.client()])
    c, s = make_pair(client, server)
    do_handshake(c, s)
    exchange(s, c, b"ticket")
    rec.calls.clear()
    c, s = make_pair(client, server, session=c.session)
    do_handshake(c, s)
    assert s.session_reused and rec.kinds() == ["connection"]
    state = rec.calls[0][1]
    assert state.did_resume and state.server_side
    assert [x.public_bytes(DER) for x in state.peer_certificates] == list(pki.client().chain_der)


def test_post_handshake_answers_go_through_verify_peer_certificate(pki):
    rec = Recorder()
    client = client_config(pki, TLS13, certificates=[pki.client()], post_handshake_auth=True)
    server = server_config(pki, TLS13, rec, client_auth=ClientAuthType.RequireAndVerifyClientCert, post_handshake_auth=True)
    c, s = make_pair(client, server)
    do_handshake(c, s)
    assert rec.kinds() == ["connection"]  # the request was deferred
    s.verify_client_post_handshake()
    transfer(s, c)
    transfer(c, s)
    assert rec.kinds() == ["connection", "peer"] and rec.calls[1][1] == list(pki.client().chain_der)
    assert s.peer_certificates == list(pki.client().chain_der)

    rec = Recorder("peer")
    c, s = make_pair(client, server_config(pki, TLS13, rec, client_auth=ClientAuthType.RequireAndVerifyClientCert, post_handshake_auth=True))
    do_handshake(c, s)
    s.verify_client_post_handshake()
    transfer(s, c)
    with pytest.raises(SSLCertVerificationError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.bad_certificate and s.peer_certificates == []


# ---- against peers we did not write ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pem(pki, tmp_path_factory):
    d = tmp_path_factory.mktemp("hooks")
    ca = d / "ca.pem"
    ca.write_bytes(pki.ca_pem)
    return {
        "ca": str(ca),
        "server": pki.issued().write(d, "server"),
        "client": pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(d, "client"),
    }


@VERSIONS
def test_client_pins_the_key_of_an_openssl_server(pki, pem, version):
    cert, key = pem["server"]
    flag = "-tls1_3" if version == TLS13 else "-tls1_2"
    seen = []

    def pin(want):
        def check(raw, chains):
            from cryptography import x509

            seen.append((raw, chains))
            if pin_of(x509.load_der_x509_certificate(raw[0])) != want:
                raise ValueError("pin mismatch")

        return check

    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, flag, "-rev"]) as srv:
        config = client_config(pki, version, verify_peer_certificate=pin(pin_of(pki.server().leaf)))
        with fasttls_client(config, srv.port) as tls:
            tls.sendall(b"pinned\n")
            assert recv_exactly(tls, 7) == b"dennip\n"
        # s_server sends the leaf, then its -cert_chain file (leaf and intermediate again).
        assert seen[0][0][0] == pki.server().chain_der[0] and seen[0][0][-1] == pki.server().chain_der[-1]
        assert [x.public_bytes(DER) for x in seen[0][1][0]] == chain_to_root(pki, pki.server().chain_der)
        with pytest.raises(SSLCertVerificationError) as e:
            with fasttls_client(client_config(pki, version, verify_peer_certificate=pin("00" * 32)), srv.port):
                pass
        assert e.value.verify_code == 50
        srv.wait_for(r"alert bad certificate|SSL alert number 42")


@VERSIONS
def test_server_refuses_a_python_ssl_client_by_its_connection_state(pki, pem, version):
    """verify_connection turns away a client that did not negotiate h2 (Python's ssl
    hears bad_certificate: in TLS 1.3 on its first read, after its handshake ended)."""

    def h2_only(state):
        if state.negotiated_protocol != "h2":
            raise ValueError(f"ALPN {state.negotiated_protocol!r}, not h2")

    cfg = server_config(pki, version, alpn_protocols=["h2", "http/1.1"], verify_connection=h2_only)
    with fasttls_server(cfg, connections=2) as srv:
        for alpn, ok in ((["h2"], True), (["http/1.1"], False)):
            ctx = ssl.create_default_context(cafile=pem["ca"])
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3 if version == TLS13 else ssl.TLSVersion.TLSv1_2
            ctx.set_alpn_protocols(alpn)
            with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
                if ok:
                    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                        tls.sendall(b"h2!")
                        assert tls.recv(10) == b"h2!"
                else:
                    with pytest.raises(ssl.SSLError, match="BAD_CERTIFICATE|bad certificate"):
                        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                            tls.recv(10)
        results = srv.join()
    assert isinstance(results[0], dict) and results[0]["alpn"] == "h2"
    assert isinstance(results[1], SSLCertVerificationError) and "not h2" in str(results[1])


@VERSIONS
def test_server_hook_gets_the_chain_a_pyopenssl_client_sent(pki, pem, version):
    rec = Recorder()
    cfg = server_config(pki, version, rec, client_auth=ClientAuthType.RequireAndVerifyClientCert)
    with fasttls_server(cfg) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            raw.setblocking(True)
            ctx = SSL.Context(SSL.TLS_METHOD)
            proto = SSL.TLS1_3_VERSION if version == TLS13 else SSL.TLS1_2_VERSION
            ctx.set_min_proto_version(proto)
            ctx.set_max_proto_version(proto)
            ctx.load_verify_locations(pem["ca"])
            ctx.set_verify(SSL.VERIFY_PEER, lambda *a: a[-1])
            ctx.use_certificate_chain_file(pem["client"][0])
            ctx.use_privatekey_file(pem["client"][1])
            conn = SSL.Connection(ctx, raw)
            conn.set_tlsext_host_name(b"localhost")
            conn.set_connect_state()
            conn.do_handshake()
            conn.sendall(b"chain")
            got = b""
            while len(got) < 5:
                got += conn.recv(10)
            conn.shutdown()
        srv.join()
    assert got == b"chain"
    assert rec.kinds() == ["peer", "connection"]
    assert rec.calls[0][1] == list(pki.client().chain_der)
    state = rec.calls[1][1]
    assert state.server_side and state.version == version and CipherSuite(state.cipher_suite).name
    assert [x.public_bytes(DER) for x in state.verified_chains[0]] == chain_to_root(pki, pki.client().chain_der)


def test_ssl_contexts_carry_the_hooks_to_their_connections():
    import fasttls

    ctx = fasttls.create_default_context()
    assert ctx.verify_peer_certificate is None and ctx.verify_connection is None

    def hook(*args):
        return None

    cache = ctx._session_cache
    ctx.verify_peer_certificate = hook
    ctx.verify_connection = hook
    config = ctx._config_for(server_side=False)
    assert config.verify_peer_certificate is hook and config.verify_connection is hook
    # Sessions verified without the new check must not resume past it.
    assert ctx._session_cache is not cache
    with pytest.raises(TypeError):
        ctx.verify_connection = "not callable"
    ctx.verify_peer_certificate = None
    assert ctx._config_for(server_side=False).verify_peer_certificate is None


@pytest.mark.parametrize("how", ["sans-io", "socket"])
def test_a_verifying_client_needs_a_host_name(pki, how):
    """Go refuses a client with neither ServerName nor InsecureSkipVerify, and ssl a
    check_hostname context without server_hostname: a verifying client with no name to
    check would take any trusted certificate for any host.  check_hostname=False keeps
    the chain-only check (ssl's way)."""
    import dataclasses

    from fasttls import Connection, wrap_socket

    config = Config(trust_store=pki.store)
    with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
        if how == "sans-io":
            Connection(config, server_side=False)
        else:
            a, b = socket.socketpair()
            with a, b:
                wrap_socket(a, config, do_handshake_on_connect=False)
    Connection(dataclasses.replace(config, check_hostname=False), server_side=False)
    Connection(dataclasses.replace(config, verify_peer=False), server_side=False)
    Connection(config, server_side=False, server_hostname="localhost")

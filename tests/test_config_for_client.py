"""Server-side choices per ClientHello, as Go makes them: ``Config.get_config_for_client``
(Go's ``GetConfigForClient``) and ``ClientHelloInfo.supports_certificate`` (for
``get_certificate`` callbacks).  In memory first, then against Python's ssl and the
openssl command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import ssl

import pytest

from fasttls.config import ClientAuthType, ClientHelloInfo, Config
from fasttls.constants import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme
from fasttls.errors import AlertReceived, TLSError

from .interop import fasttls_server
from .pairs import do_handshake, exchange, make_pair, run_until_error, transfer
from .peers import openssl_client

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12


def per_name(pki, seen=None):
    """A base config and a callback giving each server name its own certificate, and
    b.example a client-certificate requirement."""
    base = Config(certificates=[pki.server()], trust_store=pki.store)
    configs = {
        "a.example": dataclasses.replace(base, certificates=[pki.server(names=("a.example",))]),
        "b.example": dataclasses.replace(
            base, certificates=[pki.server(names=("b.example",))], client_auth=ClientAuthType.RequireAndVerifyClientCert
        ),
        "old.example": dataclasses.replace(base, certificates=[pki.server(names=("old.example",))], max_version=TLS12),
    }

    def choose(info: ClientHelloInfo):
        if seen is not None:
            seen.append(info)
        if info.server_name == "boom.example":
            raise RuntimeError("config store unavailable")
        if info.server_name == "odd.example":
            return "not a config"
        return configs.get(info.server_name)

    return dataclasses.replace(base, get_config_for_client=choose), configs


def client(pki, **kw) -> Config:
    return Config(trust_store=pki.store, session_cache=None, **kw)


def test_each_name_gets_its_config(pki):
    seen = []
    server, _ = per_name(pki, seen)
    c, s = make_pair(client(pki, alpn_protocols=["h2"]), server, server_hostname="a.example")
    do_handshake(c, s)
    assert c.verified_chain[0] == pki.issued(names=("a.example",)).cert and s.peer_certificates == []
    info = seen[0]
    assert info.server_name == "a.example" and info.alpn_protocols == ["h2"]
    assert TLS13 in info.supported_versions and CipherSuite.TLS_AES_128_GCM_SHA256 in info.cipher_suites

    # b.example requires a client certificate: without one, certificate_required.
    c, s = make_pair(client(pki), server, server_hostname="b.example")
    assert run_until_error(c, s).alert == AlertDescription.certificate_required
    c, s = make_pair(client(pki, certificates=[pki.client()]), server, server_hostname="b.example")
    do_handshake(c, s)
    assert s.peer_certificates == list(pki.client().chain_der) and s.config.client_auth == ClientAuthType.RequireAndVerifyClientCert

    # An unknown name keeps the base config.
    c, s = make_pair(client(pki), server, server_hostname="localhost")
    do_handshake(c, s)
    assert c.verified_chain[0] == pki.issued().cert


def test_the_chosen_config_decides_the_version(pki):
    """Called before the version is chosen: a config capped at TLS 1.2 gives TLS 1.2."""
    server, _ = per_name(pki)
    c, s = make_pair(client(pki), server, server_hostname="old.example")
    do_handshake(c, s)
    assert c.version == s.version == TLS12


@pytest.mark.parametrize("name,why", [("boom.example", "config store unavailable"), ("odd.example", "not a Config or None")])
def test_a_failing_callback_is_internal_error(pki, name, why):
    server, _ = per_name(pki)
    c, s = make_pair(client(pki), server, server_hostname=name)
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.internal_error and why in str(e.value)
    with pytest.raises(AlertReceived) as got:
        transfer(s, c)
    assert got.value.alert == AlertDescription.internal_error


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
def test_sessions_resume_across_configs_that_share_ticket_keys(pki, version):
    server, configs = per_name(pki)
    cl = client(pki, max_version=version)
    c, s = make_pair(cl, server, server_hostname="a.example")
    do_handshake(c, s)
    exchange(s, c, b"ticket")
    c, s = make_pair(cl, server, server_hostname="a.example", session=c.session)
    do_handshake(c, s)
    assert c.session_reused and s.session_reused

    # A config with keys of its own cannot open the tickets: a full handshake.
    configs["a.example"] = dataclasses.replace(configs["a.example"], ticket_keys=type(server.ticket_keys)())
    c, s = make_pair(cl, server, server_hostname="a.example", session=c.session)
    do_handshake(c, s)
    assert not c.session_reused and not s.session_reused


def info_for(sigalgs, groups=(NamedGroup.x25519, NamedGroup.secp256r1), versions=(TLS13, TLS12), suites=None):
    suites = suites or [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
    return ClientHelloInfo("localhost", list(suites), list(groups), list(sigalgs), [], list(versions))


def test_supports_certificate_is_gos(pki):
    p256, p384, rsa = pki.server(), pki.server("ecdsa-p384"), pki.server("rsa-2048")
    only_p256 = info_for([SignatureScheme.ecdsa_secp256r1_sha256])
    assert only_p256.supports_certificate(p256) and not only_p256.supports_certificate(p384) and not only_p256.supports_certificate(rsa)
    # TLS 1.2 does not bind ECDSA hashes to curves, but the client must list the curve.
    tls12 = info_for([SignatureScheme.ecdsa_secp256r1_sha256], groups=[NamedGroup.x25519, NamedGroup.secp384r1], versions=[])
    assert tls12.supports_certificate(p384) and not tls12.supports_certificate(p256)
    # ... and offer a suite of the key's kind.
    ecdsa_suites_only = info_for(
        [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256], versions=[],
        suites=[CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
    )
    assert ecdsa_suites_only.supports_certificate(p256) and not ecdsa_suites_only.supports_certificate(rsa)


def test_get_certificate_with_supports_certificate_picks_what_the_client_takes(pki):
    """Go's pattern: return the first certificate the client supports."""
    certs = [pki.server("ecdsa-p384"), pki.server("rsa-2048"), pki.server()]

    def pick(info):
        return next(cert for cert in certs if info.supports_certificate(cert))

    server = Config(certificates=certs, get_certificate=pick)
    for sigalgs, want in (
        ([SignatureScheme.ecdsa_secp256r1_sha256], pki.server()),
        ([SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256], pki.server("rsa-2048")),
        ([SignatureScheme.ecdsa_secp384r1_sha384, SignatureScheme.ecdsa_secp256r1_sha256], pki.server("ecdsa-p384")),
    ):
        c, s = make_pair(client(pki, signature_schemes=sigalgs), server)
        do_handshake(c, s)
        assert s.local_certificate is want


# ---- against peers we did not write -------------------------------------------------------------


@pytest.fixture(scope="module")
def cafile(pki, tmp_path_factory):
    path = tmp_path_factory.mktemp("cfc") / "ca.pem"
    path.write_bytes(pki.ca_pem)
    return str(path)


def test_python_ssl_clients_get_the_config_of_the_name_they_ask_for(pki, cafile):
    server, _ = per_name(pki)
    with fasttls_server(server, connections=2) as srv:
        ctx = ssl.create_default_context(cafile=cafile)
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="a.example") as tls:
                assert ("DNS", "a.example") in tls.getpeercert()["subjectAltName"]
                tls.sendall(b"a")
                assert tls.recv(1) == b"a"
        with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="old.example") as tls:
                assert tls.version() == "TLSv1.2"
        results = srv.join()
    assert results[0]["sni"] == "a.example"


def test_openssl_client_without_a_certificate_is_refused_for_the_name_that_needs_one(pki, cafile):
    server, _ = per_name(pki)
    with fasttls_server(server) as srv:
        with openssl_client(srv.port, ["-tls1_3", "-CAfile", cafile, "-servername", "b.example"]) as cli:
            # s_client may have read the server's alert and exited before this write
            # (seen once in CI, on a loaded machine): what it printed still tells.
            with contextlib.suppress(BrokenPipeError):
                cli.send(b"data\n")
            cli.wait_for(r"certificate required", timeout=15)
        result = srv.join()[0]
    assert isinstance(result, ssl.SSLError) and "certificate" in str(result).lower()

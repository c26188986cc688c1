"""TLS 1.2 handshakes between fasttls clients and servers, in memory, on both record twins."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from fasttls import events as ev
from fasttls.config import CertifiedKey, ClientAuthType, Config
from fasttls.constants import AlertDescription, CipherSuite, ContentType, NamedGroup, ProtocolVersion, SignatureScheme
from fasttls.errors import AlertReceived, SSLError, TLSError
from fasttls.handshake import client as client_mod
from fasttls.handshake import client12, server12
from fasttls.messages import handshake as m
from fasttls.tickets import ServerSessionCache

from .helpers import FEEDS
from .pairs import do_handshake, exchange, make_pair, run_until_error, tamper_sent, transfer

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
S = CipherSuite

ECDSA_SUITES = [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
RSA_SUITES = [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]


def configs(pki, key_type="ecdsa-p256", client_max=TLS12, server_max=TLS13, **server_kw):
    """A TLS 1.2-only client and (by default) a 1.3-capable server: they meet at 1.2."""
    client = Config(trust_store=pki.store, max_version=client_max)
    server = Config(certificates=[pki.server(key_type)], max_version=server_max, **server_kw)
    return client, server


def record(ctype: int, payload: bytes) -> bytes:
    return bytes([ctype, 3, 3]) + len(payload).to_bytes(2, "big") + payload


def handshake_messages(data: bytes) -> list[bytes]:
    """Split unprotected handshake records into complete messages."""
    body = bytearray()
    while data:
        assert data[0] == 22
        n = int.from_bytes(data[3:5], "big")
        body += data[5 : 5 + n]
        data = data[5 + n :]
    out = []
    while body:
        n = int.from_bytes(body[1:4], "big")
        out.append(bytes(body[: 4 + n]))
        del body[: 4 + n]
    return out


def expect_failure(sender, receiver, alert):
    """``receiver`` must fail with ``alert`` on what ``sender`` queued, and ``sender`` must get the alert."""
    with pytest.raises(TLSError) as e:
        transfer(sender, receiver)
    assert e.value.alert == alert, e.value
    with pytest.raises(AlertReceived) as e2:
        transfer(receiver, sender)
    assert e2.value.alert == alert
    return e.value


# ---- the basics --------------------------------------------------------------------------------------


@pytest.mark.parametrize("feed", FEEDS)
def test_full_handshake_and_data(pki, twin, feed):
    lines = []
    cc, sc = configs(pki)
    cc.keylog = sc.keylog = lines.append
    c, s = make_pair(cc, sc, twin=twin)
    cev, sev = do_handshake(c, s, feed)
    assert any(isinstance(e, ev.HandshakeComplete) for e in cev)
    assert any(isinstance(e, ev.HandshakeComplete) for e in sev)
    assert c.version == s.version == TLS12
    assert c.cipher_suite.id == s.cipher_suite.id == S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    assert c.group == s.group == NamedGroup.x25519
    assert c.ems and s.ems
    assert not c.session_reused and not s.session_reused
    assert c.verified_chain[0] == pki.server("ecdsa-p256").leaf
    assert s.local_certificate is sc.certificates[0]
    assert c.peer_signature_scheme == s.signature_scheme == SignatureScheme.ecdsa_secp256r1_sha256
    assert c.client_random == s.client_random and c.server_random == s.server_random
    assert c.tls_unique == s.tls_unique and len(c.tls_unique) == 12
    # The 1.3-capable server marks the random (RFC 8446 4.1.3); the 1.2-only client does not care.
    assert s.server_random[24:] == b"DOWNGRD\x01"
    big = os.urandom(100_000)
    assert exchange(c, s, big, feed) == big
    assert exchange(s, c, b"pong", feed) == b"pong"
    assert c.export_keying_material("EXPORTER-test", b"ctx", 32) == s.export_keying_material("EXPORTER-test", b"ctx", 32)
    assert c.export_keying_material("EXPORTER-test", None, 32) != c.export_keying_material("EXPORTER-test", b"", 32)
    # NSS key log: one CLIENT_RANDOM line per side, the same master secret.
    assert len(lines) == 2 and lines[0] == lines[1]
    label, client_random, master = lines[0].split()
    assert label == "CLIENT_RANDOM" and client_random == c.client_random.hex() and len(master) == 96


@pytest.mark.parametrize("suite", ECDSA_SUITES + RSA_SUITES)
def test_each_cipher_suite(pki, twin, suite):
    key_type = "ecdsa-p256" if suite in ECDSA_SUITES else "rsa-2048"
    cc, sc = configs(pki, key_type)
    cc.cipher_suites_tls12 = [suite]
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    assert c.cipher_suite.id == s.cipher_suite.id == suite
    data = os.urandom(40000)
    assert exchange(c, s, data) == data
    assert exchange(s, c, data[:100]) == data[:100]


def test_server_follows_client_chacha_preference(pki):
    cc, sc = configs(pki)
    cc.cipher_suites_tls12 = [S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.cipher_suite.id == S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256


@pytest.mark.parametrize("group", [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x448])
def test_each_group(pki, group):
    cc, sc = configs(pki, "rsa-2048")  # an ECDSA certificate would need its own curve offered too
    cc.groups = [group]
    sc.groups = [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x448]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.group == s.group == group
    assert exchange(c, s, b"group") == b"group"


def test_hybrid_group_is_never_used_in_tls12(pki):
    cc, sc = configs(pki, "rsa-2048")
    sc.groups = [NamedGroup.X25519MLKEM768, NamedGroup.secp384r1]
    cc.groups = [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp384r1]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.group == NamedGroup.secp384r1


def test_no_common_group(pki):
    cc, sc = configs(pki)
    cc.groups = [NamedGroup.x25519]
    sc.groups = [NamedGroup.secp384r1]
    c, s = make_pair(cc, sc)
    c.start()
    expect_failure(c, s, AlertDescription.handshake_failure)


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "ed25519"])
def test_certificate_key_types(pki, key_type):
    cc, sc = configs(pki, key_type)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.peer_signature_scheme == s.signature_scheme
    assert c.cipher_suite.ecdsa == (key_type != "rsa-2048")
    if key_type == "rsa-2048":
        assert s.signature_scheme == SignatureScheme.rsa_pss_rsae_sha256


def test_rsa_pkcs1_signature_when_the_client_asks(pki):
    cc, sc = configs(pki, "rsa-2048")
    cc.signature_schemes = [SignatureScheme.rsa_pkcs1_sha384]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.peer_signature_scheme == SignatureScheme.rsa_pkcs1_sha384


def test_ecdsa_and_rsa_certificates_picked_by_suite(pki):
    ecdsa, rsa = pki.server("ecdsa-p256"), pki.server("rsa-2048")
    sc = Config(certificates=[ecdsa, rsa])
    cc = Config(trust_store=pki.store, max_version=TLS12)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.local_certificate is ecdsa and c.cipher_suite.ecdsa
    cc.cipher_suites_tls12 = RSA_SUITES
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.local_certificate is rsa and not c.cipher_suite.ecdsa


def test_supported_groups_limit_ecdsa_certificate_curves(pki):
    """RFC 8422 5.1: a P-384 certificate needs secp384r1 in the client's supported_groups."""
    p384, rsa = pki.server("ecdsa-p384"), pki.server("rsa-2048")
    cc = Config(trust_store=pki.store, max_version=TLS12, groups=[NamedGroup.x25519, NamedGroup.secp256r1])
    c, s = make_pair(cc, Config(certificates=[p384, rsa]))
    do_handshake(c, s)
    assert s.local_certificate is rsa
    c, s = make_pair(cc, Config(certificates=[p384]))
    c.start()
    expect_failure(c, s, AlertDescription.handshake_failure)


def test_sni_selects_the_certificate(pki):
    default, other = pki.server("ecdsa-p256"), pki.server("ecdsa-p256", names=["other.example"])
    sc = Config(certificates=[default, other])
    cc = Config(trust_store=pki.store, max_version=TLS12)
    c, s = make_pair(cc, sc, server_hostname="other.example")
    do_handshake(c, s)
    assert s.server_name == "other.example" and s.local_certificate is other


def test_alpn(pki):
    cc, sc = configs(pki, alpn_protocols=["h2", "http/1.1"])
    cc.alpn_protocols = ["http/1.1", "h2"]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.alpn_protocol == s.alpn_protocol == "h2"


def test_alpn_without_overlap_is_no_application_protocol(pki):
    cc, sc = configs(pki, alpn_protocols=["h2"])
    cc.alpn_protocols = ["spdy/3"]
    c, s = make_pair(cc, sc)
    c.start()
    expect_failure(c, s, AlertDescription.no_application_protocol)


def test_ocsp_staple(pki):
    ck = pki.server("ecdsa-p256")
    stapled = CertifiedKey(ck.chain, ck.private_key, ocsp_staple=b"\x30\x03\x0a\x01\x00")
    cc = Config(trust_store=pki.store, max_version=TLS12)
    c, s = make_pair(cc, Config(certificates=[stapled]))
    do_handshake(c, s)
    assert c.ocsp_response == b"\x30\x03\x0a\x01\x00"
    c, s = make_pair(cc, Config(certificates=[ck]))
    do_handshake(c, s)
    assert c.ocsp_response is None


def test_close_notify(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    c.send(b"last words")
    c.close()
    events = transfer(c, s)
    assert ev.ConnectionClosed() in events and s.peer_closed
    assert s.read() == b"last words"


# ---- extended master secret (RFC 7627) --------------------------------------------------------------


def drop_ems_from_client_hellos(monkeypatch) -> None:
    orig = client_mod.ClientHandshake.make_client_hello

    def make(self):
        hello = orig(self)
        hello.extended_master_secret = False
        return hello

    monkeypatch.setattr(client_mod.ClientHandshake, "make_client_hello", make)


@pytest.fixture
def client_without_ems(monkeypatch):
    drop_ems_from_client_hellos(monkeypatch)


@pytest.fixture
def server_without_ems(monkeypatch):
    orig = server12.ServerHandshakeTLS12.process_client_hello

    def process(self):
        self.client_hello.extended_master_secret = False  # as if we did not understand it
        orig(self)

    monkeypatch.setattr(server12.ServerHandshakeTLS12, "process_client_hello", process)


def test_server_refuses_client_without_ems(pki, client_without_ems):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    err = expect_failure(c, s, AlertDescription.handshake_failure)
    assert "extended master secret" in str(err)


def test_client_refuses_server_without_ems(pki, server_without_ems):
    cc, sc = configs(pki, require_extended_master_secret=False)
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    err = expect_failure(s, c, AlertDescription.handshake_failure)
    assert "extended master secret" in str(err)


def test_resuming_an_ems_session_without_ems_is_an_abort(pki, monkeypatch):
    """RFC 7627 5.3: a session made with the extended master secret, offered in a
    ClientHello without it, aborts the handshake (handshake_failure; OpenSSL's
    INCONSISTENT_EXTMS) rather than falling back to a full handshake without it."""
    cc, sc = configs(pki, require_extended_master_secret=False)
    cc.require_extended_master_secret = False
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.ems and c.session is not None
    drop_ems_from_client_hellos(monkeypatch)
    c, s = make_pair(cc, sc, session=c.session)
    c.start()
    err = expect_failure(c, s, AlertDescription.handshake_failure)
    assert err.reason == "INCONSISTENT_EXTMS"


def test_without_ems_when_allowed(pki, client_without_ems):
    cc, sc = configs(pki, require_extended_master_secret=False)
    cc.require_extended_master_secret = False
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert not c.ems and not s.ems
    assert exchange(c, s, b"legacy") == b"legacy"
    # RFC 7627 6 (and Go): no exporter without the extended master secret.
    with pytest.raises(SSLError):
        c.export_keying_material("EXPORTER-x", None, 16)
    with pytest.raises(SSLError):
        s.export_keying_material("EXPORTER-x", None, 16)


def test_client_allows_server_without_ems(pki, server_without_ems):
    cc, sc = configs(pki, require_extended_master_secret=False)
    cc.require_extended_master_secret = False
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert not c.ems and not s.ems
    assert exchange(s, c, b"ok") == b"ok"


# ---- resumption ------------------------------------------------------------------------------------


def test_a_ticket_too_long_for_a_client_hello_is_not_offered(pki):
    """A TLS 1.2 ticket (RFC 5077: up to 64 KiB) too long for the ClientHello's
    extensions: not offered, nor its session ID, and dropped from the cache; the
    handshake is a full one (it failed with internal_error before sending anything)."""
    import dataclasses

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    cev, _ = do_handshake(c, s)
    (ticket,) = [e for e in cev if isinstance(e, ev.SessionTicketReceived)]
    huge = dataclasses.replace(ticket.session, ticket=bytes(65_500))
    cc.session_cache.put("localhost", huge)
    c2, s2 = make_pair(cc, sc)
    c2.start()
    assert cc.session_cache.get("localhost") is None  # dropped when not offered
    first = c2.data_to_send()
    assert len(first) < 16_000
    hello = m.ClientHello.unmarshal(first[5:])
    assert not hello.session_ticket and hello.session_id != huge.id
    s2.start()
    s2.receive_data(first)
    for _ in range(4):
        transfer(s2, c2)
        transfer(c2, s2)
    assert c2.handshake_complete and s2.handshake_complete
    assert not c2.session_reused and not s2.session_reused
    assert cc.session_cache.get("localhost") is not huge


def test_resumption_with_a_ticket(pki, twin):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    cev, _ = do_handshake(c, s)
    tickets = [e for e in cev if isinstance(e, ev.SessionTicketReceived)]
    assert len(tickets) == 1
    session = tickets[0].session
    assert c.session is session and session.ticket and not session.session_id
    assert session.version == TLS12 and session.extended_master_secret
    assert len(c.verified_chain) == 3  # leaf, intermediate (sent) and root (not sent)
    assert session.verified_chain == [cert.public_bytes(Encoding.DER) for cert in c.verified_chain]
    assert all(a is b for a, b in zip(session.verified_chain[:2], c.peer_certificates))
    c2, s2 = make_pair(cc, sc, twin=twin)
    do_handshake(c2, s2)
    assert c2.session_reused and s2.session_reused
    assert c2.peer_certificates == c.peer_certificates and c2.verified_chain == c.verified_chain
    assert c2.cipher_suite.id == c.cipher_suite.id and c2.ems
    assert c2.tls_unique == s2.tls_unique
    assert exchange(c2, s2, b"resumed") == b"resumed"
    assert c2.export_keying_material("EXPORTER-r", b"", 16) == s2.export_keying_material("EXPORTER-r", b"", 16)
    # Its ticket's key still seals: no new ticket (as OpenSSL), the client's session stays.
    assert c2.session is session
    # Once the keys rotate, resuming renews the ticket (OpenSSL's SSL_TICKET_SUCCESS_RENEW).
    sc.ticket_keys.rotate()
    c4, s4 = make_pair(cc, sc, twin=twin)
    c4events, _ = do_handshake(c4, s4)
    assert c4.session_reused and s4.session_reused
    assert [type(e) for e in c4events if isinstance(e, ev.SessionTicketReceived)] == [ev.SessionTicketReceived]
    assert c4.session is not session and c4.session.ticket != session.ticket
    # An explicit session works without the cache, too.
    cc3 = Config(trust_store=pki.store, max_version=TLS12, session_cache=None)
    c3, s3 = make_pair(cc3, sc, session=session)
    do_handshake(c3, s3)
    assert c3.session_reused


@pytest.mark.parametrize("side", ["client", "server"])
def test_resumption_with_a_session_id(pki, twin, side):
    cc, sc = configs(pki)
    if side == "client":
        cc.session_tickets = False  # the client does not offer tickets (like s_client -no_ticket)
    else:
        sc.session_tickets = False
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    assert c.session is not None and len(c.session.session_id) == 32 and not c.session.ticket
    assert len(sc.server_session_cache) == 1
    c2, s2 = make_pair(cc, sc, twin=twin)
    do_handshake(c2, s2)
    assert c2.session_reused and s2.session_reused
    assert c2.session is c.session
    assert exchange(s2, c2, b"by id") == b"by id"


def test_session_id_cache_is_bounded(pki):
    cc, sc = configs(pki, server_session_cache=ServerSessionCache(capacity=2), session_tickets=False)
    sessions = []
    for _ in range(3):
        c, s = make_pair(cc, sc, session=None)
        cc.session_cache = None
        do_handshake(c, s)
        sessions.append(c.session)
    assert len(sc.server_session_cache) == 2
    results = []
    for session in reversed(sessions):
        c, s = make_pair(cc, sc, session=session)
        do_handshake(c, s)
        results.append(s.session_reused)
    # The two newest resume; the oldest was evicted.
    assert results == [True, True, False]


def test_ticket_from_another_server_is_ignored(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    _, sc2 = configs(pki)  # new ticket keys, empty session cache
    c2, s2 = make_pair(cc, sc2)
    do_handshake(c2, s2)
    assert not c2.session_reused and not s2.session_reused


def test_no_resumption_when_a_certificate_is_now_required(pki):
    cc, sc = configs(pki)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    sc.client_auth = ClientAuthType.RequireAnyClientCert
    c2, s2 = make_pair(cc, sc)
    do_handshake(c2, s2)
    assert not s2.session_reused and s2.peer_certificates


def test_resumption_keeps_the_client_certificate(pki):
    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    c2, s2 = make_pair(cc, sc)
    do_handshake(c2, s2)
    assert s2.session_reused and s2.peer_certificates == s.peer_certificates


def test_tls13_session_is_not_offered_to_tls12(pki):
    cc = Config(trust_store=pki.store)
    sc13 = Config(certificates=[pki.server()])
    c, s = make_pair(cc, sc13)
    do_handshake(c, s)
    transfer(s, c)  # the TLS 1.3 ticket
    assert c.session.version == TLS13
    c2, s2 = make_pair(cc, Config(certificates=[pki.server()], max_version=TLS12))
    do_handshake(c2, s2)
    assert c2.version == TLS12 and not c2.session_reused


# ---- client certificates: Go's five modes ---------------------------------------------------


@pytest.mark.parametrize(
    "mode,client_has_cert,trusted,outcome",
    [
        (ClientAuthType.NoClientCert, True, True, "ok-no-cert"),
        (ClientAuthType.RequestClientCert, False, True, "ok-no-cert"),
        (ClientAuthType.RequestClientCert, True, False, "ok-cert"),
        (ClientAuthType.RequireAnyClientCert, False, True, AlertDescription.handshake_failure),
        (ClientAuthType.RequireAnyClientCert, True, False, "ok-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, False, True, "ok-no-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, True, True, "ok-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, True, False, AlertDescription.unknown_ca),
        (ClientAuthType.RequireAndVerifyClientCert, False, True, AlertDescription.handshake_failure),
        (ClientAuthType.RequireAndVerifyClientCert, True, True, "ok-cert"),
        (ClientAuthType.RequireAndVerifyClientCert, True, False, AlertDescription.unknown_ca),
    ],
)
def test_client_auth_modes(pki, other_pki, mode, client_has_cert, trusted, outcome):
    cc, sc = configs(pki, client_auth=mode)
    sc.client_ca_store = pki.store if trusted else other_pki.store
    if client_has_cert:
        cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    if isinstance(outcome, str):
        do_handshake(c, s)
        if outcome == "ok-cert":
            assert s.peer_certificates and s.peer_certificates[0] == pki.client().chain_der[0]
            assert c.local_certificate is cc.certificates[0]
            assert s.peer_signature_scheme == c.signature_scheme is not None
        else:
            assert s.peer_certificates == []
        assert exchange(c, s, b"data") == b"data"
        return
    c.start()
    transfer(c, s)
    transfer(s, c)  # the client sends its whole flight
    expect_failure(c, s, outcome)


@pytest.mark.parametrize("key_type", ["rsa-2048", "ecdsa-p384", "ed25519"])
def test_client_certificate_key_types(pki, key_type):
    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    cc.certificates = [pki.client(key_type)]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.peer_certificates[0] == pki.client(key_type).chain_der[0]


# ---- renegotiation (RFC 5746): refused -----------------------------------------------------------------


def test_hello_request_gets_a_no_renegotiation_warning(pki, twin):
    seen = []
    cc, sc = configs(pki)
    sc.tracer = seen.append
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    s.write_handshake(m.HelloRequest())
    s._flush_handshake()
    transfer(s, c)
    transfer(c, s)  # the warning is informative: the connection carries on
    assert any(e.kind == "alert" and e.direction == "receive" and e.name == "no_renegotiation" for e in seen)
    assert exchange(c, s, b"still here") == b"still here"
    assert exchange(s, c, b"me too") == b"me too"


@pytest.mark.parametrize("data", [b"between", b""], ids=["data", "empty"])
def test_application_data_between_the_pieces_of_a_hello_request(pki, twin, data):
    """RFC 5246 6.2.1 lets record types interleave (TLS 1.3's 5.1 does not): the data
    is delivered, the HelloRequest refused with a warning, as ssl does (and Go, whose
    check is TLS 1.3's only)."""
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    s._write.write_record(ContentType.HANDSHAKE, b"\x00\x00")
    s._write.write_record(ContentType.APPLICATION_DATA, data)
    s._write.write_record(ContentType.HANDSHAKE, b"\x00\x00")
    s._write.write_record(ContentType.APPLICATION_DATA, b" after")
    transfer(s, c)
    buf = bytearray(100)
    n = c.read_into(memoryview(buf))
    assert bytes(buf[:n]) == data + b" after"
    transfer(c, s)  # the no_renegotiation warning: the server carries on
    assert exchange(c, s, b"still here") == b"still here"


@pytest.mark.parametrize("where", ["own-record", "with-the-server-hello"])
def test_a_hello_request_before_the_server_hello_is_ignored(pki, where):
    """RFC 5246 7.4.1.1: a client ignores a HelloRequest while it negotiates, before the
    ServerHello too (OpenSSL's does); it failed there with unexpected_message, read
    with TLS 1.3's table while the version was not known.  A client that offered TLS 1.2
    does not know yet that the server will choose TLS 1.3: ignored there too."""
    for client_max, server_max in ((TLS12, TLS12), (ProtocolVersion.TLS13, TLS12), (ProtocolVersion.TLS13, ProtocolVersion.TLS13)):
        c, s = make_pair(*configs(pki, client_max=client_max, server_max=server_max))
        c.start()
        s.receive_data(c.data_to_send())
        flight = s.data_to_send()
        hello_request = b"\x00\x00\x00\x00"
        if where == "own-record":
            flight = record(ContentType.HANDSHAKE, hello_request) + flight
        else:  # in the ServerHello's record, in front of it
            n = int.from_bytes(flight[3:5], "big")
            flight = record(ContentType.HANDSHAKE, hello_request + flight[5 : 5 + n]) + flight[5 + n :]
        c.receive_data(flight)
        do_handshake(c, s)
        assert c.handshake_complete and c.version == min(client_max, server_max)
        assert exchange(c, s, b"fine") == b"fine"


@pytest.mark.parametrize("where", ["before-the-server-hello", "after-it"])
def test_endless_hello_requests_during_the_handshake_end_it(pki, where):
    """A server that sends HelloRequests without end while the client negotiates: the
    client ignores 16 (before the ServerHello, or after it in TLS 1.2) and refuses the
    17th with unexpected_message, as Go refuses the first.  It read them for as long as
    they came, past its socket timeout (a read that never waits never times out)."""
    from fasttls.handshake.client import MAX_IGNORED_HELLO_REQUESTS

    hello_request = record(ContentType.HANDSHAKE, b"\x00\x00\x00\x00")
    for count, fails in ((MAX_IGNORED_HELLO_REQUESTS, False), (MAX_IGNORED_HELLO_REQUESTS + 1, True)):
        c, s = make_pair(*configs(pki, server_max=TLS12))
        c.start()
        s.receive_data(c.data_to_send())
        flight = s.data_to_send()
        if where == "after-it":
            n = int.from_bytes(flight[3:5], "big")  # the ServerHello's record first
            flight = flight[: 5 + n] + hello_request * count + flight[5 + n :]
        else:
            flight = hello_request * count + flight
        if fails:
            with pytest.raises(TLSError, match="HelloRequests during the handshake") as e:
                c.receive_data(flight)
            assert e.value.alert == AlertDescription.unexpected_message
        else:
            c.receive_data(flight)
            do_handshake(c, s)
            assert c.handshake_complete


def test_a_client_offering_tls12_only_refuses_a_change_cipher_spec_before_the_server_hello(pki):
    """TLS 1.3's rule that drops a CCS (RFC 8446 5, middlebox compatibility) is not RFC
    5246's: there a CCS before the ServerHello is unexpected (ssl: UNEXPECTED_MESSAGE)."""
    c, s = make_pair(*configs(pki, server_max=TLS12))
    c.start()
    s.receive_data(c.data_to_send())
    with pytest.raises(TLSError) as e:
        c.receive_data(record(ContentType.CHANGE_CIPHER_SPEC, b"\x01") + s.data_to_send())
    assert e.value.alert == AlertDescription.unexpected_message
    assert "before the ServerHello" in str(e.value)
    # A client that offered TLS 1.3 may meet a TLS 1.3 server's compatibility CCS (RFC 8446
    # 5: dropped), and cannot tell before the ServerHello which version the server chose.
    for server_max in (TLS12, ProtocolVersion.TLS13):
        c, s = make_pair(*configs(pki, client_max=ProtocolVersion.TLS13, server_max=server_max))
        c.start()
        s.receive_data(c.data_to_send())
        c.receive_data(record(ContentType.CHANGE_CIPHER_SPEC, b"\x01") + s.data_to_send())
        do_handshake(c, s)
        assert c.handshake_complete and c.version == server_max


def test_renegotiation_client_hello_is_refused(pki):
    seen = []
    cc, sc = configs(pki)
    cc.tracer = seen.append
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    c.write_handshake(m.ClientHello(random=os.urandom(32), cipher_suites=[S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]))
    c._flush_handshake()
    transfer(c, s)
    transfer(s, c)
    # RFC 5246 7.2.2: no_renegotiation "is always a warning"; the client decides what next.
    assert [(e.name, e.fields["level"]) for e in seen if e.kind == "alert" and e.direction == "receive"] == [("no_renegotiation", "WARNING")]
    assert exchange(c, s, b"still here") == b"still here"
    assert exchange(s, c, b"me too") == b"me too"


def test_renegotiation_attempts_are_bounded(pki):
    cc, sc = configs(pki)
    # The server's bound is under test: the client takes its no_renegotiation warnings
    # (its own bound is on warnings in a row, the fifth failing, as OpenSSL's).
    cc.max_warning_alerts = 2 * sc.max_warning_alerts
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    for _ in range(sc.max_warning_alerts):
        c.write_handshake(m.ClientHello(random=os.urandom(32), cipher_suites=[S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]))
    c._flush_handshake()
    transfer(c, s)
    c.write_handshake(m.ClientHello(random=os.urandom(32), cipher_suites=[S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]))
    c._flush_handshake()
    expect_failure(c, s, AlertDescription.unexpected_message)


def test_renegotiation_info_must_be_empty_initially(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    data = c.data_to_send()
    hello = m.ClientHello.unmarshal(data[5:])
    hello.secure_renegotiation = b"\x00" * 12
    hello.raw = None
    with pytest.raises(TLSError) as e:
        s.receive_data(record(22, hello.marshal()))
    assert e.value.alert == AlertDescription.handshake_failure


# ---- versions, downgrade protection --------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_max,server_max,expected",
    [(TLS12, TLS12, TLS12), (TLS12, TLS13, TLS12), (TLS13, TLS12, TLS12), (TLS13, TLS13, TLS13)],
)
def test_version_negotiation(pki, client_max, server_max, expected):
    cc, sc = configs(pki, client_max=client_max, server_max=server_max)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.version == s.version == expected
    # The sentinel appears exactly when a 1.3-capable server settles for 1.2.
    assert (s.server_random[24:] == b"DOWNGRD\x01") == (server_max == TLS13 and expected == TLS12)
    assert exchange(c, s, b"v") == b"v"


def test_tls13_client_detects_the_downgrade_sentinel(pki):
    """An attacker strips TLS 1.3 from the ClientHello; the 1.3-capable server's sentinel gives it away."""
    cc, sc = configs(pki, client_max=TLS13)
    c, s = make_pair(cc, sc)
    c.start()
    hello = m.ClientHello.unmarshal(c.data_to_send()[5:])
    hello.supported_versions = []
    hello.key_shares = None
    hello.psk_modes = []
    hello.raw = None
    s.receive_data(record(22, hello.marshal()))
    assert s.version == TLS12 and s.server_random[24:] == b"DOWNGRD\x01"
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.illegal_parameter and "downgrade" in str(e.value)


def test_fallback_scsv_is_honoured(pki):
    cc, sc = configs(pki)
    cc.cipher_suites_tls12 = [*cc.cipher_suites_tls12, S.TLS_FALLBACK_SCSV]
    c, s = make_pair(cc, sc)
    c.start()
    expect_failure(c, s, AlertDescription.inappropriate_fallback)
    # A server whose best version is 1.2 accepts the same hello.
    c, s = make_pair(cc, configs(pki, server_max=TLS12)[1])
    do_handshake(c, s)
    assert s.version == TLS12


def test_tls12_client_refuses_tls13_only_server(pki):
    cc, sc = configs(pki)
    sc.min_version = TLS13
    c, s = make_pair(cc, sc)
    c.start()
    expect_failure(c, s, AlertDescription.protocol_version)


# ---- bad peers -----------------------------------------------------------------------------------------


def _start_full(pki, **kw):
    cc, sc = configs(pki, **kw)
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    return c, s


def test_wrong_server_finished(pki, monkeypatch):
    c, s = _start_full(pki)
    transfer(s, c)
    orig = server12.prf.finished_verify_data

    def bad(hash_alg, master, label, th):
        out = orig(hash_alg, master, label, th)
        return bytes([out[0] ^ 1]) + out[1:] if label == b"server finished" else out

    monkeypatch.setattr(server12.prf, "finished_verify_data", bad)
    transfer(c, s)
    monkeypatch.undo()
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.decrypt_error and "Finished" in str(e.value)


def test_wrong_client_finished(pki, monkeypatch):
    c, s = _start_full(pki)
    orig = client12.prf.finished_verify_data
    monkeypatch.setattr(client12.prf, "finished_verify_data", lambda *a: bytes(len(orig(*a))))
    transfer(s, c)
    monkeypatch.undo()
    expect_failure(c, s, AlertDescription.decrypt_error)


def test_bad_server_key_exchange_signature(pki, monkeypatch):
    c, s = make_pair(*configs(pki))
    c.start()
    orig = server12.auth.sign
    monkeypatch.setattr(server12.auth, "sign", lambda key, scheme, msg, **kw: orig(key, scheme, msg + b"x", **kw))
    transfer(c, s)
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.decrypt_error


def test_signature_scheme_not_offered(pki, monkeypatch):
    cc, sc = configs(pki, "rsa-2048")
    cc.signature_schemes = [SignatureScheme.rsa_pss_rsae_sha256]
    c, s = make_pair(cc, sc)
    c.start()
    orig = server12.auth.select_signature_scheme
    monkeypatch.setattr(server12.auth, "select_signature_scheme", lambda key, *a, **kw: SignatureScheme.rsa_pkcs1_sha256)
    transfer(c, s)
    monkeypatch.setattr(server12.auth, "select_signature_scheme", orig)
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.illegal_parameter


class _BadShare:
    """A real key share whose public value we damage on the wire."""

    def __init__(self, share, how):
        self._share = share
        self.group = share.group
        pub = share.public
        self.public = pub[:-1] if how == "short" else pub[:-1] + bytes([pub[-1] ^ 1])

    def shared_secret(self, peer):
        return self._share.shared_secret(peer)


@pytest.mark.parametrize("how", ["short", "off-curve"])
def test_bad_client_key_exchange_point(pki, monkeypatch, how):
    cc, sc = configs(pki)
    cc.groups = [NamedGroup.secp256r1]
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    real = client12.key_exchange.generate_key_share
    monkeypatch.setattr(client12.key_exchange, "generate_key_share", lambda g: _BadShare(real(g), how))
    transfer(s, c)
    monkeypatch.undo()
    err = expect_failure(c, s, AlertDescription.illegal_parameter)
    assert "secp256r1" in str(err) or "P-256" in str(err)


@pytest.mark.parametrize("how", ["short", "off-curve"])
def test_bad_server_key_exchange_point(pki, monkeypatch, how):
    cc, sc = configs(pki, "rsa-2048")
    cc.groups = [NamedGroup.secp384r1]
    c, s = make_pair(cc, sc)
    c.start()
    real = server12.key_exchange.generate_key_share
    monkeypatch.setattr(server12.key_exchange, "generate_key_share", lambda g: _BadShare(real(g), how))
    transfer(c, s)
    monkeypatch.undo()
    expect_failure(s, c, AlertDescription.illegal_parameter)


def test_group_not_offered(pki, monkeypatch):
    cc, sc = configs(pki, "rsa-2048")
    cc.groups = [NamedGroup.x25519]
    c, s = make_pair(cc, sc)
    c.start()
    orig = server12.ServerHandshakeTLS12.pick_cipher_suite_and_certificate

    def pick(self):
        orig(self)
        self.group = NamedGroup.secp521r1

    monkeypatch.setattr(server12.ServerHandshakeTLS12, "pick_cipher_suite_and_certificate", pick)
    transfer(c, s)
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.illegal_parameter and "group" in str(e.value)


def test_suite_not_offered(pki):
    cc, _ = configs(pki)
    cc.cipher_suites_tls12 = ECDSA_SUITES
    c, _ = make_pair(cc, Config())
    c.start()
    hello = m.ClientHello.unmarshal(c.data_to_send()[5:])
    sh = m.ServerHello(
        random=os.urandom(32), cipher_suite=S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        extended_master_secret=True, secure_renegotiation_supported=True, session_id=hello.session_id,
    )  # fmt: skip
    with pytest.raises(TLSError) as e:
        c.receive_data(record(22, sh.marshal()))
    assert e.value.alert == AlertDescription.illegal_parameter


def test_extension_not_offered(pki):
    cc, _ = configs(pki)
    cc.session_tickets = False
    c, _ = make_pair(cc, Config())
    c.start()
    c.data_to_send()
    sh = m.ServerHello(random=os.urandom(32), cipher_suite=ECDSA_SUITES[0], extended_master_secret=True, ticket_supported=True)
    with pytest.raises(TLSError) as e:
        c.receive_data(record(22, sh.marshal()))
    assert e.value.alert == AlertDescription.unsupported_extension


def test_change_cipher_spec_too_early(pki):
    c, s = _start_full(pki)
    s.data_to_send()
    with pytest.raises(TLSError) as e:
        s.receive_data(record(20, b"\x01"))
    assert e.value.alert == AlertDescription.unexpected_message


def test_unexpected_message_for_the_state(pki):
    c, s = _start_full(pki)
    msgs = handshake_messages(s.data_to_send())
    # ServerHello, then ServerHelloDone where the Certificate belongs.
    with pytest.raises(TLSError) as e:
        c.receive_data(record(22, msgs[0] + msgs[-1]))
    assert e.value.alert == AlertDescription.unexpected_message


def test_truncated_server_messages_are_protocol_errors(pki):
    """Every truncation of every message of the server's first flight is a TLSError (never an IndexError)."""
    cc, sc = configs(pki)
    names = None
    for i in range(3):
        for keep in ("none", "one", "half", "all-but-one"):
            c, s = make_pair(cc, sc)
            c.start()
            transfer(c, s)
            msgs = handshake_messages(s.data_to_send())
            if names is None:
                names = [type(m.parse_handshake(x, False)).__name__ for x in msgs]
                assert names == ["ServerHello", "CertificateTLS12", "ServerKeyExchange", "ServerHelloDone"]
            body = msgs[i][4:]
            k = {"none": 0, "one": 1, "half": len(body) // 2, "all-but-one": len(body) - 1}[keep]
            msgs[i] = msgs[i][:1] + k.to_bytes(3, "big") + body[:k]
            with pytest.raises(TLSError) as e:
                c.receive_data(record(22, b"".join(msgs)))
            assert e.value.alert != AlertDescription.internal_error, e.value  # a parse error, not a crash


@pytest.mark.parametrize("keep", [0, 1, 16, 31])
def test_truncated_client_flight_messages(pki, keep):
    """The client's Certificate, ClientKeyExchange and CertificateVerify, cut short: decode errors, not crashes."""
    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    cc.certificates = [pki.client()]
    for i in range(3):
        c, s = make_pair(cc, sc)
        c.start()
        transfer(c, s)
        transfer(s, c)
        flight = c.data_to_send()
        end = flight.index(bytes([20, 3, 3, 0, 1, 1]))  # the client's ChangeCipherSpec
        msgs = handshake_messages(flight[:end])
        body = msgs[i][4:][:keep]
        msgs[i] = msgs[i][:1] + len(body).to_bytes(3, "big") + body
        with pytest.raises(TLSError) as e:
            s.receive_data(record(22, b"".join(msgs)))
        assert e.value.alert != AlertDescription.internal_error, e.value


def test_truncated_client_key_exchange(pki):
    c, s = _start_full(pki)
    s.data_to_send()
    with pytest.raises(TLSError) as e:
        s.receive_data(record(22, b"\x10\x00\x00\x05\x20abcd"))
    assert e.value.alert == AlertDescription.decode_error


def test_bit_flipped_flights_only_raise_protocol_errors(pki):
    """The h11 fuzz invariant: a damaged peer flight raises TLSError with a protocol alert (never
    internal_error, never a stray exception).  Seeded, so it is the same run every time."""
    import random

    rng = random.Random(12)
    cc, sc = configs(pki)
    for it in range(300):
        c, s = make_pair(cc, sc)
        c.start()
        transfer(c, s)
        if it % 2:
            transfer(s, c)
            sender, target = c, s
        else:
            sender, target = s, c
        data = bytearray(sender.data_to_send())
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(5, len(data))] ^= 1 << rng.randrange(8)
        try:
            target.receive_data(bytes(data))
        except TLSError as e:
            assert e.alert != AlertDescription.internal_error, e


# ---- more RFC 5246 / 5746 "MUST abort" rules (issue 8) --------------------------------------------


def _server_hello_for(c, **changes):
    hello = m.ClientHello.unmarshal(c.data_to_send()[5:])
    fields = dict(
        random=os.urandom(32), cipher_suite=ECDSA_SUITES[0], extended_master_secret=True,
        secure_renegotiation_supported=True, session_id=hello.session_id,
    )  # fmt: skip
    fields.update(changes)
    return record(22, m.ServerHello(**fields).marshal())


def test_server_hello_with_compression(pki):
    cc, _ = configs(pki)
    c, _ = make_pair(cc, Config())
    c.start()
    # RFC 5246 7.4.1.3: the compression method must be one the client offered (only null).
    with pytest.raises(TLSError) as e:
        c.receive_data(_server_hello_for(c, compression_method=1))
    assert e.value.alert == AlertDescription.illegal_parameter


def test_server_hello_with_a_non_empty_renegotiation_info(pki):
    cc, _ = configs(pki)
    c, _ = make_pair(cc, Config())
    c.start()
    # RFC 5746 3.4: on an initial handshake the renegotiated_connection field must be empty.
    with pytest.raises(TLSError) as e:
        c.receive_data(_server_hello_for(c, secure_renegotiation=b"\x01" * 24))
    assert e.value.alert == AlertDescription.handshake_failure


def test_client_hello_without_null_compression(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    hello = m.ClientHello.unmarshal(c.data_to_send()[5:])
    hello.raw = None
    hello.compression_methods = [1]
    # RFC 5246 7.4.1.2: null compression must be offered; a TLS 1.2 server refuses the
    # hello with handshake_failure, as Go does (TLS 1.3 says illegal_parameter: test_hostile13).
    with pytest.raises(TLSError) as e:
        s.receive_data(record(22, hello.marshal()))
    assert e.value.alert == AlertDescription.handshake_failure


def test_change_cipher_spec_with_a_wrong_body_tls12(pki):
    c, s = _start_full(pki)
    transfer(s, c)
    flight = c.data_to_send()
    # Replace the client's CCS body 0x01 with 0x02 (RFC 5246 7.1).
    i = flight.index(bytes([20, 3, 3, 0, 1, 1]))
    bad = flight[:i] + bytes([20, 3, 3, 0, 1, 2]) + flight[i + 6 :]
    with pytest.raises(TLSError) as e:
        s.receive_data(bad)
    assert e.value.alert in (AlertDescription.unexpected_message, AlertDescription.decode_error)


# ---- the checks no test reached (found by coverage) -------------------------------------------------


def _client(pki, client_max=TLS12, **client_kw):
    cc, _ = configs(pki, client_max=client_max)
    for k, v in client_kw.items():
        setattr(cc, k, v)
    c, _ = make_pair(cc, Config())
    c.start()
    return c


@pytest.mark.parametrize(
    "client_max,changes,alert,reason",
    [
        # RFC 8446 4.2: key_share is a TLS 1.3 extension; in a TLS 1.2 ServerHello it does not belong.
        (TLS13, {"server_share": (NamedGroup.x25519, bytes(32))}, AlertDescription.illegal_parameter, "does not belong"),
        # RFC 8422 5.2: a server that lists point formats must list uncompressed.
        (TLS12, {"supported_points": [1]}, AlertDescription.illegal_parameter, "uncompressed"),
        # RFC 8446 4.1.4: a HelloRetryRequest always carries supported_versions (Go and
        # OpenSSL: missing_extension).
        (TLS13, {"random": m.HELLO_RETRY_REQUEST_RANDOM}, AlertDescription.missing_extension, "HelloRetryRequest"),
        # RFC 5246 E.1: a version below the client's minimum is protocol_version.
        (TLS13, {"legacy_version": 0x0302}, AlertDescription.protocol_version, "TLS 1.1"),
    ],
    ids=["tls13-extension", "no-uncompressed-points", "hrr-without-supported-versions", "version-too-old"],
)
def test_server_hello_breaking_a_rule(pki, client_max, changes, alert, reason):
    c = _client(pki, client_max)
    with pytest.raises(TLSError) as e:
        c.receive_data(_server_hello_for(c, **changes))
    assert e.value.alert == alert and reason in str(e.value), e.value


def test_server_selecting_an_alpn_protocol_never_offered(pki):
    c = _client(pki, alpn_protocols=["http/1.1"])
    # RFC 7301 3.2: the server's protocol must be one the client offered.
    with pytest.raises(TLSError) as e:
        c.receive_data(_server_hello_for(c, alpn_protocol="h2"))
    assert e.value.alert == AlertDescription.illegal_parameter and "ALPN" in str(e.value)


def _session12(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.session is not None and c.session.version == TLS12
    return cc, c.session


@pytest.mark.parametrize(
    "changes,alert,reason",
    [
        # RFC 5246 7.4.1.3: a resumed session keeps its cipher suite.
        ({"cipher_suite": ECDSA_SUITES[1]}, AlertDescription.illegal_parameter, "different version or cipher suite"),
        # RFC 7627 5.3: never resume across a change of the extended master secret setting.
        ({"extended_master_secret": False}, AlertDescription.handshake_failure, "extended master secret setting"),
    ],
    ids=["other-suite", "ems-dropped"],
)
def test_server_resuming_a_session_with_other_parameters(pki, changes, alert, reason):
    cc, session = _session12(pki)
    assert session.cipher_suite == ECDSA_SUITES[0] and session.extended_master_secret
    cc.require_extended_master_secret = False  # so that the resumption check is the one that speaks
    c, _ = make_pair(cc, Config(), session=session)
    c.start()
    hello = m.ClientHello.unmarshal(c.data_to_send()[5:])
    assert hello.session_id and hello.session_ticket == session.ticket
    fields = dict(
        random=os.urandom(32), cipher_suite=ECDSA_SUITES[0], extended_master_secret=True, secure_renegotiation_supported=True,
        session_id=hello.session_id, ticket_supported=False,
    )  # fmt: skip
    fields.update(changes)
    with pytest.raises(TLSError) as e:
        c.receive_data(record(22, m.ServerHello(**fields).marshal()))
    assert e.value.alert == alert and reason in str(e.value), e.value


def test_empty_server_certificate_is_decode_error(pki):
    c, s = make_pair(*configs(pki))
    tamper_sent(s, m.CertificateTLS12, certificate_list=[])
    # RFC 5246 7.4.2: the server's certificate_list is never empty.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.decode_error and "empty Certificate" in str(err)


def test_server_certificate_that_does_not_fit_the_suite(pki):
    c, s = make_pair(*configs(pki, "rsa-2048"))
    # The server runs an ECDHE_RSA suite and sends its RSA certificate; the client is told ECDHE_ECDSA.
    tamper_sent(s, m.ServerHello, cipher_suite=S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    # RFC 8422 5.3: an ECDHE_ECDSA suite needs an ECDSA-capable certificate.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.unsupported_certificate and "does not fit" in str(err)


def test_client_without_uncompressed_points(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(c, m.ClientHello, in_place=True, supported_points=[1])
    # RFC 8422 5.1.2: a client that lists point formats must list uncompressed.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "uncompressed" in str(err)


def test_client_certificate_verify_with_a_scheme_never_offered(pki):
    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    tamper_sent(c, m.CertificateVerify, signature_algorithm=0x0203)  # ecdsa_sha1: never offered
    # RFC 5246 7.4.8: the scheme must be one of the CertificateRequest's.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "did not offer" in str(err)


def test_new_session_ticket_after_a_tls12_handshake(pki):
    c, s = make_pair(*configs(pki))
    do_handshake(c, s)
    s.write_handshake(m.NewSessionTicketTLS12(ticket_lifetime_hint=60, ticket=b"ticket"))
    s._flush_handshake()
    # RFC 5077 3.3: a TLS 1.2 NewSessionTicket belongs in the handshake, never after it.
    err = expect_failure(s, c, AlertDescription.unexpected_message)
    assert "NewSessionTicket" in str(err)


@pytest.mark.parametrize("side", ["client", "server"])
def test_finished_of_the_wrong_length_is_decode_error(pki, side):
    """TLS 1.2's verify_data is 12 bytes (RFC 5246 7.4.9); another length is decode_error
    (OpenSSL's BAD_DIGEST_LENGTH), not a Finished that fails to verify."""
    import dataclasses

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(s if side == "server" else c, m.Finished, lambda msg: dataclasses.replace(msg, raw=None, verify_data=msg.verify_data[:11]))
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.decode_error and err.reason == "BAD_DIGEST_LENGTH"


def _split_first_handshake_record(flight: bytes, between: bytes) -> bytes:
    """The first record of ``flight`` cut in two handshake records with ``between`` (a
    whole record) between them; the rest as it was."""
    n = int.from_bytes(flight[3:5], "big")
    payload, rest = flight[5 : 5 + n], flight[5 + n :]
    return record(ContentType.HANDSHAKE, payload[:10]) + between + record(ContentType.HANDSHAKE, payload[10:]) + rest


@pytest.mark.parametrize("client_max", [TLS12, TLS13], ids=["client-1.2-only", "client-1.3-capable"])
def test_a_warning_alert_between_the_pieces_of_the_server_hello(pki, twin, client_max):
    """RFC 5246 6.2.1 lets an alert sit between the pieces of a handshake message.  A
    client took TLS 1.3's stricter rule (RFC 8446 5.1) for the ServerHello, since the
    version is not settled before it, and failed where ssl's client carries on (a
    hostile-peer probe); a server still holds a ClientHello to it, as OpenSSL does."""
    c, s = make_pair(*configs(pki, client_max=client_max, server_max=TLS12), twin=twin)
    c.start()
    s.start()
    transfer(c, s)
    user_canceled = record(ContentType.ALERT, bytes((1, AlertDescription.user_canceled)))
    c.receive_data(_split_first_handshake_record(s.data_to_send(), user_canceled))
    do_handshake(c, s)
    assert c.version == s.version == TLS12
    assert exchange(c, s, b"after the split hello") == b"after the split hello"


def test_a_warning_alert_between_the_pieces_of_the_client_hello_is_refused(pki, twin):
    c, s = make_pair(*configs(pki), twin=twin)
    c.start()
    user_canceled = record(ContentType.ALERT, bytes((1, AlertDescription.user_canceled)))
    with pytest.raises(TLSError) as e:
        s.receive_data(_split_first_handshake_record(c.data_to_send(), user_canceled))
    assert e.value.alert == AlertDescription.unexpected_message


@pytest.mark.parametrize("n_specs", [3, 78], ids=["46-bytes", "259-bytes"])
def test_an_sslv2_format_client_hello_is_told_protocol_version(pki, twin, n_specs):
    """RFC 5246 E.2's SSLv2-format ClientHello (old clients' compatibility hello) got no
    alert and an error naming "version 0x2201" (its length byte and type read as a
    record header).  As Go's server: protocol_version, and an error that names SSLv2.
    A 259-byte one (81 03 01) looked like a TLS 1.0 record of content type 129."""
    specs = (b"\x00\xc0\x2b\x00\xc0\x2f\x00\x00\x9c" * 26)[: 3 * n_specs]
    challenge = os.urandom(16)
    body = b"\x01\x03\x03" + len(specs).to_bytes(2, "big") + b"\x00\x00" + len(challenge).to_bytes(2, "big") + specs + challenge
    _, s = make_pair(*configs(pki), twin=twin)
    s.start()
    with pytest.raises(TLSError) as e:
        s.receive_data(bytes([0x80 | (len(body) >> 8), len(body) & 0xFF]) + body)
    assert e.value.alert == AlertDescription.protocol_version and "SSLv2" in str(e.value)
    assert s.data_to_send() == record(ContentType.ALERT, bytes((2, AlertDescription.protocol_version)))

"""TLS 1.3 handshakes between fasttls clients and servers, in memory, on both record twins."""

from __future__ import annotations

import ssl

import os

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from fasttls import events as ev
from fasttls.config import ClientAuthType, Config
from fasttls.constants import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme
from fasttls.errors import AlertReceived, SSLCertVerificationError, TLSError

from .helpers import FEEDS
from .pairs import do_handshake, exchange, make_pair, transfer

TLS13 = ProtocolVersion.TLS13


def configs(pki, key_type="ecdsa-p256", **server_kw):
    client = Config(trust_store=pki.store, min_version=TLS13)
    server = Config(certificates=[pki.server(key_type)], min_version=TLS13, **server_kw)
    return client, server


@pytest.mark.parametrize("feed", FEEDS)
def test_full_handshake_and_data(pki, twin, feed):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    cev, sev = do_handshake(c, s, feed)
    assert any(isinstance(e, ev.HandshakeComplete) for e in cev)
    assert any(isinstance(e, ev.HandshakeComplete) for e in sev)
    assert c.version == s.version == TLS13
    assert c.cipher_suite.id == s.cipher_suite.id == CipherSuite.TLS_AES_128_GCM_SHA256
    assert c.group == s.group == NamedGroup.X25519MLKEM768
    assert not c.hello_retry_request
    assert c.verified_chain[0] == pki.server("ecdsa-p256").leaf
    big = os.urandom(100_000)
    assert exchange(c, s, big, feed) == big
    assert exchange(s, c, b"pong", feed) == b"pong"
    assert c.export_keying_material("EXPORTER-test", b"ctx", 32) == s.export_keying_material("EXPORTER-test", b"ctx", 32)


@pytest.mark.parametrize("suite", [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256])
def test_each_cipher_suite(pki, twin, suite):
    cc, sc = configs(pki)
    cc.cipher_suites_tls13 = [suite]
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    assert c.cipher_suite.id == s.cipher_suite.id == suite
    assert exchange(c, s, b"x" * 40000) == b"x" * 40000


def test_server_honours_client_chacha_preference(pki):
    cc, sc = configs(pki)
    cc.cipher_suites_tls13 = [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_128_GCM_SHA256]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.cipher_suite.id == CipherSuite.TLS_CHACHA20_POLY1305_SHA256
    cc.cipher_suites_tls13 = [CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256]
    sc.cipher_suites_tls13 = [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    # The client prefers AES, so the server's own order decides.
    assert s.cipher_suite.id == CipherSuite.TLS_CHACHA20_POLY1305_SHA256


@pytest.mark.parametrize(
    "group",
    [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x448, NamedGroup.X25519MLKEM768],
)
def test_each_group_with_a_key_share(pki, group):
    cc, sc = configs(pki)
    cc.groups = [group]
    cc.key_share_groups = [group]
    c, s = make_pair(cc, sc)
    sc.groups = [group]
    do_handshake(c, s)
    assert c.group == s.group == group and not c.hello_retry_request


def test_hello_retry_request(pki, twin):
    cc, sc = configs(pki)
    cc.groups = [NamedGroup.x25519, NamedGroup.secp384r1]
    cc.key_share_groups = [NamedGroup.x25519]
    sc.groups = [NamedGroup.secp384r1]
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    assert c.hello_retry_request and s.hello_retry_request
    assert c.group == s.group == NamedGroup.secp384r1
    assert exchange(c, s, b"after hrr") == b"after hrr"


def test_hello_retry_request_with_cookie(pki):
    cc, sc = configs(pki, hello_retry_cookie=True)
    cc.key_share_groups = [NamedGroup.x25519]
    sc.groups = [NamedGroup.secp256r1]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.hello_retry_request and c.group == NamedGroup.secp256r1


def test_no_common_group(pki):
    cc, sc = configs(pki)
    cc.groups = [NamedGroup.x25519]
    sc.groups = [NamedGroup.secp384r1]
    c, s = make_pair(cc, sc)
    c.start()
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.handshake_failure
    with pytest.raises(AlertReceived) as e2:
        transfer(s, c)
    assert e2.value.alert == AlertDescription.handshake_failure


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "ed25519", "ed448"])
def test_certificate_key_types(pki, key_type):
    cc, sc = configs(pki, key_type)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert c.peer_signature_scheme == s.signature_scheme
    if key_type == "rsa-2048":
        assert s.signature_scheme == SignatureScheme.rsa_pss_rsae_sha256


def test_certificate_selection_by_sni_and_signature_algorithms(pki):
    ecdsa, rsa = pki.server("ecdsa-p256"), pki.server("rsa-2048")
    other = pki.server("ecdsa-p256", names=["other.example"])
    sc = Config(certificates=[other, ecdsa, rsa], min_version=TLS13)
    cc = Config(trust_store=pki.store, min_version=TLS13, session_cache=None)  # full handshakes only
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.local_certificate is ecdsa
    cc.signature_schemes = [SignatureScheme.rsa_pss_rsae_sha256]
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert s.local_certificate is rsa
    c, s = make_pair(Config(trust_store=pki.store, min_version=TLS13), sc, server_hostname="other.example")
    do_handshake(c, s)
    assert s.local_certificate is other


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
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.no_application_protocol
    with pytest.raises(AlertReceived) as e2:
        transfer(s, c)
    assert e2.value.alert == AlertDescription.no_application_protocol


@pytest.mark.parametrize(
    "server,client,mismatch_fails,expected",
    [
        (["h2"], ["http/1.1"], True, None),  # Go's http11fallback: as if the client sent no ALPN
        (["h2", "spdy/3"], ["http/1.1", "x"], True, None),
        (["spdy/3"], ["http/1.1"], True, "fails"),
        (["h2"], ["spdy/3"], False, None),  # ssl's (OpenSSL's) way: carry on without ALPN
    ],
    ids=["h2-server-http1-client", "fallback-among-others", "no-fallback-without-h2", "mismatch-allowed"],
)
def test_alpn_without_overlap_rules(pki, server, client, mismatch_fails, expected):
    cc, sc = configs(pki, alpn_protocols=server, alpn_mismatch_fails=mismatch_fails)
    cc.alpn_protocols = client
    c, s = make_pair(cc, sc)
    if expected == "fails":
        c.start()
        with pytest.raises(TLSError) as e:
            transfer(c, s)
        assert e.value.alert == AlertDescription.no_application_protocol
        return
    do_handshake(c, s)
    assert c.alpn_protocol is None and s.alpn_protocol is None


def test_untrusted_server_is_refused(pki, other_pki):
    cc, sc = configs(pki)
    cc.trust_store = other_pki.store
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    with pytest.raises(SSLCertVerificationError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.unknown_ca
    with pytest.raises(AlertReceived):
        transfer(c, s)


def test_wrong_host_name_is_refused(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, server_hostname="wrong.example")
    c.start()
    transfer(c, s)
    with pytest.raises(SSLCertVerificationError) as e:
        transfer(s, c)
    assert "wrong.example" in str(e.value)


def test_verification_off(pki, other_pki):
    cc, sc = configs(pki)
    cc.trust_store = other_pki.store
    cc.verify_peer = False
    c, s = make_pair(cc, sc, server_hostname="wrong.example")
    do_handshake(c, s)
    assert c.verified_chain == [] and c.peer_certificates


# ---- client certificates: Go's five modes ---------------------------------------------------


@pytest.mark.parametrize(
    "mode,client_has_cert,trusted,outcome",
    [
        (ClientAuthType.NoClientCert, True, True, "ok-no-cert"),
        (ClientAuthType.RequestClientCert, False, True, "ok-no-cert"),
        (ClientAuthType.RequestClientCert, True, False, "ok-cert"),
        (ClientAuthType.RequireAnyClientCert, False, True, AlertDescription.certificate_required),
        (ClientAuthType.RequireAnyClientCert, True, False, "ok-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, False, True, "ok-no-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, True, True, "ok-cert"),
        (ClientAuthType.VerifyClientCertIfGiven, True, False, AlertDescription.unknown_ca),
        (ClientAuthType.RequireAndVerifyClientCert, False, True, AlertDescription.certificate_required),
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
        else:
            assert s.peer_certificates == []
        assert exchange(c, s, b"data") == b"data"
        return
    c.start()
    transfer(c, s)
    transfer(s, c)  # client completes its side and sends its flight
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == outcome
    with pytest.raises(AlertReceived) as e2:
        transfer(s, c)
        c.read()
    assert e2.value.alert == outcome


# ---- resumption ------------------------------------------------------------------------------------


def test_resumption_with_a_ticket(pki, twin):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    cev, _ = do_handshake(c, s)  # the server's NewSessionTicket follows the client's Finished
    tickets = [e for e in cev + transfer(s, c) if isinstance(e, ev.SessionTicketReceived)]
    assert len(tickets) == 1
    session = tickets[0].session
    assert c.session is session and not c.session_reused
    # The session keeps the verified chain (leaf, intermediate, root) as DER: the bytes the
    # server sent for the two it sent, the root (not sent) encoded.
    assert len(c.verified_chain) == 3
    assert session.verified_chain == [cert.public_bytes(Encoding.DER) for cert in c.verified_chain]
    assert all(a is b for a, b in zip(session.verified_chain[:2], c.peer_certificates))
    c2, s2 = make_pair(cc, sc, twin=twin)
    do_handshake(c2, s2)
    assert c2.session_reused and s2.session_reused
    assert c2.peer_certificates == c.peer_certificates
    assert c2.verified_chain == c.verified_chain
    assert exchange(c2, s2, b"resumed") == b"resumed"
    # The ticket the server sent while resuming stands for the same verified chain.
    assert c2.session is not session and c2.session.verified_chain == session.verified_chain
    # An explicit session works without the cache, too.
    cc3 = Config(trust_store=pki.store, min_version=TLS13, session_cache=None)
    c3, s3 = make_pair(cc3, sc, session=session)
    do_handshake(c3, s3)
    assert c3.session_reused


@pytest.mark.parametrize("given", ["cache", "session="])
def test_a_ticket_too_long_for_a_client_hello_is_not_offered(pki, given):
    """A server may send a ticket of nearly 64 KiB (``ticket<1..2^16-1>``).  Offered, it
    overflowed the ClientHello's 16-bit extensions length, and the connection failed with
    internal_error before sending anything; kept in the cache by host name, it failed every
    later connection to that name, on any port.  Now it is not offered (a full handshake)
    and leaves the cache; a ticket that fits is still offered."""
    import dataclasses

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    cev, _ = do_handshake(c, s)
    (ticket,) = [e for e in cev + transfer(s, c) if isinstance(e, ev.SessionTicketReceived)]
    huge = dataclasses.replace(ticket.session, ticket=bytes(65_400))
    if given == "cache":
        cc.session_cache.put("localhost", huge)
        c2, s2 = make_pair(cc, sc)
        c2.start()
        assert cc.session_cache.get("localhost") is None  # dropped when not offered
    else:
        c2, s2 = make_pair(Config(trust_store=pki.store, min_version=TLS13, session_cache=None), sc, session=huge)
    do_handshake(c2, s2)
    assert not c2.session_reused and not s2.session_reused
    assert exchange(c2, s2, b"full handshake") == b"full handshake"
    if given == "cache":
        transfer(s2, c2)
        assert cc.session_cache.get("localhost") not in (None, huge)  # the new connection's ticket
    fits = dataclasses.replace(ticket.session, ticket=ticket.session.ticket + bytes(60_000))
    c3, _ = make_pair(Config(trust_store=pki.store, min_version=TLS13, session_cache=None), sc, session=fits)
    c3.start()
    assert len(c3.data_to_send()) > 60_000  # offered


def test_a_ticket_that_a_hello_retry_cookie_makes_too_long_leaves_the_cache(pki):
    """A ticket that fits the first ClientHello, and a HelloRetryRequest cookie that then
    overflows the second: the connection fails (the PSK may not be dropped from it, RFC
    8446 4.1.2), and the ticket leaves the cache, or every later connection would too."""
    import dataclasses

    from fasttls.constants import ContentType
    from fasttls.messages import handshake as m
    from fasttls.messages.handshake import HELLO_RETRY_REQUEST_RANDOM

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    cev, _ = do_handshake(c, s)
    (ticket,) = [e for e in cev + transfer(s, c) if isinstance(e, ev.SessionTicketReceived)]
    big = dataclasses.replace(ticket.session, ticket=bytes(60_000))
    cc.session_cache.put("localhost", big)
    c2, _ = make_pair(cc, sc)
    c2.start()
    first = c2.data_to_send()
    assert cc.session_cache.get("localhost") is big  # offered: it fits
    ch = m.ClientHello.unmarshal(b"".join(first[i + 5 : i + 5 + int.from_bytes(first[i + 3 : i + 5], "big")] for i in _record_starts(first)))
    hrr = m.ServerHello(
        legacy_version=0x0303, random=HELLO_RETRY_REQUEST_RANDOM, session_id=ch.session_id,
        cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256, compression_method=0, supported_version=TLS13, cookie=bytes(5_000),
    ).marshal()
    with pytest.raises(TLSError, match="second ClientHello is too long"):
        c2.receive_data(bytes([ContentType.HANDSHAKE, 3, 3]) + len(hrr).to_bytes(2, "big") + hrr)
    assert cc.session_cache.get("localhost") is None


def _record_starts(data: bytes) -> list[int]:
    starts, i = [], 0
    while i < len(data):
        starts.append(i)
        i += 5 + int.from_bytes(data[i + 3 : i + 5], "big")
    return starts


def test_a_hello_retry_cookie_too_long_for_the_second_client_hello_is_a_clear_error(pki):
    """A HelloRetryRequest cookie may be nearly 64 KiB; with our key shares the second
    ClientHello then overflows its extensions length.  It failed with internal_error
    "ValueError(...)"; now the error says what happened (internal_error still: the
    server's request is legal, we cannot send the answer)."""
    from fasttls.constants import ContentType
    from fasttls.messages import handshake as m
    from fasttls.messages.handshake import HELLO_RETRY_REQUEST_RANDOM

    cc, _ = configs(pki)
    c, _ = make_pair(cc, configs(pki)[1])
    c.start()
    first = c.data_to_send()
    ch = m.ClientHello.unmarshal(first[5:])
    hrr = m.ServerHello(
        legacy_version=0x0303,
        random=HELLO_RETRY_REQUEST_RANDOM,
        session_id=ch.session_id,
        cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256,
        compression_method=0,
        supported_version=TLS13,
        cookie=bytes(65_000),
    ).marshal()
    records = b"".join(bytes([ContentType.HANDSHAKE, 3, 3]) + len(part).to_bytes(2, "big") + part for part in (hrr[i : i + 16384] for i in range(0, len(hrr), 16384)))
    with pytest.raises(TLSError, match="second ClientHello is too long with the HelloRetryRequest's 65000-byte cookie") as e:
        c.receive_data(records)
    assert e.value.alert == AlertDescription.internal_error


def test_resumption_of_a_session_whose_certificate_matched_by_its_common_name(pki):
    """A leaf without DNS names in its subjectAltName verifies by its subject CN
    (``hostname_checks_common_name``, ssl's default); the session it made was never
    offered again, since the resumption check looked at the subjectAltName only."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from .pki import make_leaf

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    leaf = make_leaf(pki.ca, [], subject=subject, san=False)
    sc = Config(certificates=[leaf.certified_key()], min_version=TLS13)
    for by_cn in (True, False):
        cc = Config(trust_store=pki.store, min_version=TLS13, hostname_checks_common_name=by_cn)
        c, s = make_pair(cc, sc)
        if not by_cn:
            with pytest.raises(SSLCertVerificationError):
                do_handshake(c, s)
            continue
        do_handshake(c, s)
        transfer(s, c)  # the ticket
        c2, s2 = make_pair(cc, sc)
        do_handshake(c2, s2)
        assert c2.session_reused and s2.session_reused


def test_resumption_after_hello_retry_request(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    transfer(s, c)
    cc.key_share_groups = [NamedGroup.x25519]
    sc.groups = [NamedGroup.secp256r1]
    c2, s2 = make_pair(cc, sc)
    do_handshake(c2, s2)
    assert c2.hello_retry_request and c2.session_reused and s2.session_reused


def test_ticket_from_another_server_is_ignored(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    transfer(s, c)
    _, sc2 = configs(pki)  # new ticket keys
    c2, s2 = make_pair(cc, sc2)
    do_handshake(c2, s2)
    assert not c2.session_reused and not s2.session_reused


def test_bad_binder_is_decrypt_error(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    transfer(s, c)
    session = c.session
    session.secret = bytes(len(session.secret))  # the client now computes a wrong binder
    c2, s2 = make_pair(cc, sc, session=session)
    c2.start()
    with pytest.raises(TLSError) as e:
        transfer(c2, s2)
    assert e.value.alert == AlertDescription.decrypt_error


# ---- after the handshake ---------------------------------------------------------------------------


def test_key_update_both_ways(pki, twin):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    transfer(s, c)
    c.key_update(request_peer=True)
    c.send(b"under new keys")
    events = transfer(c, s)
    assert ev.KeyUpdated("read", True) in events
    assert s.read() == b"under new keys"
    events = transfer(s, c)  # the server's answering KeyUpdate
    assert ev.KeyUpdated("read", False) in events
    assert exchange(s, c, b"server data") == b"server data"
    s.key_update(request_peer=False)
    assert exchange(s, c, b"again") == b"again"
    assert exchange(c, s, b"and back") == b"and back"


def test_automatic_key_update_before_the_aead_usage_limit(pki, twin):
    """RFC 8446 5.5: a sender updates its keys before the AEAD limit; the peer follows."""
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc, twin=twin)
    do_handshake(c, s)
    transfer(s, c)
    # Jump both ends of the client->server direction to just under the soft limit.
    start = c._write.soft_limit - 2
    c._write._prot.seq = start
    s._read._prot.seq = start
    secret = c._write.traffic_secret
    data = os.urandom(5 * 16384)
    c.send(data)  # crosses the soft limit (the check is per write; the margin is 2^20 records)
    assert c._write.traffic_secret == secret
    c.send(data)  # starts past it: a KeyUpdate (update_requested) first, then new keys
    events = transfer(c, s)
    assert s.read() == data + data
    assert ev.KeyUpdated("read", True) in events
    assert c._write.traffic_secret != secret and c._write.seq == 5
    transfer(s, c)  # the server's answering KeyUpdate
    assert exchange(c, s, b"more") == b"more" and exchange(s, c, b"back") == b"back"


def test_close_notify(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    c.send(b"last words")
    c.close()
    events = transfer(c, s)
    assert ev.ConnectionClosed() in events and s.peer_closed
    assert s.read() == b"last words"
    with pytest.raises(ssl.SSLError, match="PROTOCOL_IS_SHUTDOWN") as info:  # as ssl's SSLObject.write
        c.send(b"more")
    assert info.value.reason == "PROTOCOL_IS_SHUTDOWN"


def test_truncation_is_reported(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    from fasttls.errors import SSLEOFError

    with pytest.raises(SSLEOFError):
        s.receive_eof()


# ---- bad peers ---------------------------------------------------------------------------------------


def test_wrong_server_finished(pki, monkeypatch):
    from fasttls.handshake import server13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    orig = server13.key_schedule.finished_verify_data
    calls = []

    def bad_finished(*a):
        out = orig(*a)
        calls.append(1)
        return bytes([out[0] ^ 1]) + out[1:] if len(calls) == 1 else out

    monkeypatch.setattr(server13.key_schedule, "finished_verify_data", bad_finished)
    c.start()
    transfer(c, s)
    monkeypatch.undo()
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.decrypt_error


def test_garbage_instead_of_server_hello(pki):
    cc, _ = configs(pki)
    c, _ = make_pair(cc, Config())
    c.start()
    c.data_to_send()
    with pytest.raises(TLSError) as e:
        c.receive_data(b"\x16\x03\x03\x00\x05\x02\x00\x00\x01\x00")
    assert e.value.alert == AlertDescription.decode_error
    alert = c.data_to_send()
    assert alert == b"\x15\x03\x03\x00\x02\x02\x32"


def test_unexpected_message_for_the_state(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    # Feed the client its own ClientHello-shaped junk: a Finished where a ServerHello belongs.
    with pytest.raises(TLSError) as e:
        c.receive_data(b"\x16\x03\x03\x00\x24\x14\x00\x00\x20" + bytes(32))
    assert e.value.alert == AlertDescription.unexpected_message


def test_errors_are_sticky(pki):
    cc, sc = configs(pki)
    c, _ = make_pair(cc, sc)
    c.start()
    with pytest.raises(TLSError):
        c.receive_data(b"\x99\x03\x03\x00\x01\x00")
    with pytest.raises(TLSError):
        c.receive_data(b"")
    with pytest.raises(TLSError):
        c.send(b"x")


@pytest.mark.parametrize("version", [TLS13, ProtocolVersion.TLS12])
@pytest.mark.parametrize("choice", ["order", "server"])
def test_the_client_certificate_verify_scheme_follows_certificate_choice(pki, choice, version):
    """A server accepting RSA-PSS with SHA-512 before SHA-384: Go's client (and ours by
    default) signs with the server's first; an OpenSSL client with
    SSL_OP_CIPHER_SERVER_PREFERENCE, which ssl sets on every context, with its key's
    own first (SHA-256 if accepted, then SHA-384).  Ours always took the server's."""
    cc = Config(trust_store=pki.store, min_version=version, max_version=version, certificate_choice=choice, certificates=[pki.server("rsa-2048")])
    sc = Config(
        certificates=[pki.server("ecdsa-p256")], min_version=version, max_version=version, client_auth=ClientAuthType.RequireAnyClientCert,
        signature_schemes=[SignatureScheme.rsa_pss_rsae_sha512, SignatureScheme.rsa_pss_rsae_sha384, SignatureScheme.ecdsa_secp256r1_sha256],
    )
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    expected = SignatureScheme.rsa_pss_rsae_sha512 if choice == "order" else SignatureScheme.rsa_pss_rsae_sha384
    assert c.signature_scheme == s.peer_signature_scheme == expected


def test_a_client_refuses_a_plaintext_alert_once_the_server_encrypts(pki):
    """After the ServerHello the server protects what it sends: a plaintext fatal alert
    then is unexpected_message, as ssl's client (BAD_RECORD_TYPE) and Go's.  Ours took it
    as the server's alert.  (In TLS 1.2, after the server's ChangeCipherSpec, every record
    is opened, and a plaintext one fails as bad_record_mac.)  A server still takes a
    client's plaintext alert during the handshake (next test)."""
    from fasttls.constants import ContentType

    cc, sc = configs(pki)
    cc.session_cache = None
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    flight = s.data_to_send()
    hello_end = 5 + int.from_bytes(flight[3:5], "big")
    c.receive_data(flight[:hello_end])  # the ServerHello: the client now reads protected records
    with pytest.raises(TLSError, match="unprotected alert after encryption started") as e:
        c.receive_data(bytes([ContentType.ALERT, 3, 3, 0, 2, 2, AlertDescription.handshake_failure]))
    assert e.value.alert == AlertDescription.unexpected_message


def test_a_server_takes_a_plaintext_alert_during_the_handshake(pki):
    """A client that refuses the ServerHello has no keys: its alert comes in plaintext."""
    from fasttls.constants import ContentType

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    s.data_to_send()
    with pytest.raises(AlertReceived) as e:
        s.receive_data(bytes([ContentType.ALERT, 3, 3, 0, 2, 2, AlertDescription.illegal_parameter]))
    assert e.value.alert == AlertDescription.illegal_parameter


@pytest.mark.parametrize("version", [TLS13, ProtocolVersion.TLS12])
def test_an_empty_client_ca_store_is_not_the_systems(pki, version, monkeypatch):
    """``client_ca_store`` chosen with ``or``: an empty store is false, and the server
    verified client certificates against the system's CAs instead, accepting any public
    CA's.  (A store comes out empty when cryptography refuses its only CA, which loading
    left out for a while this stop.)  It must refuse them."""
    from fasttls import verify
    from fasttls.verify import TrustStore

    asked = []
    monkeypatch.setattr(verify, "default_trust_store", lambda *a, **k: asked.append(1) or pki.store)
    sc = Config(
        certificates=[pki.server("ecdsa-p256")], min_version=version, max_version=version,
        client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=TrustStore(),
    )
    cc = Config(trust_store=pki.store, certificates=[pki.client()], min_version=version, max_version=version, session_cache=None)
    c, s = make_pair(cc, sc)
    with pytest.raises((TLSError, AlertReceived)):
        do_handshake(c, s)
    assert not s.handshake_complete and asked == []

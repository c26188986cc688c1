"""Denial-of-service limits (issue 8): each one holds, with the alert sent and a clear error."""

from __future__ import annotations

import gc
import os
import tracemalloc

import pytest

from fasttls import key_schedule
from fasttls.config import ClientAuthType, Config
from fasttls.connection import Connection
from fasttls.constants import AlertDescription, ContentType, HandshakeType, NamedGroup, ProtocolVersion
from fasttls.errors import TLSError
from fasttls.messages import ClientHello
from fasttls.messages import handshake as hsmsg

from .pairs import do_handshake, make_pair, transfer

TLS12, TLS13 = ProtocolVersion.TLS12, ProtocolVersion.TLS13


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
def test_empty_records_bounded_in_each_twin(twin, version):
    key, iv = os.urandom(16), os.urandom(12 if version == TLS13 else 4)
    sealer = twin.aead.RecordSealer(1, key, iv, version, 0)
    opener = twin.aead.RecordOpener(1, key, iv, version, 0)
    assert opener.max_empty_records == twin.aead.MAX_EMPTY_RECORDS
    opener.max_empty_records = 3
    out = bytearray(1000)

    def feed(data: bytes):
        rec = sealer.seal(23, data)
        return opener.open_records(rec, 0, len(rec), out, 0)

    for _ in range(3):
        feed(b"")
    feed(b"x")  # data resets the run
    assert opener.empty_run == 0
    for _ in range(3):
        feed(b"")
    with pytest.raises(TLSError) as e:
        feed(b"")
    assert e.value.alert == AlertDescription.unexpected_message and "empty records" in str(e.value)


def pair(pki, version=TLS13, **kw):
    cc = Config(trust_store=pki.store, min_version=version, max_version=version, session_cache=None, **kw)
    sc = Config(certificates=[pki.server()], min_version=version, max_version=version, **kw)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    return c, s


def alert_of(conn) -> bytes:
    return conn.data_to_send()


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
def test_connection_refuses_a_flood_of_empty_records(pki, version):
    c, s = pair(pki, version, max_empty_records=4)
    for _ in range(5):
        c._write.write_record(ContentType.APPLICATION_DATA, b"")
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message
    assert alert_of(s)  # the alert went out (encrypted)


def test_key_updates_in_a_row_are_bounded(pki):
    c, s = pair(pki, max_key_updates=3)
    for _ in range(4):
        c._write.write_record(ContentType.HANDSHAKE, bytes([HandshakeType.key_update, 0, 0, 1, 0]))
        # keep the sender's keys in step with what it announced
        c._set_write_secret(key_schedule.next_traffic_secret(c.cipher_suite.hash_alg, c._write.traffic_secret), None)
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message and "KeyUpdate" in str(e.value)


def test_key_updates_with_data_between_are_fine(pki):
    c, s = pair(pki, max_key_updates=2)
    for i in range(6):
        c.key_update(request_peer=False)
        c.send(b"d%d" % i)
        transfer(c, s)
        assert s.read() == b"d%d" % i


def test_tls12_warning_alerts_are_bounded(pki):
    c, s = pair(pki, TLS12, max_warning_alerts=2)
    for _ in range(3):
        c._send_alert(1, AlertDescription.no_renegotiation)
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message and "warning" in str(e.value)


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
def test_user_canceled_warnings_count_as_warning_alerts(pki, version):
    """A user_canceled warning is ignored (RFC 8446 6.1: close_notify follows), but each
    counts: without the bound a peer could send them forever.  As OpenSSL, the bound is
    on warnings in a row (data in between starts the count again), and the
    max_warning_alerts-th in a row fails."""
    c, s = pair(pki, version, max_warning_alerts=3)
    for round in range(4):
        for _ in range(2):
            c._send_alert(1, AlertDescription.user_canceled)
        c.send(b"still here %d" % round)
        transfer(c, s)
        assert s.read() == b"still here %d" % round
    for _ in range(3):
        c._send_alert(1, AlertDescription.user_canceled)
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message and e.value.reason == "TOO_MANY_WARN_ALERTS"


def test_tls13_change_cipher_specs_are_dropped_up_to_a_bound(pki):
    """RFC 8446 section 5: a CCS between the first ClientHello and the peer's Finished
    is dropped (OpenSSL drops every one); past Go's bound of 16 it is an attack."""
    from fasttls.connection import MAX_CHANGE_CIPHER_SPECS

    cc = Config(trust_store=pki.store, min_version=TLS13, session_cache=None)
    sc = Config(certificates=[pki.server()], min_version=TLS13)
    c, s = make_pair(cc, sc)
    c.start()
    hello = c.data_to_send()
    ccs = b"\x14\x03\x03\x00\x01\x01"
    s.receive_data(hello + ccs * MAX_CHANGE_CIPHER_SPECS)
    with pytest.raises(TLSError) as e:
        s.receive_data(ccs)
    assert e.value.alert == AlertDescription.unexpected_message and "ChangeCipherSpec" in str(e.value)


def test_tls13_handshake_completes_with_change_cipher_specs_between_messages(pki):
    """The peer's extra CCS records (RFC 8446 section 5) change nothing."""
    cc = Config(trust_store=pki.store, min_version=TLS13, session_cache=None)
    sc = Config(certificates=[pki.server()], min_version=TLS13)
    c, s = make_pair(cc, sc)
    c.start()
    ccs = b"\x14\x03\x03\x00\x01\x01"
    s.receive_data(c.data_to_send() + ccs * 2)
    c.receive_data(ccs * 3 + s.data_to_send())
    s.receive_data(ccs + c.data_to_send())
    assert c.handshake_complete and s.handshake_complete
    with pytest.raises(TLSError) as e:  # after the peer's Finished it is unexpected
        c.receive_data(ccs)
    assert e.value.alert == AlertDescription.unexpected_message


def test_handshake_message_size_limit_is_checked_from_the_header(pki):
    """A huge length in a handshake header is refused at once, before buffering its body."""
    sc = Config(certificates=[pki.server()], max_handshake_message=1000)
    _, s = make_pair(Config(trust_store=pki.store), sc)
    header = bytes([HandshakeType.client_hello]) + (1001).to_bytes(3, "big")
    with pytest.raises(TLSError) as e:
        s.receive_data(b"\x16\x03\x01\x00\x04" + header)
    assert "over the limit" in str(e.value)
    assert alert_of(s)[:1] == b"\x15"


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])
def test_certificate_message_limit(pki, version):
    """``max_certificate_message`` holds the peer's Certificate (Go's 256 KiB by default)."""
    cc = Config(trust_store=pki.store, max_certificate_message=100, min_version=version, max_version=version)
    c, s = make_pair(cc, Config(certificates=[pki.server()]))
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.reason == "EXCESSIVE_MESSAGE_SIZE" and e.value.alert == AlertDescription.illegal_parameter
    assert "limit of 100" in str(e.value)



@pytest.mark.parametrize("msg_type,declared", [(HandshakeType.key_update, 60000), (HandshakeType.finished, 65), (HandshakeType.key_update, 2)])
def test_a_small_message_declaring_a_large_body_is_refused_from_its_header(pki, msg_type, declared):
    """A KeyUpdate has one byte and a Finished at most 48: a header declaring more is
    refused before the body comes (OpenSSL's per-message limits), not after 60,000 bytes
    have trickled in one small record at a time.  (A server takes a Finished after the
    handshake only as the end of a client's answer to its CertificateRequest.)"""
    c, s = requested_client_auth(pki)
    c._write_records(ContentType.HANDSHAKE, bytes([msg_type]) + declared.to_bytes(3, "big") + b"\x00")
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.reason == "EXCESSIVE_MESSAGE_SIZE" and e.value.alert == AlertDescription.illegal_parameter


@pytest.mark.parametrize(
    "version,sender,msg_type,declared",
    [
        (TLS13, "client", 99, 65537),  # a type TLS 1.3 does not have
        (TLS13, "server", HandshakeType.finished, 65),  # a client takes no Finished after the handshake
        (TLS13, "server", HandshakeType.hello_request, 4),  # a TLS 1.2 message
        (TLS12, "client", HandshakeType.key_update, 2),  # a TLS 1.3 message
        (TLS12, "client", HandshakeType.finished, 65),  # no renegotiation: only a ClientHello may come
    ],
    ids=["unknown-type", "finished-to-client", "hello-request-in-tls13", "key-update-in-tls12", "finished-after-tls12"],
)
def test_a_message_that_may_not_come_is_unexpected_whatever_its_size(pki, version, sender, msg_type, declared):
    """OpenSSL checks a message's type before its size: one that cannot come now is
    unexpected_message (RFC 8446 6.2), not an oversized message of that type."""
    c, s = pair(pki, version)
    src, dst = (c, s) if sender == "client" else (s, c)
    src._write_records(ContentType.HANDSHAKE, bytes([msg_type]) + declared.to_bytes(3, "big") + b"\x00")
    with pytest.raises(TLSError) as e:
        transfer(src, dst)
    assert e.value.alert == AlertDescription.unexpected_message, e.value
    assert f"type {msg_type}, {declared} bytes" in str(e.value)


@pytest.mark.parametrize("body", [b"", b"\x00" * 3], ids=["empty", "truncated"])
def test_a_malformed_message_that_may_not_come_is_unexpected(pki, body):
    """OpenSSL checks the type before it parses: a truncated ServerHello sent to a server
    is unexpected_message (it was decode_error); the right type, malformed, stays decode_error."""
    _, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    hello = bytes([HandshakeType.server_hello]) + len(body).to_bytes(3, "big") + body
    with pytest.raises(TLSError) as e:
        s.receive_data(b"\x16\x03\x01" + len(hello).to_bytes(2, "big") + hello)
    assert e.value.alert == AlertDescription.unexpected_message, e.value
    assert "expected ClientHello, received ServerHello (and it does not parse" in str(e.value)
    _, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    hello = bytes([HandshakeType.client_hello]) + len(body).to_bytes(3, "big") + body
    with pytest.raises(TLSError) as e:
        s.receive_data(b"\x16\x03\x01" + len(hello).to_bytes(2, "big") + hello)
    assert e.value.alert == AlertDescription.decode_error, e.value


@pytest.mark.parametrize("receiver", ["client", "server"])
def test_after_the_handshake_a_malformed_message_of_a_type_that_may_not_come_is_unexpected(pki, receiver):
    """A client never takes a CertificateVerify after the handshake, a server only when
    it asked for a certificate (post-handshake auth): unexpected_message, malformed or not."""
    c, s = pair(pki, TLS13)
    src, dst = (s, c) if receiver == "client" else (c, s)
    src._write_records(ContentType.HANDSHAKE, bytes([HandshakeType.certificate_verify]) + (3).to_bytes(3, "big") + b"\x08\x04\x00")
    with pytest.raises(TLSError) as e:
        transfer(src, dst)
    assert e.value.alert == AlertDescription.unexpected_message, e.value
    assert "unexpected CertificateVerify after the handshake (and it does not parse" in str(e.value)


def requested_client_auth(pki):
    """An established TLS 1.3 pair whose server has sent a post-handshake CertificateRequest,
    which the client never sees: what the client sends next is the test's."""
    cc = Config(trust_store=pki.store, certificates=[pki.client()], post_handshake_auth=True, session_cache=None)
    sc = Config(certificates=[pki.server()], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store, post_handshake_auth=True)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    s.verify_client_post_handshake()
    s.data_to_send()
    return c, s


def test_a_malformed_answer_to_a_post_handshake_certificate_request_is_decode_error(pki):
    c, s = requested_client_auth(pki)
    c._write_records(ContentType.HANDSHAKE, bytes([HandshakeType.certificate]) + (3).to_bytes(3, "big") + b"\x00\x00\x05")
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.decode_error, e.value


def test_during_the_handshake_a_message_of_another_type_is_unexpected_whatever_its_size(pki):
    """The client waits for EncryptedExtensions: a KeyUpdate declaring 2 bytes is
    unexpected_message (what it waits for is known from the handshake), as in ssl."""
    c, s = make_pair(Config(trust_store=pki.store, min_version=TLS13), Config(certificates=[pki.server()]))
    orig = s.write_handshake

    def write_handshake(msg):
        if isinstance(msg, hsmsg.EncryptedExtensions):  # first under the handshake keys
            s._write_records(ContentType.HANDSHAKE, bytes([HandshakeType.key_update]) + (2).to_bytes(3, "big") + b"\x00")
        return orig(msg)

    s.write_handshake = write_handshake
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.unexpected_message, e.value
    assert "expected EncryptedExtensions, received KeyUpdate" in str(e.value)


@pytest.mark.parametrize("partial", [False, True], ids=["plain", "behind-a-handshake-fragment"])
def test_empty_records_do_not_end_a_run_of_warnings(pki, twin, partial):
    """Only a record with content ends a run of warning alerts (and a warning ends a run
    of empty records): alternating the two must meet one of the limits.  With a piece of
    a HelloRequest waiting (TLS 1.2 lets records interleave), an empty record counted as
    data and reset the warnings, and the two limits cleared each other for ever."""
    cc = Config(trust_store=pki.store, max_version=TLS12)
    c, s = make_pair(cc, Config(certificates=[pki.server()]), twin=twin)
    do_handshake(c, s)
    if partial:
        s._write.write_record(ContentType.HANDSHAKE, b"\x00")  # a HelloRequest's first byte
    with pytest.raises(TLSError) as e:
        for _ in range(2 * cc.max_warning_alerts):
            s._write.write_record(ContentType.ALERT, bytes([1, AlertDescription.no_renegotiation]))
            s._write.write_record(ContentType.APPLICATION_DATA, b"")
            c.receive_data(s.data_to_send())
    assert e.value.reason == "TOO_MANY_WARN_ALERTS"


def _memory_held_by_a_pending_server(pki, version, hrr: bool, extra_schemes: int) -> int:
    """Bytes a server Connection still holds once it has answered a ClientHello padded
    with ``extra_schemes`` unknown signature schemes and waits for the client."""
    cc = Config(trust_store=pki.store, min_version=version, max_version=version, session_cache=None)
    sc = Config(certificates=[pki.server()], min_version=version, max_version=version)
    if hrr:
        cc.groups, cc.key_share_groups, sc.groups = [NamedGroup.x25519, NamedGroup.secp384r1], [NamedGroup.x25519], [NamedGroup.secp384r1]
    client = Connection(cc, server_side=False, server_hostname="localhost")
    client.start()
    hello = ClientHello.unmarshal(client.data_to_send()[5:])
    hello.signature_algorithms = list(hello.signature_algorithms) + [0x0A00 + i for i in range(extra_schemes)]
    raw = hello.marshal()
    # One record at a time, as a socket reads them: the receive buffer (pooled once
    # empty) stays at one record's size.
    records = [b"\x16\x03\x01" + len(raw[i : i + 16384]).to_bytes(2, "big") + raw[i : i + 16384] for i in range(0, len(raw), 16384)]
    gc.collect()
    tracemalloc.start()
    try:
        server = Connection(sc, server_side=True)
        server.start()
        for record in records:
            server.receive_data(record)
        assert server.data_to_send() and not server.handshake_complete
        del records, record, raw, hello
        gc.collect()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("version,hrr", [(TLS13, False), (TLS13, True), (TLS12, False)], ids=["tls13", "tls13-hrr", "tls12"])
def test_a_pending_handshake_does_not_hold_a_huge_client_hello_parsed(pki, version, hrr):
    """A 60 KiB ClientHello of 30,000 signature schemes parses into ~1.3 MB of Python
    lists.  A server waiting for the client's next flight keeps only what it still needs
    (with a HelloRetryRequest out, the first hello's bytes), so a thousand such pending
    handshakes do not take 1.3 GB (OpenSSL: ~180 KB each)."""
    normal = _memory_held_by_a_pending_server(pki, version, hrr, 0)
    huge = _memory_held_by_a_pending_server(pki, version, hrr, 30000)
    assert huge - normal < (64 if hrr else 4) * 1024 + 16 * 1024, (normal, huge)

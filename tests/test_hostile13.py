"""TLS 1.3 peers that break the rules (RFC 8446 sections 4 and 6): the exact alert, a clear error.

Hostile flights are built by parsing what a real fasttls peer sent with the
codec, changing one field, and marshalling it again (not hand-made bytes).
"""

from __future__ import annotations

import dataclasses

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fasttls.config import Config
from fasttls.constants import AlertDescription, CipherSuite, ContentType, NamedGroup, ProtocolVersion
from fasttls.errors import AlertReceived, TLSError
from fasttls.messages import ClientHello, ServerHello, parse_handshake

from .pairs import do_handshake, make_pair, run_until_error, tamper_sent, transfer

TLS13 = ProtocolVersion.TLS13


def configs(pki, **server_kw):
    return Config(trust_store=pki.store, min_version=TLS13, session_cache=None), Config(certificates=[pki.server()], min_version=TLS13, **server_kw)


def records(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i + 3 : i + 5], "big")
        out.append((data[i], data[i + 5 : i + 5 + n]))
        i += 5 + n
    return out


def record(ctype: int, payload: bytes) -> bytes:
    return bytes([ctype, 3, 3]) + len(payload).to_bytes(2, "big") + payload


def rewrite_first_message(flight: bytes, cls, **changes) -> bytes:
    """Re-marshal the first (plaintext) handshake message of ``flight`` with ``changes``; keep the rest."""
    recs = records(flight)
    ctype, payload = recs[0]
    assert ctype == ContentType.HANDSHAKE
    msg = parse_handshake(payload, True)
    assert isinstance(msg, cls)
    new = dataclasses.replace(msg, raw=None, **changes)
    rest = b"".join(record(t, p) for t, p in recs[1:])
    return record(ContentType.HANDSHAKE, new.marshal()) + rest


def expect_alert(conn, data: bytes, alert: AlertDescription) -> TLSError:
    with pytest.raises(TLSError) as e:
        conn.receive_data(data)
    assert e.value.alert == alert, e.value
    last_type, last = records(conn.data_to_send())[-1]
    if last_type == ContentType.ALERT:  # before handshake keys: the alert in clear
        assert last == bytes([2, alert])
    else:  # under handshake keys: an encrypted record (the alert's body is checked by the peer tests)
        assert last_type == ContentType.APPLICATION_DATA and len(last) == 2 + 1 + 16
    return e.value


def first_flights(pki, **server_kw):
    cc, sc = configs(pki, **server_kw)
    c, s = make_pair(cc, sc)
    c.start()
    hello = c.data_to_send()
    s.receive_data(hello)
    return c, s, hello, s.data_to_send()


# ---- the client checks the server ---------------------------------------------------------------


def test_server_hello_selecting_a_suite_never_offered(pki):
    c, s, _, reply = first_flights(pki)
    bad = rewrite_first_message(reply, ServerHello, cipher_suite=CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def test_server_hello_with_a_version_never_offered(pki):
    c, s, _, reply = first_flights(pki)
    bad = rewrite_first_message(reply, ServerHello, supported_version=0x0305)
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def test_server_key_share_for_a_group_never_offered(pki):
    c, s, _, reply = first_flights(pki)
    sh = parse_handshake(records(reply)[0][1], True)
    group, public = sh.server_share
    bad = rewrite_first_message(reply, ServerHello, server_share=(NamedGroup.secp521r1, public))
    err = expect_alert(c, bad, AlertDescription.illegal_parameter)
    assert "group" in str(err).lower() or "share" in str(err).lower()


def test_server_hello_with_a_psk_never_offered(pki):
    c, s, _, reply = first_flights(pki)
    bad = rewrite_first_message(reply, ServerHello, selected_identity=0)
    # RFC 8446 4.2: a response extension that was never requested is unsupported_extension.
    expect_alert(c, bad, AlertDescription.unsupported_extension)


def test_server_hello_with_compression(pki):
    c, s, _, reply = first_flights(pki)
    bad = rewrite_first_message(reply, ServerHello, compression_method=1)
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def test_second_hello_retry_request(pki):
    cc, sc = configs(pki, groups=[NamedGroup.secp384r1])
    cc.key_share_groups = [NamedGroup.x25519]
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    hrr = s.data_to_send()
    c.receive_data(hrr)
    assert c.hello_retry_request
    c.data_to_send()  # the second ClientHello
    # RFC 8446 4.1.4: a second HelloRetryRequest is unexpected_message.
    hrr_only = record(ContentType.HANDSHAKE, records(hrr)[0][1])
    expect_alert(c, hrr_only, AlertDescription.unexpected_message)


def test_hello_retry_request_for_a_group_with_a_share_already(pki):
    cc, sc = configs(pki, groups=[NamedGroup.secp384r1])
    cc.key_share_groups = [NamedGroup.x25519]
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    hrr = s.data_to_send()
    # RFC 8446 4.1.4: an HRR that would not change the ClientHello is illegal_parameter.
    bad = rewrite_first_message(hrr, ServerHello, selected_group=NamedGroup.x25519)
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def test_bad_certificate_verify_signature(pki, monkeypatch):
    from fasttls.handshake import server13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    real_sign = server13.auth.sign

    def flipped(key, scheme, msg, **kw):
        sig = bytearray(real_sign(key, scheme, msg, **kw))
        sig[len(sig) // 2] ^= 0x01
        return bytes(sig)

    monkeypatch.setattr(server13.auth, "sign", flipped)
    c.start()
    transfer(c, s)
    monkeypatch.undo()
    err = expect_alert(c, s.data_to_send(), AlertDescription.decrypt_error)
    assert "signature" in str(err).lower() or "certificateverify" in str(err).lower()


# ---- the server checks the client ---------------------------------------------------------------


def client_hello_flight(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    return s, c.data_to_send()


def test_client_key_share_outside_supported_groups(pki):
    s, hello = client_hello_flight(pki)
    ch = parse_handshake(records(hello)[0][1], True)
    bad = rewrite_first_message(hello, ClientHello, supported_groups=[g for g in ch.supported_groups if g != ch.key_shares[0][0]])
    expect_alert(s, bad, AlertDescription.illegal_parameter)


def test_client_offering_only_old_versions(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, supported_versions=[0x0302, 0x0301])
    expect_alert(s, bad, AlertDescription.protocol_version)


def test_client_hello_without_key_share(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, key_shares=None)
    expect_alert(s, bad, AlertDescription.missing_extension)


def test_client_hello_with_compression(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, compression_methods=[1, 0])
    expect_alert(s, bad, AlertDescription.illegal_parameter)


def test_client_hello_without_common_suite(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, cipher_suites=[0x1305])
    expect_alert(s, bad, AlertDescription.handshake_failure)


def test_an_unprotected_alert_after_the_handshake_is_unexpected_message(pki):
    """RFC 8446 5: after the handshake every record is protected; a plaintext alert (here
    user_canceled, which protected is a warning to go on from) is unexpected_message.
    The warning-level rule itself: test_warning_level_alert_in_tls13_is_an_error."""
    from .pairs import do_handshake

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    with pytest.raises(TLSError, match="unprotected alert after the handshake") as info:
        s.receive_data(record(ContentType.ALERT, b"\x01\x5a"))
    assert info.value.alert == AlertDescription.unexpected_message


def test_key_update_with_an_invalid_value(pki):
    from .pairs import do_handshake

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    # Send a KeyUpdate with request_update = 7 through the client's record layer.
    c._write.write_record(ContentType.HANDSHAKE, b"\x18\x00\x00\x01\x07")
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    # RFC 8446 4.6.3: any request_update other than 0 or 1 is illegal_parameter.
    assert e.value.alert == AlertDescription.illegal_parameter


def _lazily_broken(der: bytes) -> bytes:
    """A copy of ``der`` that loads but fails when a field is read (cryptography parses lazily)."""
    from cryptography import x509

    for i in range(len(der) - 1, 0, -1):  # deterministic: from the end (extensions, then names)
        bad = bytearray(der)
        bad[i] ^= 0x80
        try:
            cert = x509.load_der_x509_certificate(bytes(bad))
        except ValueError:
            continue
        try:
            cert.subject, cert.issuer, cert.public_key(), cert.extensions  # noqa: B018
        except ValueError:
            return bytes(bad)
    raise AssertionError("no lazily broken variant found")


@pytest.mark.parametrize("side", ["server", "client"])
def test_certificate_that_fails_to_parse_late_is_bad_certificate(pki, side):
    import copy

    from fasttls.config import ClientAuthType

    from .pairs import do_handshake

    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    honest = pki.server() if side == "server" else pki.client()
    broken = copy.copy(honest)
    broken.chain_der = [_lazily_broken(honest.chain_der[0]), *honest.chain_der[1:]]
    if side == "server":
        sc.certificates = [broken]
        cc.certificates = [pki.client()]
    else:
        cc.certificates = [broken]
    c, s = make_pair(cc, sc)
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.bad_certificate, e.value


def test_parsed_certificates_are_shared_and_broken_ones_never_cached(pki):
    """check_certificates_parse keeps complete parses (Go's certCache): the same DER gives
    the same object on the next connection; a certificate that failed is refused each time."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from fasttls.handshake import common

    chain = list(pki.server().chain_der)
    first = common.check_certificates_parse([bytearray(d) for d in chain], "server")
    again = common.check_certificates_parse(chain, "server")
    assert [a is b for a, b in zip(first, again)] == [True] * len(chain)
    assert [c.public_bytes(Encoding.DER) for c in again] == chain

    broken = _lazily_broken(chain[0])
    for _ in range(2):
        with pytest.raises(TLSError) as e:
            common.check_certificates_parse([broken, *chain[1:]], "server")
        assert e.value.alert == AlertDescription.bad_certificate
    assert broken not in common._PARSED


def test_the_parsed_certificate_cache_is_bounded(pki, monkeypatch):
    from fasttls.handshake import common

    monkeypatch.setattr(common, "_PARSED", {})
    monkeypatch.setattr(common, "_PARSED_MAX", 2)
    for ck in (pki.server(), pki.client(), pki.server()):
        common.check_certificates_parse(list(ck.chain_der), "peer")
        assert 0 < len(common._PARSED) <= 2


def test_the_parsed_certificate_cache_is_bounded_by_bytes_and_keeps_no_huge_certificate(pki, monkeypatch):
    """Every peer's certificates are parsed (and were kept) before verification: a hostile
    peer's 200 KB certificates held ~10 MiB of parsed names each after their connections
    closed, 256 of them at most (a leak probe).  A certificate over 16 KiB is not kept,
    and the kept ones' DER stays under a byte budget."""
    import datetime

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from fasttls.handshake import common

    monkeypatch.setattr(common, "_PARSED", {})
    monkeypatch.setattr(common, "_parsed_bytes", 0)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "a") for _ in range(2000)])
    now = datetime.datetime.now(datetime.timezone.utc)
    huge = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )  # fmt: skip
    assert len(huge) > common._PARSED_ENTRY_MAX
    common.check_certificates_parse([huge], "server")
    assert common._PARSED == {}
    chains = [list(ck.chain_der) for ck in (pki.server(), pki.client(), pki.server("rsa-2048"))]
    budget = sum(len(d) for d in chains[0]) + 1
    monkeypatch.setattr(common, "_PARSED_BYTES_MAX", budget)
    for chain in chains:
        common.check_certificates_parse(chain, "peer")
        assert 0 < sum(len(d) for d in common._PARSED) == common._parsed_bytes <= budget


# ---- record-level rules (RFC 8446 5 and 6) ------------------------------------------------------


def established(pki):
    from .pairs import do_handshake

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    return c, s


def test_change_cipher_spec_with_a_wrong_body(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    # RFC 8446 5: a CCS whose single byte is not 0x01 is unexpected_message.
    expect_alert(s, c.data_to_send() + record(ContentType.CHANGE_CIPHER_SPEC, b"\x02"), AlertDescription.unexpected_message)


def test_zero_length_handshake_record(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    c.start()
    # RFC 8446 5.1: zero-length Handshake fragments MUST NOT be sent.
    expect_alert(s, record(ContentType.HANDSHAKE, b""), AlertDescription.unexpected_message)


@pytest.mark.parametrize(
    "between",
    [
        pytest.param((ContentType.APPLICATION_DATA, b"in between"), id="application-data"),
        pytest.param((ContentType.ALERT, bytes([1, AlertDescription.user_canceled])), id="warning-alert"),
    ],
)
def test_handshake_message_interleaved_with_another_record(pki, between):
    c, s = established(pki)
    # A KeyUpdate cut in two records with another record between them (RFC 8446 5.1).
    c._write.write_record(ContentType.HANDSHAKE, b"\x18\x00")
    c._write.write_record(*between)
    c._write.write_record(ContentType.HANDSHAKE, b"\x00\x01\x00")
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message


def test_an_empty_application_data_record_between_handshake_fragments(pki, twin):
    """An empty record carries no data but is still a record of another type (RFC 8446
    5.1): it used to slip through, since the record layer swallows empty records and
    the check looked for bytes.  ssl: unexpected_message.  (TLS 1.2 lets records
    interleave: tests/test_handshake12.py.)"""
    c, s = make_pair(*configs(pki), twin=twin)
    do_handshake(c, s)
    first, rest = b"\x18\x00", b"\x00\x01\x00"  # a KeyUpdate in two pieces
    c._write.write_record(ContentType.HANDSHAKE, first)
    c._write.write_record(ContentType.APPLICATION_DATA, b"")
    c._write.write_record(ContentType.HANDSHAKE, rest)
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.unexpected_message
    assert "application data inside a fragmented handshake message" in str(e.value)


def test_an_empty_application_data_record_before_the_handshake_completes(pki, twin):
    """Under the handshake keys, before the server's Finished: unexpected_message, as a
    record with data is (ssl: UNEXPECTED_RECORD)."""
    c, s = make_pair(*configs(pki), twin=twin)
    orig = s.write_handshake

    def write_handshake(msg):
        if type(msg).__name__ == "EncryptedExtensions":  # first under the handshake keys
            s._write_records(ContentType.APPLICATION_DATA, b"")
        return orig(msg)

    s.write_handshake = write_handshake
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.unexpected_message
    assert "before the handshake completed" in str(err)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param((24, b"heartbeat"), id="inner-type-24"),
        pytest.param((0x30, b"x"), id="unknown-inner-type"),
        pytest.param((0, b""), id="no-inner-type"),  # all padding: a plaintext of zeros
    ],
)
@pytest.mark.parametrize("path", ["receive_data", "receive_into"])
def test_a_bad_record_right_behind_data_is_raised_with_the_data_kept(pki, twin, bad, path):
    """The data opened before a failing record is kept for the application, then the
    error is raised (as OpenSSL's SSL_read returns the data, then fails).  The error
    waited in the record layer for its next call with input, and a record whose inner
    content failed had already been consumed, so none came: the error was lost, no
    alert went out, and reads waited for more (ssl: BAD_RECORD_TYPE, unexpected_message)."""
    c, s = make_pair(*configs(pki), twin=twin)
    do_handshake(c, s)
    c._write.write_record(ContentType.APPLICATION_DATA, b"ping")
    c._write.write_record(*bad)  # inner type 0 and no content: an inner plaintext of one zero
    wire = c.data_to_send()
    buf = memoryview(bytearray(100))
    with pytest.raises(TLSError) as e:
        if path == "receive_data":
            s.receive_data(wire)
        else:
            s._receive_into(wire, buf)
    # The data is still there to read, ahead of the error (the socket and SSLObject
    # layers return it first and raise the connection's error at the next read).
    assert s.read_into(buf) == 4 and bytes(buf[:4]) == b"ping"
    assert s.error is not None
    assert e.value.alert == AlertDescription.unexpected_message
    with pytest.raises(AlertReceived) as sent:  # and the alert went to the peer
        c.receive_data(s.data_to_send())
    assert sent.value.alert == AlertDescription.unexpected_message


def test_warning_level_alert_in_tls13_is_an_error(pki):
    from fasttls.errors import AlertReceived

    c, s = established(pki)
    # RFC 8446 6: every alert but close_notify/user_canceled is an error whatever its level.
    c._send_alert(1, AlertDescription.no_renegotiation)
    with pytest.raises(AlertReceived) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.no_renegotiation


def test_server_hello_with_a_wrong_legacy_version(pki):
    c, s, _, reply = first_flights(pki)
    bad = rewrite_first_message(reply, ServerHello, legacy_version=0x0304)
    err = expect_alert(c, bad, AlertDescription.illegal_parameter)
    assert "legacy_version" in str(err) or "version" in str(err).lower()


def test_server_certificate_without_server_auth_usage(pki):
    """A certificate for clientAuth only must not authenticate a server (RFC 5280 EKU)."""
    from fasttls.errors import SSLCertVerificationError

    cc, _ = configs(pki)
    sc = Config(certificates=[pki.client(names=("localhost",))], min_version=TLS13)
    c, s = make_pair(cc, sc)
    from .pairs import do_handshake

    with pytest.raises(SSLCertVerificationError) as e:
        do_handshake(c, s)
    assert e.value.alert in (AlertDescription.bad_certificate, AlertDescription.unsupported_certificate)


# ---- more RFC 8446 "MUST abort" rules (issue 8) ---------------------------------------------------


def test_server_hello_with_another_session_id_echo(pki):
    c, s, hello, reply = first_flights(pki)
    sh = parse_handshake(records(reply)[0][1], True)
    # RFC 8446 4.1.3: legacy_session_id_echo must equal the client's legacy_session_id.
    bad = rewrite_first_message(reply, ServerHello, session_id=bytes(b ^ 1 for b in sh.session_id) or b"\x01")
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def hrr_flights(pki):
    """After a HelloRetryRequest: the server's reply to the second ClientHello."""
    c, s, flight = second_client_hello(pki)
    s.receive_data(flight)
    return c, s, s.data_to_send()


def test_server_hello_after_hrr_with_another_cipher_suite(pki):
    c, s, reply = hrr_flights(pki)
    sh = parse_handshake(records(reply)[0][1], True)
    other = CipherSuite.TLS_AES_256_GCM_SHA384 if sh.cipher_suite != CipherSuite.TLS_AES_256_GCM_SHA384 else CipherSuite.TLS_AES_128_GCM_SHA256
    # RFC 8446 4.1.4: the ServerHello's cipher suite must be the HelloRetryRequest's.
    expect_alert(c, rewrite_first_message(reply, ServerHello, cipher_suite=other), AlertDescription.illegal_parameter)


def test_server_hello_after_hrr_with_a_share_for_another_group(pki):
    c, s, reply = hrr_flights(pki)
    sh = parse_handshake(records(reply)[0][1], True)
    _, public = sh.server_share
    # RFC 8446 4.2.8: the share must be for the group the HelloRetryRequest selected.
    bad = rewrite_first_message(reply, ServerHello, server_share=(NamedGroup.x25519, public))
    expect_alert(c, bad, AlertDescription.illegal_parameter)


def test_encrypted_extensions_with_a_response_never_asked_for(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    from fasttls.messages import EncryptedExtensions

    # The client offered no ALPN (RFC 8446 4.2: unsolicited responses are unsupported_extension).
    tamper_sent(s, EncryptedExtensions, alpn_protocol="h2")
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.unsupported_extension


def test_empty_server_certificate_is_decode_error(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    from fasttls.messages import CertificateTLS13

    # RFC 8446 4.4.2.4: an empty Certificate from the server is decode_error.
    tamper_sent(s, CertificateTLS13, certificate_list=[])
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.decode_error


def test_certificate_request_with_a_context_in_the_handshake(pki):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateRequestTLS13

    cc, sc = configs(pki, client_auth=ClientAuthType.RequestClientCert)
    c, s = make_pair(cc, sc)
    # RFC 8446 4.3.2: certificate_request_context is empty unless post-handshake.
    tamper_sent(s, CertificateRequestTLS13, certificate_request_context=b"\x01\x02")
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter


@pytest.mark.parametrize("side", ["client", "server"])
def test_finished_off_by_one_bit_is_decrypt_error(pki, side):
    from fasttls.messages import Finished

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    flipped = lambda msg: dataclasses.replace(msg, raw=None, verify_data=msg.verify_data[:-1] + bytes([msg.verify_data[-1] ^ 1]))  # noqa: E731
    tamper_sent(s if side == "server" else c, Finished, flipped)
    # RFC 8446 4.4.4: a Finished that does not verify is decrypt_error.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.decrypt_error and err.reason == "DIGEST_CHECK_FAILED"


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("cut", [-1, 1], ids=["short", "long"])
def test_finished_of_the_wrong_length_is_decode_error(pki, side, cut):
    """A verify_data of the wrong length is a message that does not decode (RFC 8446 6.2
    decode_error; OpenSSL's BAD_DIGEST_LENGTH), not one that fails to verify."""
    from fasttls.messages import Finished

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    resized = lambda msg: dataclasses.replace(msg, raw=None, verify_data=msg.verify_data[:cut] if cut < 0 else msg.verify_data + b"\0")  # noqa: E731
    tamper_sent(s if side == "server" else c, Finished, resized)
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.decode_error and err.reason == "BAD_DIGEST_LENGTH"


def test_client_hello_with_psk_but_no_psk_modes(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, psk_identities=[(b"ticket", 0)], psk_binders=[bytes(32)], psk_modes=[])
    assert parse_handshake(records(bad)[0][1], True).psk_identities
    # RFC 8446 4.2.9: a pre_shared_key without psk_key_exchange_modes is missing_extension.
    expect_alert(s, bad, AlertDescription.missing_extension)


def test_client_hello_without_signature_algorithms(pki):
    s, hello = client_hello_flight(pki)
    # RFC 8446 9.2: a TLS 1.3 ClientHello without PSK must carry signature_algorithms.
    bad = rewrite_first_message(hello, ClientHello, signature_algorithms=[])
    expect_alert(s, bad, AlertDescription.missing_extension)


def second_client_hello(pki):
    cc, sc = configs(pki, groups=[NamedGroup.secp384r1])
    cc.key_share_groups = [NamedGroup.x25519]
    c, s = make_pair(cc, sc)
    c.start()
    transfer(c, s)
    c.receive_data(s.data_to_send())  # HelloRetryRequest (and the server's CCS)
    assert c.hello_retry_request
    return c, s, c.data_to_send()


def first_handshake_record(flight: bytes) -> tuple[bytes, bytes]:
    """The flight cut before its first handshake record (a CCS may come first)."""
    recs = records(flight)
    i = next(k for k, (t, _) in enumerate(recs) if t == ContentType.HANDSHAKE)
    before = b"".join(record(t, p) for t, p in recs[:i])
    return before, b"".join(record(t, p) for t, p in recs[i:])


def test_second_client_hello_with_other_cipher_suites(pki):
    c, s, flight = second_client_hello(pki)
    before, rest = first_handshake_record(flight)
    # RFC 8446 4.1.2: the second ClientHello repeats the first but for the listed changes.
    bad = rewrite_first_message(rest, ClientHello, cipher_suites=[CipherSuite.TLS_AES_128_GCM_SHA256])
    expect_alert(s, before + bad, AlertDescription.illegal_parameter)


def test_second_client_hello_without_a_share_for_the_selected_group(pki):
    c, s, flight = second_client_hello(pki)
    before, rest = first_handshake_record(flight)
    ch2 = parse_handshake(records(rest)[0][1], True)
    assert [k[0] for k in ch2.key_shares] == [NamedGroup.secp384r1]
    # RFC 8446 4.2.8: the retried hello carries one share, for the group the server asked for.
    bad = rewrite_first_message(rest, ClientHello, key_shares=[(NamedGroup.x25519, bytes(32))])
    expect_alert(s, before + bad, AlertDescription.illegal_parameter)


def test_application_data_before_the_handshake_completes(pki):
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    # RFC 8446 5 / 5.1: application data before the handshake (so unprotected) is
    # unexpected_message.  (Once the server has read a ClientHello, it expects protected
    # records, and the same bytes are then bad_record_mac.)
    expect_alert(s, record(ContentType.APPLICATION_DATA, b"early bytes"), AlertDescription.unexpected_message)
    s2, hello = client_hello_flight(pki)
    expect_alert(s2, hello + record(ContentType.APPLICATION_DATA, b"early bytes"), AlertDescription.bad_record_mac)


def test_oversized_protected_record_is_record_overflow(pki):
    c, s = established(pki)
    # RFC 8446 5.2: a TLSCiphertext longer than 2^14 + 256 is record_overflow.
    expect_alert(s, bytes([ContentType.APPLICATION_DATA, 3, 3]) + (2**14 + 257).to_bytes(2, "big"), AlertDescription.record_overflow)


def test_unknown_record_type_is_unexpected_message(pki):
    c, s = established(pki)
    # RFC 8446 5: a record of an unknown content type is unexpected_message.
    expect_alert(s, record(0x42, b"\x00" * 20), AlertDescription.unexpected_message)


def _client_hello_with_a_duplicate_extension(hello_flight: bytes) -> bytes:
    """The ClientHello record with its first extension repeated at the end of the block
    (the codec refuses to write duplicates, so the bytes are spliced by hand)."""
    (ctype, payload), *rest = records(hello_flight)
    body = bytearray(payload[4:])
    i = 2 + 32
    i += 1 + body[i]  # legacy_session_id
    i += 2 + int.from_bytes(body[i : i + 2], "big")  # cipher_suites
    i += 1 + body[i]  # legacy_compression_methods
    ext_len = int.from_bytes(body[i : i + 2], "big")
    first_len = int.from_bytes(body[i + 4 : i + 6], "big")
    first = bytes(body[i + 2 : i + 6 + first_len])
    body[i : i + 2] = (ext_len + len(first)).to_bytes(2, "big")
    body += first
    msg = bytes([payload[0]]) + len(body).to_bytes(3, "big") + bytes(body)
    return record(ctype, msg) + b"".join(record(t, p) for t, p in rest)


def test_client_hello_with_a_duplicated_extension(pki):
    s, hello = client_hello_flight(pki)
    # RFC 8446 4.2: more than one extension of the same type is illegal_parameter (decode rule).
    expect_alert(s, _client_hello_with_a_duplicate_extension(hello), AlertDescription.illegal_parameter)


def test_server_certificate_with_a_bad_signature(pki):
    """The leaf's signature does not verify under its issuer: the chain is refused (bad_certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from fasttls.errors import SSLCertVerificationError
    from fasttls.messages import CertificateTLS13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    der = bytearray(sc.certificates[0].chain[0].public_bytes(Encoding.DER))
    der[-3] ^= 0x01  # inside the signature value at the end of the certificate
    x509.load_der_x509_certificate(bytes(der))  # still parses: only the signature is wrong

    def lie(msg):  # the server still signs with the real key: only the certificate lies
        leaf = dataclasses.replace(msg.certificate_list[0], cert_data=bytes(der))
        return dataclasses.replace(msg, raw=None, certificate_list=[leaf, *msg.certificate_list[1:]])

    tamper_sent(s, CertificateTLS13, lie)
    err = run_until_error(c, s)
    assert isinstance(err, SSLCertVerificationError), repr(err)
    # cryptography's path builder finds no issuer whose signature verifies: unknown_ca,
    # as OpenSSL says for "unable to get local issuer certificate".
    assert err.alert in (AlertDescription.unknown_ca, AlertDescription.bad_certificate), err


def test_server_ignores_grease_and_unknown_values(pki):
    """RFC 8446 9.3 / RFC 8701: unknown cipher suites, groups, versions, signature schemes, key
    shares and extensions in a ClientHello are ignored, not refused."""
    s, hello = client_hello_flight(pki)
    ch = parse_handshake(records(hello)[0][1], True)
    grease = 0x0A0A
    bad = rewrite_first_message(
        hello,
        ClientHello,
        cipher_suites=[grease, *ch.cipher_suites],
        supported_groups=[grease, *ch.supported_groups],
        supported_versions=[grease, *ch.supported_versions],
        signature_algorithms=[grease, *ch.signature_algorithms],
        key_shares=[(grease, b"\x00"), *ch.key_shares],
        extensions=[(0x1A1A, b""), *ch.extensions],
    )
    sent = parse_handshake(records(bad)[0][1], True)
    assert 0x1A1A in sent.extension_types and grease in sent.cipher_suites and (grease, b"\x00") in sent.key_shares
    s.receive_data(bad)  # no error
    sh = parse_handshake(records(s.data_to_send())[0][1], True)
    assert isinstance(sh, ServerHello) and not sh.is_hello_retry_request
    assert sh.cipher_suite in ch.cipher_suites and sh.supported_version == TLS13
    assert sh.server_share[0] in [k[0] for k in ch.key_shares]


# ---- the checks no test reached (found by coverage) -------------------------------------------------


def hrr_pair(pki, **server_kw):
    """A pair where the server answers the first ClientHello with a HelloRetryRequest
    (the client shares only X25519; the server only takes secp384r1)."""
    cc, sc = configs(pki, groups=[NamedGroup.secp384r1], **server_kw)
    cc.key_share_groups = [NamedGroup.x25519]
    return make_pair(cc, sc)


def tamper_hrr(conn, **changes):
    """Make the server ``conn`` send its HelloRetryRequest with ``changes``."""
    tamper_sent(conn, ServerHello, lambda msg: dataclasses.replace(msg, raw=None, **changes) if msg.is_hello_retry_request else msg)


@pytest.mark.parametrize(
    "changes,alert",
    [
        # RFC 8446 4.1.4: an HRR that would not change the ClientHello is illegal_parameter.
        ({"selected_group": None, "cookie": b""}, AlertDescription.illegal_parameter),
        # RFC 8446 4.2.8: an HRR's key_share is ``NamedGroup selected_group``; a key share
        # entry there does not parse (decode_error, as OpenSSL and Go answer; sent with the
        # cookie, so the HRR is not also one that changes nothing).
        ({"selected_group": None, "server_share": (NamedGroup.secp384r1, bytes(97))}, AlertDescription.decode_error),
        # RFC 8446 4.2.8: the selected group must be one of the client's supported_groups.
        ({"selected_group": 0x0A0A}, AlertDescription.illegal_parameter),
    ],
    ids=["changes-nothing", "with-a-key-share-entry", "group-never-offered"],
)
def test_hello_retry_request_breaking_a_rule(pki, changes, alert):
    c, s = hrr_pair(pki, hello_retry_cookie=True)
    tamper_hrr(s, **changes)
    c.start()
    transfer(c, s)
    expect_alert(c, s.data_to_send(), alert)


def test_server_hello_after_hrr_with_another_version(pki):
    c, s, reply = hrr_flights(pki)
    # RFC 8446 4.1.4: the ServerHello's version must be the HelloRetryRequest's.
    expect_alert(c, rewrite_first_message(reply, ServerHello, supported_version=0x7F1C), AlertDescription.illegal_parameter)


def test_server_hello_with_a_cookie(pki):
    c, s, _, reply = first_flights(pki)
    # RFC 8446 4.2: cookie belongs in a HelloRetryRequest; a recognised extension in a
    # message it is not specified for is illegal_parameter (as OpenSSL answers).
    expect_alert(c, rewrite_first_message(reply, ServerHello, cookie=b"cookie"), AlertDescription.illegal_parameter)


def test_server_hello_without_a_key_share(pki):
    c, s, _, reply = first_flights(pki)
    # RFC 8446 9.2: a (EC)DHE handshake without key_share is missing_extension.
    expect_alert(c, rewrite_first_message(reply, ServerHello, server_share=None), AlertDescription.missing_extension)


def resumable_pair(pki, **server_kw):
    """A client with a ticket from a first handshake, paired with the server again."""
    cc, sc = configs(pki, **server_kw)
    c, s = make_pair(cc, sc)
    from .pairs import do_handshake

    do_handshake(c, s)
    transfer(s, c)  # the tickets
    assert c.session is not None
    return make_pair(cc, sc, session=c.session)


def test_server_selecting_a_psk_identity_out_of_range(pki):
    c, s = resumable_pair(pki)
    tamper_sent(s, ServerHello, selected_identity=1)  # we offered one identity: index 0
    # RFC 8446 4.2.11: a selected_identity outside the client's list is illegal_parameter.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "PSK" in str(err)


def test_server_resuming_with_a_suite_of_another_hash(pki):
    c, s = resumable_pair(pki)
    assert c.session.cipher_suite == CipherSuite.TLS_AES_128_GCM_SHA256
    tamper_sent(s, ServerHello, cipher_suite=CipherSuite.TLS_AES_256_GCM_SHA384)
    # RFC 8446 4.2.11: the PSK's hash must be the selected suite's.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "PSK" in str(err)


def test_server_selecting_an_alpn_protocol_never_offered(pki):
    from fasttls.messages import EncryptedExtensions

    cc, sc = configs(pki, alpn_protocols=["h2", "http/1.1"])
    cc.alpn_protocols = ["http/1.1"]
    c, s = make_pair(cc, sc)
    tamper_sent(s, EncryptedExtensions, alpn_protocol="h2")
    # RFC 7301 3.2: the server's protocol must be one the client offered.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "ALPN" in str(err)


def test_certificate_request_without_signature_algorithms(pki):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateRequestTLS13

    cc, sc = configs(pki, client_auth=ClientAuthType.RequestClientCert)
    c, s = make_pair(cc, sc)
    tamper_sent(s, CertificateRequestTLS13, signature_algorithms=[])
    # RFC 8446 4.3.2: signature_algorithms MUST be in a CertificateRequest.
    assert run_until_error(c, s).alert == AlertDescription.missing_extension


def test_server_certificate_with_a_request_context(pki):
    from fasttls.messages import CertificateTLS13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(s, CertificateTLS13, certificate_request_context=b"\x07")
    # RFC 8446 4.4.2: the server's certificate_request_context is empty.
    assert run_until_error(c, s).alert == AlertDescription.illegal_parameter


# A scheme no TLS 1.3 peer offers (RFC 8446 4.2.3: SHA-1 and PKCS#1 v1.5 are not for
# CertificateVerify); the signature itself is left valid, so only the rule is broken.
ECDSA_SHA1 = 0x0203


@pytest.mark.parametrize("side", ["client", "server"])
def test_certificate_verify_with_a_scheme_never_offered(pki, side):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateVerify

    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    tamper_sent(s if side == "server" else c, CertificateVerify, signature_algorithm=ECDSA_SHA1)
    # RFC 8446 4.4.3: the scheme must be one the peer offered in signature_algorithms.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "scheme" in str(err)


def empty_ticket(msg):
    """The NewSessionTicket's bytes with an empty ticket field (our marshal refuses to build one)."""
    body = msg.ticket_lifetime.to_bytes(4, "big") + msg.ticket_age_add.to_bytes(4, "big")
    body += bytes([len(msg.ticket_nonce)]) + msg.ticket_nonce + b"\x00\x00" + b"\x00\x00"
    return dataclasses.replace(msg, raw=bytes([msg.msg_type]) + len(body).to_bytes(3, "big") + body)


@pytest.mark.parametrize(
    "change,alert",
    [
        # RFC 8446 4.6.1: a ticket_lifetime over 604800 s (7 days) is illegal_parameter.
        (lambda msg: dataclasses.replace(msg, raw=None, ticket_lifetime=604801), AlertDescription.illegal_parameter),
        # RFC 8446 4.6.1: opaque ticket<1..2^16-1>: an empty one does not decode.
        (empty_ticket, AlertDescription.decode_error),
    ],
    ids=["lifetime-over-7-days", "empty-ticket"],
)
def test_new_session_ticket_breaking_a_rule(pki, change, alert):
    from fasttls.messages import NewSessionTicketTLS13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(s, NewSessionTicketTLS13, change)
    err = run_until_error(c, s)  # the tickets travel with the server's last flight
    assert err.alert == alert and c.handshake_complete and s.handshake_complete
    assert c.session is None


def test_client_hello_with_a_non_empty_renegotiation_info(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, secure_renegotiation_supported=True, secure_renegotiation=bytes(12))
    assert parse_handshake(records(bad)[0][1], True).secure_renegotiation == bytes(12)
    # RFC 5746 3.6: in an initial handshake renegotiation_info must be empty: handshake_failure.
    err = expect_alert(s, bad, AlertDescription.handshake_failure)
    assert "renegotiation_info" in str(err)


def test_second_client_hello_offering_early_data(pki):
    c, s, flight = second_client_hello(pki)
    before, rest = first_handshake_record(flight)
    # RFC 8446 4.2.10: a client must not offer early data after a HelloRetryRequest.
    bad = rewrite_first_message(rest, ClientHello, early_data=True)
    err = expect_alert(s, before + bad, AlertDescription.illegal_parameter)
    assert "early data" in str(err)


@pytest.mark.parametrize("cookie", [b"", b"not the server's cookie"], ids=["dropped", "replaced"])
def test_second_client_hello_without_our_cookie(pki, cookie):
    c, s = hrr_pair(pki, hello_retry_cookie=True)
    c.start()
    transfer(c, s)
    c.receive_data(s.data_to_send())
    before, rest = first_handshake_record(c.data_to_send())
    assert parse_handshake(records(rest)[0][1], True).cookie  # the client echoed it
    # RFC 8446 4.2.2: the second ClientHello carries the HelloRetryRequest's cookie.
    err = expect_alert(s, before + rewrite_first_message(rest, ClientHello, cookie=cookie), AlertDescription.illegal_parameter)
    assert "cookie" in str(err)


def test_client_hello_with_more_psk_identities_than_binders(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, psk_identities=[(b"one", 0), (b"two", 0)], psk_binders=[bytes(32)], psk_modes=[1])
    # RFC 8446 4.2.11: one binder per identity.
    err = expect_alert(s, bad, AlertDescription.illegal_parameter)
    assert "binders" in str(err)


def test_no_certificate_for_the_clients_signature_algorithms(pki):
    from fasttls.constants import SignatureScheme

    s, hello = client_hello_flight(pki)  # the server has an ECDSA P-256 certificate only
    bad = rewrite_first_message(hello, ClientHello, signature_algorithms=[SignatureScheme.rsa_pss_rsae_sha256])
    # RFC 8446 4.4.2.2: no certificate the client can verify: handshake_failure (as Go and OpenSSL).
    err = expect_alert(s, bad, AlertDescription.handshake_failure)
    assert "certificate" in str(err)


def test_client_certificate_with_a_request_context(pki):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateTLS13

    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    tamper_sent(c, CertificateTLS13, certificate_request_context=b"\x07")
    # RFC 8446 4.4.2: the context echoes the CertificateRequest's, empty in the handshake.
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter and "request context" in str(err)


def early_data_flight(pki):
    """A client that offers 0-RTT (the flag set in its ClientHello) and the server."""
    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(c, ClientHello, in_place=True, early_data=True)
    c.start()
    return c, s, c.data_to_send()


def test_rejected_early_data_is_skipped(pki):
    import os

    from .pairs import exchange

    c, s, hello = early_data_flight(pki)
    assert parse_handshake(records(hello)[0][1], True).early_data
    # 0-RTT records: protected under the client's early traffic keys, which a server
    # that never accepts early data does not have (its EncryptedExtensions says so).
    early = b"".join(record(ContentType.APPLICATION_DATA, os.urandom(n)) for n in (17, 1000, 16400))
    s.receive_data(hello + early)
    transfer(s, c)
    # RFC 8446 4.2.10: the server skips records it cannot open, up to a limit, then
    # the client's real flight (under handshake keys) ends the skipping.
    transfer(c, s)
    assert c.handshake_complete and s.handshake_complete
    assert exchange(c, s, b"after the early data") == b"after the early data"
    # Skipping is over: an undecryptable record now is bad_record_mac.
    expect_alert(s, record(ContentType.APPLICATION_DATA, os.urandom(40)), AlertDescription.bad_record_mac)


@pytest.mark.parametrize("split", [False, True], ids=["one-read", "record-by-record"])
def test_too_much_rejected_early_data(pki, split):
    import os

    from fasttls.handshake.server13 import MAX_SKIPPED_EARLY_DATA

    c, s, hello = early_data_flight(pki)
    early = [record(ContentType.APPLICATION_DATA, os.urandom(16400)) for _ in range(MAX_SKIPPED_EARLY_DATA // 16400 + 1)]
    # RFC 8446 4.2.10: early data past the limit is unexpected_message (as OpenSSL and
    # BoringSSL send for rejected early data), whole or record by record.
    if split:
        s.receive_data(hello)
        for rec in early[:-1]:
            s.receive_data(rec)
        err = expect_alert(s, early[-1], AlertDescription.unexpected_message)
    else:
        err = expect_alert(s, hello + b"".join(early), AlertDescription.unexpected_message)
    assert "too much rejected early data" in str(err)


# ---- legacy_version (RFC 8446 4.1.2, 4.1.3, appendix D.5) ------------------------------------------


@pytest.mark.parametrize("legacy", [0x0300, 0x0200])
def test_client_hello_with_an_ssl3_legacy_version(pki, legacy):
    s, hello = client_hello_flight(pki)
    # D.5: legacy_version 0x0300 or less is protocol_version, even beside supported_versions.
    bad = rewrite_first_message(hello, ClientHello, legacy_version=legacy)
    assert parse_handshake(records(bad)[0][1], True).supported_versions
    err = expect_alert(s, bad, AlertDescription.protocol_version)
    assert "legacy_version" in str(err)


def test_server_hello_with_an_ssl3_legacy_version(pki):
    c, s, _, reply = first_flights(pki)
    # D.5 again, from the server: protocol_version (OpenSSL's answer too), not illegal_parameter.
    err = expect_alert(c, rewrite_first_message(reply, ServerHello, legacy_version=0x0300), AlertDescription.protocol_version)
    assert "legacy_version" in str(err)


def test_server_choosing_tls13_in_legacy_version(pki):
    c, s, _, reply = first_flights(pki)
    # 4.1.3 / 4.2.1: TLS 1.3 is chosen in supported_versions only (Go: missing_extension).
    bad = rewrite_first_message(reply, ServerHello, legacy_version=TLS13, supported_version=None)
    err = expect_alert(c, bad, AlertDescription.missing_extension)
    assert "supported_versions" in str(err)


def test_tls12_client_given_supported_versions_it_did_not_offer(pki):
    cc = Config(trust_store=pki.store, max_version=ProtocolVersion.TLS12, session_cache=None)
    c, s = make_pair(cc, Config(certificates=[pki.server()]))
    c.start()
    hello = c.data_to_send()
    assert not parse_handshake(records(hello)[0][1], True).supported_versions
    s.receive_data(hello)
    # RFC 8446 4.2: a response to an extension never sent is unsupported_extension.
    recs = records(s.data_to_send())
    ctype, payload = recs[0]  # the whole TLS 1.2 flight: ServerHello first
    n = 4 + int.from_bytes(payload[1:4], "big")
    sh = dataclasses.replace(parse_handshake(payload[:n], False), raw=None, supported_version=TLS13)
    bad = record(ctype, sh.marshal() + payload[n:]) + b"".join(record(t, p) for t, p in recs[1:])
    expect_alert(c, bad, AlertDescription.unsupported_extension)


# ---- extensions in the wrong message (RFC 8446 4.2, 4.3.2, 4.4.2, 4.6.1) ---------------------------

KEY_SHARE = 51  # recognised, and specified for ClientHello, ServerHello and HRR only
STATUS_REQUEST = 5  # may answer a request in a CertificateEntry
UNKNOWN = 0x1234


def with_entry_extension(ext_type: int):
    """A change for tamper_sent: the first CertificateEntry carries ``ext_type`` (a copy:
    the sender's cached entries stay as they are)."""

    def change(msg):
        entries = [dataclasses.replace(e) for e in msg.certificate_list]
        if ext_type == STATUS_REQUEST:
            entries[0].ocsp_response = b"an OCSP response"
        else:
            entries[0].extensions = list(entries[0].extensions) + [(ext_type, b"\x00\x01")]
        return dataclasses.replace(msg, raw=None, certificate_list=entries)

    return change


@pytest.mark.parametrize(
    "side,ext_type,alert",
    [
        ("server", KEY_SHARE, AlertDescription.illegal_parameter),
        ("server", UNKNOWN, AlertDescription.unsupported_extension),
        ("client", KEY_SHARE, AlertDescription.illegal_parameter),
        ("client", STATUS_REQUEST, AlertDescription.unsupported_extension),
        ("client", UNKNOWN, AlertDescription.unsupported_extension),
    ],
    ids=["server-misplaced", "server-unknown", "client-misplaced", "client-never-asked-for", "client-unknown"],
)
def test_certificate_entry_extensions_must_answer_a_request(pki, side, ext_type, alert):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateTLS13

    cc, sc = configs(pki, client_auth=ClientAuthType.RequireAnyClientCert)
    cc.certificates = [pki.client()]
    c, s = make_pair(cc, sc)
    # 4.4.2: the server's entry extensions answer the ClientHello, the client's answer the
    # CertificateRequest (ours asks for none, not even status_request); a recognised one
    # that belongs elsewhere is illegal_parameter (4.2).
    tamper_sent(s if side == "server" else c, CertificateTLS13, with_entry_extension(ext_type))
    err = run_until_error(c, s)
    assert err.alert == alert and "CertificateEntry" in str(err), err


def test_certificate_entry_with_a_status_that_was_asked_for(pki):
    from fasttls.messages import CertificateTLS13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(s, CertificateTLS13, with_entry_extension(STATUS_REQUEST))
    # What the server refuses from a client above is fine from a server: it answers the
    # status_request of our ClientHello.
    do_handshake(c, s)
    assert c.ocsp_response == b"an OCSP response"


@pytest.mark.parametrize("ext_type,fails", [(KEY_SHARE, True), (UNKNOWN, False)], ids=["misplaced", "unknown-ignored"])
def test_certificate_request_extensions(pki, ext_type, fails):
    from fasttls.config import ClientAuthType
    from fasttls.messages import CertificateRequestTLS13

    cc, sc = configs(pki, client_auth=ClientAuthType.RequestClientCert)
    c, s = make_pair(cc, sc)
    tamper_sent(s, CertificateRequestTLS13, lambda msg: dataclasses.replace(msg, raw=None, extensions=[(ext_type, b"\x00\x1d")]))
    if fails:  # 4.2: recognised but not for this message
        err = run_until_error(c, s)
        assert err.alert == AlertDescription.illegal_parameter and "CertificateRequest" in str(err)
    else:  # 4.3.2: "Clients MUST ignore unrecognized extensions"
        do_handshake(c, s)
        assert c.handshake_complete


@pytest.mark.parametrize("ext_type,fails", [(KEY_SHARE, True), (UNKNOWN, False)], ids=["misplaced", "unknown-ignored"])
def test_new_session_ticket_extensions(pki, ext_type, fails):
    from fasttls.messages import NewSessionTicketTLS13

    cc, sc = configs(pki)
    c, s = make_pair(cc, sc)
    tamper_sent(s, NewSessionTicketTLS13, lambda msg: dataclasses.replace(msg, raw=None, extensions=[(ext_type, b"\x00\x1d")]))
    if fails:
        err = run_until_error(c, s)
        assert err.alert == AlertDescription.illegal_parameter and "NewSessionTicket" in str(err)
        assert c.session is None
    else:  # 4.6.1: "Clients MUST ignore unrecognized extensions"
        do_handshake(c, s)
        assert c.session is not None


# ---- records between the pieces of a hello (RFC 8446 5.1) ------------------------------------------


def test_alert_between_the_pieces_of_a_client_hello(pki):
    s, hello = client_hello_flight(pki)
    ctype, payload = records(hello)[0]
    # The version is not settled yet, but a TLS 1.3 peer may be speaking: 5.1 forbids
    # other records between the fragments of a handshake message (OpenSSL agrees).
    flight = record(ctype, payload[:50]) + record(ContentType.ALERT, b"\x01\x5a") + record(ctype, payload[50:])
    err = expect_alert(s, flight, AlertDescription.unexpected_message)
    assert "fragmented" in str(err)


def test_sni_with_a_nul_byte(pki):
    s, hello = client_hello_flight(pki)
    bad = rewrite_first_message(hello, ClientHello, server_name="good.example\x00.evil.example")
    err = expect_alert(s, bad, AlertDescription.illegal_parameter)
    assert "NUL" in str(err)


@pytest.mark.parametrize("level", [0, 3, 255])
def test_alert_of_unknown_level(pki, level):
    """RFC 8446 6 / 5246 7.2: an alert is warning (1) or fatal (2).  Another level is
    illegal_parameter (OpenSSL's UNKNOWN_ALERT_TYPE); it used to read as a fatal alert from
    the peer, named by its description, and got no alert back."""
    s, hello = client_hello_flight(pki)
    err = expect_alert(s, hello + record(ContentType.ALERT, bytes([level, 40])), AlertDescription.illegal_parameter)
    assert err.reason == "UNKNOWN_ALERT_TYPE"


@pytest.mark.parametrize("payload, alert", [(b"", AlertDescription.unexpected_message), (b"\x01", AlertDescription.decode_error), (b"\x01\x00\x00", AlertDescription.decode_error)], ids=["empty", "one-byte", "three-bytes"])
def test_alert_record_of_the_wrong_length_after_the_handshake(pki, payload, alert):
    """RFC 8446 5.4: a zero-length alert record is unexpected_message, as an empty handshake
    record is (OpenSSL: BAD_LENGTH with that alert; it used to be decode_error here); another
    length stays decode_error (OpenSSL too)."""
    c, s = make_pair(*configs(pki))
    do_handshake(c, s)
    s._write_records(ContentType.ALERT, payload)
    err = expect_alert(c, s.data_to_send(), alert)
    assert ("empty alert record" if not payload else f"alert record of {len(payload)} bytes") in str(err)

"""The handshake message codec: round trips, truncations, fuzzing, known bytes, strictness.

* Round trip (Go's TestMarshalUnmarshal): random valid instances of every message,
  marshal -> parse -> equal fields, ``.raw`` is the marshalled bytes.
* Truncation: no prefix of a valid message parses, nor the message plus a byte;
  always decode_error.  Also with the header length fixed up, so the body parser
  itself meets the cut (Go exempts ClientHello, ServerHello and Finished, whose
  bodies may end early; here the one legal cut point is checked exactly).
* Fuzz (h11's fuzz invariant): random bytes and mutated valid messages raise only
  TLSError, and whatever parses re-marshals to something that parses the same.
* Known bytes: RFC 8448 (the section 3 ClientHello/ServerHello quoted in full,
  then every message of tests/vectors/rfc8448.py), and live flights of Python's
  ``ssl`` module over MemoryBIO (TLS 1.3, HelloRetryRequest, TLS 1.2 with client
  certificates, the downgrade canary), each re-marshalled byte for byte.
* Strictness: each malformed case checks the exact alert.
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasttls.constants import (
    AlertDescription,
    CipherSuite,
    ExtensionType,
    HandshakeType,
    KeyUpdateRequest,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from fasttls.errors import TLSError
from fasttls.messages import extensions as ext
from fasttls.messages import handshake as m
from fasttls.messages.codec import Reader, Writer
from fasttls.messages.extensions import ALLOWED_EXTENSIONS_TLS13, KeyShareEntry, PskIdentity
from tests.vectors import rfc8448

A = AlertDescription
E = ExtensionType
H = HandshakeType

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expect_alert(alert: AlertDescription, fn, *args):
    with pytest.raises(TLSError) as info:
        fn(*args)
    assert info.value.alert == alert, info.value
    return info.value


def header(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def ext_block(*exts: tuple[int, bytes]) -> bytes:
    body = b"".join(t.to_bytes(2, "big") + len(d).to_bytes(2, "big") + d for t, d in exts)
    return len(body).to_bytes(2, "big") + body


# ====================================================================== strategies

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


def blob(min_size: int = 0, max_size: int = 24) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=min_size, max_size=max_size)


u16_list = st.lists(u16, min_size=1, max_size=6)
host_names = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20).filter(
    lambda s: not s.endswith(".")
)
alpn_names = blob(1, 10).map(ext.decode_protocol_name)
random32 = st.one_of(blob(32, 32), st.just(m.HELLO_RETRY_REQUEST_RANDOM), blob(24, 24).map(lambda b: b + b"DOWNGRD\x01"))
session_ids = blob(0, 32)
key_shares = st.lists(st.builds(KeyShareEntry, u16, blob(1, 40)), max_size=3, unique_by=lambda e: e.group)
binders = blob(32, 48)
record_size_limits = st.one_of(st.none(), st.integers(64, 0xFFFF))
ders = st.lists(blob(1, 16), min_size=1, max_size=3)

# Extension types no message models: they must come back untouched, in place.
UNMODELED = [0x0A0A, 0x1A1A, 0xFE0D, 0x4469, int(E.encrypt_then_mac), int(E.compress_certificate)]


def templates(modeled: frozenset[int]) -> st.SearchStrategy[list[tuple[int, bytes]]]:
    """An ``extensions`` template: unknown entries with data, modelled ones (data ignored) for their order."""
    entry = st.one_of(
        st.tuples(st.sampled_from(UNMODELED), blob(0, 8)),
        st.tuples(st.sampled_from(sorted(modeled)), st.just(b"")),
    )
    return st.lists(entry, max_size=5, unique_by=lambda e: e[0])


@st.composite
def client_hellos(draw) -> m.ClientHello:
    suites = draw(u16_list)
    ticket_supported = draw(st.booleans())
    renego = draw(st.booleans()) or CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV in suites
    identities = draw(st.lists(st.builds(PskIdentity, blob(1, 24), u32), max_size=2))
    return m.ClientHello(
        legacy_version=draw(u16),
        random=draw(blob(32, 32)),
        session_id=draw(session_ids),
        cipher_suites=suites,
        compression_methods=draw(st.lists(u8, min_size=1, max_size=3)),
        server_name=draw(st.none() | host_names),
        ocsp_stapling=draw(st.booleans()),
        supported_groups=draw(st.just([]) | u16_list),
        supported_points=draw(st.just([]) | st.lists(u8, min_size=1, max_size=3)),
        ticket_supported=ticket_supported,
        session_ticket=draw(blob()) if ticket_supported else b"",
        signature_algorithms=draw(st.just([]) | u16_list),
        signature_algorithms_cert=draw(st.just([]) | u16_list),
        secure_renegotiation_supported=renego,
        secure_renegotiation=draw(blob(0, 12)) if renego else b"",
        extended_master_secret=draw(st.booleans()),
        alpn_protocols=draw(st.lists(alpn_names, max_size=3)),
        scts=draw(st.booleans()),
        supported_versions=draw(st.just([]) | u16_list),
        cookie=draw(blob()),
        key_shares=draw(st.none() | key_shares),
        early_data=draw(st.booleans()),
        psk_modes=draw(st.just([]) | st.lists(u8, min_size=1, max_size=2)),
        psk_identities=identities,
        psk_binders=[draw(binders) for _ in identities] + (draw(st.lists(binders, max_size=1)) if identities else []),
        record_size_limit=draw(record_size_limits),
        post_handshake_auth=draw(st.booleans()),
        certificate_authorities=draw(st.just([]) | ders),
        padding=draw(st.none() | st.integers(0, 40)),
        extensions=draw(templates(m.ClientHello.MODELED)),
    )


@st.composite
def server_hellos(draw) -> m.ServerHello:
    share_kind = draw(st.sampled_from(["none", "share", "group"]))
    renego = draw(st.booleans())
    return m.ServerHello(
        legacy_version=draw(u16),
        # RFC 8446 4.2.8: a HelloRetryRequest's key_share names a group, a ServerHello's is a share.
        random=(
            m.HELLO_RETRY_REQUEST_RANDOM
            if share_kind == "group"
            else draw(random32.filter(lambda r: r != m.HELLO_RETRY_REQUEST_RANDOM)) if share_kind == "share" else draw(random32)
        ),
        session_id=draw(session_ids),
        cipher_suite=draw(u16),
        compression_method=draw(u8),
        supported_version=draw(st.none() | u16),
        server_share=draw(st.builds(KeyShareEntry, u16, blob(1, 40))) if share_kind == "share" else None,
        selected_group=draw(u16) if share_kind == "group" else None,
        selected_identity=draw(st.none() | u16),
        cookie=draw(blob()),
        server_name_ack=draw(st.booleans()),
        ocsp_stapling=draw(st.booleans()),
        ticket_supported=draw(st.booleans()),
        secure_renegotiation_supported=renego,
        secure_renegotiation=draw(blob(0, 24)) if renego else b"",
        extended_master_secret=draw(st.booleans()),
        alpn_protocol=draw(st.none() | alpn_names),
        scts=draw(st.just([]) | ders),
        supported_points=draw(st.just([]) | st.lists(u8, min_size=1, max_size=3)),
        record_size_limit=draw(record_size_limits),
        extensions=draw(templates(m.ServerHello.MODELED)),
    )


encrypted_extensions = st.builds(
    m.EncryptedExtensions,
    alpn_protocol=st.none() | alpn_names,
    server_name_ack=st.booleans(),
    early_data=st.booleans(),
    supported_groups=st.just([]) | u16_list,
    record_size_limit=record_size_limits,
    extensions=templates(m.EncryptedExtensions.MODELED),
)

certificate_requests13 = st.builds(
    m.CertificateRequestTLS13,
    certificate_request_context=blob(0, 8),
    signature_algorithms=st.just([]) | u16_list,
    signature_algorithms_cert=st.just([]) | u16_list,
    certificate_authorities=st.just([]) | ders,
    ocsp_stapling=st.booleans(),
    scts=st.booleans(),
    extensions=templates(m.CertificateRequestTLS13.MODELED),
)

certificate_entries = st.builds(
    m.CertificateEntry,
    cert_data=blob(1, 40),
    ocsp_response=blob(0, 16),
    scts=st.just([]) | ders,
    extensions=templates(m.CertificateEntry.MODELED),
)

certificates13 = st.builds(
    m.CertificateTLS13,
    certificate_request_context=blob(0, 8),
    certificate_list=st.lists(certificate_entries, max_size=3),
)

certificate_verifies = st.builds(m.CertificateVerify, signature_algorithm=u16, signature=blob(0, 72))
finisheds = st.builds(m.Finished, verify_data=blob(0, 48))

new_session_tickets13 = st.builds(
    m.NewSessionTicketTLS13,
    ticket_lifetime=u32,
    ticket_age_add=u32,
    ticket_nonce=blob(0, 8),
    ticket=blob(1, 40),
    max_early_data_size=st.none() | u32,
    extensions=templates(m.NewSessionTicketTLS13.MODELED),
)

key_updates = st.builds(m.KeyUpdate, update_requested=st.sampled_from(list(KeyUpdateRequest)))
certificates12 = st.builds(m.CertificateTLS12, certificate_list=st.lists(blob(1, 40), max_size=3))
server_key_exchanges = st.one_of(
    st.builds(m.ServerKeyExchange.ecdhe, u16, blob(1, 65), u16, blob(0, 72)),
    st.builds(m.ServerKeyExchange, key=blob(0, 60)),
)
certificate_requests12 = st.builds(
    m.CertificateRequestTLS12,
    certificate_types=st.lists(u8, min_size=1, max_size=3),
    signature_algorithms=u16_list,
    certificate_authorities=st.lists(blob(1, 16), max_size=3),
)
client_key_exchanges = st.builds(m.ClientKeyExchange, point=blob(1, 65))
new_session_tickets12 = st.builds(m.NewSessionTicketTLS12, ticket_lifetime_hint=u32, ticket=blob(0, 40))
certificate_statuses = st.builds(m.CertificateStatus, response=blob(1, 40))

STRATEGIES: dict[type[m.HandshakeMessage], st.SearchStrategy[m.HandshakeMessage]] = {
    m.ClientHello: client_hellos(),
    m.ServerHello: server_hellos(),
    m.EncryptedExtensions: encrypted_extensions,
    m.CertificateRequestTLS13: certificate_requests13,
    m.CertificateTLS13: certificates13,
    m.CertificateVerify: certificate_verifies,
    m.Finished: finisheds,
    m.NewSessionTicketTLS13: new_session_tickets13,
    m.KeyUpdate: key_updates,
    m.EndOfEarlyData: st.just(m.EndOfEarlyData()),
    m.CertificateTLS12: certificates12,
    m.ServerKeyExchange: server_key_exchanges,
    m.CertificateRequestTLS12: certificate_requests12,
    m.ServerHelloDone: st.just(m.ServerHelloDone()),
    m.ClientKeyExchange: client_key_exchanges,
    m.NewSessionTicketTLS12: new_session_tickets12,
    m.CertificateStatus: certificate_statuses,
    m.HelloRequest: st.just(m.HelloRequest()),
}
CLASSES = list(STRATEGIES)
ALL_MESSAGES = st.one_of(*STRATEGIES.values())


def versions(cls: type[m.HandshakeMessage]) -> list[bool]:
    """The ``tls13`` flags under which parse_handshake knows this class."""
    return [tls13 for tls13, table in ((True, m.TLS13_MESSAGES), (False, m.TLS12_MESSAGES)) if cls in table.values()]


def test_every_message_class_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(m.TLS13_MESSAGES.values()) | set(m.TLS12_MESSAGES.values())


# ====================================================================== round trip


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FAST
@given(data=st.data())
def test_round_trip(cls: type[m.HandshakeMessage], data: st.DataObject) -> None:
    msg = data.draw(STRATEGIES[cls])
    wire = msg.marshal()
    assert msg.raw == wire
    assert wire[0] == cls.msg_type and int.from_bytes(wire[1:4], "big") == len(wire) - 4
    for tls13 in versions(cls):
        parsed = m.parse_handshake(wire, tls13)
        assert type(parsed) is cls
        assert parsed == msg
        assert parsed.raw == wire
        assert cls.unmarshal(memoryview(wire)) == msg
        parsed.raw = None
        assert parsed.marshal() == wire  # a parsed message re-marshals to its own bytes
        assert isinstance(parsed.describe(), dict)


# ====================================================================== truncation

#: Bodies that may legitimately end early (Go's TestMarshalUnmarshal exempts the first three).
OPAQUE_BODY = (m.Finished, m.ServerKeyExchange)


def fixed_part(msg: m.HandshakeMessage) -> int | None:
    """Where a ClientHello/ServerHello body may end when it has no extensions."""
    if isinstance(msg, m.ClientHello):
        return 2 + 32 + 1 + len(msg.session_id) + 2 + 2 * len(msg.cipher_suites) + 1 + len(msg.compression_methods)
    if isinstance(msg, m.ServerHello):
        return 2 + 32 + 1 + len(msg.session_id) + 2 + 1
    return None


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@SLOW
@given(data=st.data())
def test_no_truncation_parses(cls: type[m.HandshakeMessage], data: st.DataObject) -> None:
    msg = data.draw(STRATEGIES[cls])
    wire = msg.marshal()
    body = wire[4:]
    for tls13 in versions(cls):
        # As framed: every prefix and one extra byte are decode_error.
        for j in range(len(wire)):
            expect_alert(A.decode_error, m.parse_handshake, wire[:j], tls13)
        expect_alert(A.decode_error, m.parse_handshake, wire + b"\x00", tls13)
        if cls in OPAQUE_BODY:
            continue
        # With a consistent header, the body parser must notice the cut itself.
        legal_cut = fixed_part(msg)
        for j in range(len(body)):
            if j == legal_cut:
                short = cls.unmarshal(header(cls.msg_type, body[:j]))
                assert short.extensions == []
                continue
            expect_alert(A.decode_error, m.parse_handshake, header(cls.msg_type, body[:j]), tls13)
        expect_alert(A.decode_error, m.parse_handshake, header(cls.msg_type, body + b"\x00"), tls13)


# ====================================================================== fuzz


def check_fuzz_result(data: bytes, tls13: bool) -> None:
    """Only TLSError may escape; whatever parses must re-marshal to an equivalent message."""
    try:
        msg = m.parse_handshake(data, tls13)
    except TLSError:
        return
    assert msg.raw == data
    msg.raw = None
    again = m.parse_handshake(msg.marshal(), tls13)
    assert again == msg


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_fuzz_random_bytes(data: bytes, tls13: bool) -> None:
    check_fuzz_result(data, tls13)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(sorted(set(m.TLS13_MESSAGES) | set(m.TLS12_MESSAGES) | {3, 6, 7, 99, 254})), st.binary(max_size=200), st.booleans())
def test_fuzz_random_bodies(msg_type: int, body: bytes, tls13: bool) -> None:
    check_fuzz_result(header(msg_type, body), tls13)


@st.composite
def mutations(draw) -> tuple[bytes, bool]:
    """A valid message with a few random edits, and a version it exists in."""
    msg = draw(ALL_MESSAGES)
    tls13 = draw(st.sampled_from(versions(type(msg))))
    wire = bytearray(msg.marshal())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete"]))
        if len(wire) <= 4:
            kind = "insert"
        pos = draw(st.integers(4, len(wire) - (kind != "insert")))  # the body: random_bodies covers headers
        if kind == "flip":
            wire[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            wire[pos] = draw(st.sampled_from([0x00, 0x01, 0x02, 0x20, 0x7F, 0x80, 0xFF]))
        elif kind == "insert":
            wire[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        else:
            del wire[pos : pos + draw(st.integers(1, 4))]
    if draw(st.booleans()) and len(wire) >= 4:
        wire[1:4] = (len(wire) - 4).to_bytes(3, "big")  # keep the framing consistent
    return bytes(wire), tls13


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_fuzz_mutated_messages(case: tuple[bytes, bool]) -> None:
    check_fuzz_result(*case)


# ====================================================================== RFC 8448

RFC8448_CLIENT_HELLO = bytes.fromhex(
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec"
    " e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a"
    " 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20"
    " 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03"
    " 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06"
    " 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01"
)
RFC8448_SERVER_HELLO = bytes.fromhex(
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2"
    " 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25"
    " 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04"
)


def test_rfc8448_client_hello() -> None:
    ch = m.parse_handshake(RFC8448_CLIENT_HELLO, True)
    assert isinstance(ch, m.ClientHello)
    assert ch.raw == RFC8448_CLIENT_HELLO
    assert ch.legacy_version == ProtocolVersion.TLS12
    assert ch.random == bytes.fromhex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7")
    assert ch.session_id == b""
    assert ch.cipher_suites == [0x1301, 0x1303, 0x1302]
    assert ch.compression_methods == [0]
    assert ch.server_name == "server"
    assert ch.secure_renegotiation_supported and ch.secure_renegotiation == b""
    assert ch.supported_groups == [0x1D, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]  # ffdhe kept as ints
    assert ch.ticket_supported and ch.session_ticket == b""
    assert ch.key_shares == [(NamedGroup.x25519, rfc8448.SIMPLE_1RTT["client_x25519_public"])]
    assert ch.supported_versions == [ProtocolVersion.TLS13]
    assert ch.signature_algorithms[:3] == [0x0403, 0x0503, 0x0603] and len(ch.signature_algorithms) == 15
    assert ch.psk_modes == [1]
    assert ch.record_size_limit == 0x4001
    assert ch.psk_identities == [] and ch.alpn_protocols == [] and not ch.early_data
    assert ch.extension_types == [0, 0xFF01, 10, 35, 51, 43, 13, 45, 28]
    ch.raw = None
    assert ch.marshal() == RFC8448_CLIENT_HELLO


def test_rfc8448_server_hello() -> None:
    sh = m.parse_handshake(RFC8448_SERVER_HELLO, True)
    assert isinstance(sh, m.ServerHello)
    assert sh.raw == RFC8448_SERVER_HELLO
    assert sh.cipher_suite == CipherSuite.TLS_AES_128_GCM_SHA256
    assert sh.supported_version == ProtocolVersion.TLS13
    assert sh.server_share == (NamedGroup.x25519, rfc8448.SIMPLE_1RTT["server_x25519_public"])
    assert sh.selected_group is None and sh.selected_identity is None and sh.cookie == b""
    assert not sh.is_hello_retry_request and sh.downgrade_canary is None
    assert sh.describe()["key_share"] == "x25519 (32 bytes)"
    sh.raw = None
    assert sh.marshal() == RFC8448_SERVER_HELLO


def rfc8448_messages() -> list[tuple[str, bytes]]:
    """Every complete handshake message in the RFC 8448 vectors (header included)."""
    out = []
    for section in ("SIMPLE_1RTT", "RESUMED_0RTT", "HELLO_RETRY", "CLIENT_AUTH"):
        for key, value in getattr(rfc8448, section).items():
            name = key.rsplit("_", 1)[0] if key.endswith(("1", "2")) else key
            if key in ("client_hello1", "client_hello2", "hello_retry_request") or name in (
                "client_hello", "server_hello", "encrypted_extensions", "certificate", "certificate_request",
                "certificate_verify", "server_finished", "client_finished", "new_session_ticket", "end_of_early_data",
                "client_certificate", "client_certificate_verify",
            ):  # fmt: skip
                out.append((f"{section}.{key}", value))
    return out


RFC8448_MESSAGES = rfc8448_messages()


def test_rfc8448_vectors_found() -> None:
    assert len(RFC8448_MESSAGES) >= 30


@pytest.mark.parametrize("name,wire", RFC8448_MESSAGES, ids=[n for n, _ in RFC8448_MESSAGES])
def test_rfc8448_messages_round_trip(name: str, wire: bytes) -> None:
    msg = m.parse_handshake(wire, True)
    assert msg.raw == wire
    msg.raw = None
    assert msg.marshal() == wire
    assert isinstance(msg.describe(), dict)


def test_rfc8448_message_fields() -> None:
    s = rfc8448.SIMPLE_1RTT
    ee = m.EncryptedExtensions.unmarshal(s["encrypted_extensions"])
    assert ee.server_name_ack and ee.record_size_limit == 0x4001 and ee.supported_groups[0] == NamedGroup.x25519
    assert ee.alpn_protocol is None and not ee.early_data
    cert = m.CertificateTLS13.unmarshal(s["certificate"])
    assert cert.certificate_request_context == b"" and len(cert.certificate_list) == 1
    x509.load_der_x509_certificate(cert.certificates[0])  # the DER came out whole
    cv = m.CertificateVerify.unmarshal(s["certificate_verify"])
    assert cv.signature_algorithm == SignatureScheme.rsa_pss_rsae_sha256 and len(cv.signature) == 128
    fin = m.Finished.unmarshal(s["server_finished"])
    assert fin.verify_data == s["server_finished_verify_data"]
    nst = m.parse_handshake(s["new_session_ticket"], True)
    assert isinstance(nst, m.NewSessionTicketTLS13)
    assert (nst.ticket_lifetime, nst.ticket_age_add, nst.ticket_nonce, nst.ticket) == (
        s["ticket_lifetime"], s["ticket_age_add"], s["ticket_nonce"], s["ticket"],
    )  # fmt: skip
    assert nst.max_early_data_size == 1024
    assert m.parse_handshake(rfc8448.RESUMED_0RTT["end_of_early_data"], True) == m.EndOfEarlyData()

    hrr = m.ServerHello.unmarshal(rfc8448.HELLO_RETRY["hello_retry_request"])
    assert hrr.is_hello_retry_request
    assert hrr.selected_group == NamedGroup.secp256r1 and hrr.server_share is None
    assert hrr.cookie == rfc8448.HELLO_RETRY["cookie"]
    assert hrr.describe()["hello_retry_request"] is True
    ch2 = m.ClientHello.unmarshal(rfc8448.HELLO_RETRY["client_hello2"])
    assert ch2.cookie == hrr.cookie and [g for g, _ in ch2.key_shares] == [NamedGroup.secp256r1]

    cr = m.CertificateRequestTLS13.unmarshal(rfc8448.CLIENT_AUTH["certificate_request"])
    assert cr.certificate_request_context == b"" and SignatureScheme.rsa_pss_rsae_sha256 in cr.signature_algorithms


def test_rfc8448_psk_binders() -> None:
    """RFC 8446 4.2.11.2: the truncated ClientHello the binder covers, and putting a binder in place."""
    r = rfc8448.RESUMED_0RTT
    ch = m.ClientHello.unmarshal(r["client_hello"])
    assert ch.extension_types[-1] == E.pre_shared_key
    assert ch.psk_identities == [(r["ticket"], ch.psk_identities[0].obfuscated_ticket_age)]
    assert ch.psk_binders == [r["binder"]]
    assert ch.marshal_without_binders() == r["client_hello_prefix"]

    # The client's way: zero binders, hash the truncated hello, then update_binders.
    fresh = m.ClientHello.unmarshal(r["client_hello"])
    fresh.raw = None
    fresh.psk_binders = [bytes(32)]
    assert fresh.marshal_without_binders() == r["client_hello_prefix"]
    fresh.update_binders([r["binder"]])
    assert fresh.raw == r["client_hello"]
    assert fresh.marshal() == r["client_hello"]
    with pytest.raises(ValueError):
        fresh.update_binders([bytes(48)])  # a binder must keep its length


def test_update_binders_without_raw() -> None:
    ch = m.ClientHello(cipher_suites=[0x1301], psk_modes=[1], psk_identities=[(b"ticket", 7)], psk_binders=[bytes(32)])
    prefix = ch.marshal_without_binders()
    assert ch.raw is not None and ch.raw.startswith(prefix)
    ch.raw = None
    ch.update_binders([b"\xaa" * 32])
    wire = ch.marshal()
    assert wire.startswith(prefix) and wire.endswith(b"\x00\x21\x20" + b"\xaa" * 32)
    with pytest.raises(ValueError):
        m.ClientHello(cipher_suites=[0x1301]).marshal_without_binders()


# ====================================================================== live flights from Python's ssl


def _records(flight: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(flight):
        n = int.from_bytes(flight[i + 3 : i + 5], "big")
        out.append((flight[i], flight[i + 5 : i + 5 + n]))
        i += 5 + n
    assert i == len(flight)
    return out


def plaintext_handshakes(flight: bytes, tls13: bool) -> list[bytes]:
    """The unencrypted handshake messages of a flight, with their headers."""
    buf = b""
    for content_type, payload in _records(flight):
        if content_type == 20:  # ChangeCipherSpec: TLS 1.2 encrypts from here; TLS 1.3's is a dummy
            if tls13:
                continue
            break
        if content_type != 22:
            break
        buf += payload
    msgs, i = [], 0
    while i < len(buf):
        n = int.from_bytes(buf[i + 1 : i + 4], "big")
        msgs.append(buf[i : i + 4 + n])
        i += 4 + n
    return msgs


@dataclass
class Flights:
    client: list[list[bytes]]  # the plaintext handshake messages of each client flight
    server: list[list[bytes]]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("example.com")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    d = tmp_path_factory.mktemp("pki")
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path), cert


def ssl_handshake(pki, tls13: bool, *, client_max=None, server_max=None, server_curve=None, client_cert=False) -> Flights:
    """Run an ssl client and server over MemoryBIOs; return each side's plaintext handshake messages per flight.

    ``tls13`` says which version the pair will agree on: it decides whether a
    ChangeCipherSpec is TLS 1.3's dummy (plaintext may follow) or TLS 1.2's (encrypted after).
    """
    cert_path, key_path, _ = pki
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert_path, key_path)
    sctx.set_alpn_protocols(["h2"])
    if server_max:
        sctx.maximum_version = server_max
    if server_curve:
        sctx.set_ecdh_curve(server_curve)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    if client_max:
        cctx.maximum_version = client_max
    if client_cert:
        sctx.verify_mode = ssl.CERT_OPTIONAL
        sctx.load_verify_locations(cert_path)
        cctx.load_cert_chain(cert_path, key_path)
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(c_in, c_out, server_hostname="example.com")
    server = sctx.wrap_bio(s_in, s_out, server_side=True)
    flights = Flights([], [])
    sides = [(client, c_out, s_in, flights.client), (server, s_out, c_in, flights.server)]
    done = [False, False]
    for step in range(10):
        obj, out, peer_in, record = sides[step % 2]
        try:
            obj.do_handshake()
            done[step % 2] = True
        except ssl.SSLWantReadError:
            pass
        data = out.read()
        if data:
            record.append(plaintext_handshakes(data, tls13))
            peer_in.write(data)
        elif all(done):
            break
    assert all(done), "the ssl handshake did not finish"
    assert client.version() == server.version() == ("TLSv1.3" if tls13 else "TLSv1.2")
    return flights


def reparse(wire: bytes, tls13: bool) -> m.HandshakeMessage:
    """Parse, and check the message re-marshals to exactly these bytes."""
    msg = m.parse_handshake(wire, tls13)
    assert msg.raw == wire
    copy = type(msg).unmarshal(wire)
    copy.raw = None
    assert copy.marshal() == wire, type(msg).__name__
    return msg


def test_ssl_tls13_client_and_server_hello(pki) -> None:
    f = ssl_handshake(pki, True)
    [ch_wire] = f.client[0]
    ch = reparse(ch_wire, True)
    assert isinstance(ch, m.ClientHello)
    assert ch.server_name == "example.com"
    assert ch.alpn_protocols == ["h2", "http/1.1"]
    assert ch.supported_versions[0] == ProtocolVersion.TLS13 and ProtocolVersion.TLS12 in ch.supported_versions
    assert ch.key_shares and ch.key_shares[0].group == NamedGroup.x25519 and len(ch.key_shares[0].key_exchange) == 32
    assert ch.psk_modes == [1]
    assert len(ch.session_id) == 32  # middlebox compatibility mode
    assert CipherSuite.TLS_AES_128_GCM_SHA256 in ch.cipher_suites
    assert ch.secure_renegotiation_supported  # via the SCSV, no renegotiation_info extension
    assert E.renegotiation_info not in ch.extension_types
    sh = reparse(f.server[0][0], True)
    assert isinstance(sh, m.ServerHello) and not sh.is_hello_retry_request
    assert sh.supported_version == ProtocolVersion.TLS13 and sh.legacy_version == ProtocolVersion.TLS12
    assert sh.server_share.group == NamedGroup.x25519 and len(sh.server_share.key_exchange) == 32
    assert sh.session_id == ch.session_id
    assert sh.cipher_suite in ch.cipher_suites
    assert sh.alpn_protocol is None  # in TLS 1.3 ALPN travels in EncryptedExtensions


def test_ssl_tls13_hello_retry_request(pki) -> None:
    f = ssl_handshake(pki, True, server_curve="secp384r1")
    ch1 = reparse(f.client[0][0], True)
    hrr = reparse(f.server[0][0], True)
    assert isinstance(hrr, m.ServerHello) and hrr.is_hello_retry_request
    assert hrr.selected_group == NamedGroup.secp384r1 and hrr.server_share is None
    assert hrr.supported_version == ProtocolVersion.TLS13
    ch2 = reparse(f.client[1][0], True)
    assert isinstance(ch2, m.ClientHello)
    assert [g for g, _ in ch2.key_shares] == [NamedGroup.secp384r1] and len(ch2.key_shares[0][1]) == 97
    assert ch2.random == ch1.random and ch2.cipher_suites == ch1.cipher_suites
    sh = reparse(f.server[1][0], True)
    assert not sh.is_hello_retry_request and sh.server_share.group == NamedGroup.secp384r1


def test_ssl_tls12_full_handshake(pki) -> None:
    """A TLS 1.2-only client against a TLS 1.3-capable server: every plaintext message, and the canary."""
    f = ssl_handshake(pki, False, client_max=ssl.TLSVersion.TLSv1_2, client_cert=True)
    [ch_wire] = f.client[0]
    ch = reparse(ch_wire, False)
    assert isinstance(ch, m.ClientHello)
    assert ch.supported_versions == [] and ch.key_shares is None
    assert ch.extended_master_secret and ch.ticket_supported and ch.supported_points[0] == 0  # uncompressed first
    names = [type(reparse(w, False)).__name__ for w in f.server[0]]
    assert names == ["ServerHello", "CertificateTLS12", "ServerKeyExchange", "CertificateRequestTLS12", "ServerHelloDone"]
    sh, cert, skx, cr, _ = (m.parse_handshake(w, False) for w in f.server[0])
    assert sh.supported_version is None and sh.alpn_protocol == "h2" and sh.extended_master_secret
    assert sh.secure_renegotiation_supported and sh.secure_renegotiation == b""
    assert sh.ticket_supported and sh.supported_points[0] == 0
    # RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 marks its random.
    assert sh.downgrade_canary == ProtocolVersion.TLS12 and sh.random.endswith(m.DOWNGRADE_CANARY_TLS12)
    leaf = x509.load_der_x509_certificate(cert.certificate_list[0])
    assert leaf.subject.rfc4514_string() == "CN=example.com"
    params = skx.parse_ecdhe()
    assert params.group in (NamedGroup.x25519, NamedGroup.secp256r1)
    assert params.params == m.marshal_ecdhe_params(params.group, params.point)
    assert params.signature_algorithm == SignatureScheme.ecdsa_secp256r1_sha256
    # The params bytes are exactly what the server signed (RFC 8422 5.4).
    leaf.public_key().verify(params.signature, ch.random + sh.random + params.params, ec.ECDSA(hashes.SHA256()))
    assert m.ServerKeyExchange.ecdhe(*params[:2], *params[3:]).marshal() == skx.raw
    assert cr.certificate_types and SignatureScheme.ecdsa_secp256r1_sha256 in cr.signature_algorithms
    client_names = [type(reparse(w, False)).__name__ for w in f.client[1]]
    assert client_names == ["CertificateTLS12", "ClientKeyExchange", "CertificateVerify"]
    cke = m.parse_handshake(f.client[1][1], False)
    assert len(cke.point) == len(params.point)
    [nst_wire] = f.server[1]
    nst = reparse(nst_wire, False)
    assert isinstance(nst, m.NewSessionTicketTLS12) and nst.ticket and nst.ticket_lifetime_hint > 0


def test_ssl_tls12_server_without_tls13_has_no_canary(pki) -> None:
    f = ssl_handshake(pki, False, server_max=ssl.TLSVersion.TLSv1_2)
    sh = reparse(f.server[0][0], False)
    assert isinstance(sh, m.ServerHello) and sh.legacy_version == ProtocolVersion.TLS12
    assert sh.downgrade_canary is None


# ====================================================================== strictness

SCSV = CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV


def ch_with(*exts: tuple[int, bytes], suites: bytes = b"\x00\x02\x13\x01") -> bytes:
    body = b"\x03\x03" + bytes(32) + b"\x00" + suites + b"\x01\x00" + ext_block(*exts)
    return header(H.client_hello, body)


def sh_with(*exts: tuple[int, bytes], random: bytes = bytes(32)) -> bytes:
    return header(H.server_hello, b"\x03\x03" + random + b"\x00\x13\x01\x00" + ext_block(*exts))


SNI = ext.build_server_name("example.com")


def test_minimal_client_hello_parses() -> None:
    ch = m.parse_handshake(ch_with((E.server_name, SNI)), True)
    assert ch.server_name == "example.com" and ch.key_shares is None


@pytest.mark.parametrize(
    "exts,alert",
    [
        # RFC 8446 4.2: at most one extension of each type.
        (((E.server_name, SNI), (E.server_name, SNI)), A.illegal_parameter),
        (((0x0A0A, b""), (0x0A0A, b"")), A.illegal_parameter),  # unknown ones too
        # RFC 8446 4.2.11: pre_shared_key must be last.
        (((E.pre_shared_key, ext.build_pre_shared_key_client([(b"id", 1)], [bytes(32)])), (E.server_name, SNI)), A.illegal_parameter),
        # RFC 8446 4.2.8: one key share per group.
        (((E.key_share, ext.build_key_share_client([(29, b"a" * 32), (29, b"b" * 32)])),), A.illegal_parameter),
        (((E.key_share, b"\x00\x04\x00\x1d\x00\x00"),), A.decode_error),  # empty key_exchange
        # RFC 7301 3.1: a non-empty list of non-empty names.
        (((E.application_layer_protocol_negotiation, b"\x00\x03\x00\x01h"),), A.decode_error),
        (((E.application_layer_protocol_negotiation, b"\x00\x00"),), A.decode_error),
        (((E.application_layer_protocol_negotiation, b"\x00\x03\x02h2\x00"),), A.decode_error),  # list length off
        # RFC 6066 3.
        (((E.server_name, b"\x00\x00"),), A.decode_error),
        (((E.server_name, b"\x00\x03\x00\x00\x00"),), A.decode_error),
        (((E.server_name, ext.build_server_name("a.example")),), None),
        (((E.server_name, b"\x00\x0c\x00\x00\x09example.."),), A.illegal_parameter),
        (((E.server_name, b"\x00\x0a\x00\x00\x07exampl\xc3"),), A.illegal_parameter),
        (((E.server_name, b"\x00\x0b\x00\x00\x03a.b\x00\x00\x02cd"),), A.illegal_parameter),  # two host names
        # Empty lists the RFCs forbid.
        (((E.supported_groups, b"\x00\x00"),), A.decode_error),
        (((E.supported_groups, b"\x00\x03\x00\x1d\x00"),), A.decode_error),  # odd length
        (((E.signature_algorithms, b"\x00\x00"),), A.decode_error),
        (((E.supported_versions, b"\x00"),), A.decode_error),
        (((E.psk_key_exchange_modes, b"\x00"),), A.decode_error),
        (((E.ec_point_formats, b"\x00"),), A.decode_error),
        (((E.cookie, b"\x00\x00"),), A.decode_error),
        (((E.certificate_authorities, b"\x00\x00"),), A.decode_error),
        (((E.pre_shared_key, b"\x00\x00\x00\x21\x20" + bytes(32)),), A.decode_error),  # no identities
        (((E.pre_shared_key, b"\x00\x08\x00\x02id\x00\x00\x00\x01\x00\x00"),), A.decode_error),  # no binders
        (((E.pre_shared_key, b"\x00\x08\x00\x02id\x00\x00\x00\x01\x00\x02\x01\x00"),), A.decode_error),  # short binder
        # Extensions that must be empty.
        (((E.extended_master_secret, b"\x00"),), A.decode_error),
        (((E.early_data, b"\x00"),), A.decode_error),
        (((E.post_handshake_auth, b"\x00"),), A.decode_error),
        # Trailing bytes inside an extension.
        (((E.supported_versions, b"\x02\x03\x04\x00"),), A.decode_error),
        (((E.renegotiation_info, b"\x00\x00"),), A.decode_error),
        # RFC 8449 4: a limit below 64.
        (((E.record_size_limit, b"\x00\x3f"),), A.illegal_parameter),
        (((E.record_size_limit, b"\x00\x40"),), None),
        # Unknown extensions are kept, whatever they hold.
        (((0x0A0A, b"\xff\xff\xff"), (E.server_name, SNI)), None),
    ],
)
def test_client_hello_strictness(exts, alert) -> None:
    wire = ch_with(*exts)
    if alert is None:
        ch = m.parse_handshake(wire, True)
        assert ch.extensions == [(int(t), d) for t, d in exts]
        ch.raw = None
        assert ch.marshal() == wire
    else:
        expect_alert(alert, m.parse_handshake, wire, True)


@pytest.mark.parametrize(
    "body,alert",
    [
        (b"\x03\x03" + bytes(32) + b"\x21" + bytes(33) + b"\x00\x02\x13\x01\x01\x00", A.decode_error),  # session_id > 32
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x00\x01\x00", A.decode_error),  # no cipher suites
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x03\x13\x01\x00\x01\x00", A.decode_error),  # odd cipher suites
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x00", A.decode_error),  # no compression methods
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00\x00", A.decode_error),  # 1 byte of extensions length
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00\x00\x05\x00\x00\x00\x00", A.decode_error),  # ext overrun
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00\x00\x04\x00\x00\x00\x05", A.decode_error),  # data overrun
        (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00\x00\x00\x00", A.decode_error),  # trailing
        (b"\x03\x03" + bytes(31), A.decode_error),
    ],
)
def test_client_hello_bad_lengths(body: bytes, alert) -> None:
    expect_alert(alert, m.parse_handshake, header(H.client_hello, body), True)


def test_server_name_other_name_types_are_skipped() -> None:
    ch = m.parse_handshake(ch_with((E.server_name, b"\x00\x08\x01\x00\x05other")), True)
    assert ch.server_name is None and ch.extension_types == [E.server_name]  # the raw entry stays for the trace
    mixed = m.parse_handshake(ch_with((E.server_name, b"\x00\x12\x01\x00\x05other\x00\x00\x07example")), True)
    assert mixed.server_name == "example"


def test_client_hello_without_extensions_is_tls12_legal() -> None:
    wire = header(H.client_hello, b"\x03\x03" + bytes(32) + b"\x00\x00\x04\xc0\x2b\x00\xff\x01\x00")
    ch = m.parse_handshake(wire, False)
    assert ch.cipher_suites == [0xC02B, SCSV] and ch.extensions == []
    assert ch.secure_renegotiation_supported  # RFC 5746 3.3: the SCSV says it
    ch.raw = None
    assert ch.marshal() == wire  # ... so no renegotiation_info extension is added


def test_client_hello_marshal_order_and_unknown_extensions() -> None:
    ch = m.ClientHello(
        cipher_suites=[0x1301],
        server_name="example.com",
        supported_versions=[ProtocolVersion.TLS13],
        key_shares=[(NamedGroup.x25519, b"k" * 32)],
        psk_modes=[1],
        psk_identities=[(b"t", 0)],
        psk_binders=[bytes(32)],
        extensions=[(E.pre_shared_key, b""), (0x0A0A, b"grease"), (E.supported_versions, b"")],
    )
    ch.marshal()
    # Template order first (PSK moved last), unknown kept, then the remaining modelled ones.
    assert ch.extension_types == [0x0A0A, E.supported_versions, E.server_name, E.key_share, E.psk_key_exchange_modes, E.pre_shared_key]
    assert (0x0A0A, b"grease") in ch.extensions
    # Clearing a field drops its extension even if the template names it.
    ch.supported_versions = []
    ch.marshal()
    assert E.supported_versions not in ch.extension_types
    # renegotiation_info: sent when asked for without the SCSV ...
    ch2 = m.ClientHello(cipher_suites=[0xC02B], secure_renegotiation_supported=True)
    ch2.marshal()
    assert ch2.extensions == [(E.renegotiation_info, b"\x00")]
    # ... not when the SCSV already signals it.
    ch3 = m.ClientHello(cipher_suites=[0xC02B, SCSV], secure_renegotiation_supported=True)
    ch3.marshal()
    assert ch3.extensions == []


def test_client_hello_marshal_rejects_bad_values() -> None:
    for bad in (
        m.ClientHello(cipher_suites=[0x1301], random=bytes(31)),
        m.ClientHello(cipher_suites=[0x1301], session_id=bytes(33)),
        m.ClientHello(cipher_suites=[]),
        m.ClientHello(cipher_suites=[0x1301], server_name="bücher.example"),  # A-labels only
        m.ClientHello(cipher_suites=[0x1301], server_name="example.com."),
        m.ClientHello(cipher_suites=[0x1301], alpn_protocols=[""]),
        m.ClientHello(cipher_suites=[0x1301], alpn_protocols=["x" * 256]),
        m.ClientHello(cipher_suites=[0x10000]),
        m.ClientHello(cipher_suites=[0x1301], key_shares=[(29, b"")]),
        m.ClientHello(cipher_suites=[0x1301], psk_identities=[(b"t", 0)], psk_binders=[]),
        m.ClientHello(cipher_suites=[0x1301], record_size_limit=63),
        m.ClientHello(cipher_suites=[0x1301], padding=70000),
    ):
        with pytest.raises(ValueError):
            bad.marshal()


def test_server_hello_strictness() -> None:
    share = ext.build_key_share_server((29, b"k" * 32))
    expect_alert(A.illegal_parameter, m.parse_handshake, sh_with((E.key_share, share), (E.key_share, share)), True)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.supported_versions, b"\x03\x04\x00")), True)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.supported_versions, b"\x03")), True)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.key_share, b"\x00\x1d\x00\x00")), True)  # empty key
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.key_share, b"\x00")), True)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.pre_shared_key, b"\x00\x00\x00")), True)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.cookie, b"\x00\x00")), True)
    # RFC 7301 3.1: the server names exactly one protocol.
    two = ext.build_alpn(["h2", "http/1.1"])
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.application_layer_protocol_negotiation, two)), False)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.server_name, b"\x00")), False)
    expect_alert(A.decode_error, m.parse_handshake, sh_with((E.signed_certificate_timestamp, b"\x00\x00")), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.server_hello, b"\x03\x03" + bytes(32) + b"\x21" + bytes(33) + b"\x13\x01\x00"), True)
    # Unsolicited or misplaced extensions are the handshake's business: kept, not rejected.
    sh = m.parse_handshake(sh_with((E.early_data, b""), (0x0A0A, b"x")), True)
    assert sh.extensions == [(E.early_data, b""), (0x0A0A, b"x")]
    with pytest.raises(ValueError):
        m.ServerHello(server_share=(29, b"k"), selected_group=23).marshal()


def test_hello_retry_request_and_downgrade_helpers() -> None:
    hrr = m.ServerHello(
        random=m.HELLO_RETRY_REQUEST_RANDOM, cipher_suite=0x1301, supported_version=ProtocolVersion.TLS13,
        selected_group=NamedGroup.secp256r1, cookie=b"c" * 8,
    )  # fmt: skip
    parsed = m.parse_handshake(hrr.marshal(), True)
    assert parsed.is_hello_retry_request and parsed.selected_group == NamedGroup.secp256r1 and parsed.server_share is None
    assert parsed.describe()["selected_group"] == "secp256r1"
    r = bytes(range(32))
    assert m.ServerHello.random_with_downgrade_canary(r, ProtocolVersion.TLS12)[24:] == b"DOWNGRD\x01"
    assert m.ServerHello.random_with_downgrade_canary(r, ProtocolVersion.TLS11)[24:] == b"DOWNGRD\x00"
    assert m.ServerHello.random_with_downgrade_canary(r, ProtocolVersion.TLS13) == r
    assert m.ServerHello(random=r[:24] + b"DOWNGRD\x00").downgrade_canary == ProtocolVersion.TLS11
    assert m.ServerHello(random=r).downgrade_canary is None


def test_tls13_message_strictness() -> None:
    # EncryptedExtensions: duplicate, ALPN with two names, trailing data.
    alpn = ext.build_alpn(["h2"])
    ee = lambda *e: header(H.encrypted_extensions, ext_block(*e))  # noqa: E731
    expect_alert(A.illegal_parameter, m.parse_handshake, ee((16, alpn), (16, alpn)), True)
    expect_alert(A.decode_error, m.parse_handshake, ee((16, ext.build_alpn(["h2", "h3"]))), True)
    expect_alert(A.decode_error, m.parse_handshake, header(H.encrypted_extensions, ext_block() + b"\x00"), True)
    expect_alert(A.decode_error, m.parse_handshake, header(H.encrypted_extensions, b""), True)
    assert m.parse_handshake(ee((16, alpn)), True).alpn_protocol == "h2"
    # Certificate: an empty cert_data, a bad OCSP entry, an entry extension block cut short.
    cert = lambda entries: header(H.certificate, b"\x00" + len(entries).to_bytes(3, "big") + entries)  # noqa: E731
    expect_alert(A.decode_error, m.parse_handshake, cert(b"\x00\x00\x00\x00\x00"), True)
    bad_ocsp = b"\x00\x00\x01X" + ext_block((E.status_request, b"\x02\x00\x00\x01Z"))
    expect_alert(A.decode_error, m.parse_handshake, cert(bad_ocsp), True)
    empty_ocsp = b"\x00\x00\x01X" + ext_block((E.status_request, b"\x01\x00\x00\x00"))
    expect_alert(A.decode_error, m.parse_handshake, cert(empty_ocsp), True)
    expect_alert(A.decode_error, m.parse_handshake, cert(b"\x00\x00\x01X\x00"), True)
    ok = m.parse_handshake(cert(b"\x00\x00\x01X" + ext_block((E.status_request, b"\x01\x00\x00\x01Z"), (0x0A0A, b""))), True)
    assert ok.certificate_list[0].ocsp_response == b"Z" and ok.certificates == [b"X"]
    # An empty Certificate (a client without one) is fine.
    assert m.parse_handshake(cert(b""), True).certificate_list == []
    # NewSessionTicket: an empty ticket, a short early_data.
    nst = lambda ticket, exts: header(H.new_session_ticket, bytes(8) + b"\x00" + len(ticket).to_bytes(2, "big") + ticket + exts)  # noqa: E731
    expect_alert(A.decode_error, m.parse_handshake, nst(b"", ext_block()), True)
    expect_alert(A.decode_error, m.parse_handshake, nst(b"T", ext_block((E.early_data, b"\x00\x00"))), True)
    # RFC 8446 4.6.3: request_update other than 0 or 1.
    expect_alert(A.illegal_parameter, m.parse_handshake, header(H.key_update, b"\x02"), True)
    expect_alert(A.decode_error, m.parse_handshake, header(H.key_update, b""), True)
    expect_alert(A.decode_error, m.parse_handshake, header(H.key_update, b"\x00\x00"), True)
    assert m.parse_handshake(header(H.key_update, b"\x01"), True).update_requested == KeyUpdateRequest.update_requested
    # Empty-bodied messages must be empty.
    expect_alert(A.decode_error, m.parse_handshake, header(H.end_of_early_data, b"\x00"), True)
    # CertificateVerify: signature length overruns.
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate_verify, b"\x08\x04\x00\x05abc"), True)


def test_tls12_message_strictness() -> None:
    expect_alert(A.decode_error, m.parse_handshake, header(H.server_hello_done, b"\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.hello_request, b"\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.client_key_exchange, b"\x00"), False)  # empty point
    expect_alert(A.decode_error, m.parse_handshake, header(H.client_key_exchange, b"\x02\x04"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate, b"\x00\x00\x03\x00\x00\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate_request, b"\x00\x00\x02\x04\x03\x00\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate_request, b"\x01\x40\x00\x00\x00\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate_request, b"\x01\x40\x00\x02\x04\x03\x00\x02\x00\x00"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.certificate_status, b"\x02\x00\x00\x01Z"), False)
    expect_alert(A.decode_error, m.parse_handshake, header(H.new_session_ticket, bytes(4) + b"\x00\x05abc"), False)
    # An empty TLS 1.2 ticket is legal (RFC 5077 3.3), an empty TLS 1.3 one is not.
    assert m.parse_handshake(header(H.new_session_ticket, bytes(6)), False).ticket == b""
    # ServerKeyExchange is kept whole; its ECDHE reading is strict.
    odd = m.parse_handshake(header(H.server_key_exchange, b"\x01\x02\x03"), False)
    assert odd.key == b"\x01\x02\x03" and odd.describe() == {"params": "3 bytes"}
    expect_alert(A.illegal_parameter, m.ServerKeyExchange(b"\x01\x00\x17\x01\x04\x04\x03\x00\x00").parse_ecdhe)
    expect_alert(A.decode_error, m.ServerKeyExchange(b"\x03\x00\x17\x00\x04\x03\x00\x00").parse_ecdhe)
    expect_alert(A.decode_error, m.ServerKeyExchange(b"\x03\x00\x17\x01\x04\x04\x03\x00\x01").parse_ecdhe)
    expect_alert(A.decode_error, m.ServerKeyExchange(b"\x03\x00\x17\x01\x04\x04\x03\x00\x00\x00").parse_ecdhe)
    skx = m.ServerKeyExchange.ecdhe(NamedGroup.x25519, b"P" * 32, SignatureScheme.ed25519, b"S" * 64)
    p = m.parse_handshake(skx.marshal(), False).parse_ecdhe()
    assert (p.group, p.point, p.signature_algorithm, p.signature) == (NamedGroup.x25519, b"P" * 32, SignatureScheme.ed25519, b"S" * 64)
    assert p.params == b"\x03\x00\x1d\x20" + b"P" * 32


def test_parse_handshake_dispatch() -> None:
    # Unknown types, and types that do not exist in the version, are unexpected_message.
    for msg_type in (3, 7, 99, 254, 255):
        for tls13 in (True, False):
            expect_alert(A.unexpected_message, m.parse_handshake, header(msg_type, b""), tls13)
    for msg_type in (H.hello_request, H.server_key_exchange, H.server_hello_done, H.client_key_exchange, H.certificate_status):
        expect_alert(A.unexpected_message, m.parse_handshake, header(msg_type, b""), True)
    for msg_type in (H.encrypted_extensions, H.key_update, H.end_of_early_data):
        expect_alert(A.unexpected_message, m.parse_handshake, header(msg_type, b""), False)
    # The versions' Certificate, CertificateRequest and NewSessionTicket differ.
    cert12 = m.CertificateTLS12([b"DER"]).marshal()
    assert isinstance(m.parse_handshake(cert12, False), m.CertificateTLS12)
    cert13 = m.CertificateTLS13(b"", [m.CertificateEntry(b"DER")]).marshal()
    assert isinstance(m.parse_handshake(cert13, True), m.CertificateTLS13)
    expect_alert(A.decode_error, m.parse_handshake, cert12, True)
    # Framing errors.
    expect_alert(A.decode_error, m.parse_handshake, b"", True)
    expect_alert(A.decode_error, m.parse_handshake, b"\x14\x00\x00", True)
    expect_alert(A.decode_error, m.parse_handshake, b"\x14\x00\x00\x05abc", True)
    expect_alert(A.unexpected_message, m.Finished.unmarshal, header(H.client_hello, b""))


def test_unknown_code_points_stay_ints() -> None:
    ch = m.ClientHello(
        cipher_suites=[0x0A0A, 0x1301], supported_groups=[0x2A2A, 29], signature_algorithms=[0xFFFF],
        supported_versions=[0x7A7A, 0x0304], key_shares=[(0x2A2A, b"\x00"), (29, b"k" * 32)],
    )  # fmt: skip
    parsed = m.parse_handshake(ch.marshal(), True)
    assert parsed.cipher_suites == [0x0A0A, 0x1301] and parsed.supported_groups == [0x2A2A, 29]
    d = parsed.describe()
    assert d["cipher_suites"] == ["unknown(0x0a0a)", "TLS_AES_128_GCM_SHA256"]
    assert d["key_shares"] == ["unknown(0x2a2a) (1 bytes)", "x25519 (32 bytes)"]
    assert d["supported_versions"] == ["unknown(0x7a7a)", "TLS 1.3"]
    assert d["signature_algorithms"] == ["unknown(0xffff)"]
    sh = m.parse_handshake(m.ServerHello(cipher_suite=0xBEEF, supported_version=0x7F1C).marshal(), True)
    assert sh.describe()["cipher_suite"] == "unknown(0xbeef)" and sh.describe()["supported_version"] == "unknown(0x7f1c)"


def test_describe_fields() -> None:
    ee = m.EncryptedExtensions(alpn_protocol="h2", early_data=True)
    assert ee.describe()["alpn_protocol"] == "h2"
    nst = m.NewSessionTicketTLS13(ticket_lifetime=7200, ticket=b"t" * 10, ticket_nonce=b"\x00", max_early_data_size=0)
    assert nst.describe()["ticket_lifetime"] == "7200 s" and nst.describe()["max_early_data_size"] == 0
    cv = m.CertificateVerify(SignatureScheme.ecdsa_secp256r1_sha256, b"s" * 70)
    assert cv.describe() == {"signature_algorithm": "ecdsa_secp256r1_sha256", "signature": "70 bytes"}
    ku = m.KeyUpdate(KeyUpdateRequest.update_requested)
    assert ku.describe() == {"request_update": "update_requested"}
    ch = m.ClientHello(cipher_suites=[0x1301], server_name="a.example", alpn_protocols=["h2"], key_shares=[(29, b"k" * 32)])
    d = ch.describe()  # before marshal: the extensions it would send
    assert d["server_name"] == "a.example" and d["alpn_protocols"] == ["h2"] and d["key_shares"] == ["x25519 (32 bytes)"]
    assert d["extensions"] == ["server_name", "application_layer_protocol_negotiation", "key_share"]
    cr = m.CertificateRequestTLS12([64], [0x0403], [b"CA"])
    assert cr.describe() == {"certificate_types": ["ecdsa_sign"], "signature_algorithms": ["ecdsa_secp256r1_sha256"], "certificate_authorities": 1}


def test_certificate_request_with_an_empty_certificate_authorities_names_none() -> None:
    """OpenSSL's servers send ``certificate_authorities`` with an empty list when told not
    to name CAs (``s_server -no_ca_names``); a CertificateRequest takes it as naming none,
    while a ClientHello still refuses it (test_client_hello_strictness)."""
    sigalgs = (E.signature_algorithms, ext.build_signature_algorithms([SignatureScheme.ecdsa_secp256r1_sha256]))
    exts = b"".join(int(t).to_bytes(2, "big") + len(d).to_bytes(2, "big") + d for t, d in [sigalgs, (E.certificate_authorities, b"\x00\x00")])
    body = b"\x00" + len(exts).to_bytes(2, "big") + exts
    wire = bytes([H.certificate_request]) + len(body).to_bytes(3, "big") + body
    cr = m.parse_handshake(wire, True)
    assert cr.certificate_authorities == [] and cr.signature_algorithms == [SignatureScheme.ecdsa_secp256r1_sha256]
    with pytest.raises(TLSError) as e:
        ext.parse_certificate_authorities(b"\x00\x00")
    assert e.value.alert == A.decode_error


def test_allowed_extensions_table() -> None:
    """RFC 8446 4.2's table, spot-checked."""
    t = ALLOWED_EXTENSIONS_TLS13
    assert E.key_share in t[H.client_hello] and E.key_share in t[H.server_hello] and E.key_share in t[H.hello_retry_request]
    assert E.key_share not in t[H.encrypted_extensions]
    assert E.cookie in t[H.hello_retry_request] and E.cookie not in t[H.server_hello]
    assert E.pre_shared_key in t[H.server_hello] and E.pre_shared_key not in t[H.hello_retry_request]
    assert t[H.new_session_ticket] == {E.early_data}
    assert t[H.certificate] == {E.status_request, E.signed_certificate_timestamp}
    assert E.application_layer_protocol_negotiation in t[H.encrypted_extensions]
    assert E.application_layer_protocol_negotiation not in t[H.server_hello]
    assert E.signature_algorithms in t[H.certificate_request] and E.oid_filters in t[H.certificate_request]
    assert E.padding in t[H.client_hello] and E.padding not in t[H.encrypted_extensions]
    assert E.record_size_limit in t[H.encrypted_extensions]
    assert t[H.server_hello] == {E.key_share, E.pre_shared_key, E.supported_versions}
    assert t[H.hello_retry_request] == {E.key_share, E.cookie, E.supported_versions}


# ====================================================================== codec


def test_reader_errors_are_decode_errors() -> None:
    r = Reader(b"\x00\x05ab", "thing")
    e = expect_alert(A.decode_error, r.vec16)
    assert "thing truncated" in str(e)
    for fn, data in ((Reader.u8, b""), (Reader.u16, b"\x01"), (Reader.u24, b"\x01\x02"), (Reader.u32, b"\x01\x02\x03")):
        expect_alert(A.decode_error, fn, Reader(data))
    expect_alert(A.decode_error, Reader(b"\x02\x00").sub8)
    expect_alert(A.decode_error, Reader(b"\x00\x00\x02\x00").sub24)
    expect_alert(A.decode_error, Reader(b"\x03\x00\x01\x00").u16_list8, "list")
    expect_alert(A.decode_error, Reader(b"\x00").u8_list, "list", True)
    expect_alert(A.decode_error, Reader(b"ab").expect_end, "x")
    r = Reader(memoryview(b"\x01\x02\x03\x04\x00\x00\x01\x05\x06\x07\x01\x09"))
    assert r.u32() == 0x01020304 and r.u24() == 1 and r.u8() == 5 and r.u16() == 0x0607 and r.remaining == 2
    sub = r.sub8()
    assert r.empty and sub.remaining == 1 and sub.u8() == 9 and sub.empty
    expect_alert(A.decode_error, sub.u8)


def test_writer_blocks_and_limits() -> None:
    w = Writer()
    with w.prefixed16():
        w.u16(0x1301)
        with w.prefixed8():
            w.bytes(b"ab")
    w.u24(5)
    w.u32(6)
    assert w.getvalue() == bytes.fromhex("0005 1301 02 6162 000005 00000006")
    w = Writer()
    with pytest.raises(ValueError):
        with w.prefixed8("too long"):
            w.bytes(bytes(256))
    for fn, v in ((Writer.u8, -1), (Writer.u16, 0x10000), (Writer.u24, 1 << 24), (Writer.u32, 1 << 32)):
        with pytest.raises(ValueError):
            fn(Writer(), v)
    with pytest.raises(ValueError):
        Writer().vec8(bytes(256))
    with pytest.raises(ValueError):
        Writer().vec16(bytes(0x10000))


# The list extensions parse well-formed data on a fast path and everything else
# through the Reader: whatever the bytes, a parse either fails with a TLS error or
# returns what re-encodes to exactly those bytes.
_LIST_EXTENSIONS = [
    (ext.parse_supported_groups, ext.build_supported_groups),
    (ext.parse_signature_algorithms, ext.build_signature_algorithms),
    (ext.parse_supported_versions_client, ext.build_supported_versions_client),
    (ext.parse_psk_key_exchange_modes, ext.build_psk_key_exchange_modes),
    (ext.parse_ec_point_formats, ext.build_ec_point_formats),
]


@pytest.mark.parametrize("parse,build", _LIST_EXTENSIONS, ids=lambda f: getattr(f, "__name__", ""))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=12), st.lists(st.integers(0, 255), max_size=12).map(lambda v: bytes([len(v)] + v))))
def test_list_extension_parse_is_exact(parse, build, data):
    try:
        values = parse(data)
    except TLSError as e:
        assert e.alert == AlertDescription.decode_error
        return
    assert values and build(values) == data


@settings(max_examples=300)
@given(data=st.one_of(st.binary(max_size=12), st.binary(max_size=8).map(lambda h: len(h) .to_bytes(2, "big") + h).map(
    lambda e: (len(e) + 1).to_bytes(2, "big") + b"\x00" + e)))
def test_server_name_parse_is_exact(data):
    """Fast path (one host name) and Reader path agree: an error, or a name that re-encodes to the bytes."""
    try:
        host = ext.parse_server_name(data)
    except TLSError:
        return
    if host is not None and len(data) == 5 + len(host):
        if host.endswith("."):
            # Taken from a client (as OpenSSL does), never sent by ours (RFC 6066 3).
            with pytest.raises(ValueError):
                ext.build_server_name(host)
        else:
            assert ext.build_server_name(host) == data

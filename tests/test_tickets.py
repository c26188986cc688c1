"""Ticket key rotation and expiry (``tickets.TicketKeys``), on a clock we move by hand;
and the tickets a server opens but must not resume (RFC 8446 4.6.1 and 4.2.11, RFC 5077),
each in a real in-memory handshake next to a control handshake that does resume."""

from __future__ import annotations

import dataclasses
import struct
import time

import pytest
from cryptography.hazmat.primitives import serialization

from fasttls.config import CertifiedKey, ClientAuthType, Config
from fasttls.constants import AlertDescription, CipherSuite, ProtocolVersion
from fasttls.errors import TLSError
from fasttls.messages import handshake as m
from fasttls.tickets import SessionState, TicketKeys

from .pairs import do_handshake, exchange, make_pair, tamper_sent, transfer

DAY = 24 * 3600
HOUR = 3600
TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
S = CipherSuite


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_rotated_key_still_opens_its_tickets_until_it_expires():
    clock = Clock()
    keys = TicketKeys(rotation_interval=DAY, key_lifetime=7 * DAY, clock=clock)
    first = keys.seal(b"state one")
    assert keys.seal(b"x")[:16] == first[:16]  # no rotation due: the same key seals

    clock.now += DAY  # rotation due: a new key seals, the old one still opens
    second = keys.seal(b"state two")
    assert second[:16] != first[:16]
    assert keys.open(first) == b"state one"
    assert keys.open(second) == b"state two"

    clock.now += 7 * DAY  # the first key is now older than its lifetime plus one rotation
    assert keys.open(first) is None
    assert keys.open(second) == b"state two"  # created a day later: still inside its window

    clock.now += DAY
    assert keys.open(second) is None


def test_an_expired_key_opens_nothing_even_without_a_seal_in_between():
    """Expiry is checked on open as well, not only when a new ticket is sealed."""
    clock = Clock()
    keys = TicketKeys(rotation_interval=DAY, key_lifetime=2 * DAY, clock=clock)
    ticket = keys.seal(b"state")
    clock.now += 3 * DAY - 1
    assert keys.open(ticket) == b"state"
    clock.now += 1
    assert keys.open(ticket) is None


def test_tampered_or_foreign_tickets_open_to_none():
    keys = TicketKeys()
    ticket = bytearray(keys.seal(b"state"))
    ticket[-1] ^= 1
    assert keys.open(bytes(ticket)) is None
    assert keys.open(TicketKeys().seal(b"state")) is None
    assert keys.open(b"short") is None


def test_expiry_holds_when_the_wall_clock_was_set_back():
    """Keys are newest first only while the clock moves forward: after it is set
    back, the oldest key by time may sit in the middle of the list, and must still
    expire."""
    clock = Clock()
    keys = TicketKeys(rotation_interval=30 * DAY, key_lifetime=7 * DAY, clock=clock)
    clock.now = 100 * DAY
    keys.seal(b"a")  # key A, created at day 100
    clock.now = 50 * DAY  # the clock is set back
    keys.rotate()  # key B, created at day 50
    ticket_b = keys.seal(b"b")
    clock.now = 60 * DAY
    keys.rotate()  # key C, created at day 60: the list is C, B, A
    clock.now = 88 * DAY  # B is 38 days old (over 30 + 7); C and A are not
    assert keys.open(ticket_b) is None
    assert keys.open(keys.seal(b"c")) == b"c"


# ---- the server refuses a ticket: a full handshake, never an error ---------------------------------
#
# The server's clock (``Config.clock``) is the one we move; the client's stays the wall clock, so
# the client keeps offering the ticket, and the ticket keys keep their own (wall) clock, so the
# ticket still opens: only the server's check of the session state can refuse it.


def client13(pki, **kw) -> Config:
    return Config(trust_store=pki.store, min_version=TLS13, session_cache=None, **kw)


def client12(pki, **kw) -> Config:
    return Config(trust_store=pki.store, max_version=TLS12, session_cache=None, **kw)


def server(pki, clock, **kw) -> Config:
    return Config(certificates=[pki.server()], clock=clock, **kw)


def first_session(cc: Config, sc: Config):
    """A first, full handshake; the client's session from the server's ticket."""
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    transfer(s, c)  # TLS 1.3: the NewSessionTicket after the client's Finished
    assert not c.session_reused and not s.session_reused
    assert c.session is not None and c.session.ticket
    return c.session


def offer(cc: Config, sc: Config, session):
    """A second handshake with ``session`` offered; it must complete."""
    c, s = make_pair(cc, sc, session=session)
    do_handshake(c, s)
    assert c.handshake_complete and s.handshake_complete
    return c, s


def assert_resumed(c, s) -> None:
    assert c.session_reused and s.session_reused
    assert s.local_certificate is None and c.peer_signature_scheme is None  # no server signature


def assert_full(c, s) -> None:
    assert not c.session_reused and not s.session_reused
    assert s.local_certificate is not None and c.peer_signature_scheme is not None  # the server signed


def resealed(sc: Config, session, plaintext=lambda p: p):
    """``session`` with its ticket opened by the server, ``plaintext`` applied, and sealed again
    (a ticket the server itself could have made: the same keys, another state)."""
    opened = sc.ticket_keys.open(session.ticket)
    assert opened is not None
    return dataclasses.replace(session, ticket=sc.ticket_keys.seal(plaintext(opened)))


def with_state(**changes):
    def change(plaintext: bytes) -> bytes:
        state = SessionState.from_bytes(plaintext)
        assert state is not None
        return dataclasses.replace(state, **changes).to_bytes()

    return change


LIFETIMES = pytest.mark.parametrize(
    "issued, later",
    [(HOUR, 7 * DAY), (7 * DAY, HOUR)],
    ids=["the-ticket-lifetime", "the-server-lifetime-now-shorter"],
)


@LIFETIMES
def test_tls13_ticket_past_its_lifetime_is_not_resumed(pki, issued, later):
    """RFC 8446 4.6.1: a ticket is good for ticket_lifetime seconds at most; the server holds it
    to the shorter of the lifetime it was issued with and its ticket_lifetime now."""
    clock = Clock()
    cc, sc = client13(pki), server(pki, clock, min_version=TLS13, ticket_lifetime=issued)
    session = first_session(cc, sc)
    assert session.lifetime == issued
    sc = dataclasses.replace(sc, ticket_lifetime=later)  # the same ticket keys
    clock.now += HOUR  # control: exactly at the limit, still good
    assert_resumed(*offer(cc, sc, session))
    clock.now += 1
    assert_full(*offer(cc, sc, session))


def test_tls13_ticket_lifetime_is_at_most_seven_days(pki):
    """RFC 8446 4.6.1: servers MUST NOT send a lifetime over 604800 s (our clients, as Go's,
    refuse it), so a longer ``ticket_lifetime`` is cut to 7 days in the ticket."""
    clock = Clock()
    cc, sc = client13(pki), server(pki, clock, min_version=TLS13, ticket_lifetime=30 * DAY)
    session = first_session(cc, sc)
    assert session.lifetime == session.ticket_lifetime_hint == 7 * DAY
    assert_resumed(*offer(cc, sc, session))
    clock.now += 7 * DAY + 1
    assert_full(*offer(cc, sc, session))


def test_tls13_ticket_from_the_future_is_not_resumed(pki):
    """A ticket created more than 60 s after the server's now (its clock was set back) is refused;
    up to 60 s is taken as clock skew (our allowance; cf. RFC 8446 4.2.11.1 and 8.3 on ticket age)."""
    clock = Clock()
    cc, sc = client13(pki), server(pki, clock, min_version=TLS13)
    session = first_session(cc, sc)
    clock.now -= 60  # control
    assert_resumed(*offer(cc, sc, session))
    clock.now -= 1
    assert_full(*offer(cc, sc, session))


@pytest.mark.parametrize("how", ["other-server", "key-name", "nonce", "ciphertext", "tag"])
def test_tls13_ticket_the_server_cannot_open_is_not_resumed(pki, how):
    """RFC 8446 4.6.1: the ticket is opaque to the client; one the server cannot open (another
    server's ticket keys, or bytes altered) is ignored, and the handshake is a full one."""
    clock = Clock()
    cc, sc = client13(pki), server(pki, clock, min_version=TLS13)
    session = first_session(cc, sc)
    assert_resumed(*offer(cc, sc, session))  # control
    if how == "other-server":
        target, bad = server(pki, clock, min_version=TLS13), session  # new ticket keys
    else:
        ticket = bytearray(session.ticket)  # key name (16), nonce (12), ciphertext, tag (16)
        ticket[{"key-name": 0, "nonce": 16, "ciphertext": 28, "tag": -1}[how]] ^= 0x01
        target, bad = sc, dataclasses.replace(session, ticket=bytes(ticket))
    assert_full(*offer(cc, target, bad))


def test_tls13_psk_hash_must_match_the_selected_suite(pki):
    """RFC 8446 4.2.11: a resumption PSK is usable only with a cipher suite of its hash.  A
    SHA-384 ticket offered to a server that now only has a SHA-256 suite: a full handshake
    on the new suite."""
    clock = Clock()
    cc = client13(pki)
    sc = server(pki, clock, min_version=TLS13, cipher_suites_tls13=[S.TLS_AES_256_GCM_SHA384])
    session = first_session(cc, sc)
    assert session.cipher_suite == S.TLS_AES_256_GCM_SHA384
    assert_resumed(*offer(cc, sc, session))  # control: the same suite
    sc = dataclasses.replace(sc, cipher_suites_tls13=[S.TLS_AES_128_GCM_SHA256])
    c, s = offer(cc, sc, session)
    assert_full(c, s)
    assert c.cipher_suite.id == s.cipher_suite.id == S.TLS_AES_128_GCM_SHA256


def test_tls13_psk_resumes_on_another_suite_with_the_same_hash(pki):
    """RFC 8446 4.2.11: the suite may change on resumption if its hash does not (the control to
    the test above: the check is on the hash, not on the suite)."""
    clock = Clock()
    cc = client13(pki)
    sc = server(pki, clock, min_version=TLS13, cipher_suites_tls13=[S.TLS_AES_128_GCM_SHA256])
    session = first_session(cc, sc)
    sc = dataclasses.replace(sc, cipher_suites_tls13=[S.TLS_CHACHA20_POLY1305_SHA256])
    c, s = offer(cc, sc, session)
    assert_resumed(c, s)
    assert c.cipher_suite.id == s.cipher_suite.id == S.TLS_CHACHA20_POLY1305_SHA256


REQUIRED = pytest.mark.parametrize(
    "mode", [ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert], ids=lambda mode: mode.name
)


def requiring(sc: Config, mode: ClientAuthType) -> Config:
    # verify_time: the client certificate is checked at the wall clock's now, not our Clock's.
    return dataclasses.replace(sc, client_auth=mode, client_ca_store=sc.trust_store, verify_time=time.time)


@REQUIRED
def test_tls13_session_without_a_client_certificate_when_one_is_now_required(pki, mode):
    """RFC 8446 4.6.1 (a PSK carries the original handshake's client identity): a session made
    without a client certificate does not resume on a server that now requires one; the full
    handshake asks for the certificate (CertificateRequest, RFC 8446 4.3.2)."""
    clock = Clock()
    client_cert = pki.client()
    cc = client13(pki, certificates=[client_cert])
    sc = server(pki, clock, min_version=TLS13, trust_store=pki.store)
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)  # control: the server still asks nothing
    assert_resumed(c, s)
    assert c.local_certificate is None and not s.peer_certificates
    sc2 = requiring(sc, mode)
    c, s = offer(cc, sc2, session)
    assert_full(c, s)
    assert c.local_certificate is client_cert  # the server asked for it (CertificateRequest)
    assert s.peer_certificates == list(client_cert.chain_der)
    # Control: a session made with the certificate resumes under the same requirement, and
    # brings the certificate back.
    with_cert = first_session(cc, sc2)
    c, s = offer(cc, sc2, with_cert)
    assert_resumed(c, s)
    assert c.local_certificate is None and s.peer_certificates == list(client_cert.chain_der)


@REQUIRED
def test_tls13_resuming_does_not_skip_a_now_required_certificate(pki, mode):
    """A client without a certificate cannot get past the requirement by offering a session
    made without one: the full handshake ends in certificate_required (RFC 8446 4.4.2.4)."""
    clock = Clock()
    cc = client13(pki)
    sc = server(pki, clock, min_version=TLS13, trust_store=pki.store)
    session = first_session(cc, sc)
    assert_resumed(*offer(cc, sc, session))  # control
    c, s = make_pair(cc, requiring(sc, mode), session=session)
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.certificate_required
    assert not c.session_reused and not s.session_reused and not s.handshake_complete


def test_tls13_server_does_not_resume_a_tls12_ticket_offered_as_a_psk(pki):
    """A TLS 1.2 ticket (RFC 5077; its secret a master secret) offered as a TLS 1.3 PSK
    (RFC 8446 4.2.11) is not resumed.  Our client never does this (a TLS 1.2 session goes in
    the session_ticket extension); a ClientSession relabelled as TLS 1.3 does.  Refused by the
    state's version, and again by its (TLS 1.2) suite: the test below isolates the version check."""
    clock = Clock()
    sc = server(pki, clock)  # TLS 1.2 and 1.3
    cc12, cc13 = client12(pki), client13(pki)
    session12 = first_session(cc12, sc)
    assert session12.version == TLS12
    assert_resumed(*offer(cc12, sc, session12))  # control: the ticket is good for TLS 1.2
    as13 = dataclasses.replace(session12, version=TLS13, cipher_suite=S.TLS_AES_128_GCM_SHA256)
    c, s = offer(cc13, sc, as13)
    assert_full(c, s)
    assert c.version == s.version == TLS13


@pytest.mark.parametrize(
    "change",
    [with_state(version=TLS12), lambda p: p + b"\x00"],
    ids=["tls12-state", "unparsable-state"],
)
def test_tls13_ticket_with_a_state_that_is_not_tls13_is_not_resumed(pki, change):
    """A ticket the server's keys open but whose state is not a TLS 1.3 session (one made for
    TLS 1.2, or not one of ours at all) is not resumed, even with a TLS 1.3 suite and the
    right PSK in it.  The control is the same ticket resealed unchanged."""
    clock = Clock()
    cc, sc = client13(pki), server(pki, clock)
    session = first_session(cc, sc)
    assert_resumed(*offer(cc, sc, resealed(sc, session)))  # control
    assert_full(*offer(cc, sc, resealed(sc, session, change)))


# ---- the same refusals in the TLS 1.2 server (RFC 5077 ticket, RFC 5246 7.4.1.2) --------------------


@LIFETIMES
def test_tls12_ticket_past_its_lifetime_is_not_resumed(pki, issued, later):
    """RFC 5077 3.3 (ticket_lifetime_hint; the server decides): the same limit as TLS 1.3."""
    clock = Clock()
    cc, sc = client12(pki), server(pki, clock, ticket_lifetime=issued)
    session = first_session(cc, sc)
    assert session.version == TLS12
    sc = dataclasses.replace(sc, ticket_lifetime=later)
    clock.now += HOUR  # control
    assert_resumed(*offer(cc, sc, session))
    clock.now += 1
    assert_full(*offer(cc, sc, session))


@pytest.mark.parametrize("hint", [0, 3600, 10**7])
def test_tls12_ticket_lifetime_hint_is_reported_as_sent(pki, hint):
    """``ticket_lifetime_hint`` is the server's value, as ``ssl.SSLSession``'s (0 too: RFC 5077
    3.3's "unspecified"); how long we keep the ticket is at most 7 days, 7 days for 0."""
    cc, sc = client12(pki), server(pki, Clock())
    c, s = make_pair(cc, sc)
    tamper_sent(s, m.NewSessionTicketTLS12, ticket_lifetime_hint=hint)
    do_handshake(c, s)
    assert c.session.ticket_lifetime_hint == hint
    assert c.session.timeout == min(hint or 7 * 24 * HOUR, 7 * 24 * HOUR)
    assert_resumed(*offer(cc, sc, c.session))


def test_tls12_ticket_from_the_future_is_not_resumed(pki):
    clock = Clock()
    cc, sc = client12(pki), server(pki, clock)
    session = first_session(cc, sc)
    clock.now -= 60  # control
    assert_resumed(*offer(cc, sc, session))
    clock.now -= 1
    assert_full(*offer(cc, sc, session))


def test_tls12_ticket_with_an_empty_session_id_is_resumed(pki):
    """RFC 5077 3.4: a client may send its ticket with an empty session ID and tell from
    the server's next message that it resumed (tlslite-ng does, and assumes it); OpenSSL
    and Go resume such a ticket, and so does our server now (it used to do a full
    handshake, and tlslite-ng's second connection failed).  Our own client always sends
    an ID with a ticket, so only the server's choice is checked: its ServerHello."""
    cc, sc = client12(pki), server(pki, Clock())
    session = first_session(cc, sc)
    c, s = make_pair(cc, sc, session=session)
    tamper_sent(c, m.ClientHello, in_place=True, session_id=b"")
    c.start()
    s.start()
    transfer(c, s)
    assert s.session_reused
    out = s.data_to_send()
    assert out[5] == 2  # the first record opens with the ServerHello...
    assert out[5 + 4 + 2 + 32] == 0  # ... whose session ID (after version and random) is empty


def test_tls12_ticket_with_a_tls13_state_is_not_resumed(pki):
    """A TLS 1.2 ticket whose state says TLS 1.3 (with a TLS 1.2 suite and the master secret)
    is not resumed; the control is the same ticket resealed unchanged."""
    clock = Clock()
    cc, sc = client12(pki), server(pki, clock)
    session = first_session(cc, sc)
    assert_resumed(*offer(cc, sc, resealed(sc, session)))  # control
    assert_full(*offer(cc, sc, resealed(sc, session, with_state(version=TLS13))))


# ---- a session's client certificates against the server's policy today (Go's checkForResumption)

VERSIONS = pytest.mark.parametrize("version", [TLS13, TLS12], ids=["tls13", "tls12"])


def _with_client_cert(pki, version, mode):
    """A client with a certificate, and a server in ``mode`` (TLS ``version`` only)."""
    client_cert = pki.client()
    cc = (client13 if version == TLS13 else client12)(pki, certificates=[client_cert])
    sc = requiring(server(pki, Clock(), min_version=version, max_version=version, trust_store=pki.store), mode)
    return cc, sc, client_cert


@VERSIONS
@pytest.mark.parametrize("now_mode", [ClientAuthType.VerifyClientCertIfGiven, ClientAuthType.RequireAndVerifyClientCert], ids=lambda m: m.name)
def test_a_session_with_an_unverified_certificate_does_not_resume_on_a_verifying_server(pki, version, now_mode):
    """A resumed handshake carries the client's certificate over without verifying it, so a
    session whose certificate was never verified (RequireAnyClientCert) must not stand in
    for verification once the server verifies: a full handshake verifies it."""
    cc, sc, client_cert = _with_client_cert(pki, version, ClientAuthType.RequireAnyClientCert)
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)  # control: the same policy resumes
    assert_resumed(c, s)
    verifying = dataclasses.replace(sc, client_auth=now_mode)
    c, s = offer(cc, verifying, session)
    assert_full(c, s)
    assert c.local_certificate is client_cert and s.peer_certificates == list(client_cert.chain_der)
    # Control: a session made by the verifying server resumes there.
    verified = first_session(cc, verifying)
    c, s = offer(cc, verifying, verified)
    assert_resumed(c, s)
    assert s.peer_certificates == list(client_cert.chain_der)


@VERSIONS
def test_a_session_with_a_certificate_does_not_resume_on_a_server_that_takes_none(pki, version):
    """A server that no longer asks for client certificates (NoClientCert) does not take
    back a session that carries one."""
    cc, sc, client_cert = _with_client_cert(pki, version, ClientAuthType.RequestClientCert)
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)  # control
    assert_resumed(c, s)
    assert s.peer_certificates == list(client_cert.chain_der)
    c, s = offer(cc, dataclasses.replace(sc, client_auth=ClientAuthType.NoClientCert), session)
    assert_full(c, s)
    assert c.local_certificate is None and s.peer_certificates == []


@VERSIONS
def test_a_session_whose_client_certificate_has_expired_does_not_resume(pki, version):
    cc, sc, client_cert = _with_client_cert(pki, version, ClientAuthType.RequireAnyClientCert)
    session = first_session(cc, sc)
    expiry = client_cert.leaf.not_valid_after_utc.timestamp()
    c, s = offer(cc, dataclasses.replace(sc, verify_time=lambda: expiry - DAY), session)  # control
    assert_resumed(c, s)
    c, s = offer(cc, dataclasses.replace(sc, verify_time=lambda: expiry + DAY), session)
    assert_full(c, s)  # RequireAnyClientCert takes the expired certificate in a full handshake: it never verifies


def test_session_state_keeps_the_verified_flag_and_refuses_unknown_flags():
    state = SessionState(version=TLS13, cipher_suite=S.TLS_AES_128_GCM_SHA256, secret=bytes(32), created_at=1, peer_certificates=[b"der"])
    for verified in (False, True):
        for ems in (False, True):
            blob = dataclasses.replace(state, peer_verified=verified, extended_master_secret=ems).to_bytes()
            back = SessionState.from_bytes(blob)
            assert back is not None and back.peer_verified is verified and back.extended_master_secret is ems
    blob = bytearray(state.to_bytes())
    flags_at = 2 + 2 + 8 + 4 + 4
    blob[flags_at] |= 4
    assert SessionState.from_bytes(bytes(blob)) is None


def test_session_state_keeps_the_verified_path_only_with_the_verified_flag():
    state = SessionState(
        version=TLS13, cipher_suite=S.TLS_AES_128_GCM_SHA256, secret=bytes(32), created_at=1,
        peer_certificates=[b"leaf", b"sent intermediate"], peer_verified=True, verified_chain_tail=[b"intermediate", b"root"],
    )  # fmt: skip
    back = SessionState.from_bytes(state.to_bytes())
    assert back == state and back.verified_chain == [b"leaf", b"intermediate", b"root"]
    assert dataclasses.replace(state, peer_verified=False).verified_chain == []
    # A path after a leaf never verified, or after no leaf at all, is not ours: refused.
    assert SessionState.from_bytes(dataclasses.replace(state, peer_verified=False).to_bytes()) is None
    assert SessionState.from_bytes(dataclasses.replace(state, peer_certificates=[]).to_bytes()) is None
    for cut in range(len(state.to_bytes())):
        assert SessionState.from_bytes(state.to_bytes()[:cut]) is None


def test_the_verified_path_does_not_repeat_the_certificates_the_peer_sent():
    """The verified path's certificates that the peer also sent go into the ticket as their
    place in its chain, not again: a wolfSSL client drops a TLS 1.3 ticket over 1,536 bytes
    (BUFFER_E, so every reconnect failed), and an RSA client chain sent with its root made
    ours 1,592 bytes.  A reference to a certificate that is not there is not ours."""
    sent = [b"L" * 670, b"I" * 400, b"R" * 397]
    state = SessionState(
        version=TLS13, cipher_suite=S.TLS_AES_128_GCM_SHA256, secret=bytes(32), created_at=1,
        peer_certificates=sent, peer_verified=True, verified_chain_tail=[b"I" * 400, b"R" * 397, b"unsent root"],
    )  # fmt: skip
    blob = state.to_bytes()
    assert SessionState.from_bytes(blob) == state
    without_tail = dataclasses.replace(state, verified_chain_tail=[]).to_bytes()
    assert len(blob) - len(without_tail) == 4 + 4 + 4 + len(b"unsent root")  # two references, one certificate
    # A reference past the peer's chain: refused, never an IndexError.
    bad = blob.replace(struct.pack("!I", 0x80000001), struct.pack("!I", 0x80000007))
    assert bad != blob and SessionState.from_bytes(bad) is None


# ---- what a verifying client offers (Go's loadSession) ---------------------------------------------


@VERSIONS
def test_a_session_made_without_verification_is_not_offered_by_a_verifying_client(pki, version):
    """A resumed handshake skips the server's certificate: a session from a connection that
    verified nothing must not stand in for verification (Go: no verifiedChains, no offer)."""
    make_client = client13 if version == TLS13 else client12
    sc = server(pki, Clock(), min_version=version, max_version=version)
    trusting = make_client(pki, verify_peer=False)
    session = first_session(trusting, sc)
    assert session.verified_chain == []
    c, s = offer(trusting, sc, session)  # control: the client that verifies nothing resumes
    assert_resumed(c, s)
    c, s = offer(make_client(pki), sc, session)
    assert_full(c, s)
    assert c.verified_chain  # the full handshake verified the server


@VERSIONS
def test_a_session_whose_server_certificate_has_expired_is_not_offered(pki, version):
    make_client = client13 if version == TLS13 else client12
    sc = server(pki, Clock(), min_version=version, max_version=version)
    cc = make_client(pki)
    session = first_session(cc, sc)
    expiry = pki.server().leaf.not_valid_after_utc.timestamp()
    c, s = offer(dataclasses.replace(cc, verify_time=lambda: expiry - DAY), sc, session)  # control
    assert_resumed(c, s)
    c, s = make_pair(dataclasses.replace(cc, verify_time=lambda: expiry + DAY), sc, session=session)
    with pytest.raises(TLSError) as e:  # the full handshake finds the certificate expired
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.certificate_expired, e.value


@VERSIONS
def test_a_session_for_a_certificate_not_of_this_host_is_not_offered_when_checking_host_names(pki, version):
    """A session made with host name checks off, for a name the certificate does not
    cover, is not offered once they are on: the full handshake then refuses the name."""
    make_client = client13 if version == TLS13 else client12
    sc = server(pki, Clock(), min_version=version, max_version=version)
    lax = make_client(pki, check_hostname=False)
    c, s = make_pair(lax, sc, server_hostname="not-localhost.example")
    do_handshake(c, s)
    transfer(s, c)
    session = c.session
    assert session is not None and session.verified_chain
    c, s = make_pair(lax, sc, server_hostname="not-localhost.example", session=session)  # control
    do_handshake(c, s)
    assert_resumed(c, s)
    c, s = make_pair(make_client(pki), sc, server_hostname="not-localhost.example", session=session)
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.bad_certificate and "not-localhost.example" in str(e.value), e.value


@VERSIONS
@pytest.mark.parametrize(
    "mode,verified",
    [(ClientAuthType.RequireAnyClientCert, False), (ClientAuthType.RequireAndVerifyClientCert, True)],
    ids=lambda v: v.name if isinstance(v, ClientAuthType) else str(v),
)
def test_the_server_has_a_verified_chain_only_when_its_policy_verifies(pki, version, mode, verified):
    """Go's VerifiedChains: a server that takes any certificate has the client's certificates
    (peer_certificates) but no verified chain, in a full handshake and in a resumed one."""
    cc, sc, client_cert = _with_client_cert(pki, version, mode)
    session = first_session(cc, sc)
    paths = []
    for c, s in (make_pair(cc, sc), make_pair(cc, sc, session=session)):
        do_handshake(c, s)
        assert s.peer_certificates == list(client_cert.chain_der)
        assert bool(s.verified_chain) is verified
        if verified:
            assert s.verified_chain[0] == client_cert.leaf
        paths.append([cert.public_bytes(serialization.Encoding.DER) for cert in s.verified_chain])
    assert s.session_reused
    # Go keeps the verified chains in the session: the resumed connection reports the
    # whole path to the trust anchor, as the full handshake did, not the certificates sent.
    assert paths[1] == paths[0]
    if verified:
        root = pki.root.cert.public_bytes(serialization.Encoding.DER)
        assert len(paths[0]) == len(client_cert.chain_der) + 1 and paths[0][-1] == root


# ---- a session too big for a ticket ---------------------------------------------------------------


def test_ticket_keys_seal_nothing_that_would_not_fit_a_ticket():
    keys = TicketKeys()
    overhead = len(keys.seal(b""))
    assert len(keys.seal(bytes(0xFFFF - overhead))) == 0xFFFF
    assert keys.open(keys.seal(bytes(0xFFFF - overhead))) == bytes(0xFFFF - overhead)
    assert keys.seal(bytes(0xFFFF - overhead + 1)) == b""


@VERSIONS
@pytest.mark.parametrize("mode", [ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert], ids=lambda m: m.name)
def test_a_client_chain_too_big_for_a_ticket_gets_no_ticket_and_the_handshake_completes(pki, version, mode):
    """A ticket carries the client's certificates, and ``ticket<1..2^16-1>`` caps it: with a
    chain of over 64 KiB the server sends no ticket (TLS 1.3) or an empty one (TLS 1.2,
    RFC 5077 3.3) instead of failing the handshake with internal_error."""
    client_cert = pki.client()
    big = CertifiedKey(client_cert.chain + [pki.ca.cert] * 160, client_cert.private_key)  # unused extra intermediates
    assert sum(map(len, big.chain_der)) > 0xFFFF
    cc = (client13 if version == TLS13 else client12)(pki, certificates=[big])
    sc = requiring(server(pki, Clock(), min_version=version, max_version=version, trust_store=pki.store), mode)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert exchange(c, s, b"ping") == b"ping"
    assert exchange(s, c, b"pong") == b"pong"  # TLS 1.3: a NewSessionTicket would come first
    assert s.peer_certificates == big.chain_der
    assert c.session is None or not c.session.ticket
    c2, s2 = offer(cc, sc, c.session)
    assert_full(c2, s2)


@pytest.mark.parametrize("version", [TLS12, TLS13])
def test_session_events_and_states_keep_their_secret_out_of_repr(pki, version):
    """A sans-IO loop that logs its events (f"events: {evs}") wrote the TLS 1.2 master
    secret or the TLS 1.3 resumption PSK into the log through ClientSession's dataclass
    repr: enough to decrypt the recorded connection (a Go-API probe).  ssl's session
    repr shows no secret, and Go's session state keeps its fields unexported."""
    from fasttls import events as ev

    c, s = make_pair(Config(trust_store=pki.store, max_version=version), Config(certificates=[pki.server()], max_version=version))
    cev, _ = do_handshake(c, s)
    cev += transfer(s, c)
    tickets = [e for e in cev if isinstance(e, ev.SessionTicketReceived)]
    assert tickets
    session = tickets[0].session
    assert session.secret and session.secret.hex() not in repr(cev) and repr(session.secret) not in repr(cev)
    state = SessionState(version, 0x1301, session.secret, 0)
    assert repr(session.secret) not in repr(state)


def test_set_keys_share_tickets_across_servers_and_do_not_rotate(pki):
    """Go's SetSessionTicketKeys (a Go-API probe found no way to give keys): servers of a
    fleet given the same 32-byte secrets open each other's tickets; the first key seals,
    every one opens, and none rotates away."""
    clock = Clock()
    first, second = bytes(range(32)), bytes(range(32, 64))
    a = TicketKeys(clock=clock, keys=[first])
    b = TicketKeys(clock=clock, keys=[second, first])  # a fleet moving to a new key
    sealed_by_a = a.seal(b"session state")
    assert b.open(sealed_by_a) == b"session state"
    assert a.open(b.seal(b"newer")) is None  # a does not have the new key yet
    clock.now += 30 * DAY  # no rotation, no expiry of the given keys
    assert b.open(sealed_by_a) == b"session state" and a.open(a.seal(b"x")) == b"x"
    # A whole handshake: a ticket from one server's Config resumes on another's.
    cc = Config(trust_store=pki.store)
    s1 = Config(certificates=[pki.server()], ticket_keys=TicketKeys(keys=[first]))
    s2 = Config(certificates=[pki.server()], ticket_keys=TicketKeys(keys=[first]))
    session = first_session(cc, s1)
    assert_resumed(*offer(cc, s2, session))
    for bad in ([], [b"short"], b"x" * 32, ["x" * 32]):
        with pytest.raises(ValueError):
            TicketKeys(keys=bad)
    a.rotate()  # rotation goes on from here; the set key still opens its tickets
    assert a.open(sealed_by_a) == b"session state" and b.open(a.seal(b"y")) is None


def test_set_keys_during_a_seal_keeps_the_set_keys():
    """A seal that had found no rotation due raced with set_keys (a fleet rotating its
    shared keys under traffic): it saw the new keys as overdue, replaced them with a random
    one and kept it for good, so no peer opened its tickets (a review of set_keys)."""
    import os
    import threading

    inside, resume = threading.Event(), threading.Event()

    def clock() -> float:
        if threading.current_thread().name == "sealer":
            inside.set()
            resume.wait(10)  # hold the seal between its check and its keys
        return time.time()

    keys, shared = TicketKeys(clock=clock), [os.urandom(32)]
    peer = TicketKeys(keys=shared)
    sealer = threading.Thread(target=keys.seal, args=(b"state",), name="sealer")
    sealer.start()
    assert inside.wait(10)
    keys.set_keys(shared)
    resume.set()
    sealer.join(10)
    assert peer.open(keys.seal(b"hello")) == b"hello" and keys.open(peer.seal(b"x")) == b"x"


def test_set_keys_takes_any_iterable_but_not_an_empty_one():
    keys = TicketKeys(keys=(k for k in [bytes(32)]))
    assert keys.open(keys.seal(b"s")) == b"s"
    with pytest.raises(ValueError):
        TicketKeys(keys=(k for k in []))  # was taken, and every handshake failed with IndexError


def test_the_client_cache_discards_only_the_session_it_is_asked_to():
    """Dropping a ticket too long to offer must not drop a session another connection
    stored for the same name meanwhile: the compare and the delete take one lock."""
    from fasttls.tickets import ClientSessionCache

    cache = ClientSessionCache()
    old, new = object(), object()
    cache.put("host", new)
    cache.discard("host", old)
    assert cache.get("host") is new
    cache.discard("host", new)
    assert cache.get("host") is None
    cache.discard("host", new)  # nothing there: no error


@pytest.mark.parametrize("version", [ProtocolVersion.TLS12, ProtocolVersion.TLS13])
def test_a_client_session_repr_is_one_short_line(pki, version):
    """ssl's SSLSession repr is one line; ours held the ticket and every certificate's DER
    (~14 KB, which flooded a failing test's output: CPython test_ssl probe).  The secret was
    never in it, and still is not."""
    cfg = dict(min_version=version, max_version=version)
    c, s = make_pair(Config(trust_store=pki.store, **cfg), Config(certificates=[pki.server()], **cfg))
    do_handshake(c, s)
    exchange(c, s, b"x")  # (TLS 1.3: the ticket comes after the handshake)
    session = c.session
    assert session is not None and session.ticket and session.peer_certificates
    text = repr(session)
    assert "\n" not in text and len(text) < 400, text
    for secret_or_bulk in (session.secret, session.ticket, session.peer_certificates[0]):
        assert repr(secret_or_bulk)[2:40] not in text


# ---- sessions against the trust in force now (Go's fix of CVE-2025-68121) -----------------------


@VERSIONS
def test_a_server_that_stopped_trusting_the_client_ca_does_not_resume_its_sessions(pki, other_pki, version):
    """The operator stops trusting a CA (client_ca_store replaced) and keeps the ticket
    keys: a session verified under the old CA must not stand in for verification, or its
    clients go on resuming for the tickets' lifetime.  The full handshake refuses them."""
    cc, sc, _ = _with_client_cert(pki, version, ClientAuthType.RequireAndVerifyClientCert)
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)  # control
    assert_resumed(c, s)
    c, s = make_pair(cc, dataclasses.replace(sc, client_ca_store=other_pki.store), session=session)
    with pytest.raises(TLSError, match="unable to get local issuer certificate"):
        do_handshake(c, s)


@VERSIONS
def test_a_client_that_stopped_trusting_the_servers_ca_does_not_offer_its_sessions(pki, other_pki, version):
    """The client's side of the same (Go's loadSession): a configuration that no longer
    trusts the root a session was verified to makes a full, verifying handshake."""
    make_client = client13 if version == TLS13 else client12
    sc = server(pki, Clock(), min_version=version, max_version=version)
    cc = make_client(pki)
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)  # control
    assert_resumed(c, s)
    c, s = make_pair(dataclasses.replace(cc, trust_store=other_pki.store), sc, session=session)
    with pytest.raises(TLSError, match="unable to get local issuer certificate"):
        do_handshake(c, s)


@VERSIONS
def test_sessions_whose_intermediate_ca_has_expired_do_not_resume(version):
    """An intermediate CA that expires before the leaves it signed: two days on, neither
    side takes a session verified through it (each checked alone: a client that does not
    verify still offers it, and the server refuses it), and the full handshake finds the
    expired CA.  Only the leaves' expiry was checked."""
    import datetime

    from fasttls.verify import TrustStore

    from .pki import make_ca, make_leaf, utcnow

    now = utcnow()
    root = make_ca("root")
    inter = make_ca("short-lived intermediate", issuer=root, not_after=now + datetime.timedelta(days=1))
    server_leaf = make_leaf(inter, ["localhost"], not_after=now + datetime.timedelta(days=30))
    client_leaf = make_leaf(inter, ["client.test"], client=True, not_after=now + datetime.timedelta(days=30))
    store = TrustStore.from_certificates([root.cert])
    clock = Clock()
    clock.now = time.time()
    cc = Config(trust_store=store, certificates=[client_leaf.certified_key()], session_cache=None, min_version=version, max_version=version, clock=clock)
    sc = Config(certificates=[server_leaf.certified_key()], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=store, min_version=version, max_version=version, clock=clock)
    session = first_session(cc, sc)
    clock.now += DAY / 2
    c, s = offer(cc, sc, session)  # control: the intermediate is still valid
    assert_resumed(c, s)
    clock.now += 2 * DAY
    c, s = make_pair(cc, sc, session=session)  # the client does not offer it
    with pytest.raises(TLSError, match="certificate has expired"):
        do_handshake(c, s)
    assert not c.session_reused
    lax = dataclasses.replace(cc, verify_peer=False)
    c, s = make_pair(lax, sc, session=session)  # offered anyway: the server does not take it
    with pytest.raises(TLSError, match="certificate has expired"):
        do_handshake(c, s)
    assert not s.session_reused


@VERSIONS
def test_sessions_verified_through_the_system_store_resume(pki, monkeypatch, version):
    """A Config without a trust store verifies with the system's (here the test root): its
    sessions resume on both sides, checked against that same store.  The check of the
    verified chain took "no store" for "trusts nothing", and nothing resumed."""
    from fasttls import verify

    monkeypatch.setattr(verify, "_default_store", pki.store)
    client_cert = pki.client()
    cc = Config(certificates=[client_cert], min_version=version, max_version=version, session_cache=None)
    clock = Clock()
    clock.now = time.time()
    sc = server(pki, clock, min_version=version, max_version=version, client_auth=ClientAuthType.RequireAndVerifyClientCert)
    assert cc.trust_store is None and sc.trust_store is None and sc.client_ca_store is None
    session = first_session(cc, sc)
    c, s = offer(cc, sc, session)
    assert_resumed(c, s)
    assert s.peer_certificates == list(client_cert.chain_der)

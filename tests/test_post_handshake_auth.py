"""TLS 1.3 post-handshake client authentication (RFC 8446 4.6.2), as ssl offers it:
``post_handshake_auth`` on both sides, ``verify_client_post_handshake()`` on the server.

First in memory (both sides fasttls), then over sockets against real peers: Python's ssl
on either side (every scenario also runs ssl against ssl, the reference the others must
match) and the openssl command line (``s_client -enable_pha``, ``s_server``'s ``c``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time

import pytest
from cryptography.hazmat.primitives import serialization

import fasttls
from fasttls import events as ev
from fasttls.config import ClientAuthType, Config
from fasttls.constants import AlertDescription, ProtocolVersion
from fasttls.errors import AlertReceived, SSLError, TLSError
from fasttls.messages import handshake as m

from .compat import files, no_leaks  # noqa: F401 - fixtures
from fasttls.context import _StdSSLContext as STD_SSL_CONTEXT
from .pairs import do_handshake, exchange, make_pair, post_handshake_auth_error, tamper_sent, transfer
from .peers import openssl_client, openssl_server, thread_server

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12
DER = serialization.Encoding.DER


def configs(pki, mode=ClientAuthType.RequireAndVerifyClientCert, client_cert=True, client_pha=True, server_pha=True, **server_kw):
    client = Config(
        trust_store=pki.store, certificates=[pki.client()] if client_cert else [], post_handshake_auth=client_pha, session_cache=None
    )
    server = Config(certificates=[pki.server()], client_auth=mode, trust_store=pki.store, post_handshake_auth=server_pha, **server_kw)
    return client, server


def established(pki, **kw):
    c, s = make_pair(*configs(pki, **kw))
    do_handshake(c, s)
    return c, s


def pha_events(events: list) -> list:
    return [e for e in events if isinstance(e, ev.PostHandshakeAuth)]


def authenticate(c, s) -> tuple[list, list]:
    """The server asks; the request and the answer cross; returns both sides' events."""
    s.verify_client_post_handshake()
    c_events = transfer(s, c)
    return pha_events(c_events), pha_events(transfer(c, s))


def test_the_server_defers_the_request_and_gets_the_verified_certificate_after_the_handshake(pki):
    c, s = established(pki)
    # ssl's post_handshake_auth on the server: no CertificateRequest in the handshake.
    assert s.peer_certificates == [] and s.verified_chain == [] and c.local_certificate is None
    assert exchange(c, s, b"before") == b"before"
    c_events, s_events = authenticate(c, s)
    assert c_events == [ev.PostHandshakeAuth(True)] and s_events == [ev.PostHandshakeAuth(True)]
    client_cert = pki.client()
    assert s.peer_certificates == list(client_cert.chain_der)
    path = [cert.public_bytes(DER) for cert in s.verified_chain]
    assert path == [*client_cert.chain_der, pki.root.cert.public_bytes(DER)]
    assert c.local_certificate is client_cert and s.peer_signature_scheme is not None
    assert exchange(c, s, b"after") == b"after" and exchange(s, c, b"back") == b"back"


def test_application_data_may_cross_the_request(pki):
    """RFC 8446 4.6.2: the server must expect other messages before the client's answer."""
    c, s = established(pki)
    s.verify_client_post_handshake()
    s.send(b"server data after the request")
    c.send(b"client data sent before it saw the request")
    transfer(c, s)
    assert s.read() == b"client data sent before it saw the request" and s.peer_certificates == []
    transfer(s, c)
    assert c.read() == b"server data after the request"
    transfer(c, s)
    assert s.peer_certificates == list(pki.client().chain_der)


def test_a_second_request_replaces_the_certificates_and_uses_a_new_context(pki):
    c, s = established(pki)
    contexts = []
    orig = s.write_handshake

    def spy(msg):
        if isinstance(msg, m.CertificateRequestTLS13):
            contexts.append(msg.certificate_request_context)
        return orig(msg)

    s.write_handshake = spy
    for _ in range(2):
        assert authenticate(c, s)[1] == [ev.PostHandshakeAuth(True)]
    assert len(contexts) == 2 and contexts[0] != contexts[1] and len(contexts[0]) == 32


def test_after_a_key_update_the_finished_uses_the_current_traffic_secret(pki):
    c, s = established(pki)
    c.key_update(request_peer=True)
    transfer(c, s)
    transfer(s, c)
    assert authenticate(c, s)[1] == [ev.PostHandshakeAuth(True)]


def test_a_client_without_a_certificate_fails_a_server_that_requires_one(pki):
    c, s = established(pki, client_cert=False)
    s.verify_client_post_handshake()
    assert pha_events(transfer(s, c)) == [ev.PostHandshakeAuth(False)]
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == AlertDescription.certificate_required
    with pytest.raises(AlertReceived) as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.certificate_required


def test_a_client_without_a_certificate_is_fine_when_the_server_only_asks(pki):
    c, s = established(pki, mode=ClientAuthType.VerifyClientCertIfGiven, client_cert=False)
    assert authenticate(c, s) == ([ev.PostHandshakeAuth(False)], [ev.PostHandshakeAuth(False)])
    assert s.peer_certificates == [] and exchange(c, s, b"still here") == b"still here"


def test_a_certificate_the_server_cannot_verify_fails_with_its_alert(pki, other_pki):
    client, server = configs(pki)
    client.certificates = [other_pki.client()]
    c, s = make_pair(client, server)
    assert post_handshake_auth_error(c, s).alert in (AlertDescription.bad_certificate, AlertDescription.unknown_ca)
    assert s.peer_certificates == []  # never proven: not the connection's


def test_without_post_handshake_auth_on_the_server_it_asks_in_the_handshake_and_may_ask_again(pki):
    """As OpenSSL: the server's flag only defers the request; a client that offered the
    extension can be asked after the handshake either way."""
    c, s = established(pki, server_pha=False)
    assert s.peer_certificates == list(pki.client().chain_der)
    assert authenticate(c, s)[1] == [ev.PostHandshakeAuth(True)]


def test_a_server_that_defers_defers_for_every_tls13_client_and_none_in_tls12(pki):
    """As ssl (OpenSSL's SSL_VERIFY_POST_HANDSHAKE): the request waits for the application,
    also for a client that could not answer it (browsers offer no post-handshake auth), and
    the application's request is then refused; TLS 1.2 asks in the handshake."""
    c, s = established(pki, client_pha=False)
    assert s.peer_certificates == []
    with pytest.raises(SSLError) as e:
        s.verify_client_post_handshake()
    assert e.value.reason == "EXTENSION_NOT_RECEIVED"
    assert exchange(c, s, b"served without a certificate") == b"served without a certificate"
    c, s = established(pki, client_pha=False, max_version=TLS12)
    assert s.peer_certificates == list(pki.client().chain_der)
    c, s = make_pair(*configs(pki, client_pha=False, client_cert=False, max_version=TLS12))
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    assert e.value.alert == AlertDescription.handshake_failure


def test_a_resumed_session_without_certificates_resumes_when_the_server_defers(pki):
    client, server = configs(pki)
    c, s = make_pair(client, server)
    do_handshake(c, s)
    transfer(s, c)
    assert c.session is not None
    c, s = make_pair(client, server, session=c.session)
    do_handshake(c, s)
    assert c.session_reused and s.session_reused and s.peer_certificates == []
    assert authenticate(c, s)[1] == [ev.PostHandshakeAuth(True)]
    assert s.peer_certificates == list(pki.client().chain_der)


# ---- refusals: an SSLError with OpenSSL's reason, and the connection goes on ------------------------------


@pytest.mark.parametrize(
    "setup,reason",
    [
        (lambda pki: established(pki, client_pha=False, server_pha=False), "EXTENSION_NOT_RECEIVED"),
        (lambda pki: established(pki, mode=ClientAuthType.NoClientCert), "INVALID_CONFIG"),
        (lambda pki: established(pki, max_version=TLS12), "WRONG_SSL_VERSION"),
    ],
    ids=["client-did-not-offer", "cert-none", "tls12"],
)
def test_refusals_leave_the_connection_usable(pki, setup, reason):
    c, s = setup(pki)
    with pytest.raises(SSLError) as e:
        s.verify_client_post_handshake()
    assert e.value.reason == reason and not isinstance(e.value, TLSError)
    assert exchange(c, s, b"ping") == b"ping" and exchange(s, c, b"pong") == b"pong"


def test_refusals_on_the_client_before_the_handshake_and_while_a_request_is_out(pki):
    c, s = make_pair(*configs(pki))
    with pytest.raises(SSLError) as e:
        s.verify_client_post_handshake()
    assert e.value.reason == "STILL_IN_INIT"
    do_handshake(c, s)
    with pytest.raises(SSLError) as e:
        c.verify_client_post_handshake()
    assert e.value.reason == "NOT_SERVER"
    s.verify_client_post_handshake()
    with pytest.raises(SSLError) as e:
        s.verify_client_post_handshake()
    assert e.value.reason == "REQUEST_PENDING"
    transfer(s, c)
    transfer(c, s)
    assert s.peer_certificates and exchange(c, s, b"ok") == b"ok"


# ---- a peer that breaks the rules -----------------------------------------------------------------------


def _expect_server_error(c, s, alert):
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    assert e.value.alert == alert, e.value
    assert s.peer_certificates == []
    return e.value


def test_a_client_certificate_with_another_context_is_refused(pki):
    c, s = established(pki)
    tamper_sent(c, m.CertificateTLS13, certificate_request_context=b"not yours")
    s.verify_client_post_handshake()
    transfer(s, c)
    err = _expect_server_error(c, s, AlertDescription.illegal_parameter)
    assert "request context" in str(err)


def test_a_wrong_finished_is_refused(pki):
    c, s = established(pki)
    tamper_sent(c, m.Finished, verify_data=bytes(32))
    s.verify_client_post_handshake()
    transfer(s, c)
    _expect_server_error(c, s, AlertDescription.decrypt_error)


def test_a_bad_signature_is_refused(pki):
    c, s = established(pki)
    tamper_sent(c, m.CertificateVerify, change=lambda cv: m.CertificateVerify(signature_algorithm=cv.signature_algorithm, signature=bytes(len(cv.signature))))
    s.verify_client_post_handshake()
    transfer(s, c)
    _expect_server_error(c, s, AlertDescription.decrypt_error)


def test_a_certificate_without_its_certificate_verify_is_refused(pki):
    c, s = established(pki)
    orig = c.write_handshake
    c.write_handshake = lambda msg: b"" if isinstance(msg, m.CertificateVerify) else orig(msg)
    s.verify_client_post_handshake()
    transfer(s, c)
    _expect_server_error(c, s, AlertDescription.unexpected_message)


def test_client_authentication_messages_nobody_asked_for_are_refused(pki):
    c, s = established(pki)
    c.write_handshake(m.CertificateTLS13(certificate_request_context=b"x", certificate_list=[]))
    c._flush_handshake()
    _expect_server_error(c, s, AlertDescription.unexpected_message)


def test_a_client_that_did_not_offer_it_refuses_a_certificate_request(pki):
    """RFC 8446 4.6.2: unexpected_message from a client that sent no post_handshake_auth."""
    c, s = established(pki)
    c._handshake.state13.pha_transcript = None  # as if it had not offered the extension
    _expect_client_error(c, s, AlertDescription.unexpected_message)


def test_a_client_refuses_a_certificate_request_without_signature_algorithms(pki):
    c, s = established(pki)
    tamper_sent(s, m.CertificateRequestTLS13, signature_algorithms=[])
    _expect_client_error(c, s, AlertDescription.missing_extension)


def _expect_client_error(c, s, alert):
    """The server asks; the client refuses the request with ``alert``, and answers nothing."""
    s.verify_client_post_handshake()
    with pytest.raises(TLSError) as e:
        transfer(s, c)
    assert e.value.alert == alert, e.value
    assert c.local_certificate is None


# ---- against real peers: Python's ssl, the openssl command line ------------------------------------------


def server_context(kind, files, verify_mode=ssl.CERT_REQUIRED, pha=True, tls12=False):
    ctx = (fasttls.SSLContext if kind == "fasttls" else STD_SSL_CONTEXT)(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files.cert, files.key)
    ctx.load_verify_locations(files.ca)
    ctx.verify_mode = verify_mode
    ctx.post_handshake_auth = pha
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def client_context(kind, files, cert=True, pha=True):
    ctx = (fasttls.SSLContext if kind == "fasttls" else STD_SSL_CONTEXT)(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(files.ca)
    if cert:
        ctx.load_cert_chain(files.client_cert, files.client_key)
    ctx.post_handshake_auth = pha
    return ctx


def command_handler(ctx):
    """CPython's test server for post-handshake auth: ``HASCERT``, ``PHA`` (asks, answers
    ``OK`` or ``ERR <reason>``), ``GETCERT``; returns the error that ended it, if any."""

    def handler(raw: socket.socket):
        with ctx.wrap_socket(raw, server_side=True) as s:
            while True:
                try:
                    chunk = s.recv(1024)
                except (ssl.SSLError, OSError) as exc:
                    return exc
                if not chunk:
                    return None
                for line in chunk.split():  # s_client may send two lines in one record
                    if line == b"HASCERT":
                        s.sendall(b"TRUE\n" if s.getpeercert() else b"FALSE\n")
                    elif line == b"PHA":
                        try:
                            s.verify_client_post_handshake()
                        except ssl.SSLError as exc:
                            s.sendall(b"ERR " + str(exc.reason).encode() + b"\n")
                        else:
                            s.sendall(b"OK\n")
                    elif line == b"GETCERT":
                        s.sendall(repr(s.getpeercert()).encode() + b"\n")

    return handler


KINDS = pytest.mark.parametrize(
    "server_kind,client_kind",
    [("ssl", "ssl"), ("fasttls", "ssl"), ("ssl", "fasttls"), ("fasttls", "fasttls")],
    ids=["ssl-ssl-reference", "fasttls-server", "fasttls-client", "fasttls-fasttls"],
)


def ask(s, line: bytes) -> bytes:
    s.sendall(line)
    return s.recv(4096)


@contextlib.contextmanager
def session(server_ctx, client_ctx):
    with thread_server(command_handler(server_ctx)) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as s:
            yield s, srv
        srv.join()


@KINDS
def test_real_peers_a_required_certificate_arrives_after_the_handshake(files, server_kind, client_kind):
    with session(server_context(server_kind, files), client_context(client_kind, files)) as (s, srv):
        assert s.version() == "TLSv1.3"
        assert ask(s, b"HASCERT") == b"FALSE\n"
        assert ask(s, b"PHA") == b"OK\n"
        assert ask(s, b"HASCERT") == b"TRUE\n"
        assert b"client.fasttls.test" in ask(s, b"GETCERT")
        assert ask(s, b"PHA") == b"OK\n"  # and again
        assert ask(s, b"HASCERT") == b"TRUE\n"
    assert srv.results == [None] and not srv.errors


@KINDS
def test_real_peers_a_required_certificate_that_does_not_come_ends_with_certificate_required(files, server_kind, client_kind):
    with session(server_context(server_kind, files), client_context(client_kind, files, cert=False)) as (s, srv):
        assert ask(s, b"PHA") == b"OK\n"  # the client answered (without a certificate) while reading it
        with pytest.raises(ssl.SSLError) as e:
            s.recv(1024)
        assert "CERTIFICATE_REQUIRED" in e.value.reason
    assert len(srv.results) == 1 and isinstance(srv.results[0], ssl.SSLError)


@KINDS
def test_real_peers_an_optional_certificate_may_stay_away(files, server_kind, client_kind):
    server_ctx = server_context(server_kind, files, verify_mode=ssl.CERT_OPTIONAL)
    with session(server_ctx, client_context(client_kind, files, cert=False)) as (s, srv):
        assert ask(s, b"PHA") == b"OK\n"
        assert ask(s, b"HASCERT") == b"FALSE\n"
    assert srv.results == [None]


@KINDS
def test_real_peers_a_server_without_the_flag_asks_in_the_handshake_and_may_ask_again(files, server_kind, client_kind):
    with session(server_context(server_kind, files, pha=False), client_context(client_kind, files)) as (s, srv):
        assert ask(s, b"HASCERT") == b"TRUE\n"
        assert ask(s, b"PHA") == b"OK\n"
        assert ask(s, b"HASCERT") == b"TRUE\n"
    assert srv.results == [None]


@KINDS
@pytest.mark.parametrize(
    "server_kw,client_kw,reason",
    [
        ({}, {"pha": False, "cert": False}, "EXTENSION_NOT_RECEIVED"),
        ({"tls12": True, "verify_mode": ssl.CERT_OPTIONAL}, {}, "WRONG_SSL_VERSION"),
        ({"verify_mode": ssl.CERT_NONE}, {}, "INVALID_CONFIG"),
    ],
    ids=["client-did-not-offer", "tls12", "cert-none"],
)
def test_real_peers_refusals_name_openssls_reason(files, server_kind, client_kind, server_kw, client_kw, reason):
    server_ctx = server_context(server_kind, files, **server_kw)
    with session(server_ctx, client_context(client_kind, files, **client_kw)) as (s, srv):
        assert ask(s, b"PHA") == b"ERR " + reason.encode() + b"\n"
        assert ask(s, b"HASCERT") in (b"TRUE\n", b"FALSE\n")  # the connection goes on
    assert srv.results == [None]


def test_openssl_s_client_answers_our_request(files):
    """``s_client -enable_pha`` offers it and answers with its -cert; we verify it."""
    server_ctx = server_context("fasttls", files)
    with thread_server(command_handler(server_ctx)) as srv:
        args = ["-tls1_3", "-CAfile", files.ca, "-servername", "localhost", "-enable_pha", "-cert", files.client_cert, "-cert_chain", files.client_cert, "-key", files.client_key]
        with openssl_client(srv.port, args) as cli:
            cli.send(b"HASCERT\n")
            cli.wait_for(r"(?m)^FALSE$")
            cli.send(b"PHA\n")
            cli.wait_for(r"(?m)^OK$")
            cli.send(b"HASCERT\n")
            cli.wait_for(r"(?m)^TRUE$")
            cli.close_stdin()
            cli.wait()
        srv.join()
    assert srv.results == [None]


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_we_answer_openssl_s_server(files, trusted):
    """``s_server``'s ``c`` command sends a post-handshake CertificateRequest and checks our
    answer against its -CAfile: a certificate from another CA ends the connection."""
    args = ["-cert", files.cert, "-cert_chain", files.cert, "-key", files.key, "-tls1_3", "-CAfile", files.ca, "-verify_return_error"]
    client_ctx = client_context("fasttls", files, cert=trusted)
    if not trusted:
        client_ctx.load_cert_chain(files.untrusted_cert, files.untrusted_key)
    with openssl_server(args) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"before\n")
            srv.wait_for("before")
            srv.send(b"c\n")  # s_server prints its result with printf: buffered, not waited for
            # Read until the request has come and been answered (s_server sends nothing else;
            # a second stdin line could reach it in the same read as "c", and be dropped).
            s.settimeout(0.2)
            deadline = time.monotonic() + 10
            refusal = None
            while s.connection.local_certificate is None and time.monotonic() < deadline:
                try:
                    pytest.fail(f"s_server sent {s.recv(1024)!r} before its request")
                except TimeoutError:
                    pass
                except ssl.SSLError as exc:  # its alert may follow our answer in the same read
                    refusal = exc
            s.settimeout(15)
            assert s.connection.local_certificate is not None
            if trusted:
                assert refusal is None, refusal
                s.sendall(b"after\n")
                srv.wait_for("after")  # it took our answer: the connection goes on
            else:
                if refusal is None:
                    with pytest.raises(ssl.SSLError) as e:
                        s.recv(1024)
                    refusal = e.value
                assert refusal.reason in ("TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE"), refusal


def test_certificate_requests_in_a_row_are_bounded_as_key_updates(pki):
    """A server that sends CertificateRequests without end (each costs the client a
    signature) and no data: the client answers max_key_updates of them in a row and refuses
    the next with unexpected_message.  Data in between starts the count again.  It
    answered every one (OpenSSL does too)."""
    client, server = configs(pki)
    client.max_key_updates = 3
    c, s = make_pair(client, server)
    do_handshake(c, s)
    schemes = list(s.config.signature_schemes)

    def request(i: int) -> None:
        s.write_handshake(m.CertificateRequestTLS13(certificate_request_context=bytes([i]), signature_algorithms=schemes))
        s._flush_handshake()

    for i in range(3):
        request(i)
    transfer(s, c)
    assert exchange(s, c, b"data") == b"data"  # the count starts again
    for i in range(3, 6):
        request(i)
    transfer(s, c)
    request(6)
    with pytest.raises(TLSError, match="CertificateRequests without application data") as e:
        transfer(s, c)
    assert e.value.alert == AlertDescription.unexpected_message


def test_an_empty_answer_to_a_second_request_clears_the_first_identity(pki):
    """The client answers a first request with its certificate and a second with none
    (RFC 8446 4.4.2.4, fine for a server that only asks): the server no longer reports the
    first certificate, as OpenSSL clears it; it did, so a server asking again before a
    sensitive step took the old answer for the client's current one."""
    answers = iter([pki.client(), None])
    client, server = configs(pki, mode=ClientAuthType.VerifyClientCertIfGiven, client_cert=False)
    client.get_client_certificate = lambda info: next(answers)
    c, s = make_pair(client, server)
    do_handshake(c, s)
    c_events, s_events = authenticate(c, s)
    assert s_events == [ev.PostHandshakeAuth(True)] and s.peer_certificates and s.verified_chain
    c_events, s_events = authenticate(c, s)
    assert s_events == [ev.PostHandshakeAuth(False)]
    assert s.peer_certificates == [] and s.verified_chain == [] and s.peer_signature_scheme is None

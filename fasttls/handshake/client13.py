"""TLS 1.3 client handshake (RFC 8446; Go's handshake_client_tls13.go).

A straight list of named steps: checkServerHelloOrHRR → processHelloRetryRequest
→ processServerHello → establishHandshakeKeys → readServerParameters →
readServerCertificate → readServerFinished → sendClientCertificate →
sendClientFinished.
"""

from __future__ import annotations

import weakref

from cryptography import x509

from .. import auth, cipher_suites, key_exchange, key_schedule, verify
from ..keylog import CLIENT_HANDSHAKE, CLIENT_TRAFFIC, SERVER_HANDSHAKE, SERVER_TRAFFIC
from ..constants import AlertDescription, ExtensionType, HandshakeType, ProtocolVersion
from ..errors import TLSError
from ..messages import handshake as m
from ..tickets import MAX_TICKET_LIFETIME, ClientSession
from ..transcript import Transcript
from ..config import CertificateRequestInfo
from .common import (
    HELLO_RETRY_REQUEST_RANDOM,
    Steps,
    check_certificates_parse,
    check_extensions,
    check_finished,
    check_request_extensions,
    choose_client_certificate,
    verify_hooks,
)

TLS13 = ProtocolVersion.TLS13


class ClientHandshakeTLS13:
    """Go's clientHandshakeStateTLS13."""

    def __init__(self, ch) -> None:
        self.ch = weakref.proxy(ch)  # it owns us: no cycle (see Handshake.__init__)
        self.conn = ch.conn
        self.config = ch.config
        self.hello: m.ClientHello = ch.hello
        self.transcript = ch.transcript
        self.session = ch.session
        self.suite = None
        self.using_psk = False
        self.external_psk = False  # the PSK taken is an external one (no certificates)
        self.psk_secret: bytes | None = None
        self.sent_dummy_ccs = False
        self.cert_request = None
        self.server_hello = None
        self.handshake_secret = None
        self.master_secret = None
        self.client_hs = self.server_hs = b""
        self.client_ap = b""
        self.resumption_master_secret: bytes | None = None
        self.exporter_master_secret: bytes | None = None
        #: The server's chain as parsed (received order), until ``verified_chain_der`` is known.
        self.peer_chain: list[x509.Certificate | auth.CertificateKey] = []
        self._verified_chain_der: list[bytes] | None = None
        #: The transcript through our Finished, kept when we offer post-handshake auth.
        self.pha_transcript: Transcript | None = None

    @property
    def read_message(self):
        return self.ch.read_message

    def run(self, server_hello: m.ServerHello) -> Steps:
        self.check_server_hello_or_hrr(server_hello)
        self.transcript.set_hash(self.suite.hash_alg)
        if server_hello.random == HELLO_RETRY_REQUEST_RANDOM:
            yield from self.process_hello_retry_request(server_hello)
        else:
            self.server_hello = server_hello
            self.transcript.update(server_hello.raw)
        self.send_dummy_change_cipher_spec()
        self.process_server_hello()
        self.establish_handshake_keys()
        yield from self.read_server_parameters()
        yield from self.read_server_certificate()
        yield from self.read_server_finished()
        self.send_client_certificate()
        self.send_client_finished()

    # ------------------------------------------------------------------ ServerHello

    def _offered(self) -> set[int]:
        return {t for t, _ in self.hello.extensions}

    def check_server_hello_or_hrr(self, sh: m.ServerHello) -> None:
        hrr = sh.random == HELLO_RETRY_REQUEST_RANDOM
        # RFC 8446 4.2: cookie is the one extension a HelloRetryRequest may carry unasked.
        check_extensions(
            sh,
            HandshakeType.hello_retry_request if hrr else HandshakeType.server_hello,
            self._offered(),
            "HelloRetryRequest" if hrr else "ServerHello",
            always_ok=frozenset({ExtensionType.cookie}) if hrr else frozenset(),
        )
        if sh.session_id != self.hello.session_id:
            raise TLSError(AlertDescription.illegal_parameter, "server did not echo the legacy session ID")
        if sh.compression_method != 0:
            raise TLSError(AlertDescription.illegal_parameter, "server selected a compression method")
        if sh.cipher_suite not in self.hello.cipher_suites or sh.cipher_suite not in cipher_suites.TLS13_SUITES:
            raise TLSError(AlertDescription.illegal_parameter, f"server chose cipher suite 0x{sh.cipher_suite:04x}, which we did not offer for TLS 1.3")
        suite = cipher_suites.TLS13_SUITES[sh.cipher_suite]
        if self.suite is not None and suite.id != self.suite.id:
            raise TLSError(AlertDescription.illegal_parameter, "server changed cipher suite after a HelloRetryRequest")
        self.suite = suite
        self.conn.cipher_suite = suite

    def send_dummy_change_cipher_spec(self) -> None:
        """RFC 8446 appendix D.4: a CCS before our second flight, for middleboxes."""
        if self.sent_dummy_ccs or not self.config.middlebox_compat or not self.hello.session_id:
            return
        self.sent_dummy_ccs = True
        self.conn.write_change_cipher_spec()
        self.conn.hold_output = True  # it goes with what we send next (our Finished, or the second ClientHello)

    def process_hello_retry_request(self, hrr: m.ServerHello) -> Steps:
        conn, hello = self.conn, self.hello
        # RFC 8446 4.4.1: ClientHello1 becomes message_hash, then the HRR goes in.
        self.transcript.replace_with_message_hash()
        self.transcript.update(hrr.raw)
        if not hrr.selected_group and not hrr.cookie:
            raise TLSError(AlertDescription.illegal_parameter, "server sent an unnecessary HelloRetryRequest")
        if hrr.cookie:
            hello.cookie = hrr.cookie
        if hrr.selected_group:
            group = hrr.selected_group
            if group not in hello.supported_groups:
                raise TLSError(AlertDescription.illegal_parameter, f"HelloRetryRequest selected group {group}, which we did not offer")
            if group in self.ch.key_shares:
                raise TLSError(AlertDescription.illegal_parameter, "HelloRetryRequest asked for a key share we already sent")
            share = key_exchange.generate_key_share(group)
            self.ch.key_shares = {group: share}
            hello.key_shares = [(group, share.public)]
        hello.early_data = False
        if hello.psk_identities:
            # RFC 8446 4.1.4: only PSKs of the selected suite's hash may stay.
            self.ch.psks = [p for p in self.ch.psks if p.hash_alg.name == self.suite.hash_alg.name]
            if self.session is not None and not any(p.session is self.session for p in self.ch.psks):
                self.session = None
            if self.ch.psks:
                self.ch.set_psk_identities(hello)
            else:
                hello.psk_identities = []
                hello.psk_binders = []
        hello.raw = None
        try:
            if hello.psk_identities:
                self.ch.update_binders(hello, self.transcript)
            else:
                hello.marshal()
        except m.ExtensionsTooLong as exc:
            # A cookie may be nearly 64 KiB (RFC 8446 4.2.2), and a ticket as long: with our
            # key shares and other extensions they can leave the second ClientHello too long
            # to send.  The PSK cannot be dropped from it (RFC 8446 4.1.2), so this connection
            # fails; the ticket leaves the cache, or every later connection would fail too.
            self.ch.uncache(self.session)
            what = f"with the HelloRetryRequest's {len(hrr.cookie)}-byte cookie" if hrr.cookie else "after the HelloRetryRequest"
            raise TLSError(AlertDescription.internal_error, f"the second ClientHello is too long {what} ({exc})") from None
        conn.hello_retry_request = True
        conn.trace_info("HelloRetryRequest", selected_group=hrr.selected_group, cookie=bool(hrr.cookie))
        self.send_dummy_change_cipher_spec()
        self.transcript.update(conn.write_handshake(hello))
        conn._flush_handshake()

        sh = yield from self.read_message(m.ServerHello)
        if sh.random == HELLO_RETRY_REQUEST_RANDOM:
            raise TLSError(AlertDescription.unexpected_message, "server sent two HelloRetryRequest messages")
        if sh.supported_version != TLS13:
            raise TLSError(AlertDescription.illegal_parameter, "server changed version after a HelloRetryRequest")
        self.check_server_hello_or_hrr(sh)
        self.server_hello = sh
        self.transcript.update(sh.raw)

    def process_server_hello(self) -> None:
        sh, hello, conn = self.server_hello, self.hello, self.conn
        if not sh.server_share:
            raise TLSError(AlertDescription.missing_extension, "server did not send a key share")
        group = sh.server_share[0]
        if group not in self.ch.key_shares:
            raise TLSError(AlertDescription.illegal_parameter, f"server selected group {group}, for which we sent no key share")
        conn.group = group
        if sh.selected_identity is None:
            return
        psks = self.ch.psks
        if sh.selected_identity >= len(hello.psk_identities) or sh.selected_identity >= len(psks):
            raise TLSError(AlertDescription.illegal_parameter, "server selected a PSK identity we did not offer")
        psk = psks[sh.selected_identity]
        if psk.hash_alg.name != self.suite.hash_alg.name:
            raise TLSError(AlertDescription.illegal_parameter, "server selected an invalid PSK and cipher suite pair")
        self.using_psk = True
        self.psk_secret = psk.secret
        conn.session_reused = True  # as OpenSSL, for an external PSK too
        conn.alpn_protocol = None
        if psk.session is None:
            # RFC 8446 2.2: an external PSK authenticates both sides; no certificates.
            self.external_psk = True
            conn.peer_certificates = []
            conn.verified_chain = []
            self._verified_chain_der = []
            return
        conn.session = psk.session
        conn.peer_certificates = list(psk.session.peer_certificates)
        conn.verified_chain = [x509.load_der_x509_certificate(d) for d in psk.session.verified_chain]
        self._verified_chain_der = list(psk.session.verified_chain)

    def establish_handshake_keys(self) -> None:
        conn, suite = self.conn, self.suite
        group, server_public = self.server_hello.server_share
        shared = self.ch.key_shares[group].shared_secret(server_public)
        early = key_schedule.EarlySecret(suite.hash_alg, self.psk_secret if self.using_psk else None)
        self.psk_secret = None
        self.ch.psks = []  # their secrets are no longer needed
        self.handshake_secret = early.handshake_secret(shared)
        th = self.transcript.digest()
        self.client_hs = self.handshake_secret.client_handshake_traffic_secret(th)
        self.server_hs = self.handshake_secret.server_handshake_traffic_secret(th)
        conn._set_write_secret(self.client_hs, CLIENT_HANDSHAKE)
        conn._set_read_secret(self.server_hs, SERVER_HANDSHAKE)

    # ------------------------------------------------------------------ server's encrypted flight

    def read_server_parameters(self) -> Steps:
        ee = yield from self.read_message(m.EncryptedExtensions)
        check_extensions(ee, HandshakeType.encrypted_extensions, self._offered(), "EncryptedExtensions")
        if ee.alpn_protocol:
            if ee.alpn_protocol not in self.hello.alpn_protocols:
                raise TLSError(AlertDescription.illegal_parameter, f"server selected ALPN protocol {ee.alpn_protocol!r}, which we did not offer")
            self.conn.alpn_protocol = ee.alpn_protocol
        elif self.using_psk:
            self.conn.alpn_protocol = None
        self.transcript.update(ee.raw)

    def read_server_certificate(self) -> Steps:
        conn = self.conn
        if self.using_psk:
            verify_hooks(conn, self.config, peer_certificate=False)
            return  # RFC 8446 2.2: no certificates when resuming
        msg = yield from self.read_message(m.CertificateRequestTLS13, m.CertificateTLS13)
        if isinstance(msg, m.CertificateRequestTLS13):
            check_request_extensions(msg, HandshakeType.certificate_request, "CertificateRequest")
            if msg.certificate_request_context:
                raise TLSError(AlertDescription.illegal_parameter, "CertificateRequest in the handshake with a non-empty context")
            if not msg.signature_algorithms:
                raise TLSError(AlertDescription.missing_extension, "CertificateRequest without signature_algorithms")
            self.cert_request = msg
            self.transcript.update(msg.raw)
            msg = yield from self.read_message(m.CertificateTLS13)
        if msg.certificate_request_context:
            raise TLSError(AlertDescription.illegal_parameter, "server Certificate with a non-empty request context")
        if not msg.certificate_list:
            raise TLSError(AlertDescription.decode_error, "server sent an empty Certificate message")
        offered = self._offered()
        for entry in msg.certificate_list:
            # RFC 8446 4.4.2: the server's entry extensions answer our ClientHello's.
            check_extensions(entry, HandshakeType.certificate, offered, "server CertificateEntry")
        self.transcript.update(msg.raw)
        conn.peer_certificates = [entry.cert_data for entry in msg.certificate_list]
        conn.ocsp_response = msg.certificate_list[0].ocsp_response or None
        self.peer_chain = verify_server_certificates(conn, self.config, conn.peer_certificates)

        cv = yield from self.read_message(m.CertificateVerify)
        if cv.signature_algorithm not in self.hello.signature_algorithms:
            raise TLSError(AlertDescription.illegal_parameter, "server signed with a signature scheme we did not offer")
        # Verified: the path's leaf.  Not verified: the leaf as parsed, or (one cryptography
        # will not parse in full) its key read from the DER (see check_certificates_parse).
        leaf = conn.verified_chain[0] if conn.verified_chain else self.peer_chain[0]
        signed = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, self.transcript.digest())
        auth.verify(leaf, cv.signature_algorithm, signed, cv.signature, tls13=True)
        conn.peer_signature_scheme = cv.signature_algorithm
        self.transcript.update(cv.raw)
        verify_hooks(conn, self.config, peer_certificate=True)

    def read_server_finished(self) -> Steps:
        conn, suite = self.conn, self.suite
        fin = yield from self.read_message(m.Finished)
        expected = key_schedule.finished_verify_data(suite.hash_alg, self.server_hs, self.transcript.digest())
        check_finished(expected, fin.verify_data, "server")
        self.transcript.update(fin.raw)
        self.master_secret = self.handshake_secret.master_secret()
        th = self.transcript.digest()
        self.client_ap = self.master_secret.client_application_traffic_secret(th)
        server_ap = self.master_secret.server_application_traffic_secret(th)
        conn._set_read_secret(server_ap, SERVER_TRAFFIC.format(0))
        conn.allow_app_read()
        self.exporter_master_secret = self.master_secret.exporter_master_secret(th)
        conn.exporter_master_secret = self.exporter_master_secret
        conn._keylog("EXPORTER_SECRET", self.exporter_master_secret)

    # ------------------------------------------------------------------ our second flight

    def send_client_certificate(self) -> None:
        if self.cert_request is not None:
            send_certificate_and_verify(self.conn, self.config, self.cert_request, self.transcript)

    def send_client_finished(self) -> None:
        conn, suite = self.conn, self.suite
        verify_data = key_schedule.finished_verify_data(suite.hash_alg, self.client_hs, self.transcript.digest())
        self.transcript.update(conn.write_handshake(m.Finished(verify_data=verify_data)))
        if self.config.post_handshake_auth:
            # RFC 8446 4.4: a post-handshake authentication's context is this transcript
            # (ClientHello .. client Finished) and its own messages.
            self.pha_transcript = self.transcript.copy()
        conn._set_write_secret(self.client_ap, CLIENT_TRAFFIC.format(0))
        self.resumption_master_secret = self.master_secret.resumption_master_secret(self.transcript.digest())
        # The handshake secrets are no longer needed (RFC 8446 section 7.1: forget them).
        self.client_hs = self.server_hs = self.client_ap = b""
        self.handshake_secret = None

    # ------------------------------------------------------------------ after the handshake

    def on_new_session_ticket(self, conn, msg: m.NewSessionTicketTLS13):
        """RFC 8446 4.6.1: remember the ticket with the PSK it stands for."""
        config = self.config
        check_request_extensions(msg, HandshakeType.new_session_ticket, "NewSessionTicket")
        if msg.ticket_lifetime > MAX_TICKET_LIFETIME:
            raise TLSError(AlertDescription.illegal_parameter, "NewSessionTicket lifetime over 7 days")
        if not msg.ticket:
            raise TLSError(AlertDescription.decode_error, "NewSessionTicket with an empty ticket")
        if msg.ticket_lifetime == 0 or not config.session_tickets:
            return None
        psk = key_schedule.resumption_psk(self.suite.hash_alg, self.resumption_master_secret, msg.ticket_nonce)
        session = ClientSession(
            version=TLS13,
            cipher_suite=self.suite.id,
            secret=psk,
            ticket=msg.ticket,
            received_at=config.clock(),
            lifetime=msg.ticket_lifetime,
            age_add=msg.ticket_age_add,
            server_name=conn.server_hostname or "",
            alpn_protocol=conn.alpn_protocol,
            peer_certificates=list(conn.peer_certificates),
            verified_chain=self.verified_chain_der(conn),
        )
        conn.session = session
        if config.session_cache is not None and conn.server_hostname:
            config.session_cache.put(conn.server_hostname, session)
        return session

    def on_certificate_request(self, conn, cr: m.CertificateRequestTLS13) -> bool:
        """RFC 8446 4.6.2: answer a post-handshake CertificateRequest with Certificate,
        CertificateVerify (when we have a certificate that fits) and Finished, keyed with
        our current application traffic secret (4.4).  Returns whether a certificate went."""
        if self.pha_transcript is None:
            # 4.6.2: without our post_handshake_auth extension, unexpected_message.
            raise TLSError(AlertDescription.unexpected_message, "post-handshake CertificateRequest, but we did not offer post_handshake_auth")
        check_request_extensions(cr, HandshakeType.certificate_request, "CertificateRequest")
        if not cr.signature_algorithms:
            raise TLSError(AlertDescription.missing_extension, "CertificateRequest without signature_algorithms")
        transcript = self.pha_transcript.copy()
        transcript.update(cr.raw)
        sent = send_certificate_and_verify(conn, self.config, cr, transcript)
        verify_data = key_schedule.finished_verify_data(self.suite.hash_alg, conn._write.traffic_secret, transcript.digest())
        conn.write_handshake(m.Finished(verify_data=verify_data))
        return sent

    def verified_chain_der(self, conn) -> list[bytes]:
        """``conn.verified_chain`` as DER, for the sessions of this connection's tickets."""
        der = self._verified_chain_der
        if der is None:
            der = self._verified_chain_der = verify.chain_der(conn.verified_chain, self.peer_chain, conn.peer_certificates)
            self.peer_chain = []
        return der

    def export_keying_material(self, conn, label, context, length) -> bytes:
        if isinstance(label, str):
            label = label.encode("ascii")
        return key_schedule.export_keying_material(
            self.suite.hash_alg, self.exporter_master_secret, label, context or b"", length
        )


def send_certificate_and_verify(conn, config, cr: m.CertificateRequestTLS13, transcript) -> bool:
    """Our Certificate for ``cr`` (see ``choose_client_certificate``; an empty one when
    none fits) and, with a certificate, its CertificateVerify, both added to
    ``transcript`` (RFC 8446 4.4.2, 4.4.3).  Returns whether one went."""
    info = CertificateRequestInfo(
        list(cr.certificate_authorities), list(cr.signature_algorithms), TLS13, conn, supported_schemes=config.signature_schemes,
        prefer_peer=config.certificate_choice != "server",
    )
    chosen, scheme = choose_client_certificate(config, info)
    entries = [m.CertificateEntry(der) for der in chosen.chain_der] if chosen else []
    msg = m.CertificateTLS13(certificate_request_context=cr.certificate_request_context, certificate_list=entries)
    transcript.update(conn.write_handshake(msg))
    if chosen is None:
        return False
    conn.local_certificate = chosen
    signed = auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, transcript.digest())
    cv = m.CertificateVerify(signature_algorithm=scheme, signature=auth.sign(chosen.private_key, scheme, signed, tls13=True, public_key=chosen.public_key))
    conn.signature_scheme = scheme
    transcript.update(conn.write_handshake(cv))
    return True


def verify_server_certificates(conn, config, chain_der: list[bytes]) -> list[x509.Certificate | auth.CertificateKey]:
    """Parse the chain and verify it (unless verification is off), like Go's verifyServerCertificate.
    Returns the parsed chain, in the order received: with verification off, a certificate
    cryptography will not parse in full is an ``auth.CertificateKey`` (as OpenSSL, which
    parses more leniently, a client that does not verify takes it)."""
    chain = check_certificates_parse(chain_der, "server", verifying=bool(config.verify_peer))
    if config.verify_peer:
        store = config.trust_store if config.trust_store is not None else verify.default_trust_store()
        hostname = conn.server_hostname if config.check_hostname else None
        conn.verified_chain = verify.verify_server_chain(
            chain, store, hostname, **config.chain_checks()
        )
    else:
        conn.verified_chain = []
    if not auth.is_supported_public_key(chain[0].public_key()):
        raise TLSError(AlertDescription.unsupported_certificate, f"unsupported public key type {type(chain[0].public_key()).__name__}")
    return chain


__all__ = ["ClientHandshakeTLS13", "verify_server_certificates", "HandshakeType"]

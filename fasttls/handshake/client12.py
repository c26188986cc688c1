"""TLS 1.2 client handshake (RFC 5246 7.3; Go's handshake_client.go and key_agreement.go).

A straight list of named steps after the ServerHello: processServerHello →
(resumed: readSessionTicket → readFinished → sendFinished) or
(full: readServerCertificate → readServerKeyExchange → readCertificateRequest →
readServerHelloDone → sendClientFlight → readSessionTicket → readFinished).

Only ECDHE with AEAD suites (RFC 8422, RFC 5289, RFC 7905); extended master
secret (RFC 7627) required by default; no renegotiation (RFC 5746 sent and
checked, a HelloRequest is answered with a ``no_renegotiation`` warning by the
connection).
"""

from __future__ import annotations

import weakref

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from .. import auth, cipher_suites, key_exchange, prf, verify
from ..config import CertificateRequestInfo
from ..constants import AlertDescription, ClientCertificateType, ExtensionType, ProtocolVersion, SignatureScheme
from ..errors import SSLError, TLSError
from ..messages import handshake as m
from ..tickets import MAX_TICKET_LIFETIME, ClientSession
from .client13 import verify_server_certificates
from .common import ChangeCipherSpec, Steps, check_certificates_parse, check_finished, choose_client_certificate, verify_hooks

TLS12 = ProtocolVersion.TLS12

#: RFC 8446 4.2 / RFC 5246 7.4.1.4: extensions a TLS 1.2 ServerHello may carry (if we offered them).
_SERVER_HELLO_EXTS = frozenset(
    {
        ExtensionType.server_name,
        ExtensionType.status_request,
        ExtensionType.session_ticket,
        ExtensionType.renegotiation_info,
        ExtensionType.extended_master_secret,
        ExtensionType.application_layer_protocol_negotiation,
        ExtensionType.signed_certificate_timestamp,
        ExtensionType.ec_point_formats,
        ExtensionType.record_size_limit,
        ExtensionType.max_fragment_length,
    }
)


def key_fits_suite(public_key, suite) -> bool:
    """RFC 8422 5.1 / RFC 5246 7.4.2: ECDHE_ECDSA needs an ECDSA (or EdDSA, RFC 8422) key, ECDHE_RSA an RSA key."""
    if suite.ecdsa:
        return isinstance(public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey))
    return isinstance(public_key, rsa.RSAPublicKey)


def derive_keys(suite, master: bytes, client_random: bytes, server_random: bytes):
    """RFC 5246 6.3 key_block → (client key, server key, client IV, server IV); AEAD suites have no MAC keys."""
    kl, il = suite.key_length, suite.fixed_iv_length
    kb = prf.key_block(suite.hash_alg, master, server_random, client_random, 2 * kl + 2 * il)
    return kb[:kl], kb[kl : 2 * kl], kb[2 * kl : 2 * kl + il], kb[2 * kl + il :]


def export_keying_material(conn, suite, master: bytes, label, context, length) -> bytes:
    """RFC 5705 for TLS 1.2; refused without extended master secret (RFC 7627 6, as Go 1.22)."""
    if not conn.ems:
        raise SSLError("keying material exporters need the extended master secret in TLS 1.2 (RFC 7627 section 6)")
    return prf.export_keying_material12(suite.hash_alg, master, conn.client_random, conn.server_random, label, context, length)


class ClientHandshakeTLS12:
    """Go's clientHandshakeState (TLS 1.2)."""

    def __init__(self, ch) -> None:
        self.ch = weakref.proxy(ch)  # it owns us: no cycle (see Handshake.__init__)
        self.conn = ch.conn
        self.config = ch.config
        self.hello: m.ClientHello = ch.hello
        self.transcript = ch.transcript
        self.session = ch.session  # offered, may be None
        self.server_hello: m.ServerHello | None = None
        self.suite = None
        self.resumed = False
        self.master_secret = b""
        self.messages = bytearray()  # handshake_messages, for our CertificateVerify (RFC 5246 7.4.8)
        self.cert_request = None
        self.ticket: m.NewSessionTicketTLS12 | None = None
        self.peer_chain: list[x509.Certificate | auth.CertificateKey] = []  # the server's chain as parsed, received order

    def read_message(self, *types) -> Steps:
        """The next message of ``types``; HelloRequest is ignored while we negotiate (RFC 5246 7.4.1.1)."""
        while True:
            msg = yield from self.ch.read_message(m.HelloRequest, *types)
            if not isinstance(msg, m.HelloRequest):
                return msg
            self.ch.ignore_hello_request()

    def add(self, raw: bytes) -> None:
        self.transcript.update(raw)
        self.messages += raw

    def run(self, server_hello: m.ServerHello) -> Steps:
        self.process_server_hello(server_hello)
        if self.resumed:
            verify_hooks(self.conn, self.config, peer_certificate=False)
            yield from self.read_session_ticket()
            yield from self.read_finished()
            self.send_finished()
            self.save_session()
            return
        yield from self.read_server_certificate()
        yield from self.read_server_key_exchange()
        yield from self.read_server_hello_done()
        self.send_client_flight()
        yield from self.read_session_ticket()
        yield from self.read_finished()
        self.save_session()

    # ------------------------------------------------------------------ ServerHello

    def process_server_hello(self, sh: m.ServerHello) -> None:
        conn, hello, config = self.conn, self.hello, self.config
        self.server_hello = sh
        offered = {t for t, _ in hello.extensions}
        for ext_type, _ in sh.extensions:
            if ext_type not in offered:
                raise TLSError(AlertDescription.unsupported_extension, f"ServerHello carries extension {ext_type} we did not offer")
            if ext_type not in _SERVER_HELLO_EXTS:
                raise TLSError(AlertDescription.illegal_parameter, f"TLS 1.2 ServerHello carries extension {ext_type}, which does not belong there")
        if sh.compression_method != 0:
            raise TLSError(AlertDescription.illegal_parameter, "server selected a compression method (RFC 7457 CRIME: never)")
        if sh.cipher_suite not in hello.cipher_suites or sh.cipher_suite not in cipher_suites.TLS12_SUITES:
            raise TLSError(AlertDescription.illegal_parameter, f"server chose cipher suite 0x{sh.cipher_suite:04x}, which we did not offer for TLS 1.2")
        self.suite = cipher_suites.TLS12_SUITES[sh.cipher_suite]
        conn.cipher_suite = self.suite
        self.transcript.set_hash(self.suite.hash_alg)
        self.messages += hello.raw
        self.add(sh.raw)

        # RFC 5746 3.4: the initial handshake's renegotiation_info must be empty.
        if sh.secure_renegotiation_supported and sh.secure_renegotiation:
            raise TLSError(AlertDescription.handshake_failure, "initial handshake with a non-empty renegotiation_info")
        if not sh.secure_renegotiation_supported and config.require_secure_renegotiation:
            raise TLSError(
                AlertDescription.handshake_failure,
                "server does not support secure renegotiation (RFC 5746), which we require (OP_LEGACY_SERVER_CONNECT allows it)",
                openssl_reason="UNSAFE_LEGACY_RENEGOTIATION_DISABLED",
            )
        # RFC 8422 5.2: the server must accept uncompressed points.
        if sh.supported_points and 0 not in sh.supported_points:
            raise TLSError(AlertDescription.illegal_parameter, "server does not support uncompressed EC points")
        # RFC 7627 5.3 (Go: requireEMS): refuse a server without extended master secret unless allowed.
        conn.ems = sh.extended_master_secret
        if not conn.ems and config.require_extended_master_secret:
            raise TLSError(AlertDescription.handshake_failure, "server does not support the extended master secret (RFC 7627), which we require (require_extended_master_secret)")
        if sh.alpn_protocol is not None:
            if sh.alpn_protocol not in hello.alpn_protocols:
                raise TLSError(AlertDescription.illegal_parameter, f"server selected ALPN protocol {sh.alpn_protocol!r}, which we did not offer")
            conn.alpn_protocol = sh.alpn_protocol
        else:
            conn.alpn_protocol = None

        session = self.session
        if session is not None and hello.session_id and sh.session_id == hello.session_id:
            self.resume(session)

    def resume(self, session) -> None:
        """RFC 5246 7.4.1.3 / RFC 5077 3.4: the server echoed our session ID, so it resumed."""
        conn, sh = self.conn, self.server_hello
        if session.version != TLS12 or session.cipher_suite != sh.cipher_suite:
            raise TLSError(AlertDescription.illegal_parameter, "server resumed a session with a different version or cipher suite")
        if session.extended_master_secret != sh.extended_master_secret:
            raise TLSError(AlertDescription.handshake_failure, "server resumed a session with a different extended master secret setting (RFC 7627 5.3)")
        self.resumed = True
        self.master_secret = session.secret
        conn.session_reused = True
        conn.session = session
        conn.peer_certificates = list(session.peer_certificates)
        conn.verified_chain = [x509.load_der_x509_certificate(d) for d in session.verified_chain]
        conn._keylog("CLIENT_RANDOM", self.master_secret)

    # ------------------------------------------------------------------ full handshake: the server's flight

    def read_server_certificate(self) -> Steps:
        conn, sh = self.conn, self.server_hello
        msg = yield from self.read_message(m.CertificateTLS12)
        if not msg.certificate_list:
            raise TLSError(AlertDescription.decode_error, "server sent an empty Certificate message")
        self.add(msg.raw)
        conn.peer_certificates = list(msg.certificate_list)
        self.peer_chain = verify_server_certificates(conn, self.config, conn.peer_certificates)
        leaf = conn.verified_chain[0] if conn.verified_chain else self.peer_chain[0]
        if not key_fits_suite(leaf.public_key(), self.suite):
            raise TLSError(AlertDescription.unsupported_certificate, f"server certificate key {type(leaf.public_key()).__name__} does not fit {self.suite.name}")
        self.leaf = leaf
        conn.ocsp_response = None
        if sh.ocsp_stapling:
            # RFC 6066 8: the server may still omit CertificateStatus.
            msg = yield from self.read_message(m.CertificateStatus, m.ServerKeyExchange)
            if isinstance(msg, m.CertificateStatus):
                self.add(msg.raw)
                conn.ocsp_response = msg.response
                self._ske = None
            else:
                self._ske = msg
        else:
            self._ske = None

    def read_server_key_exchange(self) -> Steps:
        """RFC 8422 5.4: the server's ephemeral ECDH point, signed with its certificate key."""
        conn, hello = self.conn, self.hello
        ske = self._ske
        if ske is None:
            ske = yield from self.read_message(m.ServerKeyExchange)
        self.add(ske.raw)
        params = ske.parse_ecdhe()
        if params.group not in hello.supported_groups or not key_exchange.is_ecdhe_group12(params.group):
            raise TLSError(AlertDescription.illegal_parameter, f"server selected group {params.group}, which we did not offer for TLS 1.2")
        if params.signature_algorithm not in hello.signature_algorithms:
            raise TLSError(AlertDescription.illegal_parameter, f"server signed with {auth.scheme_name(params.signature_algorithm)}, which we did not offer")
        signed = conn.client_random + conn.server_random + params.params
        auth.verify(self.leaf, params.signature_algorithm, signed, params.signature, tls13=False)
        conn.peer_signature_scheme = params.signature_algorithm
        conn.group = params.group
        share = key_exchange.generate_key_share(params.group)
        self.pre_master_secret = share.shared_secret(params.point)  # checks length and curve membership
        self.client_public = share.public
        verify_hooks(conn, self.config, peer_certificate=True)

    def read_server_hello_done(self) -> Steps:
        msg = yield from self.read_message(m.CertificateRequestTLS12, m.ServerHelloDone)
        if isinstance(msg, m.CertificateRequestTLS12):
            self.cert_request = msg
            self.add(msg.raw)
            msg = yield from self.read_message(m.ServerHelloDone)
        self.add(msg.raw)

    # ------------------------------------------------------------------ full handshake: our flight

    def certificate_request_info(self) -> CertificateRequestInfo:
        """The request as Go's ``certificateRequestInfoFromMsg`` sees it: RFC 5246 7.4.4's
        certificate types narrow the schemes (rsa_sign: RSA; ecdsa_sign: ECDSA and EdDSA),
        and a request without schemes means SHA-1 (7.4.1.4.1), allowed only if configured."""
        cr = self.cert_request
        rsa_ok = ClientCertificateType.rsa_sign in cr.certificate_types
        ec_ok = ClientCertificateType.ecdsa_sign in cr.certificate_types
        offered = cr.signature_algorithms or [SignatureScheme.rsa_pkcs1_sha1, SignatureScheme.ecdsa_sha1]
        schemes = []
        for s in offered:
            info = auth.SCHEMES.get(s)
            if info is not None and (rsa_ok if info.kind.startswith("rsa") else ec_ok):
                schemes.append(s)
        return CertificateRequestInfo(
            list(cr.certificate_authorities), schemes, TLS12, self.conn, supported_schemes=self.config.signature_schemes,
            prefer_peer=self.config.certificate_choice != "server",
        )

    def pick_client_certificate(self):
        """RFC 5246 7.4.4: a certificate of a type the server asked for, a scheme it
        accepts and (if it named any) one of its CAs; see ``choose_client_certificate``."""
        return choose_client_certificate(self.config, self.certificate_request_info())

    def send_client_flight(self) -> None:
        conn, suite = self.conn, self.suite
        chosen = scheme = None
        if self.cert_request is not None:
            chosen, scheme = self.pick_client_certificate()
            self.add(conn.write_handshake(m.CertificateTLS12(certificate_list=list(chosen.chain_der) if chosen else [])))
        self.add(conn.write_handshake(m.ClientKeyExchange(point=self.client_public)))
        pms, self.pre_master_secret = self.pre_master_secret, b""
        if conn.ems:
            self.master_secret = prf.extended_master_secret(suite.hash_alg, pms, self.transcript.digest())
        else:
            self.master_secret = prf.master_secret(suite.hash_alg, pms, conn.client_random, conn.server_random)
        conn._keylog("CLIENT_RANDOM", self.master_secret)
        if chosen is not None:
            conn.local_certificate = chosen
            conn.signature_scheme = scheme
            sig = auth.sign(chosen.private_key, scheme, bytes(self.messages), tls13=False, public_key=chosen.public_key)
            self.add(conn.write_handshake(m.CertificateVerify(signature_algorithm=scheme, signature=sig)))
        self.messages = bytearray()
        self.send_finished()

    def change_write_keys(self) -> None:
        ck, _sk, civ, _siv = derive_keys(self.suite, self.master_secret, self.conn.client_random, self.conn.server_random)
        self.conn.write_change_cipher_spec()
        self.conn.set_write_keys12(self.suite.aead, ck, civ)

    def send_finished(self) -> None:
        conn = self.conn
        self.change_write_keys()
        verify_data = prf.finished_verify_data(self.suite.hash_alg, self.master_secret, b"client finished", self.transcript.digest())
        self.transcript.update(conn.write_handshake(m.Finished(verify_data=verify_data)))
        if not self.resumed:
            conn.tls_unique = verify_data  # RFC 5929 3.1: the first Finished of the handshake

    # ------------------------------------------------------------------ the server's last messages

    def read_session_ticket(self) -> Steps:
        """RFC 5077 3.3: a server that acknowledged session_ticket sends NewSessionTicket before its CCS."""
        if not self.server_hello.ticket_supported:
            return
        msg = yield from self.read_message(m.NewSessionTicketTLS12)
        self.add(msg.raw)
        self.ticket = msg

    def read_finished(self) -> Steps:
        conn, suite = self.conn, self.suite
        yield from self.read_message(ChangeCipherSpec)
        _ck, sk, _civ, siv = derive_keys(suite, self.master_secret, conn.client_random, conn.server_random)
        conn.set_read_keys12(suite.aead, sk, siv)
        fin = yield from self.read_message(m.Finished)
        expected = prf.finished_verify_data(suite.hash_alg, self.master_secret, b"server finished", self.transcript.digest())
        check_finished(expected, fin.verify_data, "server")
        self.transcript.update(fin.raw)
        if self.resumed:
            conn.tls_unique = fin.verify_data
        conn.allow_app_read()

    # ------------------------------------------------------------------ sessions

    def save_session(self) -> None:
        """Keep what resumption needs: the ticket (RFC 5077) or the session ID (RFC 5246)."""
        conn, config, sh = self.conn, self.config, self.server_hello
        ticket = self.ticket.ticket if self.ticket is not None else b""
        if self.resumed and not ticket:
            return  # keep resuming the same session
        hint = None
        if ticket:
            hint = self.ticket.ticket_lifetime_hint
            lifetime = min(hint or MAX_TICKET_LIFETIME, MAX_TICKET_LIFETIME)
            session_id = b""
        else:
            # A session ID, or neither (a server with no cache and no tickets): the socket
            # still has a session then, as ssl's (id b"", has_ticket False), which is
            # not cached since nothing can resume it.
            lifetime = min(config.ticket_lifetime, MAX_TICKET_LIFETIME)
            session_id = sh.session_id
        old = conn.session if self.resumed else None
        session = ClientSession(
            version=TLS12,
            cipher_suite=self.suite.id,
            secret=self.master_secret,
            ticket=ticket,
            received_at=config.clock(),
            lifetime=lifetime,
            server_name=old.server_name if old is not None else (conn.server_hostname or ""),
            alpn_protocol=conn.alpn_protocol,
            extended_master_secret=conn.ems,
            session_id=session_id,
            lifetime_hint=hint if hint != lifetime else None,
            peer_certificates=list(conn.peer_certificates),
            verified_chain=list(old.verified_chain) if old is not None else verify.chain_der(conn.verified_chain, self.peer_chain, conn.peer_certificates),
        )
        self.peer_chain = []
        conn.session = session
        if config.session_cache is not None and conn.server_hostname and conn.ems and (ticket or session_id):
            config.session_cache.put(conn.server_hostname, session)  # never one without EMS (RFC 7627 5.3)
        if ticket:
            from ..events import SessionTicketReceived

            conn._events.append(SessionTicketReceived(session))

    def export_keying_material(self, conn, label, context, length) -> bytes:
        return export_keying_material(conn, self.suite, self.master_secret, label, context, length)


__all__ = ["ClientHandshakeTLS12", "check_certificates_parse", "derive_keys", "key_fits_suite", "export_keying_material"]

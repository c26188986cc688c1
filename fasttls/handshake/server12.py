"""TLS 1.2 server handshake (RFC 5246 7.3; Go's handshake_server.go and key_agreement.go).

processClientHello → checkForResumption →
  resumed: sendServerHello → sendSessionTicket → sendFinished → readFinished
  full:    pickCipherSuiteAndCertificate → sendServerHello → sendServerCertificate →
           sendServerKeyExchange → sendCertificateRequest → sendServerHelloDone →
           readClientCertificate → readClientKeyExchange → readCertificateVerify →
           readFinished → sendSessionTicket → sendFinished.

Only ECDHE with AEAD suites; extended master secret (RFC 7627) required by
default; RFC 5746 renegotiation_info answered, renegotiation itself refused
(by the connection); resumption by tickets (RFC 5077) and session IDs.
"""

from __future__ import annotations

import os
import weakref

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import auth, cipher_suites, key_exchange, prf
from ..config import ClientAuthType
from ..constants import AlertDescription, ProtocolVersion
from ..errors import TLSError
from ..messages import handshake as m
from ..tickets import SessionState
from ..transcript import Transcript
from .client12 import derive_keys, export_keying_material, key_fits_suite
from .common import (
    ClientHelloKept,
    ChangeCipherSpec,
    Steps,
    certificate_candidates,
    check_finished,
    client_certificates_allow_resumption,
    no_client_certificate,
    rank_certificates,
    same_server_name,
    sni_host,
    verify_hooks,
)
from .server13 import negotiate_alpn, suite_preference, verify_client_certificates

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13

_CURVE_GROUPS = {"secp256r1": 23, "secp384r1": 24, "secp521r1": 25}


def certificate_curve_ok(key, groups: list[int]) -> bool:
    """RFC 8422 5.1 (Go's SupportsCertificate): an ECDSA certificate's curve must be one the client listed."""
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return True
    group = _CURVE_GROUPS.get(key.curve.name)
    return group is not None and (not groups or group in groups)



#: Schemes OpenSSL 3.0 shares at any security level though we never sign with them
#: (SHA-224 and DSA), and the SHA-1 ones it shares at level 0: a client offering only
#: these has signature algorithms in common with an ssl server (RFC 8446 4.2.3 values).
_OPENSSL_ONLY_SCHEMES = frozenset((0x0301, 0x0302, 0x0303, 0x0402, 0x0502, 0x0602))
_SHA1_SCHEMES = frozenset((0x0201, 0x0202, 0x0203))


def _openssl_shared_schemes(config) -> frozenset[int]:
    """The schemes an ssl server at ``config``'s security level would share with a client
    (tls1_set_server_sigalgs): ours, and those OpenSSL knows and we do not use."""
    extra = _OPENSSL_ONLY_SCHEMES | _SHA1_SCHEMES if config.security_level == 0 else _OPENSSL_ONLY_SCHEMES
    return frozenset(config.signature_schemes) | extra

class ServerHandshakeTLS12:
    """Go's serverHandshakeState (TLS 1.2)."""

    def __init__(self, sh, client_hello: m.ClientHello) -> None:
        self.sh = weakref.proxy(sh)  # it owns us: no cycle (see Handshake.__init__)
        self.conn = sh.conn
        self.client_hello = client_hello
        self.suite = None
        self.cert = None
        self.scheme = None
        self.group = 0
        self.resumed = False
        self.resumed_by_ticket = False
        self.session_state: SessionState | None = None
        self.session_id = b""
        self.resumed_created_at: int | None = None
        self.send_ticket = False
        self.master_secret = b""
        self.verified_chain_tail: list[bytes] = []  # the client's verified path after its leaf
        self.transcript: Transcript | None = None
        #: handshake_messages, for the client's CertificateVerify; None once none can come.
        self.messages: bytearray | None = bytearray()
        self.cert_request: m.CertificateRequestTLS12 | None = None
        self.leaf = None  # the client's certificate (or auth.CertificateKey), for its CertificateVerify

    @property
    def config(self):
        return self.sh.config

    @property
    def read_message(self):
        return self.sh.read_message

    def add(self, raw: bytes) -> None:
        self.transcript.update(raw)
        if self.messages is not None and (self.cert_request is not None or not self.resumed):
            self.messages += raw

    def run(self) -> Steps:
        self.process_client_hello()
        if self.check_for_resumption():
            verify_hooks(self.conn, self.config, peer_certificate=False)
            self.send_server_hello()
            self.send_session_ticket()
            self.send_finished()
            yield from self.read_finished()
            return
        self.pick_cipher_suite_and_certificate()
        self.send_server_hello()
        self.send_server_certificate()
        self.send_server_key_exchange()
        self.send_certificate_request()
        self.add(self.conn.write_handshake(m.ServerHelloDone()))
        self.client_hello = ClientHelloKept(self.client_hello)
        yield from self.read_client_certificate()
        yield from self.read_client_key_exchange()
        yield from self.read_certificate_verify()
        verify_hooks(self.conn, self.config, peer_certificate=self.cert_request is not None)
        yield from self.read_finished()
        self.send_session_ticket()
        self.send_finished()
        self.save_session()

    # ------------------------------------------------------------------ ClientHello

    def process_client_hello(self) -> None:
        ch, conn, config = self.client_hello, self.conn, self.config
        if 0 not in ch.compression_methods:
            raise TLSError(AlertDescription.handshake_failure, "client does not offer the null compression method")
        if ch.secure_renegotiation:
            raise TLSError(AlertDescription.handshake_failure, "initial handshake with a non-empty renegotiation_info (RFC 5746 3.6)")
        # RFC 8422 5.1.2: uncompressed points are the only ones we speak.
        if ch.supported_points and 0 not in ch.supported_points:
            raise TLSError(AlertDescription.illegal_parameter, "client does not support uncompressed EC points")
        conn.ems = ch.extended_master_secret
        if not conn.ems and config.require_extended_master_secret:
            raise TLSError(AlertDescription.handshake_failure, "client does not support the extended master secret (RFC 7627), which we require (require_extended_master_secret)")
        conn.alpn_protocol = negotiate_alpn(config.alpn_protocols, ch.alpn_protocols, config.alpn_mismatch_fails)
        self.send_ticket = bool(config.session_tickets and ch.ticket_supported)

    # ------------------------------------------------------------------ resumption

    def _usable_state(self, state: SessionState | None) -> bool:
        ch, config = self.client_hello, self.config
        if state is None or state.version != TLS12:
            return False
        now = config.clock()
        if now - state.created_at > min(state.lifetime, config.ticket_lifetime) or now < state.created_at - 60:
            return False
        if state.cipher_suite not in ch.cipher_suites or state.cipher_suite not in config.cipher_suites_tls12:
            return False
        if state.cipher_suite not in cipher_suites.TLS12_SUITES:
            return False
        if not client_certificates_allow_resumption(config, state, config.now()):
            return False
        if not same_server_name(state, ch):
            return False
        # RFC 7627 5.3: a session with the extended master secret offered without it is an
        # abort (handshake_failure, OpenSSL's INCONSISTENT_EXTMS); a session without it
        # gets a full handshake (the RFC's SHOULD abort, softened as OpenSSL's and Go's
        # "resume or not" choices are: never resume it, and no legacy peer is cut off).
        if state.extended_master_secret and not ch.extended_master_secret:
            raise TLSError(AlertDescription.handshake_failure, "resumption without the extended master secret the session used", "INCONSISTENT_EXTMS")
        return bool(state.extended_master_secret and ch.extended_master_secret)

    def check_for_resumption(self) -> bool:
        """RFC 5077 3.4 (ticket) or RFC 5246 7.4.1.2 (session ID): resume when the state is still good."""
        ch, config, conn = self.client_hello, self.config, self.conn
        if not ch.session_id and not ch.session_ticket:
            return False
        # A ticket may come with an empty session ID (RFC 5077 3.4): the client tells that we
        # resumed from our next message, as OpenSSL and Go resume it (tlslite-ng relies on it).
        state = None
        if ch.session_ticket and config.session_tickets:
            plaintext = config.ticket_keys.open(ch.session_ticket)
            state = SessionState.from_bytes(plaintext) if plaintext is not None else None
            if self._usable_state(state):
                self.resumed_by_ticket = True
            else:
                state = None
        if state is None and config.server_session_cache is not None and ch.session_id:
            state = config.server_session_cache.get(ch.session_id)
            if not self._usable_state(state):
                state = None
        if state is None:
            # OpenSSL counts a miss when it looked the session ID up: no ticket offered.
            conn.session_missed = not (ch.session_ticket and config.session_tickets)
            return False
        self.resumed = True
        if self.resumed_by_ticket and config.ticket_keys.sealed_with_current_key(ch.session_ticket):
            # RFC 5077 3.1 lets the server renew a ticket it resumes; OpenSSL does only when
            # the ticket's key is no longer the one that seals, so the client's session, and
            # its ``id``, stay the same (ssl's client compares them; Go renews every time).
            self.send_ticket = False
        self.session_state = state
        self.session_id = ch.session_id
        self.resumed_created_at = state.created_at  # the session's time stays the original's (OpenSSL)
        self.suite = cipher_suites.TLS12_SUITES[state.cipher_suite]
        self.master_secret = state.secret
        conn.cipher_suite = self.suite
        conn.session_reused = True
        conn.peer_certificates = list(state.peer_certificates)
        conn.verified_chain = []
        try:
            conn.verified_chain = [x509.load_der_x509_certificate(d) for d in state.verified_chain]
        except ValueError:
            pass
        self.verified_chain_tail = list(state.verified_chain_tail)
        self.transcript = Transcript(self.suite.hash_alg)
        self.transcript.update(ch.raw)
        conn._keylog("CLIENT_RANDOM", self.master_secret)
        return True

    # ------------------------------------------------------------------ certificate and suite

    def pick_cipher_suite_and_certificate(self) -> None:
        """Go's pickCipherSuite + SupportsCertificate: the first suite (in our preference)
        the client offers for which a certificate, a signature scheme and a group work.

        Whatever is missing (a suite, a group, a certificate that fits), the alert is
        handshake_failure and the error OpenSSL's NO_SHARED_CIPHER, as ssl reports every
        one of these cases; the text says which it was."""
        ch, config, conn = self.client_hello, self.config, self.conn
        offered = set(ch.signature_algorithms or ())
        if offered and not offered & _openssl_shared_schemes(config):
            # OpenSSL checks this as it reads the ClientHello (tls1_set_server_sigalgs),
            # before suites and groups.
            raise TLSError(
                AlertDescription.handshake_failure,
                "no shared signature algorithms: the client offers none of ours",
                openssl_reason="NO_SHARED_SIGNATURE_ALGORITHMS",
            )
        ours = suite_preference(config, ch.cipher_suites, cipher_suites.TLS12_SUITES)
        shared = [sid for sid in ours if sid in ch.cipher_suites]
        if not shared:
            # Suites first: a client offering only DHE, static RSA or CBC suites may well
            # list ECDHE groups, or none; the cause is the suites.
            raise TLSError(
                AlertDescription.handshake_failure,
                "no shared cipher: the client offers none of our TLS 1.2 cipher suites",
                openssl_reason="NO_SHARED_CIPHER",
            )
        # The group by the same preference as the suite: the server's (Go; ssl's default,
        # OP_CIPHER_SERVER_PREFERENCE), or the client's order (OpenSSL's tls1_shared_group).
        first, other = (ch.supported_groups, config.groups) if config.prefer_client_ciphers else (config.groups, ch.supported_groups)
        groups = [g for g in first if key_exchange.is_ecdhe_group12(g) and g in other]
        if not groups:
            raise TLSError(
                AlertDescription.handshake_failure,
                "no shared cipher: no ECDHE group in common with the client",
                openssl_reason="NO_SHARED_CIPHER",
            )
        self.group = groups[0]
        candidates = certificate_candidates(config, ch, self.sh.connection())
        usable = []
        for c in candidates:
            if not certificate_curve_ok(c.private_key, ch.supported_groups):
                continue
            scheme = auth.select_signature_scheme(
                c.private_key, ch.signature_algorithms, False, supported=config.signature_schemes,
                key_schemes=c.signing_schemes(False), prefer_peer=config.certificate_choice != "server",
            )
            if scheme is not None:
                usable.append((c, scheme))
        usable = rank_certificates(usable, config, ch)
        for sid in shared:
            suite = cipher_suites.TLS12_SUITES[sid]
            for c, scheme in usable:
                if key_fits_suite(c.public_key, suite):
                    self.suite, self.cert, self.scheme = suite, c, scheme
                    conn.cipher_suite = suite
                    conn.local_certificate = c
                    conn.signature_scheme = scheme
                    conn.group = self.group
                    self.transcript = Transcript(suite.hash_alg)
                    self.transcript.update(ch.raw)
                    self.messages += ch.raw
                    return
        # OpenSSL's reason (ssl_set_masks, tls_choose_sigalg) when an rsaEncryption
        # certificate (valid for its suites whatever the signatures) fits a shared suite but
        # none of the client's schemes can be made with its key: NO_SUITABLE_SIGNATURE_ALGORITHM
        # (also without the extension: SHA-1 implied).  Other keys, an id-RSASSA-PSS one
        # too, count only with a scheme: NO_SHARED_CIPHER.
        if any(
            isinstance(c.private_key, rsa.RSAPrivateKey) and not c.pss_key and key_fits_suite(c.public_key, cipher_suites.TLS12_SUITES[sid])
            for sid in shared
            for c in candidates
        ):
            raise TLSError(
                AlertDescription.handshake_failure,
                "no suitable signature algorithm: none the client accepts can be made with our RSA key",
                openssl_reason="NO_SUITABLE_SIGNATURE_ALGORITHM",
            )
        raise TLSError(
            AlertDescription.handshake_failure,
            "no shared cipher: none of our certificates fits the client's suites, groups and signature algorithms",
            openssl_reason="NO_SHARED_CIPHER",
        )

    # ------------------------------------------------------------------ our flight

    def send_server_hello(self) -> None:
        ch, conn, config = self.client_hello, self.conn, self.config
        random = os.urandom(32)
        if TLS13 in config.versions():
            # RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 says so in the random.
            random = m.ServerHello.random_with_downgrade_canary(random, TLS12)
        if self.resumed:
            session_id = ch.session_id
        elif not self.send_ticket and config.server_session_cache is not None:
            session_id = os.urandom(32)
        else:
            session_id = b""  # RFC 5077 3.4: a ticket makes the session ID unnecessary (as OpenSSL)
        self.session_id = session_id
        hello = m.ServerHello(
            legacy_version=TLS12,
            random=random,
            session_id=session_id,
            cipher_suite=self.suite.id,
            compression_method=0,
            secure_renegotiation_supported=ch.secure_renegotiation_supported,
            extended_master_secret=conn.ems,
            ticket_supported=self.send_ticket,
            ocsp_stapling=bool(not self.resumed and ch.ocsp_stapling and self.cert.ocsp_staple),
            alpn_protocol=conn.alpn_protocol,
            scts=list(self.cert.scts) if not self.resumed and ch.scts and self.cert.scts else [],
            supported_points=[0] if ch.supported_points and not self.resumed else [],
        )
        conn.server_random = random
        self.add(conn.write_handshake(hello))
        self.server_hello = hello

    def send_server_certificate(self) -> None:
        conn = self.conn
        self.add(conn.write_handshake(m.CertificateTLS12(certificate_list=list(self.cert.chain_der))))
        if self.server_hello.ocsp_stapling:
            self.add(conn.write_handshake(m.CertificateStatus(response=self.cert.ocsp_staple)))

    def send_server_key_exchange(self) -> None:
        """RFC 8422 5.4: our ephemeral point, signed over client_random + server_random + params."""
        conn = self.conn
        self.share = key_exchange.generate_key_share(self.group)
        params = m.marshal_ecdhe_params(self.group, self.share.public)
        sig = auth.sign(self.cert.private_key, self.scheme, conn.client_random + conn.server_random + params, tls13=False, public_key=self.cert.public_key)
        self.add(conn.write_handshake(m.ServerKeyExchange.ecdhe(self.group, self.share.public, self.scheme, sig)))

    def send_certificate_request(self) -> None:
        if self.config.client_auth < ClientAuthType.RequestClientCert:
            # No CertificateVerify can come: keep no copy of the messages (a ClientHello
            # may be 64 KiB) while the client answers.
            self.messages = None
            return
        schemes = [s for s in self.config.signature_schemes if s in auth.SCHEMES and not auth.SCHEMES[s].sha1 and auth.SCHEMES[s].tls12]
        self.cert_request = m.CertificateRequestTLS12(
            signature_algorithms=schemes, certificate_authorities=self.config.certificate_request_authorities()
        )
        self.add(self.conn.write_handshake(self.cert_request))

    # ------------------------------------------------------------------ the client's flight

    def read_client_certificate(self) -> Steps:
        if self.cert_request is None:
            return
        conn, config = self.conn, self.config
        msg = yield from self.read_message(m.CertificateTLS12)
        self.add(msg.raw)
        if not msg.certificate_list:
            if config.client_auth in (ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert):
                # RFC 5246 7.4.6: a server that needs a certificate answers its absence with handshake_failure.
                raise no_client_certificate(AlertDescription.handshake_failure)
            return
        self.verified_chain_tail, self.leaf = verify_client_certificates(conn, config, list(msg.certificate_list))

    def read_client_key_exchange(self) -> Steps:
        conn, suite = self.conn, self.suite
        cke = yield from self.read_message(m.ClientKeyExchange)
        self.add(cke.raw)
        pms = self.share.shared_secret(cke.point)  # checks length and curve membership
        self.share = None
        if conn.ems:
            self.master_secret = prf.extended_master_secret(suite.hash_alg, pms, self.transcript.digest())
        else:
            self.master_secret = prf.master_secret(suite.hash_alg, pms, conn.client_random, conn.server_random)
        conn._keylog("CLIENT_RANDOM", self.master_secret)

    def read_certificate_verify(self) -> Steps:
        """RFC 5246 7.4.8: the client signs every handshake message so far."""
        conn = self.conn
        if not conn.peer_certificates:
            self.messages = bytearray()
            return
        cv = yield from self.read_message(m.CertificateVerify)
        if cv.signature_algorithm not in self.cert_request.signature_algorithms:
            raise TLSError(AlertDescription.illegal_parameter, f"client signed with {auth.scheme_name(cv.signature_algorithm)}, which we did not offer")
        auth.verify(self.leaf, cv.signature_algorithm, bytes(self.messages), cv.signature, tls13=False)
        conn.peer_signature_scheme = cv.signature_algorithm
        self.messages = bytearray()
        self.transcript.update(cv.raw)

    def read_finished(self) -> Steps:
        conn, suite = self.conn, self.suite
        yield from self.read_message(ChangeCipherSpec)
        ck, _sk, civ, _siv = derive_keys(suite, self.master_secret, conn.client_random, conn.server_random)
        conn.set_read_keys12(suite.aead, ck, civ)
        fin = yield from self.read_message(m.Finished)
        expected = prf.finished_verify_data(suite.hash_alg, self.master_secret, b"client finished", self.transcript.digest())
        check_finished(expected, fin.verify_data, "client")
        self.transcript.update(fin.raw)
        if not self.resumed:
            conn.tls_unique = fin.verify_data
        conn.allow_app_read()

    # ------------------------------------------------------------------ our last messages

    def _state(self) -> SessionState:
        conn, config = self.conn, self.config
        return SessionState(
            version=TLS12,
            cipher_suite=self.suite.id,
            secret=self.master_secret,
            created_at=int(config.clock()),
            lifetime=config.ticket_lifetime,
            extended_master_secret=conn.ems,
            alpn_protocol=conn.alpn_protocol or "",
            server_name=sni_host(self.client_hello) or "",
            peer_certificates=list(conn.peer_certificates),
            peer_verified=bool(conn.peer_certificates) and config.client_auth >= ClientAuthType.VerifyClientCertIfGiven,
            verified_chain_tail=self.verified_chain_tail,
        )

    def send_session_ticket(self) -> None:
        """RFC 5077 3.3: the session state sealed with our ticket keys, before our CCS."""
        if not self.send_ticket:
            return
        state = self.session_state if self.resumed else self._state()
        # A resumed session keeps its original creation time: resumption never extends it.
        # Empty when the session does not fit a ticket: RFC 5077 3.3's "no ticket after all".
        ticket = self.config.ticket_keys.seal(state.to_bytes())
        msg = m.NewSessionTicketTLS12(ticket_lifetime_hint=self.config.ticket_lifetime, ticket=ticket)
        self.transcript.update(self.conn.write_handshake(msg))

    def send_finished(self) -> None:
        conn, suite = self.conn, self.suite
        _ck, sk, _civ, siv = derive_keys(suite, self.master_secret, conn.client_random, conn.server_random)
        conn.write_change_cipher_spec()
        conn.set_write_keys12(suite.aead, sk, siv)
        verify_data = prf.finished_verify_data(suite.hash_alg, self.master_secret, b"server finished", self.transcript.digest())
        self.transcript.update(conn.write_handshake(m.Finished(verify_data=verify_data)))
        if self.resumed:
            conn.tls_unique = verify_data

    def save_session(self) -> None:
        cache = self.config.server_session_cache
        if self.session_id and cache is not None and not self.resumed:
            cache.put(self.session_id, self._state())

    def export_keying_material(self, conn, label, context, length) -> bytes:
        return export_keying_material(conn, self.suite, self.master_secret, label, context, length)


__all__ = ["ServerHandshakeTLS12", "certificate_curve_ok"]

"""TLS 1.3 server handshake (RFC 8446; Go's handshake_server_tls13.go).

processClientHello (→ doHelloRetryRequest) → checkForResumption →
pickCertificate → sendServerParameters → requestClientCert →
sendServerCertificate → sendServerFinished → readClientCertificate →
readClientFinished → sendSessionTickets.
"""

from __future__ import annotations

import hmac
import os
import secrets
import weakref

from cryptography import x509

from .. import auth, cipher_suites, key_exchange, key_schedule, verify
from ..config import ClientAuthType
from ..keylog import CLIENT_HANDSHAKE, CLIENT_TRAFFIC, SERVER_HANDSHAKE, SERVER_TRAFFIC
from ..constants import AlertDescription, HandshakeType, ProtocolVersion, PskKeyExchangeMode
from ..errors import TLSError
from ..messages import handshake as m
from ..tickets import MAX_TICKET_LIFETIME, SessionState
from ..transcript import Transcript
from .common import (
    ClientHelloKept,
    EXTERNAL_PSK_HASH,
    HELLO_RETRY_REQUEST_RANDOM,
    Steps,
    certificate_candidates,
    check_certificates_parse,
    check_extensions,
    check_finished,
    client_certificates_allow_resumption,
    no_client_certificate,
    rank_certificates,
    server_external_psk,
    same_server_name,
    sni_host,
    verify_hooks,
    verify_peer_certificate_hook,
)

TLS13 = ProtocolVersion.TLS13
#: Go's maxClientPSKIdentities: how many offered tickets we try to open.
MAX_PSK_IDENTITIES = 5
#: How much rejected 0-RTT data we skip (RFC 8446 4.2.10) before calling it an attack.
MAX_SKIPPED_EARLY_DATA = 1 << 16


def negotiate_alpn(server_protocols: list[str], client_protocols: list[str], mismatch_fails: bool = True) -> str | None:
    """RFC 7301 3.2: our preference order; no overlap is no_application_protocol (Go's
    negotiateALPN), except that an http/1.1 client reaches an h2 server without ALPN
    (Go's http11fallback), and that ``mismatch_fails=False`` always goes on (OpenSSL)."""
    if not server_protocols or not client_protocols:
        return None
    for proto in server_protocols:
        if proto in client_protocols:
            return proto
    if not mismatch_fails or ("h2" in server_protocols and "http/1.1" in client_protocols):
        return None
    raise TLSError(AlertDescription.no_application_protocol, f"client offered ALPN {client_protocols}, we support {server_protocols}")


def suite_preference(config, client_suites: list[int], table: dict) -> list[int]:
    """Server order, unless the client prefers ChaCha20 (Go's aesgcmPreferred, with
    ``Config.prioritize_chacha``) or we follow the client."""
    ours = [s for s in (config.cipher_suites_tls13 if table is cipher_suites.TLS13_SUITES else config.cipher_suites_tls12) if s in table]
    if config.prefer_client_ciphers:
        return [s for s in client_suites if s in ours]
    if config.prioritize_chacha and not cipher_suites.aesgcm_preferred(client_suites):
        chacha = [s for s in ours if table[s].aead == 2]
        ours = chacha + [s for s in ours if s not in chacha]
    return ours


class ServerHandshakeTLS13:
    """Go's serverHandshakeStateTLS13."""

    def __init__(self, sh, client_hello: m.ClientHello) -> None:
        self.sh = weakref.proxy(sh)  # it owns us: no cycle (see Handshake.__init__)
        self.conn = sh.conn
        self.client_hello = client_hello
        self.suite = None
        self.group = 0
        self.client_share = b""
        self.using_psk = False
        self.psk = None
        self.selected_identity = None
        self.external_psk: tuple[bytes, bytes] | None = None  # (identity, key) from psk_server_callback
        self.external_psk_used = False
        self.tickets_sent = 0  # NewSessionTickets sent after the handshake (OpenSSL gives the session an id then)
        self.cert = None
        self.scheme = None
        self.verified_chain_tail: list[bytes] = []  # the client's verified path after its leaf
        self.transcript: Transcript | None = None
        self.sent_dummy_ccs = False
        self.cookie = b""
        self.requested_client_cert = False
        self.handshake_secret = None
        self.master_secret = None
        self.client_hs = self.server_hs = self.client_ap = b""
        self.exporter_master_secret = None
        self.resumption_master_secret = None
        #: Post-handshake authentication (RFC 8446 4.6.2): the transcript through the
        #: client's Finished (kept only when the client offered it and our policy takes
        #: certificates); while a request is out, its context, the exchange's own
        #: transcript and the client's certificates so far.
        self.pha_transcript: Transcript | None = None
        self.pha_context: bytes | None = None
        self.pha_exchange: Transcript | None = None
        self.pha_chain: tuple[list[bytes], list[x509.Certificate]] | None = None
        self.pha_leaf: x509.Certificate | auth.CertificateKey | None = None
        self.pha_signed = False
        self.pha_scheme: int | None = None

    @property
    def config(self):
        return self.sh.config

    @property
    def read_message(self):
        return self.sh.read_message

    def run(self) -> Steps:
        yield from self.process_client_hello()
        self.check_for_resumption()
        self.pick_certificate()
        self.send_server_parameters()
        self.request_client_cert()
        self.send_server_certificate()
        self.send_server_finished()
        self.client_hello = ClientHelloKept(self.client_hello)
        yield from self.read_client_certificate()
        yield from self.read_client_finished()
        self.send_session_tickets()

    # ------------------------------------------------------------------ ClientHello

    def process_client_hello(self) -> Steps:
        ch, conn, config = self.client_hello, self.conn, self.config
        if list(ch.compression_methods) != [0]:
            raise TLSError(AlertDescription.illegal_parameter, "TLS 1.3 client offered compression methods other than null")
        if ch.secure_renegotiation:
            raise TLSError(AlertDescription.handshake_failure, "initial handshake with a non-empty renegotiation_info")
        # RFC 8446 9.2: without a PSK, signature_algorithms and supported_groups are
        # mandatory; supported_groups and key_share come together.
        if not ch.psk_identities and not ch.signature_algorithms:
            raise TLSError(AlertDescription.missing_extension, "ClientHello without signature_algorithms")
        if not ch.supported_groups:
            raise TLSError(AlertDescription.missing_extension, "ClientHello without supported_groups")
        if ch.key_shares is None:
            raise TLSError(AlertDescription.missing_extension, "ClientHello without key_share")
        if ch.psk_identities and not ch.psk_modes:
            raise TLSError(AlertDescription.missing_extension, "pre_shared_key without psk_key_exchange_modes")
        offered = set(ch.supported_groups)  # a set: a 64 KiB hello's lists cost 0.75 s of CPU as lists
        for group, _ in ch.key_shares:
            if group not in offered:
                raise TLSError(AlertDescription.illegal_parameter, f"key share for group {group}, which is not in supported_groups")

        preference = suite_preference(config, ch.cipher_suites, cipher_suites.TLS13_SUITES)
        if config.psk_server_callback is not None and ch.psk_identities and PskKeyExchangeMode.psk_dhe_ke in (ch.psk_modes or []):
            self.external_psk = self.find_external_psk(ch)
            if self.external_psk is not None:
                # Its key is for SHA-256 suites only: prefer them, or the PSK cannot be used
                # (OpenSSL prefers them too, for its PSK callbacks' SHA-256 keys).
                sha256 = [s for s in preference if cipher_suites.TLS13_SUITES[s].hash_alg.name == EXTERNAL_PSK_HASH.name]
                preference = sha256 + [s for s in preference if s not in sha256]
        for s in preference:
            if s in ch.cipher_suites:
                self.suite = cipher_suites.TLS13_SUITES[s]
                break
        else:
            raise TLSError(
                AlertDescription.handshake_failure,
                "no shared cipher: no TLS 1.3 cipher suite in common with the client",
                openssl_reason="NO_SHARED_CIPHER",  # as ssl reports it
            )
        conn.cipher_suite = self.suite
        self.transcript = Transcript(self.suite.hash_alg)

        if ch.early_data:
            # We never accept 0-RTT: skip the client's early data (RFC 8446 4.2.10).  Decided on
            # the first ClientHello: after a HelloRetryRequest the early records follow it, and the
            # second ClientHello may not offer early data.
            conn.skip_early_data(MAX_SKIPPED_EARLY_DATA)

        # Groups: prefer one the client sent a share for (saves a round trip), in our order.
        shares = dict(ch.key_shares)
        ours = [g for g in config.groups if g in key_exchange.SUPPORTED_GROUPS]
        selected = next((g for g in ours if g in shares), None)
        if selected is None:
            selected = next((g for g in ours if g in ch.supported_groups), None)
            if selected is None:
                raise TLSError(
                    AlertDescription.handshake_failure,
                    "no suitable key share: no key exchange group in common with the client",
                    openssl_reason="NO_SUITABLE_KEY_SHARE",  # as ssl reports it
                )
            ch = shares = None  # only the raw first ClientHello waits for the second
            yield from self.do_hello_retry_request(selected)
            ch = self.client_hello
            shares = dict(ch.key_shares)
        self.group = selected
        self.client_share = shares[selected]
        conn.group = selected
        conn.alpn_protocol = negotiate_alpn(config.alpn_protocols, ch.alpn_protocols, config.alpn_mismatch_fails)

    def send_dummy_change_cipher_spec(self) -> None:
        if self.sent_dummy_ccs or not self.client_hello.session_id:
            return
        self.sent_dummy_ccs = True
        self.conn.write_change_cipher_spec()

    def do_hello_retry_request(self, group: int) -> Steps:
        conn, ch1 = self.conn, self.client_hello
        # The transcript starts with ClientHello1, replaced by its message_hash.
        self.transcript.update(ch1.raw)
        self.transcript.replace_with_message_hash()
        if self.config.hello_retry_cookie:
            self.cookie = os.urandom(32)
        hrr = m.ServerHello(
            legacy_version=0x0303,
            random=HELLO_RETRY_REQUEST_RANDOM,
            session_id=ch1.session_id,
            cipher_suite=self.suite.id,
            compression_method=0,
            supported_version=TLS13,
            selected_group=group,
            cookie=self.cookie,
        )
        self.transcript.update(conn.write_handshake(hrr))
        conn._flush_handshake()
        self.send_dummy_change_cipher_spec()
        conn.hello_retry_request = True
        conn.trace_info("HelloRetryRequest", selected_group=group)

        # While the client answers, keep the first ClientHello as its bytes (at most
        # 64 KiB), not as parsed lists (ClientHelloKept says why); parse it again to compare.
        ch1_raw = ch1.raw
        self.client_hello = ch1 = None
        ch2 = yield from self.read_message(m.ClientHello)
        ch1 = m.ClientHello.unmarshal(ch1_raw)
        if len(ch2.key_shares or []) != 1 or ch2.key_shares[0][0] != group:
            raise TLSError(AlertDescription.illegal_parameter, "second ClientHello without exactly one key share for the group we asked for")
        if ch2.early_data:
            raise TLSError(AlertDescription.illegal_parameter, "second ClientHello offers early data")
        if self.cookie and ch2.cookie != self.cookie:
            raise TLSError(AlertDescription.illegal_parameter, "second ClientHello did not echo our cookie")
        changed = illegal_client_hello_change(ch1, ch2)
        if changed:
            raise TLSError(AlertDescription.illegal_parameter, f"client illegally modified its second ClientHello ({changed})")
        self.client_hello = ch2

    # ------------------------------------------------------------------ resumption

    def find_external_psk(self, ch: m.ClientHello) -> tuple[bytes, bytes] | None:
        """The first offered identity ``Config.psk_server_callback`` has a key for, as
        ``(identity, key)``; its binder is checked once the suite is known."""
        for identity, _obfuscated_age in ch.psk_identities[:MAX_PSK_IDENTITIES]:
            key = server_external_psk(self.config, identity)
            if key is not None:
                return identity, key
        return None

    def check_for_resumption(self) -> None:
        ch, config = self.client_hello, self.config
        if not ch.psk_identities:
            return
        if len(ch.psk_identities) != len(ch.psk_binders):
            raise TLSError(AlertDescription.illegal_parameter, "different numbers of PSK identities and binders")
        if PskKeyExchangeMode.psk_dhe_ke not in ch.psk_modes:
            return
        if (config.session_tickets or config.server_session_cache is not None) and self.resume_ticket():
            return
        if self.external_psk is not None:
            self.use_external_psk()

    def check_binder(self, i: int, binder_key: bytes) -> None:
        """RFC 8446 4.2.11.2: the binder of the PSK at ``i``, over the ClientHello up to the
        binders (and, after a HelloRetryRequest, what came before it)."""
        t = self.transcript.copy()
        t.update(self.client_hello.marshal_without_binders())
        expected = key_schedule.binder(self.suite.hash_alg, binder_key, t.digest())
        if not hmac.compare_digest(expected, self.client_hello.psk_binders[i]):
            # RFC 8446 6.2 (and Go): decrypt_error; OpenSSL sends illegal_parameter.
            raise TLSError(AlertDescription.decrypt_error, "invalid PSK binder", openssl_reason="BINDER_DOES_NOT_VERIFY")

    def resume_ticket(self) -> bool:
        ch, config, conn = self.client_hello, self.config, self.conn
        now = config.clock()
        cache = None if config.session_tickets else config.server_session_cache
        for i, (identity, _obfuscated_age) in enumerate(ch.psk_identities[:MAX_PSK_IDENTITIES]):
            if cache is not None:
                state = cache.get(identity)  # a stateful ticket (send_session_tickets)
            else:
                plaintext = config.ticket_keys.open(identity)
                if plaintext is None:
                    continue
                state = SessionState.from_bytes(plaintext)
            if state is None or state.version != TLS13:
                continue
            if now - state.created_at > min(state.lifetime, config.ticket_lifetime) or now < state.created_at - 60:
                continue
            psk_suite = cipher_suites.TLS13_SUITES.get(state.cipher_suite)
            if psk_suite is None or psk_suite.hash_alg.name != self.suite.hash_alg.name:
                continue
            if not same_server_name(state, ch):
                continue
            deferred = config.post_handshake_auth
            if not client_certificates_allow_resumption(config, state, config.now(), deferred):
                continue
            self.check_binder(i, key_schedule.EarlySecret(self.suite.hash_alg, state.secret).resumption_binder_key())
            self.using_psk = True
            self.psk = state.secret
            self.selected_identity = i
            conn.session_reused = True
            conn.peer_certificates = list(state.peer_certificates)
            conn.verified_chain = [x509.load_der_x509_certificate(d) for d in state.verified_chain]
            self.verified_chain_tail = list(state.verified_chain_tail)
            return True
        return False

    def use_external_psk(self) -> None:
        """RFC 8446 2.2: the client's external PSK, found by ``find_external_psk``, if the
        suite's hash is its own; the handshake then sends and asks for no certificates."""
        identity, key = self.external_psk
        self.external_psk = None
        if self.suite.hash_alg.name != EXTERNAL_PSK_HASH.name:
            return
        offered = [ident for ident, _age in self.client_hello.psk_identities[:MAX_PSK_IDENTITIES]]
        if identity not in offered:
            return
        i = offered.index(identity)
        self.check_binder(i, key_schedule.EarlySecret(self.suite.hash_alg, key).external_binder_key())
        self.using_psk = True
        self.external_psk_used = True
        self.psk = key
        self.selected_identity = i
        conn = self.conn
        conn.session_reused = True  # as OpenSSL
        conn.peer_certificates = []
        conn.verified_chain = []
        self.verified_chain_tail = []

    # ------------------------------------------------------------------ certificate

    def pick_certificate(self) -> None:
        if self.using_psk:
            return
        ch, config, conn = self.client_hello, self.config, self.conn
        candidates = certificate_candidates(config, ch, self.sh.connection())
        fits = []
        for c in candidates:
            scheme = auth.select_signature_scheme(
                c.private_key, ch.signature_algorithms, True, supported=config.signature_schemes,
                key_schemes=c.signing_schemes(True), prefer_peer=config.certificate_choice != "server",
            )
            if scheme is not None:
                fits.append((c, scheme))
                if config.certificate_choice == "order":
                    break
        if fits:
            self.cert, self.scheme = rank_certificates(fits, config, ch)[0]
            conn.local_certificate = self.cert
            conn.signature_scheme = self.scheme
            return
        raise TLSError(
            AlertDescription.handshake_failure,
            "no suitable signature algorithm: no certificate compatible with the client's signature algorithms",
            openssl_reason="NO_SUITABLE_SIGNATURE_ALGORITHM",  # as ssl reports it
        )

    # ------------------------------------------------------------------ our flight

    def send_server_parameters(self) -> None:
        conn, ch, suite = self.conn, self.client_hello, self.suite
        server_public, shared = key_exchange.server_key_exchange(self.group, self.client_share)
        self.transcript.update(ch.raw)
        hello = m.ServerHello(
            legacy_version=0x0303,
            random=os.urandom(32),
            session_id=ch.session_id,
            cipher_suite=suite.id,
            compression_method=0,
            supported_version=TLS13,
            server_share=(self.group, server_public),
            selected_identity=self.selected_identity,
        )
        conn.server_random = hello.random
        self.transcript.update(conn.write_handshake(hello))
        conn._flush_handshake()
        self.send_dummy_change_cipher_spec()

        early = key_schedule.EarlySecret(suite.hash_alg, self.psk if self.using_psk else None)
        self.psk = None  # RFC 8446 7.1: the PSK is not needed past the Early Secret
        self.handshake_secret = early.handshake_secret(shared)
        th = self.transcript.digest()
        self.client_hs = self.handshake_secret.client_handshake_traffic_secret(th)
        self.server_hs = self.handshake_secret.server_handshake_traffic_secret(th)
        conn._set_write_secret(self.server_hs, SERVER_HANDSHAKE)
        conn._set_read_secret(self.client_hs, CLIENT_HANDSHAKE)

        ee = m.EncryptedExtensions(alpn_protocol=conn.alpn_protocol)
        self.transcript.update(conn.write_handshake(ee))

    def request_client_cert(self) -> None:
        config = self.config
        if self.using_psk or config.client_auth < ClientAuthType.RequestClientCert:
            return
        if config.post_handshake_auth:
            # ssl's post_handshake_auth (OpenSSL's SSL_VERIFY_POST_HANDSHAKE): in TLS 1.3 the
            # application asks after the handshake, when it wants to; a client that did not
            # offer it is refused then (verify_client_post_handshake), not here.
            return
        self.requested_client_cert = True
        schemes = [s for s in config.signature_schemes if auth.usable_in_tls13(s)]
        cr = m.CertificateRequestTLS13(
            certificate_request_context=b"", signature_algorithms=schemes, certificate_authorities=config.certificate_request_authorities()
        )
        self.transcript.update(self.conn.write_handshake(cr))

    def send_server_certificate(self) -> None:
        if self.using_psk:
            return
        conn, ch, cert = self.conn, self.client_hello, self.cert
        staple = bool(ch.ocsp_stapling and cert.ocsp_staple)
        scts = bool(ch.scts and cert.scts)
        entries = [m.CertificateEntry(der) for der in cert.chain_der]
        if staple:
            entries[0].ocsp_response = cert.ocsp_staple
        if scts:
            entries[0].scts = list(cert.scts)
        msg = m.CertificateTLS13(certificate_request_context=b"", certificate_list=entries)
        # The same chain gives the same bytes every time: encode it once per variant.  The
        # key holds the chain itself, so a copied CertifiedKey with another chain (which
        # shares the cache dict) never gets this one's bytes.
        key = (tuple(cert.chain_der), cert.ocsp_staple if staple else None, tuple(cert.scts) if scts else ())
        raw = cert.message_cache.get(key)
        if raw is None:
            raw = msg.marshal()
            if len(cert.message_cache) < 16:
                cert.message_cache[key] = raw
        msg.raw = raw
        self.transcript.update(conn.write_handshake(msg))
        signed = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, self.transcript.digest())
        cv = m.CertificateVerify(signature_algorithm=self.scheme, signature=auth.sign(cert.private_key, self.scheme, signed, tls13=True, public_key=cert.public_key))
        self.transcript.update(conn.write_handshake(cv))

    def send_server_finished(self) -> None:
        conn, suite = self.conn, self.suite
        verify_data = key_schedule.finished_verify_data(suite.hash_alg, self.server_hs, self.transcript.digest())
        self.transcript.update(conn.write_handshake(m.Finished(verify_data=verify_data)))
        self.master_secret = self.handshake_secret.master_secret()
        th = self.transcript.digest()
        self.client_ap = self.master_secret.client_application_traffic_secret(th)
        server_ap = self.master_secret.server_application_traffic_secret(th)
        conn._set_write_secret(server_ap, SERVER_TRAFFIC.format(0))
        self.exporter_master_secret = self.master_secret.exporter_master_secret(th)
        conn.exporter_master_secret = self.exporter_master_secret
        conn._keylog("EXPORTER_SECRET", self.exporter_master_secret)

    # ------------------------------------------------------------------ the client's flight

    def read_client_certificate(self) -> Steps:
        conn, config = self.conn, self.config
        if not self.requested_client_cert:
            verify_hooks(conn, config, peer_certificate=False)
            return
        msg = yield from self.read_message(m.CertificateTLS13)
        if msg.certificate_request_context:
            raise TLSError(AlertDescription.illegal_parameter, "client Certificate with a request context we did not send")
        check_client_certificate_entries(msg)
        self.transcript.update(msg.raw)
        chain_der = [e.cert_data for e in msg.certificate_list]
        if not chain_der:
            if config.client_auth in (ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert):
                raise no_client_certificate(AlertDescription.certificate_required)
            verify_hooks(conn, config, peer_certificate=True)
            return
        self.verified_chain_tail, leaf = verify_client_certificates(conn, config, chain_der)
        cv = yield from self.read_message(m.CertificateVerify)
        if not auth.usable_in_tls13(cv.signature_algorithm) or cv.signature_algorithm not in config.signature_schemes:
            raise TLSError(AlertDescription.illegal_parameter, "client signed with a signature scheme we did not offer")
        signed = auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, self.transcript.digest())
        auth.verify(leaf, cv.signature_algorithm, signed, cv.signature, tls13=True)
        conn.peer_signature_scheme = cv.signature_algorithm
        self.transcript.update(cv.raw)
        verify_hooks(conn, config, peer_certificate=True)

    def read_client_finished(self) -> Steps:
        conn, suite = self.conn, self.suite
        fin = yield from self.read_message(m.Finished)
        expected = key_schedule.finished_verify_data(suite.hash_alg, self.client_hs, self.transcript.digest())
        check_finished(expected, fin.verify_data, "client")
        self.transcript.update(fin.raw)
        if self.client_hello.post_handshake_auth and self.config.client_auth >= ClientAuthType.RequestClientCert:
            # RFC 8446 4.4: a post-handshake authentication's context is this transcript
            # (ClientHello .. client Finished) and its own messages.
            self.pha_transcript = self.transcript.copy()
        conn._set_read_secret(self.client_ap, CLIENT_TRAFFIC.format(0))
        conn.allow_app_read()
        self.resumption_master_secret = self.master_secret.resumption_master_secret(self.transcript.digest())
        self.client_hs = self.server_hs = self.client_ap = b""
        self.handshake_secret = None

    def send_session_tickets(self) -> None:
        """RFC 8446 4.6.1: stateless tickets, sealed with the rotating ticket keys; without
        ``session_tickets``, stateful ones (a random identity the server session cache
        keeps the session under), as OpenSSL's SSL_OP_NO_TICKET gives in TLS 1.3."""
        ch, config, conn = self.client_hello, self.config, self.conn
        cache = None if config.session_tickets else config.server_session_cache
        if (not config.session_tickets and cache is None) or PskKeyExchangeMode.psk_dhe_ke not in (ch.psk_modes or []):
            return
        now = int(config.clock())
        # RFC 8446 4.6.1: "Servers MUST NOT use any value greater than 604800 seconds".
        lifetime = min(config.ticket_lifetime, MAX_TICKET_LIFETIME)
        # As OpenSSL: after a resumption at most one new ticket; after a full handshake the
        # number configured (num_tickets).
        count = min(config.tickets_to_send, 1) if self.using_psk else config.tickets_to_send
        self.tickets_sent = count
        for i in range(count):
            nonce = i.to_bytes(max(1, (i.bit_length() + 7) // 8), "big")  # up to 255 bytes (4.6.1)
            psk = key_schedule.resumption_psk(self.suite.hash_alg, self.resumption_master_secret, nonce)
            age_add = secrets.randbits(32)
            state = SessionState(
                version=TLS13,
                cipher_suite=self.suite.id,
                secret=psk,
                created_at=now,
                age_add=age_add,
                lifetime=lifetime,
                alpn_protocol=conn.alpn_protocol or "",
                server_name=sni_host(ch) or "",
                peer_certificates=list(conn.peer_certificates),
                peer_verified=bool(conn.peer_certificates) and config.client_auth >= ClientAuthType.VerifyClientCertIfGiven,
                verified_chain_tail=self.verified_chain_tail,
            )
            if cache is not None:
                ticket = os.urandom(32)  # OpenSSL's stateful ticket: a session ID's length
                cache.put(ticket, state)
            else:
                ticket = config.ticket_keys.seal(state.to_bytes())
            if not ticket:
                return  # the session does not fit a ticket: RFC 8446 4.6.1 lets us send none
            nst = m.NewSessionTicketTLS13(
                ticket_lifetime=lifetime,
                ticket_age_add=age_add,
                ticket_nonce=nonce,
                ticket=ticket,
            )
            conn.write_handshake(nst)

    def export_keying_material(self, conn, label, context, length) -> bytes:
        if isinstance(label, str):
            label = label.encode("ascii")
        return key_schedule.export_keying_material(self.suite.hash_alg, self.exporter_master_secret, label, context or b"", length)

    # ------------------------------------------------------------------ post-handshake authentication

    def post_handshake_auth_refusal(self, conn) -> tuple[str, str] | None:
        """Why a CertificateRequest cannot go now (OpenSSL's reason and a message), or None."""
        if conn.config.client_auth < ClientAuthType.RequestClientCert:
            return "INVALID_CONFIG", "the server's policy takes no client certificates (verify_mode is CERT_NONE)"
        if self.pha_transcript is None:
            return "EXTENSION_NOT_RECEIVED", "the client did not offer post-handshake authentication"
        if self.pha_context is not None:
            return "REQUEST_PENDING", "a post-handshake certificate request is already waiting for its answer"
        return None

    def request_client_certificate(self, conn) -> None:
        """RFC 8446 4.6.2: a CertificateRequest with a fresh context, queued at once; the
        client's answer is checked by ``on_client_auth_message`` as it arrives."""
        self.pha_context = os.urandom(32)  # 4.3.2: unique within the connection
        schemes = [s for s in conn.config.signature_schemes if auth.usable_in_tls13(s)]
        cr = m.CertificateRequestTLS13(
            certificate_request_context=self.pha_context, signature_algorithms=schemes,
            certificate_authorities=conn.config.certificate_request_authorities(),
        )
        self.pha_exchange = self.pha_transcript.copy()
        self.pha_exchange.update(conn.write_handshake(cr))
        conn._flush_handshake()

    def on_client_auth_message(self, conn, msg) -> bool | None:
        """The client's Certificate, CertificateVerify and Finished answering our request.
        Returns, after the Finished, whether a certificate came (None before).  Its
        certificates become the connection's only once the Finished checks out."""
        t, config = self.pha_exchange, conn.config
        if t is None:
            raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} after the handshake")
        if self.pha_chain is None and not isinstance(msg, m.CertificateTLS13):
            raise TLSError(AlertDescription.unexpected_message, f"expected the client's Certificate, received {type(msg).__name__}")
        if isinstance(msg, m.CertificateTLS13):
            if self.pha_chain is not None:
                raise TLSError(AlertDescription.unexpected_message, "a second client Certificate for one request")
            if msg.certificate_request_context != self.pha_context:
                raise TLSError(AlertDescription.illegal_parameter, "client Certificate for a request context we did not send")
            check_client_certificate_entries(msg)
            t.update(msg.raw)
            chain_der = [e.cert_data for e in msg.certificate_list]
            if not chain_der:
                if config.client_auth in (ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert):
                    raise no_client_certificate(AlertDescription.certificate_required)
                self.pha_chain = ([], [])
                self.pha_signed = True  # nothing to sign: the Finished comes next
                return None
            chain, verified = check_client_certificates(config, chain_der)
            self.pha_chain = (chain_der, verified)
            self.pha_leaf = chain[0]
            self.pha_signed = False
            return None
        if isinstance(msg, m.CertificateVerify):
            if self.pha_signed:
                raise TLSError(AlertDescription.unexpected_message, "unexpected CertificateVerify: the client sent no certificate, or signed already")
            if not auth.usable_in_tls13(msg.signature_algorithm) or msg.signature_algorithm not in config.signature_schemes:
                raise TLSError(AlertDescription.illegal_parameter, "client signed with a signature scheme we did not offer")
            signed = auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, t.digest())
            auth.verify(self.pha_leaf, msg.signature_algorithm, signed, msg.signature, tls13=True)
            t.update(msg.raw)
            self.pha_signed = True
            self.pha_scheme = msg.signature_algorithm
            return None
        if isinstance(msg, m.Finished):
            if not self.pha_signed:
                raise TLSError(AlertDescription.unexpected_message, "client Finished without the CertificateVerify for its certificate")
            # 4.4: keyed with the client's current application traffic secret.
            expected = key_schedule.finished_verify_data(self.suite.hash_alg, conn._read.traffic_secret, t.digest())
            check_finished(expected, msg.verify_data, "client")
            chain_der, verified = self.pha_chain
            verify_peer_certificate_hook(config, chain_der, verified)
            # An empty answer replaces an earlier identity too (OpenSSL clears the peer
            # certificate): a server that asks again before a sensitive step must not see
            # the first answer's certificate as the client's current one.
            conn.peer_certificates = list(chain_der)
            conn.verified_chain = verified
            conn.peer_signature_scheme = self.pha_scheme if chain_der else None
            self.pha_context = self.pha_exchange = self.pha_chain = self.pha_leaf = None
            return bool(chain_der)
        raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} during post-handshake authentication")


def check_client_certificate_entries(msg: m.CertificateTLS13) -> None:
    """RFC 8446 4.4.2: the client's entry extensions answer our CertificateRequest's, and
    ours asks for none (no status_request, no signed_certificate_timestamp)."""
    for entry in msg.certificate_list:
        check_extensions(entry, HandshakeType.certificate, (), "client CertificateEntry")


def illegal_client_hello_change(ch1: m.ClientHello, ch2: m.ClientHello) -> str | None:
    """RFC 8446 4.1.2: the second ClientHello may only change key_share, cookie,
    early_data, pre_shared_key (and padding).  Returns the first field that changed."""
    for name in (
        "legacy_version",
        "random",
        "session_id",
        "cipher_suites",
        "compression_methods",
        "server_name",
        "ocsp_stapling",
        "supported_groups",
        "supported_points",
        "ticket_supported",
        "session_ticket",
        "signature_algorithms",
        "signature_algorithms_cert",
        "secure_renegotiation_supported",
        "secure_renegotiation",
        "extended_master_secret",
        "alpn_protocols",
        "scts",
        "supported_versions",
        "psk_modes",
        "post_handshake_auth",
    ):
        if getattr(ch1, name, None) != getattr(ch2, name, None):
            return name
    return None


def verify_client_certificates(conn, config, chain_der: list[bytes]) -> tuple[list[bytes], x509.Certificate | auth.CertificateKey]:
    """Check the client's chain under the server's policy; return the verified path after
    the leaf, as DER, for the session's tickets (empty when the policy verifies nothing),
    and the leaf, whose key checks the client's signature."""
    conn.peer_certificates = list(chain_der)
    chain, conn.verified_chain = check_client_certificates(config, chain_der)
    return verify.chain_der(conn.verified_chain, chain, chain_der)[1:], chain[0]


def check_client_certificates(config, chain_der: list[bytes]) -> tuple[list[x509.Certificate | auth.CertificateKey], list[x509.Certificate]]:
    """The client's chain parsed, and the path verified under the server's policy (empty
    when the policy verifies nothing, as Go has no VerifiedChains then).  A policy that
    verifies nothing (``RequestClientCert``, ``RequireAnyClientCert``) takes a certificate
    cryptography will not parse in full, as an ``auth.CertificateKey``."""
    verifying = config.client_auth >= ClientAuthType.VerifyClientCertIfGiven
    chain = check_certificates_parse(chain_der, "client", verifying=verifying)
    verified: list[x509.Certificate] = []
    if verifying:
        # ``is not None``, not ``or``: an empty store (its CAs all left out, or only
        # lookup directories) is false, and must not fall through to the system's CAs.
        store = config.client_ca_store if config.client_ca_store is not None else config.trust_store
        if store is None:
            store = verify.default_trust_store()
        verified = verify.verify_client_chain(chain, store, **config.chain_checks())
    if not auth.is_supported_public_key(chain[0].public_key()):
        raise TLSError(AlertDescription.unsupported_certificate, "unsupported client public key type")
    return chain, verified

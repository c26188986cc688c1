"""Client handshake, the part both versions share (Go's handshake_client.go).

``makeClientHello`` → send → read ServerHello → pick the version → hand over
to the TLS 1.3 or TLS 1.2 state machine.
"""

from __future__ import annotations

import os

from .. import auth, cipher_suites, key_exchange, key_schedule, verify
from ..constants import AlertDescription, ProtocolVersion, PskKeyExchangeMode
from ..errors import TLSError
from ..messages import handshake as m
from ..tickets import uncache_session
from ..transcript import Transcript
from .client12 import ClientHandshakeTLS12
from .client13 import ClientHandshakeTLS13
from .common import (
    DOWNGRADE_TLS11,
    DOWNGRADE_TLS12,
    EXTERNAL_PSK_HASH,
    HELLO_RETRY_REQUEST_RANDOM,
    Handshake,
    Steps,
    check_certificates_parse,
    verified_chain_still_valid,
    client_external_psk,
    version_name,
)

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12


def sni_host_name(server_hostname: str | None) -> str | None:
    """The server_name to send: not for IP literals (RFC 6066 section 3), no trailing dot."""
    if not server_hostname:
        return None
    host = server_hostname.rstrip(".")
    if verify.ip_literal(verify.address_text(host).strip("[]")) is not None:  # (as hostname_subject)
        return None
    return host or None


class OfferedPSK:
    """One PSK our ClientHello offers (RFC 8446 4.2.11): a ticket's, with its session, or
    an external one (``session`` None) from ``Config.psk_client_callback``."""

    __slots__ = ("identity", "secret", "hash_alg", "session")

    def __init__(self, identity: bytes, secret: bytes, hash_alg, session=None) -> None:
        self.identity = identity
        self.secret = secret
        self.hash_alg = hash_alg
        self.session = session

    def obfuscated_ticket_age(self, now: float) -> int:
        """RFC 8446 4.2.11.1: the ticket's age in ms plus its age_add; 0 for an external PSK."""
        if self.session is None:
            return 0
        age_ms = int((now - self.session.received_at) * 1000)
        return (age_ms + self.session.age_add) & 0xFFFFFFFF


#: HelloRequests a client ignores while it negotiates (RFC 5246 7.4.1.1), before it takes
#: them for a flood: OpenSSL has no bound (a server sending them without end held its
#: handshake past the socket timeout, reading without waiting); Go refuses the first.
MAX_IGNORED_HELLO_REQUESTS = 16


class ClientHandshake(Handshake):
    """Drives a client connection up to the ServerHello, then the version's state machine."""

    hello_requests_ignored = 0

    def ignore_hello_request(self) -> None:
        """Count a HelloRequest received while negotiating; too many end the handshake."""
        self.hello_requests_ignored += 1
        if self.hello_requests_ignored > MAX_IGNORED_HELLO_REQUESTS:
            raise TLSError(AlertDescription.unexpected_message, f"more than {MAX_IGNORED_HELLO_REQUESTS} HelloRequests during the handshake")

    def __init__(self, conn) -> None:
        super().__init__(conn)
        self.hello: m.ClientHello | None = None
        self.key_shares: dict[int, key_exchange.KeyShare] = {}
        self.session = None  # the ClientSession offered, if any
        self.psks: list[OfferedPSK] = []  # what pre_shared_key offers, in its order
        self.transcript = Transcript()
        self.state13 = None
        self.state12 = None
        self.offers_tls12 = False  # set by make_client_hello

    # ------------------------------------------------------------------ ClientHello

    def _versions(self) -> list[int]:
        return self.config.versions()

    def _load_session(self, versions: list[int]):
        """The session to offer: the one given, else the cache's for this server name."""
        conn, config = self.conn, self.config
        session = conn.session
        if session is None and config.session_cache is not None and conn.server_hostname:
            session = config.session_cache.get(conn.server_hostname)
        if session is None:
            return None
        if session.version not in versions or not session.valid_at(config.clock()):
            return None
        if session.version == TLS12 and not session.extended_master_secret:
            return None  # RFC 7627 5.3: resuming it would carry the missing binding over
        if conn.server_hostname and session.server_name and session.server_name != conn.server_hostname:
            return None
        if config.verify_peer and not self._session_still_trusted(session):
            return None
        return session

    def _session_still_trusted(self, session) -> bool:
        """Go's loadSession: a resumed handshake skips the server's certificate, so a
        verifying client offers only a session whose chain was verified, is still valid
        and still ends at a root it trusts (``verified_chain_still_valid``), and (checking
        host names) whose leaf is for this host."""
        if not session.verified_chain:
            return False  # made with verification off: it cannot stand in for verification
        try:
            leaf = check_certificates_parse(session.verified_chain[:1], "server")[0]
        except TLSError:
            return False
        if not verified_chain_still_valid(self.config.trust_store, session.verified_chain, self.config.now()):
            return False  # the leaf or a CA expired since, or the anchor is no longer trusted
        hostname = self.conn.server_hostname
        if not (self.config.check_hostname and hostname):
            return True
        return verify.certificate_matches_host(leaf, hostname, self.config.hostname_checks_common_name)

    def make_client_hello(self) -> m.ClientHello:
        config = self.config
        versions = self._versions()
        if not versions:
            err = TLSError(AlertDescription.internal_error, "no protocols available: no TLS version enabled (minimum above maximum)", "NO_PROTOCOLS_AVAILABLE")
            err.send_alert = False  # nothing was said yet: no alert before a ClientHello (OpenSSL sends none)
            raise err
        has13 = TLS13 in versions
        has12 = self.offers_tls12 = TLS12 in versions

        suites: list[int] = []
        if has13:
            suites += config.cipher_suites_tls13
        if has12:
            suites += config.cipher_suites_tls12
        if not suites:
            raise TLSError(AlertDescription.internal_error, "no cipher suites enabled")

        groups = [g for g in config.groups if has13 or key_exchange.is_ecdhe_group12(g)]
        if not groups:
            raise TLSError(AlertDescription.internal_error, "no key exchange groups enabled")

        hello = m.ClientHello(
            legacy_version=TLS12,
            random=os.urandom(32),
            session_id=os.urandom(32) if has13 and config.middlebox_compat else b"",
            cipher_suites=suites,
            compression_methods=[0],
            server_name=sni_host_name(self.conn.server_hostname),
            ocsp_stapling=True,
            scts=True,
            supported_groups=groups,
            # A TLS 1.2-only hello leaves out the schemes only TLS 1.3 defines (ML-DSA).
            signature_algorithms=list(config.signature_schemes) if has13 else [s for s in config.signature_schemes if s not in auth.TLS13_ONLY_SCHEMES],
            alpn_protocols=list(config.alpn_protocols),
        )
        if has12:
            hello.supported_points = [0]
            hello.secure_renegotiation_supported = True
            hello.extended_master_secret = True
            hello.ticket_supported = config.session_tickets
        if has13:
            hello.supported_versions = versions
            hello.psk_modes = [PskKeyExchangeMode.psk_dhe_ke]
            hello.post_handshake_auth = config.post_handshake_auth
            share_groups = config.key_share_groups
            if share_groups is None:
                share_groups = [g for g in key_exchange.DEFAULT_KEY_SHARES if g in groups] or groups[:1]
            share_groups = [g for g in share_groups if g in groups] or groups[:1]
            for g in share_groups:
                self.key_shares[g] = key_exchange.generate_key_share(g)
            hello.key_shares = [(g, ks.public) for g, ks in self.key_shares.items()]

        session = self._load_session(versions)
        if session is not None:
            if session.version == TLS13:
                suite = cipher_suites.TLS13_SUITES.get(session.cipher_suite)
                if suite is not None and self._suite_with_hash(suite.hash_alg):
                    self.session = session
                    self.conn.session_missed = True  # until the server takes it
                    self.psks.append(OfferedPSK(session.ticket, session.secret, suite.hash_alg, session))
            elif session.version == TLS12 and has12:
                self.session = session
                self.conn.session_missed = True
                if session.ticket:
                    hello.session_ticket = session.ticket
                # RFC 5077 3.4: with a ticket, a session ID lets us recognise the
                # server's acceptance.  It is the same one for every resumption of the
                # session (ClientSession.id), as OpenSSL's, even beside TLS 1.3's
                # compatibility ID: a server may compare the IDs of two connections.
                hello.session_id = session.id
        if has13:
            external = client_external_psk(config)
            if external is not None and self._suite_with_hash(EXTERNAL_PSK_HASH):
                self.psks.append(OfferedPSK(external[0], external[1], EXTERNAL_PSK_HASH))
        if self.psks:
            self.set_psk_identities(hello)
        if self.session is not None and not self._fits(hello, keep=bool(self.psks)):
            self._forget_session(hello, has13)
        if self.psks:
            self.update_binders(hello)
        return hello

    @staticmethod
    def _fits(hello: m.ClientHello, keep: bool) -> bool:
        """Whether the ClientHello marshals: a server may send a ticket of nearly 64 KiB
        (RFC 8446 4.6.1, RFC 5077 3.3), which with our other extensions overflows their
        16-bit length.  The bytes are kept in ``.raw`` when ``keep`` (the PSK binders are
        computed over them next), else marshalled again when sent (as the fields are then)."""
        try:
            hello.marshal()
        except m.ExtensionsTooLong:
            hello.raw = None
            return False
        if not keep:
            hello.raw = None
        return True

    def uncache(self, session) -> None:
        """Drop ``session`` from the session cache (if it is still this server name's)."""
        uncache_session(self.config.session_cache, self.conn.server_hostname, session)

    def _forget_session(self, hello: m.ClientHello, has13: bool) -> None:
        """Offer no session (a full handshake), and drop it from the cache: offered, it
        failed every later connection to the server's name before anything was sent.
        (OpenSSL cannot even serialise such a session, so ``ssl`` never resumes it.)"""
        session, conn = self.session, self.conn
        self.session = None
        conn.session_missed = False
        self.psks = [p for p in self.psks if p.session is None]
        self.uncache(session)
        if hello.session_ticket:
            hello.session_ticket = b""
            hello.session_id = os.urandom(32) if has13 and self.config.middlebox_compat else b""
        hello.psk_identities, hello.psk_binders, hello.raw = [], [], None
        if self.psks:
            self.set_psk_identities(hello)
        conn.trace_info("session not offered", reason="the ClientHello would not fit its length with its ticket")

    def _suite_with_hash(self, hash_alg) -> bool:
        """Whether a TLS 1.3 suite we offer could use a PSK of this hash (RFC 8446 4.2.11)."""
        return any(
            cipher_suites.TLS13_SUITES[s].hash_alg.name == hash_alg.name
            for s in self.config.cipher_suites_tls13
            if s in cipher_suites.TLS13_SUITES
        )

    def set_psk_identities(self, hello: m.ClientHello) -> None:
        """RFC 8446 4.2.11: the pre_shared_key extension, with binders to fill in; the
        ticket first (its obfuscated age from now), then the external PSK (age 0)."""
        now = self.config.clock()
        hello.psk_identities = [(p.identity, p.obfuscated_ticket_age(now)) for p in self.psks]
        hello.psk_binders = [bytes(p.hash_alg.digest_size) for p in self.psks]
        hello.raw = None

    def update_binders(self, hello: m.ClientHello, transcript: Transcript | None = None) -> None:
        """RFC 8446 4.2.11.2: each binder is an HMAC, under its PSK's binder key, of the
        transcript up to the binders (after a HelloRetryRequest, ``transcript`` holds its
        start: message_hash and the retry request)."""
        truncated = hello.marshal_without_binders()
        binders = []
        for p in self.psks:
            t = transcript.copy() if transcript is not None else Transcript(p.hash_alg)
            t.update(truncated)
            early = key_schedule.EarlySecret(p.hash_alg, p.secret)
            binder_key = early.external_binder_key() if p.session is None else early.resumption_binder_key()
            binders.append(key_schedule.binder(p.hash_alg, binder_key, t.digest()))
        hello.update_binders(binders)

    # ------------------------------------------------------------------ the run

    def run(self) -> Steps:
        conn = self.conn
        hello = self.make_client_hello()
        self.hello = hello
        conn.client_random = hello.random
        # RFC 8446 5.1: the first ClientHello may carry record version 0x0301 (middleboxes expect it).
        conn.set_record_version(0x0301)
        raw = conn.write_handshake(hello)
        self.transcript.update(raw)
        conn._flush_handshake()
        conn.set_record_version(0x0303)

        if self.offers_tls12:
            # RFC 5246 7.4.1.1: a HelloRequest while we negotiate is ignored (OpenSSL's
            # client ignores one before the ServerHello too).
            server_hello = yield from self.read_message(m.HelloRequest, m.ServerHello)
            while isinstance(server_hello, m.HelloRequest):
                self.ignore_hello_request()
                server_hello = yield from self.read_message(m.HelloRequest, m.ServerHello)
        else:
            server_hello = yield from self.read_message(m.ServerHello)
        version = self.pick_version(server_hello)
        conn.version = version
        conn.server_random = server_hello.random
        conn.expect_record_version(0x0303)
        if version == TLS13:
            self.state13 = ClientHandshakeTLS13(self)
            yield from self.state13.run(server_hello)
        else:
            self.state12 = ClientHandshakeTLS12(self)
            yield from self.state12.run(server_hello)

    def pick_version(self, sh: m.ServerHello) -> int:
        """Which version the server chose, and whether we accept it (RFC 8446 4.1.3, 4.2.1)."""
        ours = self._versions()
        if sh.legacy_version <= 0x0300:
            # RFC 8446 appendix D.5: SSL 3.0 or older in legacy_version is protocol_version,
            # whatever supported_versions says.
            raise TLSError(AlertDescription.protocol_version, f"ServerHello with legacy_version 0x{sh.legacy_version:04x} (SSL 3.0 or older)")
        if sh.supported_version:
            if not self.hello.supported_versions:
                raise TLSError(AlertDescription.unsupported_extension, "ServerHello carries supported_versions, which we did not offer")
            version = sh.supported_version
            if version != TLS13 or TLS13 not in ours:
                raise TLSError(AlertDescription.illegal_parameter, f"server selected {version_name(version)} in supported_versions, which we did not offer")
            if sh.legacy_version != TLS12:
                raise TLSError(AlertDescription.illegal_parameter, f"TLS 1.3 ServerHello with legacy_version 0x{sh.legacy_version:04x}")
            return version
        if sh.random == HELLO_RETRY_REQUEST_RANDOM:
            # Only TLS 1.3 has a HelloRetryRequest (Go and OpenSSL: missing_extension).
            raise TLSError(AlertDescription.missing_extension, "HelloRetryRequest without supported_versions")
        version = sh.legacy_version
        if version == TLS13 and TLS13 in ours:
            # RFC 8446 4.1.3 / 4.2.1: TLS 1.3 is chosen only in supported_versions (Go: missing_extension).
            raise TLSError(AlertDescription.missing_extension, "server selected TLS 1.3 in legacy_version, without supported_versions")
        if version not in ours:
            raise TLSError(AlertDescription.protocol_version, f"server selected {version_name(version)}, which we do not support (we offer {', '.join(version_name(v) for v in ours)})")
        # RFC 8446 4.1.3: a TLS 1.3 client must check the downgrade sentinel.
        tail = sh.random[24:]
        if TLS13 in ours and tail in (DOWNGRADE_TLS12, DOWNGRADE_TLS11):
            raise TLSError(AlertDescription.illegal_parameter, "downgrade attempt detected: the server supports TLS 1.3 but selected TLS 1.2")
        return version

    # ------------------------------------------------------------------ after the handshake

    def export_keying_material(self, conn, label, context, length) -> bytes:
        state = self.state13 or self.state12
        return state.export_keying_material(conn, label, context, length)

    def on_new_session_ticket(self, conn, msg):
        if self.state13 is None:
            raise TLSError(AlertDescription.unexpected_message, "NewSessionTicket outside TLS 1.3")
        return self.state13.on_new_session_ticket(conn, msg)


"""What every handshake state machine shares."""

from __future__ import annotations

import hmac
import weakref
from collections.abc import Generator
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

from .. import auth, verify
from .._fork import fork_safe_lock
from ..config import CertificateRequestInfo, CertifiedKey, ClientAuthType, ClientHelloInfo
from ..constants import AlertDescription, HandshakeType, ProtocolVersion
from ..errors import SSLCertVerificationError, TLSError
from ..messages.extensions import ALLOWED_EXTENSIONS_TLS13, KNOWN_EXTENSIONS_TLS13, extension_name


class ChangeCipherSpec:
    """Stands for a TLS 1.2 ChangeCipherSpec record in the stream of handshake messages."""

    def describe(self) -> dict:
        return {}

    def __repr__(self) -> str:
        return "ChangeCipherSpec"


CHANGE_CIPHER_SPEC = ChangeCipherSpec()

#: RFC 8446 section 4.1.3: the random of a HelloRetryRequest.
HELLO_RETRY_REQUEST_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
#: RFC 8446 section 4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates 1.2 / 1.1 or below.
DOWNGRADE_TLS12 = b"DOWNGRD\x01"
DOWNGRADE_TLS11 = b"DOWNGRD\x00"

Steps = Generator[None, Any, Any]


class Handshake:
    """Base of the client and server handshakes: message reading and shared checks."""

    client_hello_received = False

    def __init__(self, conn) -> None:
        # The connection owns its handshake (and the suspended generator running it), so
        # the handshake holds the connection weakly: a connection dropped mid-handshake,
        # without close(), is freed at once with its key shares, not by the cyclic GC.
        self.conn = weakref.proxy(conn)
        self._conn_ref = weakref.ref(conn)  # the connection itself, for user callbacks
        self.config = conn.config

    def connection(self):
        """The Connection (not a proxy), for what user callbacks are given."""
        return self._conn_ref()

    def run(self) -> Steps:  # pragma: no cover - overridden
        raise NotImplementedError
        yield

    def read_message(self, *types) -> Steps:
        """Wait for the next handshake message; it must be one of ``types`` (else unexpected_message).

        The types go out with the wait, so the connection can refuse a message of another
        type from its header alone (``Connection._unexpected_type``)."""
        msg = yield types
        if not isinstance(msg, types):
            names = " or ".join(t.__name__ for t in types)
            raise TLSError(AlertDescription.unexpected_message, f"expected {names}, received {type(msg).__name__}")
        return msg

    def export_keying_material(self, conn, label, context, length) -> bytes:
        raise TLSError(AlertDescription.internal_error, "no exporter for this connection")

    #: What only the handshake needs: parsed messages, the transcript, ephemeral
    #: key shares and the intermediate secrets.  Dropped when the handshake
    #: completes, so an idle connection stays small and secrets live no longer
    #: than needed (what remains: the suite, the resumption and exporter secrets,
    #: TLS 1.2's master secret for its exporter).  Also the links back up: "conn", and a
    #: version's "ch"/"sh" to the handshake that made it.  The connection owns its
    #: handshake, so keeping them would hold every finished connection in a reference
    #: cycle, and a dropped one, with its secrets, would wait for the cyclic GC instead
    #: of going at once.  What runs after the handshake is handed the connection.
    HANDSHAKE_ONLY = frozenset((
        "conn", "_conn_ref",
        "hello", "ch", "client_hello", "server_hello", "sh", "transcript", "cert_request", "key_shares",
        "client_hs", "server_hs", "client_ap", "handshake_secret", "messages", "_ske", "client_public",
        "pre_master_secret", "share", "client_share", "cookie", "psk", "leaf",
        "psks", "psk_secret", "external_psk",  # external PSKs: the application's long-term keys
    ))

    def release_handshake_state(self) -> None:
        """Forget what only the handshake needed (see ``HANDSHAKE_ONLY``), here and in the
        version-specific state machine this one delegates to."""
        for obj in (self, getattr(self, "state13", None), getattr(self, "state12", None)):
            if obj is None:
                continue
            for name in self.HANDSHAKE_ONLY.intersection(obj.__dict__):  # one C-level pass per object
                setattr(obj, name, None)
            if getattr(obj, "master_secret", None) is not None and not isinstance(obj.master_secret, (bytes, bytearray)):
                obj.master_secret = None  # TLS 1.3's MasterSecret object: its products are kept

    def on_new_session_ticket(self, conn, msg):
        raise TLSError(AlertDescription.unexpected_message, "unexpected NewSessionTicket")

    def _state13(self, conn, msg):
        """The TLS 1.3 state machine, for a post-handshake message (else unexpected_message)."""
        state = getattr(self, "state13", None)
        if state is None:
            raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} after the handshake")
        return state

    def on_certificate_request(self, conn, msg) -> bool:
        """Client: a post-handshake CertificateRequest (RFC 8446 4.6.2)."""
        if conn.server_side:
            raise TLSError(AlertDescription.unexpected_message, "unexpected CertificateRequest from a client")
        return self._state13(conn, msg).on_certificate_request(conn, msg)

    def client_auth_pending(self) -> bool:
        """Server: whether a post-handshake CertificateRequest waits for its answer."""
        state = getattr(self, "state13", None)
        return state is not None and getattr(state, "pha_exchange", None) is not None

    def on_client_auth_message(self, conn, msg) -> bool | None:
        """Server: the client's answer to a post-handshake CertificateRequest."""
        if not conn.server_side:
            raise TLSError(AlertDescription.unexpected_message, f"unexpected {type(msg).__name__} after the handshake")
        return self._state13(conn, msg).on_client_auth_message(conn, msg)


def check_extensions(
    msg, message_type: HandshakeType, offered, what: str, always_ok: frozenset[int] = frozenset()
) -> None:
    """RFC 8446 4.2 for a TLS 1.3 response (ServerHello, HelloRetryRequest,
    EncryptedExtensions, a CertificateEntry): an extension we recognise that does
    not belong in this message is illegal_parameter; one that belongs here but
    answers nothing in ``offered`` (our request's extension types) is
    unsupported_extension, as is an unknown one."""
    allowed = ALLOWED_EXTENSIONS_TLS13[message_type]
    for ext_type, _ in msg.extensions:
        if ext_type in allowed:
            if ext_type in offered or ext_type in always_ok:
                continue
        elif ext_type in KNOWN_EXTENSIONS_TLS13 or ext_type in offered:
            raise TLSError(AlertDescription.illegal_parameter, f"{what} carries extension {extension_name(ext_type)}, which does not belong there")
        raise TLSError(AlertDescription.unsupported_extension, f"{what} carries extension {extension_name(ext_type)}, which we did not ask for")


def check_request_extensions(msg, message_type: HandshakeType, what: str) -> None:
    """RFC 8446 4.2 for a CertificateRequest or NewSessionTicket: a recognised
    extension that does not belong in it is illegal_parameter; unknown ones are
    ignored (4.3.2, 4.6.1)."""
    allowed = ALLOWED_EXTENSIONS_TLS13[message_type]
    for ext_type, _ in msg.extensions:
        if ext_type in KNOWN_EXTENSIONS_TLS13 and ext_type not in allowed:
            raise TLSError(AlertDescription.illegal_parameter, f"{what} carries extension {extension_name(ext_type)}, which does not belong there")


def check_finished(expected: bytes, received: bytes, who: str) -> None:
    """Finished verify_data must match, compared in constant time (RFC 8446 4.4.4).  A
    verify_data of the wrong length does not decode (decode_error, OpenSSL's
    BAD_DIGEST_LENGTH); one of the right length that differs is decrypt_error."""
    if len(received) != len(expected):
        raise TLSError(AlertDescription.decode_error, f"the {who}'s Finished is {len(received)} bytes, not {len(expected)}", "BAD_DIGEST_LENGTH")
    if not hmac.compare_digest(expected, received):
        raise TLSError(AlertDescription.decrypt_error, f"the {who}'s Finished does not verify (wrong verify_data)", "DIGEST_CHECK_FAILED")


#: Names for errors; the ones below TLS 1.2 only ever appear in a refusal.
_VERSION_NAMES = {ProtocolVersion.TLS13: "TLS 1.3", ProtocolVersion.TLS12: "TLS 1.2", 0x0302: "TLS 1.1", 0x0301: "TLS 1.0", 0x0300: "SSL 3.0"}


def version_name(v: int) -> str:
    try:
        return _VERSION_NAMES[v]
    except KeyError:
        return f"0x{v:04x}"


#: DER -> a certificate that parsed completely: Go's certCache (crypto/tls/cache.go).
#: A peer sends the same chain on every connection, and the forced parse below costs
#: ~40 us a certificate (a third of a client's Python work in a full handshake).  A
#: certificate is immutable, so every connection may share one; only clean parses go in.
#: Every peer's certificates come here before verification, so the table is bounded by
#: its DER bytes as well as its entries, and a certificate larger than any ordinary one
#: is never kept: a parsed name takes up to ~50x its DER (thousands of one-letter
#: attributes), and a hostile peer's 200 KB certificates held ~10 MiB each after their
#: connections had closed (Go's cache drops an entry with its last connection).
_PARSED: dict[bytes, x509.Certificate] = {}
_PARSED_MAX = 256
_PARSED_BYTES_MAX = 512 * 1024
_PARSED_ENTRY_MAX = 16 * 1024
_parsed_bytes = 0
_parsed_lock = fork_safe_lock()


def client_certificates_allow_resumption(config, state, now: float, deferred: bool = False) -> bool:
    """Whether a session's client certificates fit the server's policy today (Go's
    checkForResumption): a resumed handshake carries them over unverified, so a session
    must not skip a certificate now required, keep one the server no longer takes, carry
    an expired one, or one never verified to a server that now verifies.  ``deferred``:
    the server asks for certificates after the handshake (post-handshake auth), so a
    session without them skips nothing."""
    has_certificates = bool(state.peer_certificates)
    mode = config.client_auth
    if not has_certificates:
        return deferred or mode not in (ClientAuthType.RequireAnyClientCert, ClientAuthType.RequireAndVerifyClientCert)
    if mode == ClientAuthType.NoClientCert:
        return False
    if mode >= ClientAuthType.VerifyClientCertIfGiven:
        if not state.peer_verified:
            return False
        store = config.client_ca_store if config.client_ca_store is not None else config.trust_store
        return verified_chain_still_valid(store, state.verified_chain, now)
    try:
        leaf = x509.load_der_x509_certificate(state.peer_certificates[0])
        return now <= leaf.not_valid_after_utc.timestamp()
    except _PARSE_ERRORS:
        return False  # one taken unparsed (see check_certificates_parse): a full handshake


def verified_chain_still_valid(store, chain_der: list[bytes], now: float) -> bool:
    """Whether a session's verified chain (leaf to anchor) would still do today: every
    certificate within its validity period, and the anchor trusted by the store in force
    now.  A resumed handshake skips verification, so a session must not outlive a CA the
    configuration stopped trusting or an intermediate that expired (Go's
    anyValidVerifiedChain, the fix of CVE-2025-68121, on both sides)."""
    if not chain_der:
        return False
    if store is None:
        store = verify.default_trust_store()  # the store a full handshake would use (Config: None)
    try:
        certs = [_parse_certificate(der) for der in chain_der]
    except _PARSE_ERRORS:
        return False
    for cert in certs:
        if not cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
            return False
    return store.trusts_anchor(certs[-1])


_PARSE_ERRORS = auth.CERT_PARSE_ERRORS


def _parse_certificate(der: bytes) -> x509.Certificate:
    global _parsed_bytes
    cert = _PARSED.get(der)
    if cert is None:
        cert = x509.load_der_x509_certificate(der)
        cert.subject, cert.issuer, cert.public_key(), cert.extensions  # noqa: B018 - force the parse
        if len(der) <= _PARSED_ENTRY_MAX:
            with _parsed_lock:  # (misses only: readers take the dict as it is)
                if len(_PARSED) >= _PARSED_MAX or _parsed_bytes + len(der) > _PARSED_BYTES_MAX:
                    _PARSED.clear()
                    _parsed_bytes = 0
                if der not in _PARSED:
                    _PARSED[der] = cert
                    _parsed_bytes += len(der)
    return cert


def check_certificates_parse(
    chain_der: list[bytes], who: str, verifying: bool = True
) -> list[x509.Certificate | auth.CertificateKey]:
    """Parse the chain, refusing what cryptography parses only lazily (a damaged subject,
    issuer, key or extension would otherwise surface as a ValueError deep in
    verification): bad_certificate.  Returns the parsed certificates, leaf first.

    ``verifying=False``: the chain will not be verified (a client with verification
    off, a server that asks for certificates without verifying them), so as OpenSSL
    it need not parse in full: a certificate ``cryptography`` refuses (a
    PrintableString with ``*``, an empty RDN, an IP SAN of 5 bytes...) need only have
    the outline of one (RFC 5280 4.1, read with a strict DER walk), and for the leaf
    an ``auth.CertificateKey`` with its public key stands in for it; anything else
    is still bad_certificate."""
    chain: list[x509.Certificate | auth.CertificateKey] = []
    for i, der in enumerate(chain_der):
        der = bytes(der)
        try:
            chain.append(_parse_certificate(der))
            continue
        except _PARSE_ERRORS as exc:
            # Found by the atheris client_encrypted target: DuplicateExtension is not a
            # ValueError, and a name attribute of BIT STRING type under any OID but
            # x500UniqueIdentifier is a TypeError from cryptography's Name.
            error: BaseException = exc
        except UnsupportedAlgorithm as exc:
            if verifying or i == 0:
                raise TLSError(AlertDescription.unsupported_certificate, f"unsupported {who} certificate key: {exc}") from None
            error = exc  # a CA's key type we will never use
        if verifying:
            raise TLSError(AlertDescription.bad_certificate, f"failed to parse the {who} certificate: {error!r}") from None
        try:
            chain.append(auth.certificate_key(der, load_key=i == 0))
        except (ValueError, TypeError) as exc:
            raise TLSError(AlertDescription.bad_certificate, f"failed to parse the {who} certificate: {error!r} ({exc})") from None
        except UnsupportedAlgorithm as exc:
            raise TLSError(AlertDescription.unsupported_certificate, f"unsupported {who} certificate key: {exc}") from None
    return chain


def choose_client_certificate(config, info: CertificateRequestInfo) -> tuple[CertifiedKey | None, int | None]:
    """The client's certificate for a CertificateRequest and the scheme it signs with, or
    (None, None) to send none (Go's ``getClientCertificate``): what
    ``Config.get_client_certificate`` returns, else the first of ``Config.certificates``
    the request supports (a fitting key, and an issuer among the CAs it names, if any).

    Unlike Go, when the server named CAs and none of our chains matches, the first
    certificate whose key fits still goes, as OpenSSL's client sends it: the server
    decides (a list that misses a cross-signed root, say, does not lose the
    certificate), and ``ssl`` code that loaded one certificate keeps sending it.  Go's
    strict choice is ``get_client_certificate`` returning the first that
    ``info.supports_certificate``, else None."""
    if config.get_client_certificate is not None:
        cert = config.get_client_certificate(info)
        if cert is None:
            return None, None
        if not isinstance(cert, CertifiedKey):
            raise TLSError(AlertDescription.internal_error, f"get_client_certificate returned {type(cert).__name__}, not a CertifiedKey or None")
        scheme = info.signature_scheme_for(cert)
        if scheme is None:
            # As Go: the callback's choice cannot answer this request.
            raise TLSError(
                AlertDescription.handshake_failure,
                f"the client certificate get_client_certificate chose ({cert.key_type}) cannot sign with a scheme the server accepts",
            )
        return cert, scheme
    fallback: tuple[CertifiedKey | None, int | None] = (None, None)
    for cert in config.certificates:
        scheme = info.signature_scheme_for(cert)
        if scheme is None:
            continue
        if info.named_ca_issued(cert):
            return cert, scheme
        if fallback[0] is None:
            fallback = cert, scheme
    return fallback


#: OpenSSL's X509_V_ERR_APPLICATION_VERIFICATION: what ``verify_code`` says when the
#: application's own check refused the peer.
APPLICATION_VERIFICATION = 50


def _application_check(what: str, fn, *args) -> None:
    try:
        fn(*args)
    except Exception as exc:
        # Go: c.sendAlert(alertBadCertificate) and the callback's error.
        raise SSLCertVerificationError(
            AlertDescription.bad_certificate, f"{what} refused the peer: {exc}",
            verify_code=APPLICATION_VERIFICATION, verify_message="application verification failure",
        ) from exc


def verify_peer_certificate_hook(config, raw_certs: list[bytes], verified_chain: list) -> None:
    """``Config.verify_peer_certificate`` (Go's VerifyPeerCertificate), if set."""
    if config.verify_peer_certificate is not None:
        _application_check("verify_peer_certificate", config.verify_peer_certificate, list(raw_certs), [list(verified_chain)] if verified_chain else [])


def verify_hooks(conn, config, peer_certificate: bool) -> None:
    """The application's checks of the peer, once the usual ones passed and the peer
    proved its key: ``verify_peer_certificate`` when ``peer_certificate`` (a full
    handshake whose certificates were asked for), then ``verify_connection`` (every
    handshake).  Go calls both before the peer's signature is checked; here a callback
    never sees a certificate whose key the peer has not shown it holds."""
    if peer_certificate:
        verify_peer_certificate_hook(config, conn.peer_certificates, conn.verified_chain)
    if config.verify_connection is not None:
        state = conn.connection_state()
        if any(isinstance(c, auth.CertificateKey) for c in state.peer_certificates):
            # The hook is promised cryptography certificates (Go's x509.Certificate): one it
            # will not parse (taken unverified, see check_certificates_parse) cannot be shown.
            raise TLSError(
                AlertDescription.bad_certificate,
                "verify_connection needs the peer's certificates parsed, and cryptography cannot parse one",
            )
        _application_check("verify_connection", config.verify_connection, state)


#: OpenSSL's PSK_MAX_IDENTITY_LEN and PSK_MAX_PSK_LEN: the longest external PSK identity
#: and key its callbacks take.
MAX_PSK_IDENTITY = 256
MAX_EXTERNAL_PSK = 512
#: The hash of an external PSK: SHA-256, the default of RFC 8446 4.2.11 and what OpenSSL
#: gives the keys of its PSK callbacks, so only SHA-256 suites can use one.
EXTERNAL_PSK_HASH = hashes.SHA256()


def client_external_psk(config) -> tuple[bytes, bytes] | None:
    """The external PSK to offer, ``(identity, key)``, from ``Config.psk_client_callback``
    (RFC 8446 2.2); None offers none: no callback, or it returned an empty key."""
    callback = config.psk_client_callback
    if callback is None:
        return None
    try:
        identity, key = callback(None)  # TLS 1.3 has no identity hint
        key = bytes(memoryview(key))  # a buffer: bytes(32) or bytes(True) would be a zero key
        if identity is not None and not isinstance(identity, (str, bytes)):
            raise TypeError(f"the PSK identity must be a str or None, not {type(identity).__name__}")
    except Exception as exc:
        raise TLSError(AlertDescription.internal_error, f"psk_client_callback failed: {exc!r}") from exc
    if not key:
        return None
    if not identity:
        raise TLSError(AlertDescription.internal_error, "psk_client_callback gave no identity: TLS 1.3 needs a non-empty PSK identity")
    try:
        raw = identity.encode("utf-8") if isinstance(identity, str) else identity
    except UnicodeEncodeError:
        return None  # as ssl: no PSK (an identity OpenSSL cannot take)
    if len(raw) > MAX_PSK_IDENTITY or len(key) > MAX_EXTERNAL_PSK:
        return None  # as ssl: OpenSSL's callback refuses it, and the handshake goes on without
    return raw, key


def server_external_psk(config, identity: bytes) -> bytes | None:
    """The key ``Config.psk_server_callback`` holds for a PSK identity the client offered,
    or None.  Identities that are not UTF-8, or too long, are nobody's (a ticket, say)."""
    if len(identity) > MAX_PSK_IDENTITY:
        return None
    try:
        name = identity.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        key = bytes(memoryview(config.psk_server_callback(name)))  # a buffer, never bytes(True)
    except Exception as exc:
        raise TLSError(AlertDescription.internal_error, f"psk_server_callback failed: {exc!r}") from exc
    if len(key) > MAX_EXTERNAL_PSK:
        return None  # as ssl: OpenSSL's callback refuses it, and the identity goes unknown
    return key or None


def no_client_certificate(alert: int) -> TLSError:
    """A server requiring a client certificate got none: ``alert`` (certificate_required in TLS
    1.3, handshake_failure in TLS 1.2) with OpenSSL's reason, as ssl reports it."""
    return TLSError(
        alert, "peer did not return a certificate: client did not provide a certificate", openssl_reason="PEER_DID_NOT_RETURN_A_CERTIFICATE"
    )


def sni_host(ch) -> str | None:
    """The ClientHello's server_name without the one trailing dot a client may send.

    RFC 6066 section 3 sends the name without it, but Python's ssl and OpenSSL clients send
    ``server_hostname="localhost."`` as given and OpenSSL's server takes it; the name we
    select certificates by, show callbacks and record is the host name itself.  The
    message keeps what was sent (ssl's sni_callback gets that)."""
    name = ch.server_name
    return name[:-1] if name and name.endswith(".") else name


def same_server_name(state, ch) -> bool:
    """RFC 6066 section 3: a server "MUST NOT accept the request to resume the session if
    the server_name extension contains a different name" (case-insensitive, as DNS
    names compare).  A session made for one virtual host gets a full handshake under
    another, where the certificate is chosen for the name asked for.  OpenSSL and Go
    resume it (OpenSSL only refuses it early data)."""
    return state.server_name.lower() == (sni_host(ch) or "").lower()


class ClientHelloKept:
    """What a server still needs of the ClientHello once its flight is out: the name
    (for tickets and the session cache), psk_modes (TLS 1.3 tickets) and
    post_handshake_auth.

    A 64 KiB ClientHello of 30,000 signature schemes or unknown extensions parses into
    ~1.3 MB of Python lists; held while a client takes its time to answer, that let
    pending handshakes cost 8-13 times what OpenSSL's do.  Stands in for the message
    (``sni_host`` takes it too)."""

    __slots__ = ("server_name", "session_id", "psk_modes", "post_handshake_auth")

    def __init__(self, ch) -> None:
        self.server_name = ch.server_name
        self.session_id = ch.session_id
        self.psk_modes = tuple(ch.psk_modes)
        self.post_handshake_auth = ch.post_handshake_auth


def client_hello_info(ch, conn) -> ClientHelloInfo:
    return ClientHelloInfo(
        sni_host(ch), list(ch.cipher_suites), list(ch.supported_groups), list(ch.signature_algorithms),
        list(ch.alpn_protocols), list(ch.supported_versions), conn,
    )


def rank_certificates(fits: list[tuple[Any, int]], config, ch) -> list[tuple[Any, int]]:
    """Order the ``(certificate, scheme)`` pairs that fit the client by
    ``Config.certificate_choice``: as :func:`certificate_candidates` gave them (``"order"``),
    or, after those naming the SNI host, by the client's preference for each one's scheme
    (``"client"``) or by OpenSSL's default order (``"server"``).  Stable: ties keep their order."""
    choice = config.certificate_choice
    if choice == "order" or len(fits) < 2:
        return list(fits)
    if choice not in ("client", "server"):
        raise ValueError(f"Config.certificate_choice must be 'order', 'client' or 'server', not {choice!r}")
    order = list(ch.signature_algorithms) if choice == "client" else auth.OPENSSL_SIGNATURE_ORDER
    rank = {s: i for i, s in reversed(list(enumerate(order)))}
    host = sni_host(ch)

    def key(fit: tuple[Any, int]) -> tuple[bool, int]:
        named = bool(host) and getattr(fit[0], "matches_name", lambda h: False)(host)
        return (not named, rank.get(fit[1], len(rank)))

    return sorted(fits, key=key)


def certificate_candidates(config, ch, conn) -> list:
    """The server's certificates to try, in order (Go's getCertificate): the one
    ``Config.get_certificate`` returns, else those whose names match the SNI
    first, then the rest.  Both versions then take the first that fits."""
    if config.get_certificate is not None:
        cert = config.get_certificate(client_hello_info(ch, conn))
        if cert is not None:
            return [cert]
    certs = config.certificates
    if not certs:
        # As OpenSSL, which finds no suite it can use without a certificate: NO_SHARED_CIPHER,
        # handshake_failure.
        raise TLSError(
            AlertDescription.handshake_failure, "no shared cipher: no server certificate configured", openssl_reason="NO_SHARED_CIPHER"
        )
    host = sni_host(ch)
    named = [c for c in certs if host and c.matches_name(host)]
    return named + [c for c in certs if c not in named]

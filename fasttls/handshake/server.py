"""Server handshake, the part both versions share (Go's handshake_server.go).

readClientHello → pick the version → hand over to the TLS 1.3 or TLS 1.2
state machine.
"""

from __future__ import annotations

import operator

from .. import cipher_suites
from ..config import Config
from ..constants import AlertDescription, CipherSuite, ProtocolVersion
from ..errors import TLSError
from ..messages import handshake as m
from .common import Handshake, Steps, client_hello_info, sni_host, version_name
from .server12 import ServerHandshakeTLS12
from .server13 import ServerHandshakeTLS13

TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12


class ServerHandshake(Handshake):
    def __init__(self, conn) -> None:
        super().__init__(conn)
        self.state13 = None
        self.state12 = None

    def run(self) -> Steps:
        conn = self.conn
        ch = yield from self.read_message(m.ClientHello)
        self.client_hello_received = True
        conn.client_random = ch.random
        conn.server_name = sni_host(ch)
        # Only suites we know can be shared (shared_ciphers()): a client may list 30,000.
        conn.peer_cipher_suites = [s for s in ch.cipher_suites if cipher_suites.suite_by_id(s) is not None]
        self.call_get_config_for_client(ch)
        version = self.pick_version(ch)
        conn.version = version
        self.call_sni_callback(ch)
        if version == TLS13:
            self.state13 = ServerHandshakeTLS13(self, ch)
            del ch  # the state machine lets go of it once its flight is out (ClientHelloKept)
            yield from self.state13.run()
        else:
            conn.expect_record_version(0x0303)
            self.state12 = ServerHandshakeTLS12(self, ch)
            del ch
            yield from self.state12.run()

    def pick_version(self, ch: m.ClientHello) -> int:
        """RFC 8446 4.2.1: supported_versions when present, else legacy_version."""
        ours = self.config.versions()
        if ch.legacy_version <= 0x0300:
            # RFC 8446 appendix D.5: SSL 3.0 or older in legacy_version is protocol_version,
            # whatever supported_versions says.
            raise TLSError(AlertDescription.protocol_version, f"ClientHello with legacy_version 0x{ch.legacy_version:04x} (SSL 3.0 or older)")
        if ch.supported_versions:
            theirs = list(ch.supported_versions)
        else:
            # Without supported_versions the client speaks at most legacy_version (TLS 1.2 and below).
            theirs = [v for v in (TLS12, 0x0302, 0x0301, 0x0300) if v <= min(ch.legacy_version, TLS12)]
        if not ours:  # our own settings leave none: say so, as OpenSSL does
            raise TLSError(
                AlertDescription.protocol_version, "no protocols available: no TLS version enabled (minimum above maximum)", "NO_PROTOCOLS_AVAILABLE"
            )
        for v in ours:
            if v in theirs:
                version = v
                break
        else:
            offered = ", ".join(version_name(v) for v in theirs) or "none"
            raise TLSError(
                AlertDescription.protocol_version,
                f"unsupported protocol: client offered only versions we do not support ({offered})",
                openssl_reason="UNSUPPORTED_PROTOCOL",  # as ssl reports it (ssl_choose_server_version)
            )
        # RFC 7507: a client retrying with a lower version than we support is being downgraded.
        if CipherSuite.TLS_FALLBACK_SCSV in ch.cipher_suites and version < ours[0]:
            raise TLSError(AlertDescription.inappropriate_fallback, "client fell back to an older version than we support (TLS_FALLBACK_SCSV)")
        return version

    def call_get_config_for_client(self, ch: m.ClientHello) -> None:
        """Go's GetConfigForClient: the callback may hand over another Config for the rest."""
        cb = self.config.get_config_for_client
        if cb is None:
            return
        try:
            config = cb(client_hello_info(ch, self.connection()))
        except Exception as exc:
            raise TLSError(AlertDescription.internal_error, f"get_config_for_client failed: {exc!r}") from exc
        if config is None:
            return
        if not isinstance(config, Config):
            raise TLSError(AlertDescription.internal_error, f"get_config_for_client returned {type(config).__name__}, not a Config or None")
        self.config = self.conn.config = config

    def call_sni_callback(self, ch: m.ClientHello) -> None:
        """ssl's sni_callback: may switch the configuration, or name an alert to fail with.
        It gets the name as the client sent it, a trailing dot included, as ssl's does."""
        cb = self.config.sni_callback
        if cb is None:
            return
        result = cb(self.connection(), ch.server_name)
        if result is not None:  # _ssl.c _servername_callback: 0 and False are alerts too
            try:
                alert = AlertDescription(operator.index(result))
            except (TypeError, ValueError):  # not an alert we can send (ssl sends any number)
                alert = AlertDescription.internal_error
            # OpenSSL's final_server_name: SSL_R_CALLBACK_FAILED, whichever alert it sends.
            raise TLSError(alert, f"the SNI callback refused server name {ch.server_name!r} (it returned {result!r})", "CALLBACK_FAILED")
        # The callback may have replaced conn.config (SSLSocket.context = other_context).
        self.config = self.conn.config

    def export_keying_material(self, conn, label, context, length) -> bytes:
        state = self.state13 or self.state12
        return state.export_keying_material(conn, label, context, length)

"""Config checks what it is given (a Go-API probe): a wrong type or value failed later, in
some handshake, as internal_error (on a server, at the first client), or was taken as
something else.  The worst: ``client_auth=ssl.CERT_REQUIRED`` is 2, Go's
RequireAnyClientCert, which asks for a certificate and never verifies it."""

from __future__ import annotations

import ssl
import sys

import pytest

from fasttls.config import ClientAuthType, Config
from fasttls.constants import NamedGroup, ProtocolVersion
from fasttls.keylog import KeyLogFile

BAD = [
    ({"client_auth": ssl.CERT_REQUIRED}, TypeError, "not ssl.CERT_REQUIRED"),
    ({"client_auth": ssl.CERT_OPTIONAL}, TypeError, "VerifyClientCertIfGiven"),
    ({"client_auth": 7}, ValueError, "none of Go's five modes"),
    ({"client_auth": "require"}, TypeError, "ClientAuthType"),
    ({"crl_check": "CHAIN"}, ValueError, "crl_check"),  # was taken as "leaf"
    ({"crl_check": "full"}, ValueError, "crl_check"),
    ({"alpn_protocols": "h2"}, TypeError, "list of str"),  # was sent as "h" and "2"
    ({"alpn_protocols": [b"h2"]}, TypeError, "str protocol names"),
    ({"alpn_protocols": [""]}, ValueError, "1 to 255 bytes"),
    ({"groups": ["X25519"]}, TypeError, "group IDs"),
    ({"groups": [0x9999]}, ValueError, "0x9999 is not a group"),  # was offered to peers
    ({"key_share_groups": [0x9999]}, ValueError, "0x9999"),
    ({"cipher_suites_tls13": [0x1305]}, ValueError, "TLS 1.3 cipher suite"),
    ({"cipher_suites_tls12": [0x002F]}, ValueError, "TLS 1.2 cipher suite"),  # CBC: not ours
    ({"certificates": "cert.pem"}, TypeError, "list of CertifiedKey"),
    ({"certificates": ["x"]}, TypeError, "CertifiedKey objects"),
    ({"trust_store": "ca.crt"}, TypeError, "TrustStore"),
    ({"client_ca_store": "ca.crt"}, TypeError, "TrustStore"),
    ({"ticket_lifetime": -1}, ValueError, "ticket_lifetime"),  # was a struct.error
    ({"ticket_keys": None}, TypeError, "TicketKeys"),
    ({"verify_time": 12345}, TypeError, "callable"),
    ({"keylog": "/tmp/keys.txt"}, TypeError, "KeyLogFile"),  # wrote nothing, said nothing
    ({"tracer": 1}, TypeError, "callable"),
    ({"max_version": 0x0301}, ValueError, "TLS12 or TLS13"),
    ({"max_warning_alerts": 2.5}, TypeError, "takes an int"),
    ({"security_level": 9}, ValueError, "security_level"),
    ({"certificate_choice": "strength"}, ValueError, "certificate_choice"),
    ({"max_handshake_message": 0}, ValueError, "at least 1"),
]


@pytest.mark.parametrize("kw, exc, text", BAD, ids=[next(iter(k)) + "=" + repr(next(iter(k.values()))) for k, _, _ in BAD])
def test_a_bad_setting_fails_where_it_is_given(kw, exc, text):
    with pytest.raises(exc, match=text.replace("(", r"\(").replace(")", r"\)")):
        Config(**kw)
    if len(kw) == 1:  # set on an existing Config: the same check
        (name, value), = kw.items()
        cfg = Config()
        with pytest.raises(exc):
            setattr(cfg, name, value)


def test_good_settings_are_taken_as_given(tmp_path):
    cfg = Config(
        client_auth=4,
        alpn_protocols=("h2", "http/1.1"),
        groups=[NamedGroup.x25519, NamedGroup.secp256r1],
        key_share_groups=None,
        crl_check="chain",
        keylog=KeyLogFile(str(tmp_path / "keys")),
        min_version=ProtocolVersion.TLS13,
    )
    assert cfg.client_auth is ClientAuthType.RequireAndVerifyClientCert
    assert cfg.alpn_protocols == ["h2", "http/1.1"] and cfg.groups == [NamedGroup.x25519, NamedGroup.secp256r1]
    cfg.client_auth = ClientAuthType.VerifyClientCertIfGiven
    cfg.max_version = ProtocolVersion.TLS13
    assert cfg.client_auth == 3


def test_a_context_whose_versions_conflict_fails_at_the_handshake_as_ssl():
    """The minimum-above-maximum check is Config's, for its own users: an SSLContext whose
    settings leave no version (a TLS 1.3 minimum with OP_NO_TLSv1_3) fails at the
    handshake with ssl's NO_PROTOCOLS_AVAILABLE, sending nothing, as ssl's does; the
    check made wrap_socket raise ValueError (a review)."""
    import socket
    import warnings

    import fasttls

    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = fasttls.TLSVersion.TLSv1_3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.options |= fasttls.OP_NO_TLSv1_3
    a, b = socket.socketpair()
    with a, b:
        b.settimeout(5)
        tls = ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
        with pytest.raises(ssl.SSLError) as info:
            tls.do_handshake()
        assert info.value.reason == "NO_PROTOCOLS_AVAILABLE"
        b.setblocking(False)
        with pytest.raises(BlockingIOError):
            b.recv(100)  # no ClientHello, no alert


def test_checked_lists_stay_the_callers_and_limits_and_ssl_versions_are_taken():
    """The checks keep what worked before them (a review): a list given to Config is the
    one used (filled later, it is seen), a limit may be math.inf, and ssl.TLSVersion's
    bounds mean TLS 1.2 and 1.3 as on an SSLContext."""
    import math

    certificates: list = []
    cfg = Config(certificates=certificates, max_warning_alerts=math.inf, min_version=ssl.TLSVersion.MINIMUM_SUPPORTED)
    assert cfg.certificates is certificates and cfg.max_warning_alerts == sys.maxsize
    assert cfg.min_version == ProtocolVersion.TLS12
    cfg.min_version = ProtocolVersion.TLS10  # an older minimum means TLS 1.2, as on a context
    assert cfg.min_version == ProtocolVersion.TLS12
    cfg.max_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    assert cfg.max_version == ProtocolVersion.TLS13
    with pytest.raises(ValueError):
        cfg.max_version = ssl.TLSVersion.TLSv1_1


@pytest.mark.parametrize("side", ["client", "server"])
def test_a_config_with_no_version_fails_at_the_handshake(pki, twin, side):
    """A minimum above the maximum is refused at the handshake, NO_PROTOCOLS_AVAILABLE as
    OpenSSL's (a check in the Config failed copies of a context's config: a review); an
    unlimited limit (math.inf) works on both record twins."""
    import math

    from fasttls.connection import Connection
    from fasttls.errors import TLSError

    none = {"min_version": ProtocolVersion.TLS13, "max_version": ProtocolVersion.TLS12}
    cc = Config(trust_store=pki.store, max_empty_records=math.inf, **(none if side == "client" else {}))
    sc = Config(certificates=[pki.server()], max_empty_records=math.inf, **(none if side == "server" else {}))
    c = Connection(cc, server_side=False, server_hostname="localhost", twin=twin)
    s = Connection(sc, server_side=True, twin=twin)
    with pytest.raises(TLSError) as info:
        c.start()
        s.start()
        s.receive_data(c.data_to_send())
    assert info.value.reason == "NO_PROTOCOLS_AVAILABLE"
    if side == "client":
        assert c.data_to_send() == b""  # nothing sent, as OpenSSL


def test_unlimited_limits_work_on_both_twins(pki, twin):
    import math

    from .pairs import do_handshake, exchange, make_pair

    limits = {"max_empty_records": math.inf, "max_key_updates": math.inf, "max_warning_alerts": math.inf}
    c, s = make_pair(Config(trust_store=pki.store, **limits), Config(certificates=[pki.server()], **limits), twin=twin)
    do_handshake(c, s)
    assert exchange(c, s, b"unlimited") == b"unlimited"

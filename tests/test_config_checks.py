"""Config checks what it is given (a Go-API probe): a wrong type or value failed later, in
some handshake, as internal_error (on a server, at the first client), or was taken as
something else.  The worst: ``client_auth=ssl.CERT_REQUIRED`` is 2, Go's
RequireAnyClientCert, which asks for a certificate and never verifies it."""

from __future__ import annotations

import ssl

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
    ({"min_version": ProtocolVersion.TLS13, "max_version": ProtocolVersion.TLS12}, ValueError, "above max_version"),
    ({"min_version": 0x0301}, ValueError, "TLS12 or TLS13"),
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

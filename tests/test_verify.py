"""Certificate verification, its errors (compared with Python's ssl), getpeercert dicts, trust stores."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID, ObjectIdentifier

import fasttls
from fasttls import verify
from fasttls.constants import AlertDescription
from fasttls.errors import SSLCertVerificationError, TLSError
from fasttls.verify import TrustStore, peer_certificate_dict, verify_client_chain, verify_server_chain

from . import pki

D = datetime.timedelta


class PKI:
    """A root, an intermediate, and leaves with one defect each (made once per module)."""

    def __init__(self) -> None:
        now = pki.utcnow()
        self.root = pki.make_ca("fasttls verify root")
        self.inter = pki.make_ca("fasttls verify intermediate", issuer=self.root)
        self.store = TrustStore([self.root.cert])
        mk = pki.make_leaf
        self.leaf = mk(self.inter)
        self.wildcard = mk(self.inter, ["*.example.test", "example.test"])
        self.expired = mk(self.inter, not_before=now - D(days=10), not_after=now - D(days=1))
        self.not_yet = mk(self.inter, not_before=now + D(days=1), not_after=now + D(days=10))
        self.other_root = pki.make_ca("some other root")
        self.unknown_ca = mk(self.other_root)
        other_inter = pki.make_ca("other intermediate", issuer=self.other_root)
        sent_root = mk(other_inter)
        sent_root.chain = sent_root.chain + [self.other_root.cert]  # the server also sends its (untrusted) root
        self.untrusted_root_sent = sent_root
        self.self_signed = pki.make_self_signed()
        self.client_only = mk(self.inter, client=True)
        self.no_san = mk(self.inter, san=False, common_name="localhost")
        self.no_aki = mk(self.inter, aki=False)
        self.expired_inter = mk(pki.make_ca("expired intermediate", issuer=self.root, not_before=now - D(days=9), not_after=now - D(days=2)))
        self.client_ca_eku = mk(pki.make_ca("clientAuth-only intermediate", issuer=self.root, eku=[ExtendedKeyUsageOID.CLIENT_AUTH]))
        self.ca_no_certsign = mk(pki.make_ca("no keyCertSign", issuer=self.root, key_cert_sign=False))
        self.path_len = mk(pki.make_ca("below", issuer=pki.make_ca("pathlen 0", issuer=self.root, path_length=0)))
        self.client = mk(self.inter, ["client.fasttls.test"], client=True)
        self.client_no_san = mk(self.inter, client=True, san=False, common_name="a client")
        self.ed25519 = mk(self.inter, key_type="ed25519")
        self.rsa = mk(self.inter, key_type="rsa-2048")


@pytest.fixture(scope="module")
def p() -> PKI:
    return PKI()


def expect(code: int, alert: AlertDescription, fn, *args, message: str | None = None, **kw) -> SSLCertVerificationError:
    with pytest.raises(SSLCertVerificationError) as e:
        fn(*args, **kw)
    err = e.value
    assert (err.verify_code, err.alert) == (code, alert), (err.verify_code, err.verify_message, err.alert)
    assert isinstance(err, ssl.SSLCertVerificationError) and isinstance(err, ssl.SSLError)
    if message is not None:
        assert err.verify_message == message
        assert message in str(err)
    return err


# ----------------------------------------------------------------- valid chains


def test_valid_chain_with_intermediate(p):
    path = verify_server_chain(p.leaf.chain, p.store, "localhost")
    assert path == [p.leaf.cert, p.inter.cert, p.root.cert]
    for host in ("127.0.0.1", "::1", "[::1]", "LOCALHOST", "localhost.", "0:0:0:0:0:0:0:1"):
        assert verify_server_chain(p.leaf.chain, p.store, host) == path
    for leaf in (p.ed25519, p.rsa, p.no_aki):
        assert verify_server_chain(leaf.chain, p.store, "localhost")[0] == leaf.cert


def test_wildcard_names(p):
    for host in ("a.example.test", "example.test", "B.Example.Test"):
        verify_server_chain(p.wildcard.chain, p.store, host)
    for host in ("a.b.example.test", "example.testx", "other.test"):
        expect(62, AlertDescription.bad_certificate, verify_server_chain, p.wildcard.chain, p.store, host,
               message=f"Hostname mismatch, certificate is not valid for '{host}'.")


def test_hostname_mismatch(p):
    expect(62, AlertDescription.bad_certificate, verify_server_chain, p.leaf.chain, p.store, "example.com",
           message="Hostname mismatch, certificate is not valid for 'example.com'.")
    expect(64, AlertDescription.bad_certificate, verify_server_chain, p.leaf.chain, p.store, "127.0.0.2",
           message="IP address mismatch, certificate is not valid for '127.0.0.2'.")
    expect(64, AlertDescription.bad_certificate, verify_server_chain, p.leaf.chain, p.store, "::2",
           message="IP address mismatch, certificate is not valid for '::2'.")
    # An IP literal never matches a DNS SAN spelling it, nor the reverse.
    ip_as_dns = pki.make_leaf(p.inter, [x509.DNSName("127.0.0.1")])
    expect(64, AlertDescription.bad_certificate, verify_server_chain, ip_as_dns.chain, p.store, "127.0.0.1")
    # No subjectAltName: the CN is not used (Go's rule, not OpenSSL's fallback).
    expect(62, AlertDescription.bad_certificate, verify_server_chain, p.no_san.chain, p.store, "localhost")


def test_check_hostname_off(p):
    # The chain is still verified for server use, with any or no SAN.
    assert verify_server_chain(p.leaf.chain, p.store, None) == [p.leaf.cert, p.inter.cert, p.root.cert]
    verify_server_chain(p.wildcard.chain, p.store, None)
    verify_server_chain(p.no_san.chain, p.store, None)
    expect(10, AlertDescription.certificate_expired, verify_server_chain, p.expired.chain, p.store, None)
    expect(20, AlertDescription.unknown_ca, verify_server_chain, p.unknown_ca.chain, p.store, None)
    expect(26, AlertDescription.unsupported_certificate, verify_server_chain, p.client_only.chain, p.store, None)
    expect(26, AlertDescription.unsupported_certificate, verify_server_chain, p.client_ca_eku.chain, p.store, None)


# ----------------------------------------------------------------- chain failures


def test_validity_periods(p):
    expect(10, AlertDescription.certificate_expired, verify_server_chain, p.expired.chain, p.store, "localhost",
           message="certificate has expired")
    expect(9, AlertDescription.bad_certificate, verify_server_chain, p.not_yet.chain, p.store, "localhost",
           message="certificate is not yet valid")
    expect(10, AlertDescription.certificate_expired, verify_server_chain, p.expired_inter.chain, p.store, "localhost")
    # The verification time is a parameter: the valid leaf is expired in 60 days, not yet valid 2 days ago.
    later, earlier = pki.utcnow() + D(days=60), pki.utcnow() - D(days=2)
    expect(10, AlertDescription.certificate_expired, verify_server_chain, p.leaf.chain, p.store, "localhost", now=later)
    expect(9, AlertDescription.bad_certificate, verify_server_chain, p.leaf.chain, p.store, "localhost", now=earlier)
    expect(10, AlertDescription.certificate_expired, verify_client_chain, p.client.chain, p.store, now=later)
    # Any time inside every validity period verifies (naive datetimes are UTC).
    then = (pki.utcnow() + D(days=10)).replace(tzinfo=None)
    verify_server_chain(p.leaf.chain, p.store, "localhost", now=then)


def test_untrusted_chains(p):
    expect(20, AlertDescription.unknown_ca, verify_server_chain, p.unknown_ca.chain, p.store, "localhost",
           message="unable to get local issuer certificate")
    expect(18, AlertDescription.unknown_ca, verify_server_chain, p.self_signed.chain, p.store, "localhost",
           message="self-signed certificate")
    expect(19, AlertDescription.unknown_ca, verify_server_chain, p.untrusted_root_sent.chain, p.store, "localhost",
           message="self-signed certificate in certificate chain")
    # The intermediate left out of the chain: the issuer cannot be found.
    expect(20, AlertDescription.unknown_ca, verify_server_chain, [p.leaf.cert], p.store, "localhost")
    # An empty store trusts nothing.
    expect(20, AlertDescription.unknown_ca, verify_server_chain, p.leaf.chain, TrustStore(), "localhost")
    # The intermediate alone as the anchor is enough (partial chains), as in cryptography and Go.
    assert verify_server_chain(p.leaf.chain, TrustStore([p.inter.cert]), "localhost") == [p.leaf.cert, p.inter.cert]


def test_ca_constraints(p):
    expect(79, AlertDescription.unknown_ca, verify_server_chain, p.ca_no_certsign.chain, p.store, "localhost",
           message="invalid CA certificate")
    expect(25, AlertDescription.unknown_ca, verify_server_chain, p.path_len.chain, p.store, "localhost",
           message="path length constraint exceeded")
    expect(26, AlertDescription.unsupported_certificate, verify_server_chain, p.client_only.chain, p.store, "localhost",
           message="unsuitable certificate purpose")


def test_pinned_self_signed_certificates(p):
    # A self-signed leaf trusted directly verifies as its own chain, even marked cA=TRUE (openssl req -x509).
    ss = p.self_signed
    assert verify_server_chain(ss.chain, TrustStore([ss.cert]), "localhost") == [ss.cert]
    ss_ca = pki.make_self_signed(ca=True)
    assert verify_server_chain(ss_ca.chain, TrustStore([ss_ca.cert]), "127.0.0.1") == [ss_ca.cert]
    expect(62, AlertDescription.bad_certificate, verify_server_chain, ss_ca.chain, TrustStore([ss_ca.cert]), "example.com")
    # A CA certificate whose keyUsage allows TLS may serve as a leaf, as in OpenSSL, with
    # VERIFY_X509_STRICT too (it has a critical basicConstraints and a keyUsage; see
    # test_chains_found_by_a_path_building_probe_as_in_ssl).
    assert verify_server_chain([p.inter.cert], p.store, None) == [p.inter.cert, p.root.cert]
    assert verify_server_chain([p.inter.cert], p.store, None, strict=True) == [p.inter.cert, p.root.cert]


def test_client_chains(p):
    path = verify_client_chain(p.client.chain, p.store)
    assert path == [p.client.cert, p.inter.cert, p.root.cert]
    verify_client_chain(p.client_no_san.chain, p.store)  # client certificates need no SAN
    expect(26, AlertDescription.unsupported_certificate, verify_client_chain, p.leaf.chain, p.store)
    expect(20, AlertDescription.unknown_ca, verify_client_chain, p.unknown_ca.chain, p.store)
    with pytest.raises(TLSError) as e:
        verify_client_chain([], p.store)
    assert e.value.alert == AlertDescription.certificate_required
    with pytest.raises(TLSError) as e:
        verify_server_chain([], p.store, "localhost")
    assert e.value.alert == AlertDescription.decode_error


# ----------------------------------------------------------------- same codes as Python's ssl


@contextlib.contextmanager
def _with_peer(peer):
    """One end of a socketpair, while ``peer(other_end)`` runs in a thread (its TLS errors
    are the test's business, not the thread's); both ends closed afterwards."""
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)

    def run() -> None:
        try:
            peer(b)
        except (ssl.SSLError, OSError):
            pass

    t = threading.Thread(target=run)
    t.start()
    try:
        yield a
    finally:
        a.close()
        b.close()
        t.join(10)


def _ssl_server_socket(issued, tmp_path, server_level: int | None = None):
    """A socket whose other end is Python's ssl serving ``issued`` (closed afterwards);
    ``server_level`` lowers the server's security level (to serve a SHA-1 chain)."""
    certfile, keyfile = issued.write(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if server_level is not None:
        server_ctx.set_ciphers(f"DEFAULT:@SECLEVEL={server_level}")
    server_ctx.load_cert_chain(certfile, keyfile)

    def serve(sock) -> None:
        with server_ctx.wrap_socket(sock, server_side=True) as s:
            s.recv(1)

    return _with_peer(serve)


def stdlib_result(
    issued: pki.Issued, ca_pem: bytes, host: str, check_hostname: bool, tmp_path, server_level: int | None = None, strict: bool | None = None
) -> tuple[int, str] | None:
    """Verify ``issued`` the way Python's ssl does: a real handshake over a socketpair.
    ``strict`` sets or clears VERIFY_X509_STRICT; None keeps this Python's default (set
    from 3.13 on)."""
    client_ctx = ssl.create_default_context(cadata=ca_pem.decode())
    client_ctx.check_hostname = check_hostname
    if strict is not None:
        if strict:
            client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        else:
            client_ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    with _ssl_server_socket(issued, tmp_path, server_level) as b:
        try:
            with client_ctx.wrap_socket(b, server_hostname=host):
                return None
        except ssl.SSLCertVerificationError as e:
            return e.verify_code, e.verify_message


STDLIB_CASES = [
    ("leaf", "localhost", True),
    ("leaf", "127.0.0.1", True),
    ("leaf", "::1", True),
    ("leaf", "example.com", True),
    ("leaf", "127.0.0.2", True),
    ("leaf", "example.com", False),
    ("wildcard", "a.b.example.test", True),
    ("expired", "localhost", True),
    ("not_yet", "localhost", True),
    ("expired_inter", "localhost", True),
    ("unknown_ca", "localhost", True),
    ("self_signed", "localhost", True),
    ("untrusted_root_sent", "localhost", True),
    ("client_only", "localhost", True),
    ("client_ca_eku", "localhost", False),
    ("ca_no_certsign", "localhost", True),
    ("path_len", "localhost", True),
    ("no_san", "localhost", False),
    # Blanks are part of the name (ours used to strip them, and then verify the name
    # without them while the SNI carried them).
    ("leaf", " localhost", True),
    ("leaf", "localhost\t", True),
    ("leaf", " 127.0.0.1", True),
    ("leaf", " ::1", True),  # OpenSSL's IPv6 parser takes no blanks
    ("leaf", "\x1c127.0.0.1", True),  # not a C blank
]


@pytest.mark.parametrize("name,host,check_hostname", STDLIB_CASES, ids=lambda v: str(v))
def test_same_verdict_as_stdlib_ssl(p, tmp_path, name, host, check_hostname):
    issued = getattr(p, name)
    theirs = stdlib_result(issued, p.root.cert_pem, host, check_hostname, tmp_path)
    try:
        verify_server_chain(issued.chain, p.store, host if check_hostname else None)
        ours = None
    except SSLCertVerificationError as e:
        ours = (e.verify_code, e.verify_message)
    assert ours == theirs


# ----------------------------------------------------------------- getpeercert() dicts


def rich_certificate(p: PKI) -> x509.Certificate:
    name = x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")]),
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Berlin"), x509.NameAttribute(NameOID.LOCALITY_NAME, "Berlin")]
            ),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Grüße & Co. 日本")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TLS")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "rich.example")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.EMAIL_ADDRESS, "tls@rich.example")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.USER_ID, "uid7")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.SERIAL_NUMBER, "SN-1")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.JURISDICTION_COUNTRY_NAME, "DE")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.BUSINESS_CATEGORY, "Private Organization")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(ObjectIdentifier("1.2.3.4.5"), "private attribute")]),
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.GIVEN_NAME, "Ada"), x509.NameAttribute(NameOID.SURNAME, "L")]),
        ]
    )
    sans = [
        x509.DNSName("rich.example"),
        x509.DNSName("*.rich.example"),
        x509.RFC822Name("x@rich.example"),
        x509.UniformResourceIdentifier("https://rich.example/"),
        x509.IPAddress(ipaddress.ip_address("10.1.2.3")),
        x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dir"), x509.NameAttribute(NameOID.COUNTRY_NAME, "FR")])),
        x509.RegisteredID(ObjectIdentifier("1.2.3.4")),
        x509.OtherName(ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), b"\x0c\x03upn"),
        x509.OtherName(ObjectIdentifier("1.2.3.9"), b"\x0c\x03abc"),
    ]
    AIA = AuthorityInformationAccessOID
    extra = [
        (
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(AIA.OCSP, x509.UniformResourceIdentifier("http://ocsp.rich.example/")),
                    x509.AccessDescription(AIA.OCSP, x509.UniformResourceIdentifier("http://ocsp2.rich.example/")),
                    x509.AccessDescription(AIA.CA_ISSUERS, x509.UniformResourceIdentifier("http://ca.rich.example/ca.der")),
                ]
            ),
            False,
        ),
        (
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint([x509.UniformResourceIdentifier("http://crl.rich.example/1.crl")], None, None, None),
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier("http://crl.rich.example/2.crl"), x509.DNSName("crl.rich.example")], None, None, None
                    ),
                ]
            ),
            False,
        ),
    ]
    return pki.make_leaf(
        p.inter,
        sans,
        subject=name,
        extra_extensions=extra,
        serial_number=0xABCDE,
        not_before=datetime.datetime(2024, 1, 5, 3, 4, 5, tzinfo=datetime.timezone.utc),
        not_after=datetime.datetime(2051, 12, 25, 23, 59, 59, tzinfo=datetime.timezone.utc),
    ).cert


def test_peer_certificate_dict_matches_stdlib(p, tmp_path):
    certs = {
        "rich": rich_certificate(p),
        "root": p.root.cert,
        "intermediate": p.inter.cert,
        "leaf": p.leaf.cert,
        "rsa": p.rsa.cert,
        "ed25519": p.ed25519.cert,
        "no_san": p.no_san.cert,
        "self_signed": p.self_signed.cert,
        "serial_1": pki.make_leaf(p.inter, serial_number=1).cert,
        "serial_big": pki.make_leaf(p.inter, serial_number=2**158 + 0xF00D).cert,
    }
    for name, cert in certs.items():
        path = tmp_path / f"{name}.pem"
        path.write_bytes(pki.pem_of(cert))
        assert peer_certificate_dict(cert) == ssl._ssl._test_decode_cert(str(path)), name
    rich = peer_certificate_dict(certs["rich"])
    assert rich["notBefore"] == "Jan  5 03:04:05 2024 GMT"
    assert rich["serialNumber"] == "0ABCDE"
    assert ("IP Address", "2001:DB8:0:0:0:0:0:1") in rich["subjectAltName"]
    assert rich["OCSP"] == ("http://ocsp.rich.example/", "http://ocsp2.rich.example/")
    assert ssl.cert_time_to_seconds(rich["notAfter"]) == int(datetime.datetime(2051, 12, 25, 23, 59, 59, tzinfo=datetime.timezone.utc).timestamp())


# ----------------------------------------------------------------- trust stores


def test_trust_store_from_cafile_capath_cadata(p, tmp_path):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"junk before\n" + p.root.cert_pem + b"\n" + p.other_root.cert_pem + p.root.cert_pem)
    store = TrustStore.from_locations(cafile=bundle)
    assert len(store) == 2 and p.root.cert in store and p.other_root.cert in store

    capath = tmp_path / "capath"
    capath.mkdir()
    (capath / "0a1b2c3d.0").write_bytes(p.root.cert_pem)
    (capath / "extra.pem").write_bytes(p.other_root.cert_pem)
    (capath / "inter.crt").write_bytes(p.inter.cert_pem)
    (capath / "README").write_bytes(p.self_signed.cert_pem)  # not a certificate file name: ignored
    (capath / "broken.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    store = TrustStore.from_locations(capath=str(capath))
    assert sorted(c.subject.rfc4514_string() for c in store) == sorted(
        c.subject.rfc4514_string() for c in (p.root.cert, p.other_root.cert, p.inter.cert)
    )
    assert len(TrustStore.from_locations(capath=tmp_path / "does-not-exist")) == 0  # like OpenSSL's lazy lookup

    assert TrustStore.from_locations(cadata=p.root.cert_pem.decode()).certificates == [p.root.cert]
    der = p.root.cert_der + p.other_root.cert_der
    assert TrustStore.from_locations(cadata=der).certificates == [p.root.cert, p.other_root.cert]
    assert len(TrustStore.from_locations(cadata=bytearray(der))) == 2

    store = TrustStore()
    store.load_verify_locations(cafile=bundle, cadata=p.inter.cert_pem.decode())
    assert len(store) == 3
    verify_server_chain(p.unknown_ca.chain, store, "localhost")  # now trusted


def test_trust_store_errors_like_ssl(p, tmp_path):
    garbage, empty = tmp_path / "garbage.pem", tmp_path / "empty.pem"
    garbage.write_bytes(b"garbage")
    empty.write_bytes(b"")
    cases = [
        ({}, TypeError),
        ({"cafile": tmp_path / "missing.pem"}, FileNotFoundError),
        ({"cafile": garbage}, ssl.SSLError),
        ({"cafile": empty}, ssl.SSLError),
        ({"cadata": "garbage"}, ssl.SSLError),
        ({"cadata": ""}, ValueError),
        ({"cadata": b"garbage"}, ssl.SSLError),
        ({"cadata": b""}, ValueError),
        ({"cadata": 123}, TypeError),
        ({"cafile": 123}, TypeError),
    ]
    for kwargs, exc in cases:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        with pytest.raises(exc):
            ctx.load_verify_locations(**kwargs)
        with pytest.raises(exc):
            TrustStore().load_verify_locations(**kwargs)


def test_trust_store_stats_and_ca_certs_like_ssl(p, tmp_path):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(p.root.cert_pem + p.inter.cert_pem + p.self_signed.cert_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=bundle)
    store = TrustStore.from_locations(cafile=bundle)
    assert store.cert_store_stats() == ctx.cert_store_stats()
    assert store.get_ca_certs() == ctx.get_ca_certs()
    assert store.get_ca_certs(binary_form=True) == ctx.get_ca_certs(binary_form=True)


def test_trust_store_caching_and_dedup(p):
    store = TrustStore([p.root.cert, p.root.cert])
    assert len(store) == 1
    first = store.store()
    assert store.store() is first  # cached between verifications
    assert store.add(p.root.cert) is False and store.store() is first
    assert store.add(p.other_root.cert) is True
    assert store.store() is not first and len(store) == 2
    assert TrustStore().store() is None
    assert store.copy().certificates == store.certificates and store.copy() is not store


def test_system_store_honours_ssl_cert_file(p, tmp_path, monkeypatch):
    bundle = tmp_path / "system.pem"
    bundle.write_bytes(p.root.cert_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert TrustStore.system().certificates == [p.root.cert]
    certdir = tmp_path / "dir"
    certdir.mkdir()
    (certdir / "deadbeef.0").write_bytes(p.root.cert_pem)  # not its hash: never found
    (certdir / f"{verify.name_hash(p.other_root.cert.subject)}.0").write_bytes(p.other_root.cert_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(certdir))
    store = TrustStore.system(certifi_fallback=False)
    assert store.certificates == [] and store.can_look_up()  # looked up by hashed name, as OpenSSL
    store.look_up_issuers([pki.make_leaf(p.other_root).cert])
    assert store.certificates == [p.other_root.cert]


def test_default_trust_store_is_loaded_once():
    first = verify.default_trust_store()
    assert verify.default_trust_store() is first
    assert len(first) > 0  # the system bundle, or certifi's


# ----------------------------------------------------------------- helpers


def test_hostname_subject():
    assert verify.hostname_subject("127.0.0.1")[1:] == (True, "127.0.0.1")
    assert verify.hostname_subject("[2001:DB8::1]")[1:] == (True, "2001:db8::1")
    assert verify.hostname_subject("fe80::1%eth0")[1:] == (True, "fe80::1")
    assert verify.hostname_subject("Example.COM.")[1:] == (False, "example.com")
    assert verify.hostname_subject("bücher.example")[1:] == (False, "xn--bcher-kva.example")
    # A name exactly as given; an address with blanks around it is that address (OpenSSL).
    assert verify.hostname_subject(" localhost")[1:] == (False, " localhost")
    assert verify.hostname_subject(" 127.0.0.1 ")[1:] == (True, "127.0.0.1")
    from fasttls.handshake.client import sni_host_name

    assert sni_host_name(" 127.0.0.1") is None and sni_host_name(" localhost") == " localhost"


def test_datetime_from_timestamp():
    assert verify.datetime_from_timestamp(None) is None
    dt = verify.datetime_from_timestamp(0)
    assert dt == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    naive = datetime.datetime(2030, 1, 1)
    assert verify.datetime_from_timestamp(naive) == naive.replace(tzinfo=datetime.timezone.utc)


def test_certificates_written_for_openssl(p, tmp_path):
    certfile, keyfile = p.leaf.write(tmp_path)
    assert os.path.exists(certfile) and os.path.exists(keyfile)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)  # Python's ssl accepts the chain and key
    assert x509.load_pem_x509_certificates(open(certfile, "rb").read()) == p.leaf.chain


@pytest.mark.parametrize(
    "text,expected",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("fe80::1", "fe80::1"),
        ("::ffff:1.2.3.4", str(ipaddress.ip_address("::ffff:1.2.3.4"))),  # "::ffff:1.2.3.4" from Python 3.13
        ("localhost", None),
        ("example.com", None),
        ("1.2.3", None),
        ("1.2.3.256", None),
        ("\u0661\u0662.1.1.1", None),  # Unicode digits pass isdigit() but are no address
        ("", None),
    ],
)
def test_ip_literal(text, expected):
    """ip_literal agrees with ipaddress.ip_address (host names never reach its exception path)."""
    from fasttls.verify import ip_literal

    got = ip_literal(text)
    assert (None if got is None else str(got)) == expected


def _bitstring_name_der() -> bytes:
    """A certificate whose subject and issuer commonName is a BIT STRING: it loads, but
    cryptography raises TypeError (not ValueError) when the name is read."""
    from cryptography.hazmat.primitives import serialization

    der = pki.make_self_signed(["localhost"]).cert.public_bytes(serialization.Encoding.DER)
    cn = b"\x06\x03\x55\x04\x03\x0c\x09localhost"
    assert cn in der
    # Same length, so every enclosing DER length stays right; the BIT STRING's first
    # content byte (unused bits) must be 0..7.
    return der.replace(cn, b"\x06\x03\x55\x04\x03\x03\x09\x00ocalhost")


def test_damaged_name_is_a_clean_error():
    """A name attribute cryptography refuses with TypeError (found by atheris) is
    bad_certificate from a peer and an SSLError from cadata, never a TypeError."""
    from fasttls.handshake.common import check_certificates_parse

    der = _bitstring_name_der()
    cert = x509.load_der_x509_certificate(der)
    with pytest.raises(TypeError):
        cert.subject  # noqa: B018 - the cryptography behaviour this guards against
    with pytest.raises(TLSError) as ei:
        check_certificates_parse([der], "server")
    assert ei.value.alert == AlertDescription.bad_certificate
    store = TrustStore()
    with pytest.raises(ssl.SSLError):
        store.load_verify_locations(cadata=der)
    assert len(store) == 0
    pem = b"-----BEGIN CERTIFICATE-----\n" + __import__("base64").encodebytes(der) + b"-----END CERTIFICATE-----\n"
    with pytest.raises(ssl.SSLError):
        store.load_verify_locations(cadata=pem.decode())
    assert len(store) == 0


# ----------------------------------------------------------------- private CAs, strict or not


def _private_pki(variant: str):
    """A root, an intermediate and a server leaf whose extensions follow ``variant``:
    the shapes ``openssl req -x509`` and hand-rolled private CAs produce."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    now = datetime.datetime.now(datetime.timezone.utc)
    ku_ca = x509.KeyUsage(True, False, False, False, False, True, True, False, False)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(subject, issuer, key, signer, extensions):
        b = (
            x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
        )  # fmt: skip
        for ext, critical in extensions:
            b = b.add_extension(ext, critical=critical)
        return b.sign(signer, hashes.SHA256())

    rk, ik, lk = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))

    def ca_exts(key, issuer_key, bc_critical=True, ku=True, bc=x509.BasicConstraints(True, None), ski=True, aki=True):
        out = [(bc, bc_critical)]
        if ski:
            out.append((x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False))
        if ku:
            out.append((ku_ca, True))
        if issuer_key is not key and aki:
            out.append((x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False))
        return out

    root_exts = ca_exts(
        rk, rk, bc_critical=variant != "root-bc-not-critical", ku=variant != "root-without-key-usage",
        ski=variant != "root-without-subject-key-id",
    )  # fmt: skip
    inter_exts = ca_exts(
        ik, rk, ku=variant != "intermediate-without-key-usage",
        bc=x509.BasicConstraints(variant != "intermediate-not-a-ca", 0 if variant == "intermediate-path-length-0" else None),
        ski=variant != "intermediate-without-subject-key-id", aki=variant != "intermediate-without-authority-key-id",
    )  # fmt: skip
    leaf_exts = [
        (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ]
    if variant != "leaf-without-authority-key-id":
        leaf_exts.append((x509.AuthorityKeyIdentifier.from_issuer_public_key(ik.public_key()), False))
    root = cert("private root", "private root", rk, rk, root_exts)
    inter = cert("private intermediate", "private root", ik, rk, inter_exts)
    issuer, issuer_key, extra = inter, ik, [inter]
    if variant == "intermediate-path-length-0":
        # One CA too many below a pathLen 0 intermediate.
        k2 = ec.generate_private_key(ec.SECP256R1())
        issuer = cert("second intermediate", "private intermediate", k2, ik, ca_exts(k2, ik))
        issuer_key, extra = k2, [issuer, inter]
    leaf = cert("localhost", issuer.subject.rfc4514_string().removeprefix("CN="), lk, issuer_key, leaf_exts)
    return pki.Issued(cert=leaf, key=lk, chain=[leaf, *extra], key_type="ecdsa-p256", root=root), root


PRIVATE_CA_VARIANTS = [
    "well-formed",
    "root-without-key-usage",  # openssl req -x509 with OpenSSL 3.0's default config
    "root-bc-not-critical",
    "intermediate-without-key-usage",
    "leaf-without-authority-key-id",
    "intermediate-without-authority-key-id",
    "intermediate-without-subject-key-id",
    "root-without-subject-key-id",
    # Controls: what no profile accepts.
    "intermediate-not-a-ca",
    "intermediate-path-length-0",
]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "VERIFY_X509_STRICT"])
@pytest.mark.parametrize("variant", PRIVATE_CA_VARIANTS)
def test_private_ca_verdicts_match_stdlib_ssl(tmp_path, variant, strict):
    """OpenSSL without VERIFY_X509_STRICT (Python's ssl default before 3.13) and Go accept CAs
    without keyUsage or with a non-critical basicConstraints, and leaves without an AKI; the
    web PKI profile does not.  We used to be strict always, and refused such private CAs."""
    issued, root = _private_pki(variant)
    from cryptography.hazmat.primitives import serialization

    root_pem = root.public_bytes(serialization.Encoding.PEM)
    client_ctx = ssl.create_default_context(cadata=root_pem.decode())
    if strict:
        client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    else:
        client_ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    with _ssl_server_socket(issued, tmp_path) as b:
        try:
            with client_ctx.wrap_socket(b, server_hostname="localhost"):
                theirs = None
        except ssl.SSLCertVerificationError as e:
            theirs = (e.verify_code, e.verify_message)
    store = TrustStore()
    store.add_pem(root_pem)
    try:
        verify_server_chain(issued.chain, store, "localhost", strict=strict)
        ours = None
    except SSLCertVerificationError as e:
        ours = (e.verify_code, e.verify_message)
    if variant in ("intermediate-not-a-ca", "intermediate-path-length-0"):
        assert theirs is not None and ours is not None  # refused by both; the first reason may differ
    else:
        assert ours == theirs
        assert (ours is None) == (variant == "well-formed" or not strict)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "VERIFY_X509_STRICT"])
def test_context_verify_flags_choose_the_profile(tmp_path, strict):
    """End to end: a fasttls client context and an ssl server whose CA has no keyUsage."""
    import fasttls
    from cryptography.hazmat.primitives import serialization

    issued, root = _private_pki("root-without-key-usage")
    ctx = fasttls.create_default_context(cadata=root.public_bytes(serialization.Encoding.PEM).decode())
    ctx.verify_flags &= ~fasttls.VERIFY_X509_STRICT  # Python 3.13's create_default_context sets it
    if strict:
        ctx.verify_flags |= fasttls.VERIFY_X509_STRICT
    with _ssl_server_socket(issued, tmp_path) as b:
        if strict:
            with pytest.raises(SSLCertVerificationError) as e:
                ctx.wrap_socket(b, server_hostname="localhost")
            assert (e.value.verify_code, e.value.verify_message) == (92, "CA cert does not include key usage extension")
        else:
            with ctx.wrap_socket(b, server_hostname="localhost") as s:
                assert s.version() == "TLSv1.3"
                s.sendall(b"x")


# ----------------------------------------------------------------- more ssl parity: names, depth, CA keys, CA counts


def _verdict(fn, *args, **kw) -> tuple[int, str] | None:
    try:
        fn(*args, **kw)
    except SSLCertVerificationError as e:
        return e.verify_code, e.verify_message
    return None


HOST_NAME_CASES = [
    # Names cryptography refuses as a subject (not LDH): we used to fail with an internal
    # error (ValueError 'invalid domain name'); OpenSSL matches them.
    (["my_service"], "my_service"),
    (["my_service"], "other_host"),
    (["_srv.example.com"], "_srv.example.com"),
    (["A_B.example"], "a_b.EXAMPLE"),
    (["-x.example"], "-x.example"),
    (["*.a.example"], "x_y.a.example"),  # the star stands for letters, digits and "-" only
    (["*.example.com"], "_srv.example.com"),
    (["*.my_dom.example"], "x.my_dom.example"),  # no wildcard over a non-LDH name
    (["*.a.example"], "*.a.example"),  # a literal star matches itself
    # A wildcard right under a TLD matches nothing in OpenSSL (two labels after the star);
    # cryptography let "*.com" cover "example.com".
    (["*.com"], "example.com"),
    (["*.localhost"], "a.localhost"),
    (["*.com", "example.com"], "example.com"),  # another SAN still matches
    (["*.co.uk"], "x.co.uk"),
    (["*.example.com"], "www.example.com"),
]


@pytest.mark.parametrize("names,host", HOST_NAME_CASES, ids=lambda v: str(v))
def test_host_names_match_like_stdlib_ssl(p, tmp_path, names, host):
    """The verdict, and certificate_matches_host (what session resumption asks), agree with ssl."""
    issued = pki.make_leaf(p.inter, [x509.DNSName(n) for n in names])
    theirs = stdlib_result(issued, p.root.cert_pem, host, True, tmp_path)
    assert _verdict(verify_server_chain, issued.chain, p.store, host) == theirs
    assert verify.certificate_matches_host(issued.cert, host) == (theirs is None)


def test_names_cryptography_refuses_still_verify_the_chain(p, tmp_path):
    """A name cryptography cannot take as a subject is matched by us, after the chain is
    verified for serverAuth without a subject: chain errors come first, as in OpenSSL."""
    now = pki.utcnow()
    expired = pki.make_leaf(p.inter, ["my_service"], not_before=now - D(days=10), not_after=now - D(days=1))
    client_only = pki.make_leaf(p.inter, ["my_service"], client=True)
    unknown = pki.make_leaf(p.other_root, ["my_service"])
    for issued, code in ((expired, 10), (client_only, 26), (unknown, 20)):
        theirs = stdlib_result(issued, p.root.cert_pem, "my_service", True, tmp_path)
        assert theirs is not None and theirs[0] == code
        assert _verdict(verify_server_chain, issued.chain, p.store, "my_service") == theirs
    assert _verdict(verify_server_chain, expired.chain, p.store, "my_service", strict=True)[0] == 10


def _long_chain(n: int) -> tuple[pki.Issued, pki.Issued]:
    """A root and a leaf below ``n`` intermediates (the leaf's chain holds them all)."""
    root = pki.make_ca("depth root")
    ca = root
    for i in range(n):
        ca = pki.make_ca(f"depth intermediate {i}", issuer=ca)
    return root, pki.make_leaf(ca)


@pytest.mark.parametrize("n", [9, 100, 101])
def test_chain_depth_like_stdlib_ssl(tmp_path, n):
    """OpenSSL's default depth is 100 intermediates (then 22, chain too long); cryptography's
    default of 8 refused every chain of 9 or more."""
    root, leaf = _long_chain(n)
    theirs = stdlib_result(leaf, root.cert_pem, "localhost", True, tmp_path)
    assert theirs == (None if n <= 100 else (22, "certificate chain too long"))
    store = TrustStore([root.cert])
    assert _verdict(verify_server_chain, leaf.chain, store, "localhost") == theirs
    assert _verdict(verify_server_chain, leaf.chain, store, None) == theirs


def test_diagnosis_walk_has_a_signature_budget(p, monkeypatch):
    """With OpenSSL's depth the walk that picks the error code could check a signature for
    every pair of a hostile chain's look-alike CAs (seconds of CPU): it stops, as
    cryptography's verifier does, and reports cryptography's reason."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    now = pki.utcnow()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "look-alike")])
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(301)]

    def cert(i: int) -> x509.Certificate:
        b = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(keys[i].public_key())
            .serial_number(i + 1).not_valid_before(now - D(days=1)).not_valid_after(now + D(days=1))
            .add_extension(x509.BasicConstraints(ca=i > 0, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        )  # fmt: skip
        return b.sign(keys[i + 1], hashes.SHA256())

    chain = [cert(0)] + [cert(i) for i in range(299, 0, -1)]  # each CA's issuer last among the candidates
    checks = 0
    real = verify._issued_by

    def counting(child, issuer):
        nonlocal checks
        checks += 1
        return real(child, issuer)

    monkeypatch.setattr(verify, "_issued_by", counting)
    err = expect(1, AlertDescription.bad_certificate, verify_server_chain, chain, p.store, "localhost")
    assert "signature check limit" in err.verify_message
    assert checks <= verify._WALK_SIGNATURES + 1  # the walk's budget, and the self-signed leaf's own check


def _rsa_pss_ca(tmp_path) -> pki.Issued:
    """A root whose key is id-RSASSA-PSS: cryptography cannot write one, the openssl CLI can."""
    import subprocess

    from cryptography.hazmat.primitives import serialization

    from .peers import openssl_bin
    key, cert, conf = tmp_path / "pss-ca.key", tmp_path / "pss-ca.pem", tmp_path / "pss-ca.cnf"
    conf.write_text(
        "[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\n"
        "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
    )
    for args in (
        ["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key)],
        ["req", "-new", "-x509", "-key", str(key), "-subj", "/CN=rsa-pss CA", "-days", "2", "-config", str(conf),
         "-extensions", "v3", "-out", str(cert)],
    ):  # fmt: skip
        subprocess.run([openssl_bin(), *args], check=True, capture_output=True, timeout=60)
    ca = x509.load_pem_x509_certificate(cert.read_bytes())
    assert ca.public_key_algorithm_oid.dotted_string == "1.2.840.113549.1.1.10"
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    return pki.Issued(ca, private, [ca], "rsa-pss", root=ca, is_ca=True)


@pytest.mark.parametrize("ca_type", ["ed25519", "ed448", "rsa-pss"])
def test_eddsa_and_pss_cas_fail_readably(tmp_path, ca_type):
    """ssl accepts a CA with an Ed25519, Ed448 or id-RSASSA-PSS key; cryptography's verifier
    refuses it and has no switch for that.  The error says which CA and why, instead of
    cryptography's Rust debug text ('AlgorithmIdentifier { oid: DefinedByMarker(...'), in both roles."""
    ca = _rsa_pss_ca(tmp_path) if ca_type == "rsa-pss" else pki.make_ca(f"{ca_type} CA", key_type=ca_type)
    name = {"ed25519": "Ed25519", "ed448": "Ed448", "rsa-pss": "id-RSASSA-PSS"}[ca_type]
    server, client = pki.make_leaf(ca), pki.make_leaf(ca, client=True)
    assert stdlib_result(server, ca.cert_pem, "localhost", True, tmp_path) is None
    store = TrustStore([ca.cert])
    for fn, args in ((verify_server_chain, (server.chain, store, "localhost")), (verify_client_chain, (client.chain, store))):
        err = expect(76, AlertDescription.certificate_unknown, fn, *args)
        accepted = "RSA, ECDSA P-256/P-384/P-521 and ML-DSA" if verify._VERIFIER_TAKES_MLDSA else "RSA and ECDSA P-256/P-384/P-521"
        assert err.verify_message == (
            f"unsupported CA key algorithm: the key of CA '{ca.cert.subject.rfc4514_string()}' is {name} (fasttls "
            f"verifies chains with cryptography, which accepts only {accepted} signatures from CAs)"
        )
        assert "DefinedByMarker" not in str(err)
    # Below an ECDSA root too: the intermediate is named.
    root = pki.make_ca("ecdsa root")
    inter = pki.make_ca("ed25519 intermediate", key_type="ed25519", issuer=root)
    err = expect(76, AlertDescription.certificate_unknown, verify_server_chain, pki.make_leaf(inter).chain, TrustStore([root.cert]), None)
    assert f"the key of CA '{inter.cert.subject.rfc4514_string()}' is Ed25519 (" in err.verify_message


def _v1_root(cn: str) -> x509.Certificate:
    """A self-signed X.509 v1 certificate (no extensions), as old bundles hold: cryptography
    writes v3 only, so the version field is cut from the TBS and the TBS signed again."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from .test_odd_certificates import tlv

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = pki.utcnow()
    v3 = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(7)
        .not_valid_before(now - D(days=1)).not_valid_after(now + D(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    tbs = v3.tbs_certificate_bytes
    header = 2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0)
    body = tbs[header:]
    assert body.startswith(b"\xa0\x03\x02\x01\x02")  # [0] EXPLICIT version v3
    tbs = tlv(0x30, body[5:])
    ecdsa_sha256 = bytes.fromhex("300a06082a8648ce3d040302")
    der = tlv(0x30, tbs + ecdsa_sha256 + tlv(0x03, b"\x00" + key.sign(tbs, ec.ECDSA(hashes.SHA256()))))
    cert = x509.load_der_x509_certificate(der)
    assert cert.version == x509.Version.v1
    return cert


def test_ca_counts_like_openssl_x509_check_ca(p, tmp_path):
    """cert_store_stats()["x509_ca"] and get_ca_certs() count what OpenSSL's X509_check_ca
    calls a CA: also a v1 self-signed root and a certificate with keyCertSign but no
    basicConstraints, and not a cA=TRUE one whose keyUsage lacks keyCertSign."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    now = pki.utcnow()

    def root(cn: str, extensions) -> x509.Certificate:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        b = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - D(days=1)).not_valid_after(now + D(days=30))
        )  # fmt: skip
        for ext in extensions:
            b = b.add_extension(ext, critical=True)
        return b.sign(key, hashes.SHA256())

    def ku(cert_sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(True, False, False, False, False, cert_sign, False, False, False)

    certs = [
        p.root.cert,
        _v1_root("v1 root"),
        root("keyCertSign, no basicConstraints", [ku(True)]),
        root("no keyCertSign, no basicConstraints", [ku(False)]),
        root("cA but no keyCertSign", [x509.BasicConstraints(True, None), ku(False)]),
        root("not a CA", [x509.BasicConstraints(False, None)]),
        root("v3, no extensions", []),
    ]
    bundle = tmp_path / "cas.pem"
    bundle.write_bytes(b"".join(pki.pem_of(c) for c in certs))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=bundle)
    store = TrustStore.from_locations(cafile=bundle)
    assert store.cert_store_stats() == ctx.cert_store_stats() == {"x509": 7, "crl": 0, "x509_ca": 3}
    # OpenSSL lists them in its store's order, we in the order loaded: compare as sets.
    assert sorted(store.get_ca_certs(binary_form=True)) == sorted(ctx.get_ca_certs(binary_form=True))
    assert sorted(map(repr, store.get_ca_certs())) == sorted(map(repr, ctx.get_ca_certs()))
    # Verification's idea of a CA is unchanged: cryptography's (basicConstraints cA).
    assert [verify._is_ca(c) for c in certs] == [True, False, False, False, True, False, False]


def test_a_bit_string_name_attribute_reads_as_ssl_reads_it(tmp_path):
    """x500UniqueIdentifier is a BIT STRING: ssl's getpeercert() gives its bits as bytes
    (b"AB"); ours gave a str with the unused-bits octet ("\\x00AB")."""
    from .pki import make_ca, make_leaf
    from .test_odd_certificates import resign, tlv, with_subject

    ca = make_ca("bit string CA")
    leaf = make_leaf(ca, ("localhost",))
    uid = tlv(0x30, bytes.fromhex("06035504") + b"\x2d" + tlv(0x03, b"\x00AB"))  # 2.5.4.45, BIT STRING
    cn = tlv(0x30, bytes.fromhex("0603550403") + tlv(0x0C, b"device"))
    der = resign(leaf.cert, ca.key, with_subject(tlv(0x30, tlv(0x31, cn) + tlv(0x31, uid))))
    path = tmp_path / "uid.pem"
    path.write_text(ssl.DER_cert_to_PEM_cert(der))
    theirs = ssl._ssl._test_decode_cert(str(path))
    assert theirs["subject"] == ((("commonName", "device"),), (("x500UniqueIdentifier", b"AB"),))
    assert peer_certificate_dict(x509.load_der_x509_certificate(der)) == theirs


def test_a_ca_whose_extensions_do_not_parse_counts_as_ssl_counts_it():
    """A CA with a duplicated extension in cadata: ssl loads it and counts no CA; ours
    raised cryptography's DuplicateExtension (not an SSLError) from cert_store_stats()."""
    import fasttls

    from .pki import make_ca
    from .test_odd_certificates import EXTENSIONS, children, resign, tlv

    ca = make_ca("duplicated extension CA")

    def duplicate_first_extension(tbs):
        exts = children(children(tbs[EXTENSIONS])[0])
        tbs[EXTENSIONS] = tlv(0xA3, tlv(0x30, b"".join([*exts, exts[0]])))
        return tbs

    der = resign(ca.cert, ca.key, duplicate_first_extension)
    seen = []
    for ctx in (ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)):
        ctx.load_verify_locations(cadata=der)
        seen.append((ctx.cert_store_stats(), ctx.get_ca_certs()))
    assert seen[0] == seen[1] == ({"x509": 1, "crl": 0, "x509_ca": 0}, [])


# ---------------------------------------------------------------------------
# The alert a verifying client sends, compared with ssl's (ssl_x509err2alert)
# ---------------------------------------------------------------------------


def _alert_heard_by_ssl_server(client_module, chain_issued: pki.Issued, root: pki.Issued, strict: bool, tmp_path) -> tuple[int, str]:
    """(verify code of the client, reason of the alert an ssl server hears from it)."""
    certfile, keyfile = chain_issued.write(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certfile, keyfile)
    client = client_module.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cadata=root.cert_pem.decode())
    if strict:
        client.verify_flags |= ssl.VERIFY_X509_STRICT
    a, b = socket.socketpair()
    a.settimeout(5)
    b.settimeout(5)
    heard: dict[str, BaseException] = {}

    def serve() -> None:
        try:
            server.wrap_socket(b, server_side=True).recv(1)
        except Exception as e:  # noqa: BLE001 - what the server hears is the result
            heard["e"] = e

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with pytest.raises(ssl.SSLCertVerificationError) as ei:
            client.wrap_socket(a, server_hostname="localhost")
    finally:
        a.close()
        t.join(5)
        b.close()
    return ei.value.verify_code, getattr(heard.get("e"), "reason", repr(heard.get("e")))


def _alert_cases() -> list[tuple[str, pki.Issued, pki.Issued, bool]]:
    root = pki.make_ca("alert table root")
    mk = pki.make_leaf
    unknown_critical = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
    excluded = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("localhost")])
    permitted = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.org")], excluded_subtrees=None)
    ku_cert_sign = x509.KeyUsage(True, False, False, False, False, True, False, False, False)
    return [
        ("25 path length", mk(pki.make_ca("below", issuer=pki.make_ca("pathlen 0", issuer=root, path_length=0))), root, False),
        ("34 unknown critical extension", mk(root, extra_extensions=[(unknown_critical, True)]), root, False),
        ("47 permitted subtree", mk(pki.make_ca("permits", issuer=root, name_constraints=permitted)), root, False),
        ("48 excluded subtree", mk(pki.make_ca("excludes", issuer=root, name_constraints=excluded)), root, False),
        ("82 EE with keyCertSign", mk(root, key_usage=ku_cert_sign), root, True),
        ("85 no authorityKeyIdentifier", mk(root, aki=False), root, True),
    ]


@pytest.mark.parametrize("case", range(6), ids=["25", "34", "47", "48", "82", "85"])
def test_verify_failures_send_openssls_alerts(case, tmp_path):
    """Path length (25) sends unknown_ca, and codes ssl_x509err2alert's table leaves out
    (34, 47, 48, the strict ones) its default certificate_unknown, as ssl's client does."""
    label, issued, root, strict = _alert_cases()[case]
    import fasttls

    theirs = _alert_heard_by_ssl_server(ssl, issued, root, strict, tmp_path)
    ours = _alert_heard_by_ssl_server(fasttls, issued, root, strict, tmp_path)
    assert ours == theirs, label


# ------------------------------------------------------- host names by the subject CN

_CN_CASES = {
    # name: (subjectAltName entries, subject CNs, server_hostname, matches with the CN rule)
    "no SAN, CN is the host": ([], ["localhost"], "localhost", True),
    "no SAN, CN is another host": ([], ["other.test"], "localhost", False),
    "IP SAN only, CN is the host": (["127.0.0.1"], ["localhost"], "localhost", True),
    "DNS SAN for another host, CN is the host": (["other.test"], ["localhost"], "localhost", False),
    "no SAN, CN is the IP literal": ([], ["127.0.0.1"], "127.0.0.1", False),
    "no SAN, wildcard CN": ([], ["*.example.test"], "a.example.test", True),
    "no SAN, wildcard CN under a TLD": ([], ["*.test"], "a.test", False),
    "no SAN, the host is the second CN": ([], ["a.test", "localhost"], "localhost", True),
    "no SAN, no CN": ([], [], "localhost", False),
}


@pytest.mark.parametrize("case", list(_CN_CASES))
def test_hostname_checks_common_name_as_ssl(p, tmp_path, case):
    """``hostname_checks_common_name`` (on by default, as in ssl): a certificate without DNS
    names in its subjectAltName matches by its subject CN, as OpenSSL's X509_check_host;
    the verdicts and codes are ``ssl``'s, with the setting on and off."""
    from fasttls import SSLContext as FastContext

    from .helpers import client_verify_codes

    sans, cns, host, matches = _CN_CASES[case]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn) for cn in cns] or [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "no CN")])
    leaf = pki.make_leaf(p.inter, sans, subject=subject, san=bool(sans))
    certfile, keyfile = leaf.write(tmp_path, "leaf")
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(p.root.cert_pem)
    assert FastContext(ssl.PROTOCOL_TLS_CLIENT).hostname_checks_common_name is True
    for on in (True, False):
        seen = client_verify_codes(certfile, keyfile, cafile, host, lambda c: setattr(c, "hostname_checks_common_name", on))  # noqa: B023
        expected = None if (on and matches) else (64 if host == "127.0.0.1" else 62)
        assert seen == [expected, expected], (on, seen)
        # What session resumption asks of a kept session's leaf agrees (a session of a
        # certificate matched by its CN was never offered again).
        assert verify.certificate_matches_host(leaf.cert, host, check_common_name=on) == (expected is None)


@pytest.mark.parametrize(
    "constraint, cn, code",
    [
        ("permitted", "www.example.com", None),
        ("permitted", "evil.test", 47),
        ("excluded", "www.bank.test", 48),
        ("excluded", "www.example.com", None),
    ],
)
def test_a_common_name_keeps_to_name_constraints(p, tmp_path, constraint, cn, code):
    """A leaf matched by its CN keeps to its CAs' DNS name constraints, as OpenSSL's
    NAME_CONSTRAINTS_check_CN: a CA allowed only example.com cannot vouch for another host
    through a SAN-less certificate's CN (47), nor an excluded one (48)."""
    from .helpers import client_verify_codes

    subtree = [x509.DNSName("example.com" if constraint == "permitted" else "bank.test")]
    nc = x509.NameConstraints(permitted_subtrees=subtree if constraint == "permitted" else None, excluded_subtrees=subtree if constraint == "excluded" else None)
    ca = pki.make_ca(f"{constraint} CA", issuer=p.root, name_constraints=nc)
    leaf = pki.make_leaf(ca, [], subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]), san=False)
    certfile, keyfile = leaf.write(tmp_path, "leaf")
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(p.root.cert_pem)
    seen = client_verify_codes(certfile, keyfile, cafile, cn)
    assert seen == [code, code]


def test_a_client_certificate_cn_keeps_to_name_constraints(p, tmp_path):
    """OpenSSL checks a SAN-less client certificate's CN against its CAs' name constraints
    too (47); a fasttls server refuses it with the same code and alert as an ssl server."""
    from fasttls import SSLContext as FastContext

    from .helpers import bio_handshake

    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None)
    ca = pki.make_ca("client NC CA", issuer=p.root, name_constraints=nc)
    seen = []
    for cn in ("evil.test", "device.example.com", "evil.test\0", "ev\0il.example.com"):
        leaf = pki.make_leaf(ca, [], subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]), san=False, client=True)
        certfile, keyfile = leaf.write(tmp_path, cn.replace("\0", "-nul-"))
        server_cert, server_key = p.leaf.write(tmp_path, "server")
        for cls in (ssl.SSLContext, FastContext):
            server = cls(ssl.PROTOCOL_TLS_SERVER)
            server.load_cert_chain(server_cert, server_key)
            server.load_verify_locations(cadata=p.root.cert_pem.decode())
            server.verify_mode = ssl.CERT_REQUIRED
            client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            client.load_verify_locations(cadata=p.root.cert_pem.decode())
            client.load_cert_chain(certfile, keyfile)
            errors = bio_handshake((client, "localhost"), server)
            seen.append((cn, getattr(errors.get("server"), "verify_code", None), getattr(errors.get("client"), "reason", None)))
    assert seen[0] == seen[1] and seen[0][:2] == ("evil.test", 47) and seen[0][2] is not None  # the same alert
    assert seen[2] == seen[3] == ("device.example.com", None, None)
    # cn2dnsid: trailing NULs dropped (still outside: 47), a NUL inside is 53.
    assert seen[4] == seen[5] and seen[4][1] == 47
    assert seen[6] == seen[7] and seen[6][1] == 53


def _critical_leaf(ca, client: bool = False, san: bool = True, eku: bool = True):
    """A leaf with its subjectAltName and/or extendedKeyUsage marked critical, as trustme
    (the usual test-certificate maker) issues them."""
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    names = ["client.fasttls.test"] if client else ["localhost", "127.0.0.1"]
    return pki.make_leaf(
        ca, names, client=client, eku=[] if eku else None, san=not san,
        extra_extensions=[e for e, wanted in (
            ((x509.ExtendedKeyUsage([usage]), True), eku),
            ((x509.SubjectAlternativeName(pki._general_names(names)), True), san),
        ) if wanted],
    )  # fmt: skip


@pytest.mark.parametrize("strict", [False, True], ids=["default", "VERIFY_X509_STRICT"])
@pytest.mark.parametrize("which", ["san", "eku", "both"])
@pytest.mark.parametrize("host,expected", [("localhost", None), ("127.0.0.1", None), ("other.test", 62), ("127.0.0.2", 64)])
def test_a_critical_san_or_eku_verifies_as_in_ssl(pki, tmp_path, strict, which, host, expected):
    """OpenSSL, strict or not, takes a leaf whose subjectAltName or extendedKeyUsage is
    critical; cryptography's web PKI profile refuses both, and every trustme certificate
    failed (a critical SAN as "Hostname mismatch")."""
    from .helpers import client_verify_codes

    leaf = _critical_leaf(pki.ca, san=which != "eku", eku=which != "san")
    certfile, keyfile = leaf.write(tmp_path, "server")
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(pki.root.cert_pem)

    def configure(ctx):
        ctx.verify_flags = ctx.verify_flags | ssl.VERIFY_X509_STRICT if strict else ctx.verify_flags & ~ssl.VERIFY_X509_STRICT

    assert client_verify_codes(certfile, keyfile, cafile, host, configure) == [expected, expected]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_a_client_certificate_with_a_critical_eku_verifies(pki, strict):
    leaf = _critical_leaf(pki.ca, client=True)
    path = verify_client_chain([leaf.cert, *leaf.chain[1:]], pki.store, strict=strict)
    assert path[0] == leaf.cert
    server_only = _critical_leaf(pki.ca)  # a critical EKU still has to allow clientAuth
    with pytest.raises(SSLCertVerificationError):
        verify_client_chain([server_only.cert, *server_only.chain[1:]], pki.store, strict=strict)


def _signed_leaf(ca: pki.Issued, *, ca_flag: bool = False, key_usage=True, hash_alg=None, pss_salt=None) -> pki.Issued:
    """A localhost leaf under ``ca``, optionally marked as a CA or signed with an odd
    algorithm (SHA-224, RSA-PSS with a salt other than the digest's length)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    leaf = pki.make_leaf(ca, ["localhost"], ca_flag=ca_flag, key_usage=key_usage)
    if hash_alg is None and pss_salt is None:
        return leaf
    builder = (
        x509.CertificateBuilder().subject_name(leaf.cert.subject).issuer_name(leaf.cert.issuer).public_key(leaf.key.public_key())
        .serial_number(leaf.cert.serial_number).not_valid_before(leaf.cert.not_valid_before_utc).not_valid_after(leaf.cert.not_valid_after_utc)
    )  # fmt: skip
    for ext in leaf.cert.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    if pss_salt is not None:
        cert = builder.sign(ca.key, hashes.SHA256(), rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), pss_salt))
    else:
        cert = builder.sign(ca.key, hash_alg)
    return pki.Issued(cert, leaf.key, [cert] + leaf.chain[1:], leaf.key_type, root=leaf.root)


def _sha1_signed_intermediate(root: pki.Issued, tmp_path) -> pki.Issued:
    """An intermediate signed sha1WithRSAEncryption by ``root``: cryptography no longer
    signs with SHA-1, the openssl CLI does."""
    import subprocess

    from cryptography.hazmat.primitives import hashes, serialization

    from .peers import openssl_bin

    key = pki.generate_key("rsa-2048")
    csr = x509.CertificateSigningRequestBuilder().subject_name(pki._name("sha1 intermediate")).sign(key, hashes.SHA256())
    files = {name: tmp_path / f"sha1-{name}.pem" for name in ("root", "root-key", "csr", "inter", "ext")}
    files["root"].write_bytes(root.cert_pem)
    files["root-key"].write_bytes(root.key_pem)
    files["csr"].write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    files["ext"].write_text("[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    subprocess.run(
        [openssl_bin(), "x509", "-req", "-in", str(files["csr"]), "-CA", str(files["root"]), "-CAkey", str(files["root-key"]),
         "-set_serial", "7", "-days", "2", "-sha1", "-extfile", str(files["ext"]), "-extensions", "v3", "-out", str(files["inter"])],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    cert = x509.load_pem_x509_certificate(files["inter"].read_bytes())
    assert cert.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.5"  # sha1WithRSAEncryption
    return pki.Issued(cert, key, [cert], "rsa-2048", root=root.cert, is_ca=True)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize(
    "case",
    [
        "leaf-marked-ca", "leaf-marked-ca-without-tls-key-usage", "leaf-marked-ca-without-key-usage", "self-signed-reissued",
        "self-signed-trusted", "empty-subject-no-san", "empty-subject-non-critical-san", "sha224", "pss-max-salt", "sha1-intermediate",
    ],
)  # fmt: skip
def test_chains_found_by_a_path_building_probe_as_in_ssl(tmp_path, case, strict):
    """Chains a server may send whose verdict or verify code differed from ssl's:
    a leaf marked cA (OpenSSL takes it when its keyUsage allows TLS), a self-signed leaf
    re-issued with the key of the one the client trusts (18: OpenSSL trusts only that very
    certificate; cryptography chained it to the old one), and signatures cryptography's
    verifier does not check (refused with 76 naming the algorithm, where OpenSSL takes
    them; SHA-1 is too weak for both, 68, where we said no issuer was found, 20)."""
    from cryptography.hazmat.primitives import hashes

    root = pki.make_ca(f"{case} root", "rsa-2048" if case in ("pss-max-salt", "sha1-intermediate") else "ecdsa-p256")
    trusted = root.cert_pem
    expected_ours = None
    if case == "leaf-marked-ca":
        served = _signed_leaf(root, ca_flag=True, key_usage=x509.KeyUsage(True, False, False, False, False, True, False, False, False))
    elif case == "leaf-marked-ca-without-tls-key-usage":
        served = _signed_leaf(root, ca_flag=True, key_usage=x509.KeyUsage(False, False, False, False, False, True, True, False, False))
    elif case == "leaf-marked-ca-without-key-usage":
        served = _signed_leaf(root, ca_flag=True, key_usage=False)
    elif case == "self-signed-reissued":
        old = pki.make_self_signed(ca=True)
        served = pki.make_self_signed(ca=True, key=old.key)
        trusted = old.cert_pem
    elif case == "self-signed-trusted":
        served = pki.make_self_signed(["localhost"], ca=True)
        trusted = served.cert_pem
    elif case.startswith("empty-subject"):
        served = pki.make_leaf(root, ["localhost"], subject=x509.Name([]), san=case.endswith("-san") and "non-critical" in case)
    elif case == "sha224":
        served = _signed_leaf(root, hash_alg=hashes.SHA224())
        expected_ours = 76
    elif case == "pss-max-salt":
        served = _signed_leaf(root, pss_salt=200)
        expected_ours = 76
    else:
        inter = _sha1_signed_intermediate(root, tmp_path)
        served = pki.make_leaf(inter, ["localhost"])
    check_hostname = not case.startswith("empty-subject")  # as a client certificate is checked: no name
    theirs = stdlib_result(served, trusted, "localhost", check_hostname, tmp_path, server_level=0, strict=strict)
    ours = _verdict(verify_server_chain, served.chain, TrustStore.from_pem(trusted), "localhost" if check_hostname else None, strict=strict)
    if expected_ours is not None:
        assert theirs is None and ours is not None and ours[0] == expected_ours, (theirs, ours)
    else:
        assert ours == theirs, (theirs, ours)


@pytest.mark.parametrize("role", ["server", "client"])
def test_a_ca_with_only_any_extended_key_usage(tmp_path, role):
    """A CA whose extendedKeyUsage is only anyExtendedKeyUsage: Go lets it issue server
    and client certificates (Config's default), OpenSSL does not (26), and an SSLContext
    follows OpenSSL.  fasttls took such chains from an SSLContext too."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    root = pki.make_ca("any-eku root")
    inter = pki.make_ca("any-eku intermediate", issuer=root, eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    leaf = pki.make_leaf(inter, ["localhost"], client=role == "client")
    store = TrustStore([root.cert])
    verify = verify_server_chain if role == "server" else verify_client_chain
    args = (leaf.chain, store, "localhost") if role == "server" else (leaf.chain, store)
    assert _verdict(verify, *args) is None  # Go's rule
    ours = _verdict(verify, *args, ca_any_eku=False)
    assert ours is not None and ours[0] == 26
    if role == "server":
        assert stdlib_result(leaf, root.cert_pem, "localhost", True, tmp_path) == ours
        # And through an SSLContext, whose Config says so.
        ctx = fasttls.create_default_context(cadata=root.cert_pem.decode())
        with _ssl_server_socket(leaf, tmp_path) as b:
            with pytest.raises(ssl.SSLCertVerificationError) as e:
                ctx.wrap_socket(b, server_hostname="localhost")
        assert e.value.verify_code == 26


def stdlib_client_result(issued: pki.Issued, ca_pem: bytes, tmp_path) -> tuple[int, str] | None:
    """What Python's ssl, as a server requiring client certificates, says of ``issued``
    presented by a client: a real handshake over a socketpair."""
    certfile, keyfile = issued.write(tmp_path, "client-under-test")
    server_cert, server_key = pki.make_self_signed().write(tmp_path, "stdlib-server")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(server_cert, server_key)
    server_ctx.load_verify_locations(cadata=ca_pem.decode())
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname, client_ctx.verify_mode = False, ssl.CERT_NONE
    client_ctx.load_cert_chain(certfile, keyfile)

    def run_client(sock) -> None:
        with client_ctx.wrap_socket(sock) as c:
            c.recv(1)

    with _with_peer(run_client) as a:
        try:
            with server_ctx.wrap_socket(a, server_side=True) as s:
                s.sendall(b"x")
                return None
        except ssl.SSLCertVerificationError as e:
            return e.verify_code, e.verify_message


@pytest.mark.parametrize(
    "case",
    ["key-encipherment-only", "key-agreement-only", "email-inside", "email-outside", "email-excluded", "email-host-only-base", "email-utf8-under-dns-constraints"],
)
def test_client_certificates_found_by_an_mtls_probe_as_in_ssl(tmp_path, case):
    """A client certificate's keyUsage must allow digitalSignature or keyAgreement (OpenSSL's
    client purpose; keyEncipherment is the server's), and the emailAddress in its subject
    keeps to its CAs' rfc822Name constraints, as OpenSSL's NAME_CONSTRAINTS_check holds
    it (cryptography looks at the subjectAltName only): fasttls took both."""
    from cryptography.x509.oid import NameOID

    root = pki.make_ca(f"{case} root")
    ca, subject, key_usage = root, None, True
    if case.startswith("key-"):
        encipherment = case == "key-encipherment-only"
        key_usage = x509.KeyUsage(False, False, encipherment, False, not encipherment, False, False, False, False)
    else:
        base = {"email-host-only-base": "mail.example.com"}.get(case, "example.com")
        if case == "email-excluded":
            constraints = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.RFC822Name(base)])
        elif case == "email-utf8-under-dns-constraints":
            # Any name constraints: OpenSSL takes a subject address only as an IA5String (53).
            constraints = x509.NameConstraints(permitted_subtrees=[x509.DNSName(base)], excluded_subtrees=None)
        else:
            constraints = x509.NameConstraints(permitted_subtrees=[x509.RFC822Name(base)], excluded_subtrees=None)
        ca = pki.make_ca(f"{case} intermediate", issuer=root, name_constraints=constraints)
        address = "bob@other.org" if case == "email-outside" else "bob@example.com" if case != "email-host-only-base" else "bob@sub.mail.example.com"
        string_type = x509.name._ASN1Type.UTF8String if case == "email-utf8-under-dns-constraints" else x509.name._ASN1Type.IA5String
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bob"), x509.NameAttribute(NameOID.EMAIL_ADDRESS, address, string_type)])
    leaf = pki.make_leaf(ca, [], client=True, san=False, subject=subject, key_usage=key_usage)
    theirs = stdlib_client_result(leaf, root.cert_pem, tmp_path)
    ours = _verdict(verify_client_chain, leaf.chain, TrustStore([root.cert]))
    assert ours == theirs, (theirs, ours)


@pytest.mark.parametrize("ski", [True, False], ids=["with-ski", "without-ski"])
@pytest.mark.parametrize("role", ["server", "client"])
def test_a_pinned_self_signed_certificate_without_an_aki_under_strict(tmp_path, role, ski):
    """VERIFY_X509_STRICT wants an authorityKeyIdentifier below the anchor and a
    subjectKeyIdentifier on CAs, but OpenSSL runs those checks on chains of two or more:
    a pinned self-signed certificate is its own chain.  fasttls refused it (85, then 86)
    where ssl takes it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = pki.utcnow()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )  # fmt: skip
    if ski:
        cert = cert.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    cert = cert.sign(key, hashes.SHA256())
    store = TrustStore([cert])
    if role == "server":
        issued = pki.Issued(cert, key, [cert], "ecdsa-p256", root=cert, is_ca=True)
        assert stdlib_result(issued, issued.cert_pem, "localhost", True, tmp_path, strict=True) is None
        assert verify_server_chain([cert], store, "localhost", strict=True) == [cert]
    else:
        assert verify_client_chain([cert], store, strict=True) == [cert]


def _leaf_naming_itself_by_san(ca, *, subject: bool, san_critical: bool, empty_san: bool = False, crl_sign: bool = False):
    """A leaf with an empty subject (or CN=localhost) and a subjectAltName, critical or
    not, possibly empty (DER 30 00), possibly with cRLSign in its keyUsage."""
    names = [] if empty_san else ["localhost", "127.0.0.1"]
    usage = x509.KeyUsage(True, False, False, False, False, False, crl_sign, False, False)
    # cryptography 51 builds no empty SubjectAlternativeName: write its DER (30 00) as is.
    san = (
        x509.UnrecognizedExtension(x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x00")
        if empty_san
        else x509.SubjectAlternativeName(pki._general_names(names))
    )
    return pki.make_leaf(
        ca, names, subject=None if subject else x509.Name([]), common_name="localhost", san=False, key_usage=usage,
        extra_extensions=[(san, san_critical)],
    )  # fmt: skip


@pytest.mark.parametrize("strict", [False, True], ids=["default", "VERIFY_X509_STRICT"])
@pytest.mark.parametrize(
    "shape",
    [
        dict(subject=False, san_critical=False),
        dict(subject=False, san_critical=True),
        dict(subject=False, san_critical=True, crl_sign=True),
        dict(subject=True, san_critical=False, empty_san=True),
    ],
    ids=["empty-subject", "empty-subject-critical-san", "empty-subject-crl-sign", "empty-san"],
)
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "other.test"])
def test_a_leaf_named_only_by_its_san_verifies_as_in_ssl(pki, tmp_path, strict, shape, host):
    """OpenSSL takes an empty subject with a non-critical subjectAltName unless strict
    (88); cryptography's web PKI profile refused it, and we reported 62 for a name that
    matched.  Strict mode also refuses an empty subjectAltName (87), and an empty subject
    on a CRL issuer (84)."""
    from .helpers import client_verify_codes

    leaf = _leaf_naming_itself_by_san(pki.ca, **shape)
    certfile, keyfile = leaf.write(tmp_path, "server")
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(pki.root.cert_pem)

    def configure(ctx):
        ctx.verify_flags = ctx.verify_flags | ssl.VERIFY_X509_STRICT if strict else ctx.verify_flags & ~ssl.VERIFY_X509_STRICT

    theirs, ours = client_verify_codes(certfile, keyfile, cafile, host, configure)
    if shape.get("empty_san") and _parses_empty_san() is False:
        # cryptography 51 and later cannot parse an empty subjectAltName, and a verifying
        # client needs every certificate to parse (README): bad_certificate, not ssl's code.
        assert "failed to parse the server certificate" in str(ours)
    else:
        assert ours == theirs


def _parses_empty_san() -> bool:
    """Does this cryptography parse a certificate whose subjectAltName is empty (30 00)?"""
    ca = pki.make_ca()
    leaf = _leaf_naming_itself_by_san(ca, subject=True, san_critical=False, empty_san=True)
    try:
        x509.load_der_x509_certificate(leaf.cert_der).extensions  # noqa: B018 - parsed lazily
    except ValueError:
        return False
    return True


def test_getpeercert_dicts_are_built_once_and_handed_out_as_copies(p):
    """getpeercert() per request rebuilt the dict each time (3.6x ssl's time): it is
    built once per certificate now, and each caller gets a dict of its own."""
    cert = p.leaf.cert
    first = verify.peer_certificate_dict(cert)
    first["subject"] = "changed by the caller"
    first["extra"] = 1
    again = verify.peer_certificate_dict(cert)
    assert again["subject"] != "changed by the caller" and "extra" not in again
    assert again == verify._peer_certificate_dict(cert) and again is not verify.peer_certificate_dict(cert)


def _org(organization: str, common_name: str = "localhost") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _dir(organization: str) -> x509.DirectoryName:
    return x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]))


@pytest.mark.parametrize("role", ["server", "client"])
@pytest.mark.parametrize(
    "case", ["permitted-outside", "permitted-inside", "excluded-inside", "excluded-outside", "san-directory-name-outside", "intermediate-outside"]
)
def test_directory_name_constraints_in_a_non_critical_extension_as_in_ssl(tmp_path, case, role):
    """cryptography's verifier skips the directoryName subtrees of a non-critical
    nameConstraints, so a CA constrained to O=Good vouched for any organisation: fasttls
    took what ssl refuses (47/48; a verification probe).  OpenSSL's NAME_CONSTRAINTS_check
    holds the subject of every certificate below the CA, and the directoryNames of its
    subjectAltName, to them."""
    root = pki.make_ca(f"dirname {case} root")
    if case.startswith("excluded"):
        nc = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[_dir("Evil")])
    else:
        nc = x509.NameConstraints(permitted_subtrees=[_dir("Good")], excluded_subtrees=None)
    ca = pki.make_ca("constrained", issuer=root, name_constraints=nc, name_constraints_critical=False, subject=_org("Good", "Constrained CA"))
    if case == "intermediate-outside":
        ca = pki.make_ca("below", issuer=ca, subject=_org("Other", "Below CA"))
    organization = {"permitted-outside": "Other", "excluded-inside": "Evil"}.get(case, "Good")
    names: list = ["localhost", "127.0.0.1"] + ([_dir("Other")] if case == "san-directory-name-outside" else [])
    leaf = pki.make_leaf(ca, names, client=role == "client", subject=_org(organization))
    store = TrustStore([root.cert])
    if role == "server":
        theirs = stdlib_result(leaf, root.cert_pem, "localhost", True, tmp_path)
        ours = _verdict(verify_server_chain, leaf.chain, store, "localhost")
    else:
        theirs = stdlib_client_result(leaf, root.cert_pem, tmp_path)
        ours = _verdict(verify_client_chain, leaf.chain, store)
    expected = {"permitted-inside": None, "excluded-outside": None, "excluded-inside": 48}.get(case, 47)
    assert theirs == (None if expected is None else (expected, verify.X509_V_ERR[expected][0]))
    assert ours == theirs


@pytest.mark.parametrize("at", ["intermediate", "root"])
def test_a_ca_with_a_critical_extended_key_usage_as_in_ssl(tmp_path, at):
    """RFC 5280 lets a CA's extendedKeyUsage be critical, and OpenSSL takes it (strict or
    not); cryptography's profile refuses it, and fasttls failed such chains with code 1."""
    root = pki.make_ca("critical EKU root", eku=[ExtendedKeyUsageOID.SERVER_AUTH] if at == "root" else None, eku_critical=True)
    ca = pki.make_ca("critical EKU CA", issuer=root, eku=[ExtendedKeyUsageOID.SERVER_AUTH] if at == "intermediate" else None, eku_critical=True)
    leaf = pki.make_leaf(ca)
    for strict in (False, True):
        assert stdlib_result(leaf, root.cert_pem, "localhost", True, tmp_path, strict=strict) is None
        assert verify_server_chain(leaf.chain, TrustStore([root.cert]), "localhost", strict=strict)


@pytest.mark.parametrize(
    "nc, code",
    [
        # The leading-dot DNS form (openssl's own config idiom; ssl and Go take it).
        (x509.NameConstraints(permitted_subtrees=[x509.DNSName(".example.com")], excluded_subtrees=None), 52),
        # directoryName subtrees in a critical extension (ssl holds the subject to them).
        (x509.NameConstraints(permitted_subtrees=[_dir("fasttls tests")], excluded_subtrees=None), 51),
    ],
    ids=["leading-dot-dns", "critical-directory-name"],
)
def test_name_constraints_cryptography_does_not_take_are_named(nc, code):
    """Constraints cryptography's verifier refuses outright fail every chain under the CA
    (a documented difference from ssl, which takes these): the error names OpenSSL's code
    for an unsupported constraint, not a subtree violation (47) the leaf did not commit."""
    root = pki.make_ca("unsupported constraints root")
    ca = pki.make_ca("unsupported constraints CA", issuer=root, name_constraints=nc)
    leaf = pki.make_leaf(ca, ["www.example.com"], subject=_org("fasttls tests", "www.example.com"))
    with pytest.raises(SSLCertVerificationError) as info:
        verify_server_chain(leaf.chain, TrustStore([root.cert]), "www.example.com")
    assert info.value.verify_code == code


def test_a_self_issued_ca_rollover_under_a_path_length_names_the_path_length(tmp_path):
    """RFC 5280 6.1.4 (l): a self-issued CA (a key rollover: same name, new key) does not
    count against pathLenConstraint, and ssl takes this chain.  cryptography counts it and
    backtracks to the same-named CA, reporting a signature mismatch, which fasttls passed
    on as code 7 (a forged signature, which there is not).  A documented difference: the
    chain fails, as a path length error (25)."""
    root = pki.make_ca("rollover root")
    old = pki.make_ca("rollover CA", issuer=root, path_length=0)
    new = pki.make_ca("rollover CA", issuer=old, subject=old.cert.subject)
    leaf = pki.make_leaf(new)
    assert stdlib_result(leaf, root.cert_pem, "localhost", True, tmp_path) is None
    ours = _verdict(verify_server_chain, leaf.chain, TrustStore([root.cert]), "localhost")
    assert ours == (25, "path length constraint exceeded")


def test_a_root_with_serial_number_zero_warns_nothing():
    """Debian's bundle has roots with serial number 0 (Go Daddy and Starfield Class 2), of
    which cryptography warns at every look: get_ca_certs() and cert_store_stats() raised
    under -W error (pytest's filterwarnings = error) where ssl says nothing (a probe)."""
    import warnings

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "serial zero root")])
    now = pki.utcnow()
    der = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    )  # fmt: skip
    version_and_serial = b"\xa0\x03\x02\x01\x02\x02\x01\x01"
    assert der.count(version_and_serial) == 1
    der = der.replace(version_and_serial, version_and_serial[:-1] + b"\x00")  # (the signature no longer matters)
    for module in (ssl, fasttls):
        ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cadata=der)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert ctx.cert_store_stats()["x509_ca"] == 1
            (entry,) = ctx.get_ca_certs()
        assert entry["serialNumber"] == "00"

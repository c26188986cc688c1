"""Certificate revocation lists (VERIFY_CRL_CHECK_LEAF / VERIFY_CRL_CHECK_CHAIN, Config.crl_check).

Every scenario runs the same handshake twice against a Python ``ssl`` peer: once with
``ssl`` doing the verifying, once with fasttls, and the verify code (client side) or
the alert the peer receives (server side) must be the same.  The expected code is
asserted too, so a scenario where both accept by mistake fails.
"""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import fasttls
from fasttls.config import Config
from fasttls.verify import TrustStore, check_revocation

from . import pki
from .helpers import bio_handshake, client_verify_codes

D = datetime.timedelta
LEAF, CHAIN = ssl.VERIFY_CRL_CHECK_LEAF, ssl.VERIFY_CRL_CHECK_CHAIN


class CRLPKI:
    """root -> intermediate -> leaves, a leaf straight under the root, and CRL makers."""

    def __init__(self) -> None:
        self.root = pki.make_ca("fasttls crl root")
        self.inter = pki.make_ca("fasttls crl intermediate", issuer=self.root)
        self.leaf = pki.make_leaf(self.inter, ["localhost"])
        self.client = pki.make_leaf(self.inter, ["client.fasttls.test"], client=True)
        self.direct = pki.make_leaf(self.root, ["localhost"])
        self.no_crl_sign = pki.make_ca("fasttls crl no cRLSign", issuer=self.root, crl_sign=False)
        self.under_no_crl_sign = pki.make_leaf(self.no_crl_sign, ["localhost"])
        dp = [x509.DistributionPoint([x509.UniformResourceIdentifier("http://crl.test/a.crl")], None, None, None)]
        self.with_cdp = pki.make_leaf(self.inter, ["localhost"], extra_extensions=[(x509.CRLDistributionPoints(dp), False)])
        self.other_key = ec.generate_private_key(ec.SECP256R1())

    def crl(
        self,
        issuer: pki.Issued,
        revoked=(),
        *,
        last: D = -D(days=1),
        next: D = D(days=7),
        key=None,
        extensions=(),
        reason: x509.ReasonFlags | None = None,
    ) -> x509.CertificateRevocationList:
        now = pki.utcnow()
        b = x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject).last_update(now + last).next_update(now + next)
        for serial in revoked:
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - D(hours=1))
            if reason is not None:
                entry = entry.add_extension(x509.CRLReason(reason), critical=False)
            b = b.add_revoked_certificate(entry.build())
        for ext, critical in extensions:
            b = b.add_extension(ext, critical=critical)
        return b.sign(key or issuer.key, hashes.SHA256())


@pytest.fixture(scope="module")
def crls() -> CRLPKI:
    return CRLPKI()


def _idp(full_name=None, *, only_ca=False):
    return x509.IssuingDistributionPoint(
        full_name=full_name,
        relative_name=None,
        only_contains_user_certs=False,
        only_contains_ca_certs=only_ca,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )


_URI = x509.UniformResourceIdentifier
# name: (the certificate verified, the CRLs in the CA file, verify flags, the code OpenSSL gives)
SCENARIOS: dict[str, Callable[[CRLPKI], tuple[pki.Issued, list, int, int | None]]] = {
    "leaf revoked": lambda p: (p.leaf, [p.crl(p.inter, [p.leaf.cert.serial_number])], LEAF, 23),
    "leaf not revoked": lambda p: (p.leaf, [p.crl(p.inter, [12345])], LEAF, None),
    "no CRL": lambda p: (p.leaf, [], LEAF, 3),
    "CRL expired": lambda p: (p.leaf, [p.crl(p.inter, last=-D(days=9), next=-D(days=2))], LEAF, 12),
    "CRL not yet valid": lambda p: (p.leaf, [p.crl(p.inter, last=D(days=1), next=D(days=9))], LEAF, 11),
    "expired CRL revoking": lambda p: (p.leaf, [p.crl(p.inter, [p.leaf.cert.serial_number], last=-D(days=9), next=-D(days=2))], LEAF, 12),
    "CRL signed by another key": lambda p: (p.leaf, [p.crl(p.inter, [], key=p.other_key)], LEAF, 8),
    "only the root's CRL": lambda p: (p.leaf, [p.crl(p.root, [p.inter.cert.serial_number])], LEAF, 3),
    "leaf mode ignores a revoked CA": lambda p: (p.leaf, [p.crl(p.inter), p.crl(p.root, [p.inter.cert.serial_number])], LEAF, None),
    "chain without the root's CRL": lambda p: (p.leaf, [p.crl(p.inter)], CHAIN, 3),
    "chain with both CRLs": lambda p: (p.leaf, [p.crl(p.inter), p.crl(p.root)], CHAIN, None),
    "chain, intermediate revoked": lambda p: (p.leaf, [p.crl(p.inter), p.crl(p.root, [p.inter.cert.serial_number])], CHAIN, 23),
    "chain, leaf under the root": lambda p: (p.direct, [p.crl(p.root)], CHAIN, None),
    "chain, leaf under the root revoked": lambda p: (p.direct, [p.crl(p.root, [p.direct.cert.serial_number])], CHAIN, 23),
    "chain, the root revokes itself": lambda p: (p.leaf, [p.crl(p.inter), p.crl(p.root, [p.root.cert.serial_number])], CHAIN, 23),
    "CRL_CHECK_ALL alone checks nothing": lambda p: (p.leaf, [], CHAIN & ~LEAF, None),
    "unknown critical CRL extension": lambda p: (
        p.leaf,
        [p.crl(p.inter, extensions=[(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00"), True)])],
        LEAF,
        36,
    ),
    "expired CRL and a current one": lambda p: (p.leaf, [p.crl(p.inter, last=-D(days=9), next=-D(days=2)), p.crl(p.inter)], LEAF, None),
    "newest current CRL wins (listed first)": lambda p: (
        p.leaf,
        [p.crl(p.inter, last=-D(hours=1)), p.crl(p.inter, [p.leaf.cert.serial_number], last=-D(days=2))],
        LEAF,
        None,
    ),
    "newest current CRL wins (listed last)": lambda p: (
        p.leaf,
        [p.crl(p.inter, [p.leaf.cert.serial_number], last=-D(days=2)), p.crl(p.inter, last=-D(hours=1))],
        LEAF,
        None,
    ),
    "newest CRL revokes": lambda p: (
        p.leaf,
        [p.crl(p.inter, last=-D(days=2)), p.crl(p.inter, [p.leaf.cert.serial_number], last=-D(hours=1))],
        LEAF,
        23,
    ),
    "certificateHold": lambda p: (p.leaf, [p.crl(p.inter, [p.leaf.cert.serial_number], reason=x509.ReasonFlags.certificate_hold)], LEAF, 23),
    "removeFromCRL": lambda p: (p.leaf, [p.crl(p.inter, [p.leaf.cert.serial_number], reason=x509.ReasonFlags.remove_from_crl)], LEAF, None),
    "CRL only for CA certificates": lambda p: (p.leaf, [p.crl(p.inter, extensions=[(_idp(only_ca=True), True)])], LEAF, 44),
    "CRL for a distribution point the leaf lacks": lambda p: (p.leaf, [p.crl(p.inter, extensions=[(_idp([_URI("http://crl.test/a.crl")]), True)])], LEAF, 44),
    "CRL for the leaf's distribution point": lambda p: (
        p.with_cdp,
        [p.crl(p.inter, [p.with_cdp.cert.serial_number], extensions=[(_idp([_URI("http://crl.test/a.crl")]), True)])],
        LEAF,
        23,
    ),
    "CRL for another distribution point": lambda p: (p.with_cdp, [p.crl(p.inter, extensions=[(_idp([_URI("http://crl.test/b.crl")]), True)])], LEAF, 44),
    "issuer may not sign CRLs": lambda p: (p.under_no_crl_sign, [p.crl(p.no_crl_sign)], LEAF, 35),
    "CRL naming another issuer key": lambda p: (
        p.leaf,
        [p.crl(p.inter, key=p.other_key, extensions=[(x509.AuthorityKeyIdentifier.from_issuer_public_key(p.other_key.public_key()), False)])],
        LEAF,
        3,
    ),
}


def _pem(crl_list) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in crl_list)


@pytest.fixture(params=list(SCENARIOS))
def scenario(request, crls, tmp_path):
    cert, crl_list, flags, code = SCENARIOS[request.param](crls)
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(crls.root.cert_pem + _pem(crl_list))
    certfile, keyfile = cert.write(tmp_path, "peer")
    return cert, str(cafile), flags, code, certfile, keyfile


@pytest.mark.parametrize("verifier", ["ssl", "fasttls"])
def test_client_verifies_server(scenario, verifier):
    """The client checks the server's chain: the verify code is OpenSSL's."""
    _, cafile, flags, code, certfile, keyfile = scenario
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certfile, keyfile)
    module = ssl if verifier == "ssl" else fasttls
    client = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cafile)
    client.verify_flags |= flags
    err = bio_handshake((client, "localhost"), server).get("client")
    if code is None:
        assert err is None
    else:
        assert isinstance(err, ssl.SSLCertVerificationError), err
        assert (err.verify_code, err.verify_message) == (code, verify_message(code))


def verify_message(code: int) -> str:
    from fasttls.verify import X509_V_ERR

    return X509_V_ERR[code][0]


def test_server_verifies_client_alert_as_ssl(crls, tmp_path):
    """A fasttls server refusing a revoked client certificate sends the alert an ``ssl``
    server sends (certificate_revoked), and one whose issuer has no CRL unknown_ca."""
    client_cert, client_key = crls.client.write(tmp_path, "client")
    server_cert, server_key = crls.leaf.write(tmp_path, "server")
    seen = {}
    for name, crl_list in {"revoked": [crls.crl(crls.inter, [crls.client.cert.serial_number])], "no CRL": [], "current": [crls.crl(crls.inter)]}.items():
        cafile = tmp_path / f"ca-{len(seen)}.pem"
        cafile.write_bytes(crls.root.cert_pem + _pem(crl_list))
        for module in (ssl, fasttls):
            server = module.SSLContext(module.PROTOCOL_TLS_SERVER)
            server.load_cert_chain(server_cert, server_key)
            server.load_verify_locations(str(cafile))
            server.verify_mode = ssl.CERT_REQUIRED
            server.verify_flags |= LEAF
            client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            client.load_verify_locations(cadata=crls.root.cert_pem.decode())
            client.load_cert_chain(client_cert, client_key)
            errors = bio_handshake((client, "localhost"), server)
            server_err = errors.get("server")
            seen[name, module.__name__] = (
                getattr(errors.get("client"), "reason", None),
                getattr(server_err, "verify_code", None),
            )
    assert seen["revoked", "ssl"] == ("SSLV3_ALERT_CERTIFICATE_REVOKED", 23)
    assert seen["no CRL", "ssl"] == ("TLSV1_ALERT_UNKNOWN_CA", 3)
    assert seen["current", "ssl"] == (None, None)
    for name in ("revoked", "no CRL", "current"):
        assert seen[name, "fasttls"] == seen[name, "ssl"], name


def test_crls_loaded_as_ssl_loads_them(crls, tmp_path):
    """cafile and capath take CRLs (cert_store_stats counts them, a CRL-only file is
    fine); cadata takes certificates only, as CPython's _add_ca_certs."""
    crl_pem = _pem([crls.crl(crls.inter)])
    only = tmp_path / "only-crl.pem"
    only.write_bytes(crl_pem)
    both = tmp_path / "both.pem"
    both.write_bytes(crls.root.cert_pem + crl_pem + _pem([crls.crl(crls.root)]))
    capath = tmp_path / "capath"
    capath.mkdir()
    (capath / "0badc0de.r0").write_bytes(crl_pem)
    for module in (ssl, fasttls):
        ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(only))
        ctx.load_verify_locations(str(only))
        assert ctx.cert_store_stats() == {"x509": 0, "crl": 1, "x509_ca": 0}, module
        ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(both))
        assert ctx.cert_store_stats() == {"x509": 1, "crl": 2, "x509_ca": 1}, module
        ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cadata=crls.root.cert_pem.decode() + crl_pem.decode())
        assert ctx.cert_store_stats() == {"x509": 1, "crl": 0, "x509_ca": 1}, module
        with pytest.raises(ssl.SSLError, match="no start line"):
            ctx.load_verify_locations(cadata=crl_pem.decode())
    store = TrustStore()
    store.load_verify_locations(capath=str(capath))
    assert store.cert_store_stats()["crl"] == 1
    assert store.copy().cert_store_stats()["crl"] == 1


def test_changing_crl_flags_drops_resumable_sessions(crls, tmp_path):
    """A session verified without CRL checks must not resume once they are on: a client
    context caches its sessions (README), and turning VERIFY_CRL_CHECK_LEAF on must empty
    that cache, or the next connection would resume past a revoked server certificate."""
    from .test_ssl_compat import connect, echo, echo_server

    certfile, keyfile = crls.leaf.write(tmp_path, "server")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certfile, keyfile)
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(crls.root.cert_pem + _pem([crls.crl(crls.inter, [crls.leaf.cert.serial_number])]))
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(cafile))
    with echo_server(server, connections=3) as srv:
        with connect(ctx, srv.port) as s:  # no CRL check yet: the revoked certificate passes
            echo(s, b"ticket please")
        with connect(ctx, srv.port) as s:
            assert s.session_reused  # the cache works...
            echo(s, b"resumed")
        ctx.verify_flags |= LEAF
        assert ctx._config_for(server_side=False).crl_check == "leaf"  # the config handshakes get
        with pytest.raises(ssl.SSLCertVerificationError) as info:  # ... and is emptied now
            with connect(ctx, srv.port):
                pass
    assert info.value.verify_code == 23
    ctx.verify_flags |= CHAIN
    assert ctx._config_for(server_side=False).crl_check == "chain"


@pytest.mark.parametrize("revoked", [False, True], ids=["clean", "intermediate revoked"])
def test_chain_check_with_the_intermediate_in_the_ca_file(crls, tmp_path, revoked):
    """Any certificate in the store ends a verified path, but OpenSSL (without
    VERIFY_X509_PARTIAL_CHAIN) builds on to the root: with the intermediate in the CA file
    too, VERIFY_CRL_CHECK_CHAIN checks it against the root's CRL, as ssl does (it failed
    with code 3, no issuer for the intermediate's CRL)."""
    cafile = tmp_path / "ca.pem"
    root_crl = crls.crl(crls.root, [crls.inter.cert.serial_number] if revoked else [])
    cafile.write_bytes(crls.root.cert_pem + crls.inter.cert_pem + _pem([crls.crl(crls.inter), root_crl]))
    certfile, keyfile = crls.leaf.write(tmp_path, "server")
    seen = client_verify_codes(certfile, keyfile, cafile, configure=lambda c: setattr(c, "verify_flags", c.verify_flags | CHAIN))
    assert seen == [23, 23] if revoked else seen == [None, None]


def test_crl_issuer_names_compare_as_openssl_compares_them(crls, tmp_path):
    """X509_NAME_cmp compares canonical names (case-folded, spaces collapsed): a CRL whose
    issuer spells the CA's name differently is still the CA's.  Matching names exactly
    let an older, exactly-spelled clean CRL hide a newer one revoking the leaf."""
    respelled = x509.Name([x509.NameAttribute(a.oid, "  " + str(a.value).upper().replace(" ", "   ") + " ") for a in crls.inter.cert.subject])
    now = pki.utcnow()
    revoking = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(respelled)
        .last_update(now - D(hours=1))
        .next_update(now + D(days=7))
        .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(crls.leaf.cert.serial_number).revocation_date(now - D(hours=1)).build())
        .sign(crls.inter.key, hashes.SHA256())
    )
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(crls.root.cert_pem + _pem([crls.crl(crls.inter, last=-D(days=2)), revoking]))
    certfile, keyfile = crls.leaf.write(tmp_path, "server")
    seen = client_verify_codes(certfile, keyfile, cafile, configure=lambda c: setattr(c, "verify_flags", c.verify_flags | LEAF))
    assert seen == [23, 23]


def test_sans_io_config(crls):
    """``Config.crl_check`` on the sans-IO API: a revoked server certificate fails the
    client's handshake with code 23 and the server receives certificate_revoked."""
    from .pairs import do_handshake, make_pair

    store = TrustStore([crls.root.cert])
    store.add_crl(crls.crl(crls.inter, [crls.leaf.cert.serial_number]))
    client = Config(trust_store=store, crl_check="leaf")
    server = Config(certificates=[crls.leaf.certified_key()])
    c, s = make_pair(client, server)
    with pytest.raises(fasttls.SSLCertVerificationError) as info:
        do_handshake(c, s)
    assert info.value.verify_code == 23


def test_check_revocation_direct(crls):
    """check_revocation on a verified path, as the handshakes call it."""
    store = TrustStore([crls.root.cert])
    now = pki.utcnow()
    path = [crls.leaf.cert, crls.inter.cert, crls.root.cert]
    assert store.add_crl(crls.crl(crls.inter))
    check_revocation(path, store, now)
    with pytest.raises(fasttls.SSLCertVerificationError) as info:
        check_revocation(path, store, now, chain=True)
    assert info.value.verify_code == 3
    assert store.add_crl(crls.crl(crls.root))
    check_revocation(path, store, now, chain=True)
    # Later, the intermediate's CRL has expired: it is not current any more.
    with pytest.raises(fasttls.SSLCertVerificationError) as info:
        check_revocation(path, store, now + D(days=8))
    assert info.value.verify_code == 12


def test_crl_verdicts_are_per_crl_and_key(crls):
    """The signature verdict a store remembers (a handshake must not hash a large CRL
    again) belongs to one CRL and one issuer key: another key gets its own answer."""
    store = TrustStore([crls.root.cert])
    good = crls.crl(crls.inter)
    forged = crls.crl(crls.inter, key=crls.other_key)
    store.add_crl(good)
    store.add_crl(forged)
    for _ in range(2):
        assert store.crl_signature_valid(good, crls.inter.cert)
        assert not store.crl_signature_valid(forged, crls.inter.cert)
        assert not store.crl_signature_valid(good, crls.root.cert)
    # A CRL the store does not hold is checked, never remembered: it could be freed and
    # another CRL come to live at its address (its id), and inherit the verdict.
    remembered = dict(store._crl_verdicts)
    outsider = crls.crl(crls.inter, [crls.leaf.cert.serial_number])
    assert store.crl_signature_valid(outsider, crls.inter.cert)
    assert store._crl_verdicts == remembered


def test_crl_issuer_names_fold_ascii_white_space_only(crls, tmp_path):
    """x509_name_canon folds ASCII white space only: a newer, clean CRL whose issuer ends
    in a no-break space is not the CA's, and the CA's own CRL, revoking the leaf, is used
    (ssl and fasttls both: 23)."""
    odd = x509.Name([x509.NameAttribute(a.oid, str(a.value) + "\u00a0") for a in crls.inter.cert.subject])
    now = pki.utcnow()
    clean_odd = x509.CertificateRevocationListBuilder().issuer_name(odd).last_update(now - D(minutes=5)).next_update(now + D(days=7)).sign(crls.inter.key, hashes.SHA256())
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(crls.root.cert_pem + _pem([crls.crl(crls.inter, [crls.leaf.cert.serial_number], last=-D(days=1)), clean_odd]))
    certfile, keyfile = crls.leaf.write(tmp_path, "server")
    seen = client_verify_codes(certfile, keyfile, cafile, configure=lambda c: setattr(c, "verify_flags", c.verify_flags | LEAF))
    assert seen == [23, 23]

"""Certificates whose key is id-RSASSA-PSS (``openssl genpkey -algorithm RSA-PSS``).

RFC 8446 4.2.3: such a key signs with ``rsa_pss_pss_*`` only, in TLS 1.3 and 1.2;
``rsa_pss_rsae_*`` is for rsaEncryption keys.  We used to sign with rsae, which
OpenSSL refuses ("wrong signature type"), so these run against OpenSSL and Python's
ssl on both sides.  cryptography cannot write an id-RSASSA-PSS public key, so the
openssl CLI makes the key and signs the certificate with our test CA.
"""

from __future__ import annotations

import ssl
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fasttls import auth
from fasttls.config import CertifiedKey, ClientAuthType, Config
from fasttls.constants import AlertDescription, ProtocolVersion, SignatureScheme
from fasttls.errors import TLSError

from .interop import fasttls_client, fasttls_server, recv_exactly
from .pairs import make_pair, post_handshake_auth_error, run_until_error
from .peers import openssl_client, openssl_server, ssl_echo_handler, thread_server

PSS_SCHEMES = {SignatureScheme.rsa_pss_pss_sha256, SignatureScheme.rsa_pss_pss_sha384, SignatureScheme.rsa_pss_pss_sha512}
VERSIONS = {"TLSv1.3": ProtocolVersion.TLS13, "TLSv1.2": ProtocolVersion.TLS12}
OPENSSL_FLAG = {"TLSv1.3": "-tls1_3", "TLSv1.2": "-tls1_2"}


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _issue(d, name: str, san: str, usage: str, pkeyopts: tuple[str, ...] = ()):
    """An RSA-PSS key (``openssl genpkey`` options ``pkeyopts``) and its leaf from the test CA."""
    key, csr, leaf, ext = (d / f"{name}{suffix}" for suffix in (".key", ".csr", "-leaf.pem", ".ext"))
    opts = [a for o in ("rsa_keygen_bits:2048", *pkeyopts) for a in ("-pkeyopt", o)]
    _openssl("genpkey", "-algorithm", "RSA-PSS", *opts, "-out", str(key))
    _openssl("req", "-new", "-key", str(key), "-subj", f"/CN={name} rsa-pss", "-out", str(csr))
    ext.write_text(
        "[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        f"extendedKeyUsage={usage}\nsubjectAltName={san}\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(d / "ca-cert.pem"), "-CAkey", str(d / "ca-key.pem"), "-CAcreateserial",
             "-days", "2", "-extfile", str(ext), "-extensions", "v3", "-out", str(leaf))  # fmt: skip
    chain = d / f"{name}-chain.pem"
    chain.write_bytes(leaf.read_bytes() + (d / "ca-cert.pem").read_bytes())
    certs = x509.load_pem_x509_certificates(chain.read_bytes())
    assert certs[0].public_key_algorithm_oid == auth.RSA_PSS_OID
    return str(chain), str(key), certs, serialization.load_pem_private_key(key.read_bytes(), None)


SERVER_SAN = "DNS:localhost,IP:127.0.0.1"
#: openssl genpkey options that restrict the key to SHA-384 (RFC 4055 3.1 parameters).
SHA384_ONLY = ("rsa_pss_keygen_md:sha384", "rsa_pss_keygen_mgf1_md:sha384", "rsa_pss_keygen_saltlen:48")


@pytest.fixture(scope="module")
def pss(pki, tmp_path_factory):
    """Server and client certificates with RSA-PSS keys, issued by the test CA.

    "server-sha384" is a server key whose parameters allow SHA-384 only.
    """
    d = tmp_path_factory.mktemp("rsa-pss")
    (d / "ca-cert.pem").write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    (d / "ca-key.pem").write_bytes(pki.ca.key_pem)
    (d / "root.pem").write_bytes(pki.ca_pem)
    out = {"root": str(d / "root.pem"), "dir": d}
    for role, san, usage, opts in (
        ("server", SERVER_SAN, "serverAuth", ()),
        ("client", "DNS:client.fasttls.test", "clientAuth", ()),
        ("server-sha384", SERVER_SAN, "serverAuth", SHA384_ONLY),
    ):
        chain, key, certs, private_key = _issue(d, role, san, usage, opts)
        out[role] = (chain, key, CertifiedKey(certs, private_key))
    return out


def test_a_pss_key_signs_with_the_pss_schemes_only(pki, pss):
    ck = pss["server"][2]
    for tls13 in (True, False):
        assert set(ck.signing_schemes(tls13)) == PSS_SCHEMES
    # An rsaEncryption key never offers them.
    assert not PSS_SCHEMES & set(pki.server("rsa-2048").signing_schemes(True))
    # And we advertise them, as OpenSSL does, so a server with such a certificate can answer.
    assert PSS_SCHEMES <= set(auth.DEFAULT_SIGNATURE_SCHEMES)


@pytest.mark.parametrize("order", ["rsa-then-pss", "pss-then-rsa"])
@pytest.mark.parametrize(
    "s_client_args",
    [["-tls1_2", "-sigalgs", "RSA+SHA256"], ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], ["-tls1_3", "-sigalgs", "rsa_pss_pss_sha256"]],
    ids=["tls12-pkcs1", "tls13-rsae", "tls13-pss"],
)
def test_an_rsa_and_an_rsa_pss_certificate_are_both_kept_as_in_ssl(pki, pss, tmp_path, order, s_client_args):
    """OpenSSL keeps an id-RSASSA-PSS certificate in a slot of its own beside the
    rsaEncryption one; both were RSA keys to us, so the second replaced the first and a
    client that takes only the other's signatures failed (handshake_failure)."""
    import fasttls

    from .peers import openssl_client

    rsa = pki.server("rsa-2048")
    rsa_chain, rsa_key = tmp_path / "rsa.pem", tmp_path / "rsa.key"
    rsa_chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in rsa.chain))
    rsa_key.write_bytes(rsa.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    loads = [(str(rsa_chain), str(rsa_key)), pss["server"][:2]]
    if order == "pss-then-rsa":
        loads.reverse()
    seen = {}
    for kind, cls in (("ssl", ssl.SSLContext), ("fasttls", fasttls.SSLContext)):
        ctx = cls(ssl.PROTOCOL_TLS_SERVER)
        for chain, key in loads:
            ctx.load_cert_chain(chain, key)
        with thread_server(ssl_echo_handler(ctx)) as srv:
            with openssl_client(srv.port, ["-CAfile", pss["root"], "-servername", "localhost", *s_client_args]) as cli:
                seen[kind] = cli.wait_for(r"Peer signature type: \S+|alert|error")
                cli.send(b"bye\n")
                cli.close_stdin()
    assert seen["fasttls"] == seen["ssl"] and "Peer signature type" in seen["ssl"], seen


@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_client_verifies_our_pss_server(pki, pss, version):
    text, info = s_client_to_our_server(pss, pss["server"][2], version)
    assert "Peer signature type: RSA-PSS" in text, text
    assert info["echoed"] == 4


def s_client_to_our_server(pss, ck, version):
    """``openssl s_client`` verifying our server with ``ck`` and echoing a line: its output
    and our server's summary."""
    with fasttls_server(Config(certificates=[ck], min_version=VERSIONS[version], max_version=VERSIONS[version])) as srv:
        args = [OPENSSL_FLAG[version], "-CAfile", pss["root"], "-verify_return_error", "-servername", "localhost"]
        with openssl_client(srv.port, args) as cli:
            cli.wait_for(r"Verify return code: 0 \(ok\)")
            cli.send(b"pss\n")
            cli.wait_for("pss")
            cli.close_stdin()
            cli.wait()
            text = cli.text()
        return text, srv.join()[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_our_client_verifies_an_openssl_pss_server(pki, pss, version):
    chain, key, _ = pss["server"]
    args = ["-cert", chain, "-cert_chain", chain, "-key", key, OPENSSL_FLAG[version], "-rev"]
    with openssl_server(args) as srv:
        with fasttls_client(Config(trust_store=pki.store), srv.port) as tls:
            assert tls.version() == version
            assert tls.connection.peer_signature_scheme in PSS_SCHEMES
            tls.sendall(b"abc\n")
            assert recv_exactly(tls, 4) == b"cba\n"


def test_python_ssl_client_with_our_pss_server_context(pki, pss):
    import fasttls

    chain, key, _ = pss["server"]
    server_ctx = fasttls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(chain, key)
    client_ctx = ssl.create_default_context(cafile=pss["root"])
    with thread_server(ssl_echo_handler(server_ctx)) as srv:
        with client_ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", srv.port), timeout=20), server_hostname="localhost") as tls:
            tls.sendall(b"ping")
            assert recv_exactly(tls, 4) == b"ping"
        srv.join()
    assert srv.results[0]["version"] == "TLSv1.3"


@pytest.mark.parametrize("version", VERSIONS)
def test_pss_client_certificate_to_openssl(pki, pss, version):
    chain, key, _ = pss["server"]
    client_ck = pss["client"][2]
    args = ["-cert", chain, "-cert_chain", chain, "-key", key, OPENSSL_FLAG[version], "-Verify", "2", "-CAfile", pss["root"], "-verify_return_error", "-rev"]
    with openssl_server(args) as srv:
        with fasttls_client(Config(trust_store=pki.store, certificates=[client_ck]), srv.port) as tls:
            tls.sendall(b"mtls\n")
            assert recv_exactly(tls, 5) == b"sltm\n"
        srv.wait_for(r"CN ?= ?client rsa-pss")


def test_our_server_verifies_a_pss_client_certificate(pki, pss):
    cfg = Config(certificates=[pss["server"][2]], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store)
    with fasttls_server(cfg) as srv:
        with fasttls_client(Config(trust_store=pki.store, certificates=[pss["client"][2]]), srv.port) as tls:
            tls.sendall(b"x")
            assert recv_exactly(tls, 1) == b"x"
            assert tls.connection.version == ProtocolVersion.TLS13
        info = srv.join()[0]
    assert info["echoed"] == 1


@pytest.mark.parametrize(
    "pkeyopts,expected",
    [
        ((), set(PSS_SCHEMES)),
        (SHA384_ONLY, {SignatureScheme.rsa_pss_pss_sha384}),
        (("rsa_pss_keygen_md:sha512", "rsa_pss_keygen_mgf1_md:sha512"), {SignatureScheme.rsa_pss_pss_sha512}),
        # MGF1 with another hash than the signature's: no TLS scheme does that.
        (("rsa_pss_keygen_md:sha256", "rsa_pss_keygen_mgf1_md:sha512"), set()),
        # A minimum salt longer than the hash: TLS's salt is the hash's length.
        (("rsa_pss_keygen_md:sha256", "rsa_pss_keygen_mgf1_md:sha256", "rsa_pss_keygen_saltlen:64"), set()),
        # Parameters with the hash left out mean SHA-1.
        (("rsa_pss_keygen_saltlen:20",), set()),
    ],
    ids=["unrestricted", "sha384", "sha512", "mgf1-mismatch", "long-salt", "sha1"],
)
def test_key_parameters_decide_the_schemes(pss, pkeyopts, expected):
    """RFC 4055 3.1: a key with parameters signs only with them, so only the matching rsa_pss_pss_* fits."""
    name = "-".join(["params", *(o.split(":")[1] for o in pkeyopts)])
    _, _, certs, private_key = _issue(pss["dir"], name, SERVER_SAN, "serverAuth", pkeyopts)
    assert set(auth.rsa_pss_key_schemes(certs[0])) == expected
    if expected:
        ck = CertifiedKey(certs, private_key)
        assert set(ck.signing_schemes(True)) == set(ck.signing_schemes(False)) == expected
    else:
        with pytest.raises(ValueError, match="allow no TLS signature scheme"):
            CertifiedKey(certs, private_key)


@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_client_and_a_sha384_only_key(pss, version):
    """We used to sign with rsa_pss_pss_sha256, which OpenSSL refuses for this key ("digest not allowed")."""
    text, _ = s_client_to_our_server(pss, pss["server-sha384"][2], version)
    assert "Peer signing digest: SHA384" in text, text


def test_a_signature_outside_the_key_parameters_is_refused(pss):
    """The verifying side holds the peer to the parameters too (OpenSSL does)."""
    ck = pss["server-sha384"][2]
    message = b"signed"
    for scheme in (SignatureScheme.rsa_pss_pss_sha256, SignatureScheme.rsa_pss_pss_sha384):
        signature = auth.sign(ck.private_key, scheme, message)
        if scheme == SignatureScheme.rsa_pss_pss_sha384:
            auth.verify(ck.leaf, scheme, message, signature)
        else:
            auth.verify(ck.leaf.public_key(), scheme, message, signature)  # the bare key has no parameters
            with pytest.raises(TLSError, match="outside the certificate's RSASSA-PSS key parameters") as e:
                auth.verify(ck.leaf, scheme, message, signature)
            assert e.value.alert == AlertDescription.illegal_parameter


def _signing_with(ck: CertifiedKey, scheme: int) -> CertifiedKey:
    """A copy of ``ck`` that signs with ``scheme`` whatever its key type allows: a peer
    that breaks RFC 8446 4.2.3 (cryptography signs PSS with either key type)."""
    bad = CertifiedKey(ck.chain, ck.private_key)
    bad.signing_schemes = lambda tls13: [scheme]  # type: ignore[method-assign]
    return bad


#: RFC 8446 4.2.3's split, broken three ways: what signs, with which scheme.
MISMATCHES = {
    "rsaEncryption-signs-pss_pss": ("rsa", SignatureScheme.rsa_pss_pss_sha256),
    "pss-key-signs-rsae": ("server", SignatureScheme.rsa_pss_rsae_sha256),
    "sha384-only-key-signs-sha256": ("server-sha384", SignatureScheme.rsa_pss_pss_sha256),
}


def _mismatched(pki, pss, which: str, client: bool) -> CertifiedKey:
    kind, scheme = MISMATCHES[which]
    if kind == "rsa":
        ck = pki.client("rsa-2048") if client else pki.server("rsa-2048")
    else:
        ck = pss["client" if client and kind == "server" else kind][2]
    return _signing_with(ck, scheme)


@pytest.mark.parametrize("which", MISMATCHES)
@pytest.mark.parametrize("version", VERSIONS)
def test_our_client_holds_the_server_to_its_key_type(pki, pss, which, version):
    """The TLS 1.3 CertificateVerify used to be checked against the bare key, which
    allows both PSS kinds: a server could sign rsa_pss_pss with an rsaEncryption key.
    ssl refuses it (WRONG_SIGNATURE_TYPE, illegal_parameter), as we now do."""
    server = Config(certificates=[_mismatched(pki, pss, which, client=False)], min_version=VERSIONS[version], max_version=VERSIONS[version])
    c, s = make_pair(Config(trust_store=pki.store), server)
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter, err
    assert "key" in str(err)


#: The fixture's client certificates: an rsaEncryption one and an unrestricted PSS one.
CLIENT_MISMATCHES = ["rsaEncryption-signs-pss_pss", "pss-key-signs-rsae"]


@pytest.mark.parametrize("which", CLIENT_MISMATCHES)
@pytest.mark.parametrize("version", VERSIONS)
def test_our_server_holds_the_client_to_its_key_type(pki, pss, which, version):
    client = Config(trust_store=pki.store, certificates=[_mismatched(pki, pss, which, client=True)])
    server = Config(
        certificates=[pki.server()], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store,
        min_version=VERSIONS[version], max_version=VERSIONS[version],
    )  # fmt: skip
    c, s = make_pair(client, server)
    err = run_until_error(c, s)
    assert err.alert == AlertDescription.illegal_parameter, err


@pytest.mark.parametrize("which", CLIENT_MISMATCHES)
def test_post_handshake_auth_holds_the_client_to_its_key_type(pki, pss, which):
    client = Config(trust_store=pki.store, certificates=[_mismatched(pki, pss, which, client=True)], post_handshake_auth=True)
    server = Config(
        certificates=[pki.server()], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=pki.store,
        post_handshake_auth=True, min_version=ProtocolVersion.TLS13,
    )  # fmt: skip
    assert post_handshake_auth_error(*make_pair(client, server)).alert == AlertDescription.illegal_parameter

"""ML-DSA certificates in TLS 1.3 (draft-ietf-tls-mldsa: schemes 0x0904-0x0906, pure ML-DSA
with an empty context, TLS 1.3 only), against pyOpenSSL, whose OpenSSL (the one inside
``cryptography``'s wheel) signs and verifies them by default, against Python's ``ssl``,
whose OpenSSL 3.0 knows no ML-DSA, and between fasttls endpoints."""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import threading
import warnings

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL, crypto

import fasttls
from fasttls import auth
from fasttls.config import CertifiedKey, ClientAuthType, Config
from fasttls.constants import AlertDescription, ProtocolVersion, SignatureScheme
from fasttls.errors import TLSError
from fasttls.messages import handshake as m

from .compat import no_leaks  # noqa: F401 - fixture
from .pairs import do_handshake, exchange, make_pair, run_until_error, tamper_sent
from .pki import TestPKI, generate_key, make_ca, make_leaf, pem_of

TLS12, TLS13 = ProtocolVersion.TLS12, ProtocolVersion.TLS13
MLDSA = {"mldsa44": SignatureScheme.mldsa44, "mldsa65": SignatureScheme.mldsa65, "mldsa87": SignatureScheme.mldsa87}


@pytest.fixture(scope="module")
def mpki() -> TestPKI:
    """A PKI whose root and intermediate are ML-DSA-65, so the chain's signatures are ML-DSA too."""
    return TestPKI(ca_key_type="mldsa65", name="fasttls ML-DSA test")


@pytest.fixture(scope="module")
def mfiles(mpki, pki, tmp_path_factory) -> dict:
    """The ML-DSA PKI's files, and ("classic-ca", "classic-ecdsa") an ECDSA chain of the
    shared test PKI, which OpenSSL 3.0 can verify."""
    d = tmp_path_factory.mktemp("mldsa-pki")
    out = {"ca": str(d / "ca.pem"), "classic-ca": str(d / "classic-ca.pem")}
    (d / "ca.pem").write_bytes(mpki.ca_pem)
    (d / "classic-ca.pem").write_bytes(pki.ca_pem)
    out["classic-ecdsa"] = pki.issued("ecdsa-p256").write(d, "classic-ecdsa")
    for kt in (*MLDSA, "ecdsa-p256"):
        out[kt] = mpki.issued(kt).write(d, f"server-{kt}")
        out[f"client-{kt}"] = mpki.issued(kt, ("client.fasttls.test",), client=True).write(d, f"client-{kt}")
    return out


# ---- the signature scheme itself -----------------------------------------------------------------


@pytest.mark.parametrize("key_type", MLDSA)
def test_sign_and_verify_in_tls13_only(key_type):
    key = generate_key(key_type)
    scheme = MLDSA[key_type]
    message = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, b"\x01" * 32)
    assert auth.schemes_for_key(key, True) == [scheme]
    assert auth.schemes_for_key(key, False) == []  # draft-ietf-tls-mldsa: not in TLS 1.2
    sig = auth.sign(key, scheme, message, tls13=True)
    auth.verify(key.public_key(), scheme, message, sig, tls13=True)
    # Pure ML-DSA with the empty context: what cryptography (OpenSSL) verifies with no context.
    key.public_key().verify(sig, message)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(sig, message, b"ctx")
    with pytest.raises(TLSError) as e:
        auth.verify(key.public_key(), scheme, message[:-1] + b"\x02", sig, tls13=True)
    assert e.value.alert == AlertDescription.decrypt_error
    with pytest.raises(TLSError) as e:
        auth.verify(key.public_key(), scheme, message, sig, tls13=False)
    assert e.value.alert == AlertDescription.illegal_parameter and "not allowed in TLS 1.2" in str(e.value)
    with pytest.raises(TLSError) as e:
        auth.sign(key, scheme, message, tls13=False)
    assert e.value.alert == AlertDescription.internal_error


def test_a_scheme_fits_only_its_own_parameter_set():
    key44 = generate_key("mldsa44")
    sig = auth.sign(key44, SignatureScheme.mldsa44, b"m", tls13=True)
    with pytest.raises(TLSError) as e:
        auth.verify(key44.public_key(), SignatureScheme.mldsa65, b"m", sig, tls13=True)
    assert e.value.alert == AlertDescription.illegal_parameter and "needs an ML-DSA-65 key" in str(e.value)
    with pytest.raises(TLSError) as e:
        auth.verify(generate_key("ecdsa-p256").public_key(), SignatureScheme.mldsa44, b"m", sig, tls13=True)
    assert e.value.alert == AlertDescription.illegal_parameter


def test_names_and_defaults():
    assert auth.parse_sigalgs("mldsa44:ML-DSA-65:MLDSA87") == [SignatureScheme.mldsa44, SignatureScheme.mldsa65, SignatureScheme.mldsa87]
    assert set(MLDSA.values()) <= set(auth.DEFAULT_SIGNATURE_SCHEMES)
    assert auth.TLS13_ONLY_SCHEMES == frozenset(MLDSA.values())


# ---- fasttls to fasttls, in memory ---------------------------------------------------------------


@pytest.mark.parametrize("key_type", MLDSA)
def test_server_certificate(mpki, key_type):
    c, s = make_pair(Config(trust_store=mpki.store), Config(certificates=[mpki.server(key_type)]))
    do_handshake(c, s)
    assert c.version == TLS13 and s.signature_scheme == MLDSA[key_type] and c.peer_signature_scheme == MLDSA[key_type]
    assert len(c.verified_chain) == 3
    assert exchange(c, s, b"post-quantum signatures") == b"post-quantum signatures"


@pytest.mark.parametrize("key_type", MLDSA)
def test_client_certificate(mpki, key_type):
    server = Config(certificates=[mpki.server("ecdsa-p256")], client_auth=ClientAuthType.RequireAndVerifyClientCert, trust_store=mpki.store)
    c, s = make_pair(Config(trust_store=mpki.store, certificates=[mpki.client(key_type)]), server)
    do_handshake(c, s)
    assert c.signature_scheme == MLDSA[key_type] and s.peer_signature_scheme == MLDSA[key_type]
    assert s.peer_certificates[0] == mpki.client(key_type).chain_der[0]


def test_tls12_never_uses_an_mldsa_certificate(mpki):
    # A server with only an ML-DSA certificate has nothing to offer a TLS 1.2 client.
    c, s = make_pair(Config(trust_store=mpki.store, max_version=TLS12), Config(certificates=[mpki.server("mldsa44")]))
    err = run_until_error(c, s)
    assert "none of our certificates fits" in str(err)
    # With an ECDSA certificate too, TLS 1.2 gets that one and TLS 1.3 the ML-DSA one.
    both = Config(certificates=[mpki.server("mldsa44"), mpki.server("ecdsa-p256")])
    c, s = make_pair(Config(trust_store=mpki.store, max_version=TLS12), both)
    do_handshake(c, s)
    assert c.version == TLS12 and s.local_certificate is both.certificates[1]
    c, s = make_pair(Config(trust_store=mpki.store), both)
    do_handshake(c, s)
    assert c.version == TLS13 and s.signature_scheme == SignatureScheme.mldsa44


def test_tls12_hellos_and_requests_leave_mldsa_out(mpki):
    """A TLS 1.2-only ClientHello and a TLS 1.2 CertificateRequest do not list the schemes
    only TLS 1.3 defines; a hello offering TLS 1.3 and a TLS 1.3 request do."""
    for version in (TLS12, TLS13):
        c, s = make_pair(
            Config(trust_store=mpki.store, max_version=version, certificates=[mpki.client("ecdsa-p256")]),
            Config(certificates=[mpki.server("ecdsa-p256")], client_auth=ClientAuthType.RequireAndVerifyClientCert, trust_store=mpki.store),
        )
        sent = []
        tamper_sent(c, m.ClientHello, change=lambda msg: sent.append(msg) or msg)
        tamper_sent(s, (m.CertificateRequestTLS12, m.CertificateRequestTLS13), change=lambda msg: sent.append(msg) or msg)
        do_handshake(c, s)
        hello, request = sent
        listed = set(MLDSA.values())
        if version == TLS12:
            assert not listed & set(hello.signature_algorithms) and not listed & set(request.signature_algorithms)
            assert SignatureScheme.ecdsa_secp256r1_sha256 in request.signature_algorithms
        else:
            assert listed <= set(hello.signature_algorithms) and listed <= set(request.signature_algorithms)


@pytest.mark.parametrize("version", [TLS12, TLS13])
def test_a_client_signs_only_with_its_own_schemes(mpki, version):
    """A client's ``signature_schemes`` bound its CertificateVerify as they bound the
    server's: leaving ML-DSA (or Ed25519) out makes it choose its other certificate."""
    server = Config(certificates=[mpki.server("ecdsa-p256")], client_auth=ClientAuthType.RequireAndVerifyClientCert, trust_store=mpki.store)
    for left_out, first in ((MLDSA.values(), "mldsa65"), ((SignatureScheme.ed25519,), "ed25519")):
        if version == TLS12 and first == "mldsa65":
            continue  # never in TLS 1.2 anyway (test_tls12_never_uses_an_mldsa_certificate)
        schemes = [s for s in auth.DEFAULT_SIGNATURE_SCHEMES if s not in left_out]
        client = Config(trust_store=mpki.store, max_version=version, signature_schemes=schemes, certificates=[mpki.client(first), mpki.client("ecdsa-p256")])
        c, s = make_pair(client, server)
        do_handshake(c, s)
        assert c.signature_scheme == SignatureScheme.ecdsa_secp256r1_sha256, (version, first)


@pytest.mark.parametrize("choice", ["order", "client", "server"])
def test_certificates_naming_the_host_come_first_whatever_the_ranking(mpki, choice):
    """Ranking by signature scheme happens among the certificates that name the SNI host
    first: an ML-DSA chain for another host never beats the RSA one for this host."""
    for_a = mpki.server("rsa-2048", names=["a.example"])
    for_b = mpki.server("mldsa44", names=["b.example"])
    c, s = make_pair(Config(trust_store=mpki.store), Config(certificates=[for_b, for_a], certificate_choice=choice), server_hostname="a.example")
    do_handshake(c, s)
    assert s.local_certificate is for_a


def test_a_client_without_mldsa_gets_the_other_certificate(mpki):
    both = Config(certificates=[mpki.server("mldsa65"), mpki.server("ecdsa-p256")])
    classic = [s for s in auth.DEFAULT_SIGNATURE_SCHEMES if s not in auth.TLS13_ONLY_SCHEMES]
    c, s = make_pair(Config(trust_store=mpki.store, signature_schemes=classic), both)
    do_handshake(c, s)
    assert s.signature_scheme == SignatureScheme.ecdsa_secp256r1_sha256


# ---- real peers: pyOpenSSL (OpenSSL with ML-DSA) and Python's ssl (OpenSSL 3.0, without) ---------


def _serving(listener: socket.socket, handler, seen: dict):
    """Run ``handler`` for one connection in a thread; yield (address, seen) meanwhile."""
    t = threading.Thread(target=handler)
    t.start()
    try:
        yield listener.getsockname(), seen
    finally:
        t.join(30)
        listener.close()


@contextlib.contextmanager
def pyopenssl_server(ctx: SSL.Context):
    """A one-connection pyOpenSSL echo server on 127.0.0.1: yields (address, what it saw)."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: dict = {}

    def run():
        raw, _ = listener.accept()
        with raw:
            raw.setblocking(True)  # pyOpenSSL wants blocking sockets; our client side times out instead
            conn = SSL.Connection(ctx, raw)
            conn.set_accept_state()
            try:
                conn.do_handshake()
                seen["peer"] = conn.get_peer_certificate(as_cryptography=True)
                conn.sendall(conn.recv(65536))
                conn.shutdown()
            except SSL.Error as e:
                seen["error"] = e

    yield from _serving(listener, run, seen)


@contextlib.contextmanager
def fasttls_server(*cert_files, client_ca: str | None = None):
    """A one-connection fasttls echo server (``SSLContext``) holding the given certificates:
    yields (address, what it saw: the schemes, the client's certificate, or the error)."""
    sctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    for pair in cert_files:
        sctx.load_cert_chain(*pair)
    if client_ca is not None:
        sctx.load_verify_locations(client_ca)
        sctx.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    seen: dict = {}

    def serve():
        raw, _ = listener.accept()
        raw.settimeout(20)
        try:
            with sctx.wrap_socket(raw, server_side=True) as tls:
                seen.update(version=tls.version(), scheme=tls._conn.signature_scheme, peer_scheme=tls._conn.peer_signature_scheme)
                seen["peer"] = tls.getpeercert()
                tls.sendall(tls.recv(100))
        except ssl.SSLError as e:
            seen["error"] = e
        finally:
            raw.close()

    yield from _serving(listener, serve, seen)


def pyopenssl_ctx(mfiles, cert: str | None, *, server: bool, require_client=False, max_tls12=False) -> SSL.Context:
    ctx = SSL.Context(SSL.TLS_METHOD)
    if max_tls12:
        ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    if cert is not None:
        ctx.use_certificate_chain_file(mfiles[cert][0])
        ctx.use_privatekey_file(mfiles[cert][1])
    if not server or require_client:
        ctx.load_verify_locations(mfiles["ca"])
        flags = SSL.VERIFY_PEER | (SSL.VERIFY_FAIL_IF_NO_PEER_CERT if server else 0)
        ctx.set_verify(flags, lambda *a: a[-1])
    return ctx


def pyopenssl_echo(address, ctx: SSL.Context, data: bytes, peer: dict | None = None) -> str:
    """Connect with pyOpenSSL, send ``data``, check it comes back; returns the version (and
    puts the server's certificate in ``peer["cert"]``)."""
    with socket.create_connection(address, timeout=20) as raw:
        raw.setblocking(True)
        conn = SSL.Connection(ctx, raw)
        conn.set_connect_state()
        conn.set_tlsext_host_name(b"localhost")
        conn.do_handshake()
        conn.sendall(data)
        assert conn.recv(100) == data
        if peer is not None:
            peer["cert"] = conn.get_peer_certificate(as_cryptography=True)
        return conn.get_protocol_version_name()


def fasttls_echo(address, ca: str, data: bytes, client_cert=None):
    """Connect with a fasttls ``SSLContext`` client, send ``data``, check it comes back;
    returns the connection's (version, our scheme, the server's scheme)."""
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if client_cert is not None:
        ctx.load_cert_chain(*client_cert)
    with socket.create_connection(address, timeout=20) as raw, ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(data)
        assert tls.recv(100) == data
        assert tls.getpeercert()["subject"]
        return tls.version(), tls._conn.signature_scheme, tls._conn.peer_signature_scheme


@pytest.mark.parametrize("key_type", MLDSA)
def test_client_against_pyopenssl_server(mfiles, key_type):
    with pyopenssl_server(pyopenssl_ctx(mfiles, key_type, server=True)) as (address, seen):
        assert fasttls_echo(address, mfiles["ca"], b"ML-DSA from OpenSSL") == ("TLSv1.3", None, MLDSA[key_type])
    assert "error" not in seen, seen


@pytest.mark.parametrize("key_type", MLDSA)
def test_pyopenssl_client_against_server(mfiles, key_type):
    with fasttls_server(mfiles[key_type]) as (address, seen):
        assert pyopenssl_echo(address, pyopenssl_ctx(mfiles, None, server=False), b"ML-DSA from fasttls") == "TLSv1.3"
    assert seen["scheme"] == MLDSA[key_type], seen


def test_pyopenssl_client_gets_mldsa_first_as_from_openssl(mfiles):
    """An SSLContext server holding ECDSA and ML-DSA chains ranks them as OpenSSL 3.5+ does
    (ML-DSA first in its order and in its clients'), whatever order they were loaded in."""
    with fasttls_server(mfiles["ecdsa-p256"], mfiles["mldsa87"]) as (address, seen):
        assert pyopenssl_echo(address, pyopenssl_ctx(mfiles, None, server=False), b"ranked") == "TLSv1.3"
    assert seen["scheme"] == SignatureScheme.mldsa87, seen
    # pyOpenSSL's own server, loaded in the same order, serves the ML-DSA chain too.
    reference = pyopenssl_ctx(mfiles, "ecdsa-p256", server=True)
    reference.use_certificate_chain_file(mfiles["mldsa87"][0])
    reference.use_privatekey_file(mfiles["mldsa87"][1])
    peer: dict = {}
    with pyopenssl_server(reference) as (address, seen):
        pyopenssl_echo(address, pyopenssl_ctx(mfiles, None, server=False), b"reference", peer=peer)
    assert auth.mldsa_name(peer["cert"].public_key()) == "ML-DSA-87"


def test_mutual_tls_with_pyopenssl_both_ways(mpki, mfiles):
    # pyOpenSSL's server asks for and verifies our ML-DSA-87 client certificate.
    with pyopenssl_server(pyopenssl_ctx(mfiles, "mldsa65", server=True, require_client=True)) as (address, seen):
        got = fasttls_echo(address, mfiles["ca"], b"mutual", client_cert=mfiles["client-mldsa87"])
        assert got == ("TLSv1.3", SignatureScheme.mldsa87, SignatureScheme.mldsa65)
    assert "error" not in seen, seen
    assert seen["peer"] == mpki.issued("mldsa87", ("client.fasttls.test",), client=True).cert
    # A pyOpenSSL client with an ML-DSA-44 certificate, verified by our server.
    with fasttls_server(mfiles["ecdsa-p256"], client_ca=mfiles["ca"]) as (address, seen):
        assert pyopenssl_echo(address, pyopenssl_ctx(mfiles, "client-mldsa44", server=False), b"client ML-DSA") == "TLSv1.3"
    assert seen["peer_scheme"] == SignatureScheme.mldsa44, seen
    assert (("commonName", "client.fasttls.test"),) in seen["peer"]["subject"]


def test_tls12_pyopenssl_client_gets_the_ecdsa_certificate(mfiles):
    """OpenSSL never offers ML-DSA in TLS 1.2; a server holding ML-DSA and ECDSA answers a
    TLS 1.2 client with ECDSA, and one holding only ML-DSA refuses it."""
    tls12_client = pyopenssl_ctx(mfiles, None, server=False, max_tls12=True)
    with fasttls_server(mfiles["mldsa44"], mfiles["ecdsa-p256"]) as (address, seen):
        assert pyopenssl_echo(address, tls12_client, b"tls12") == "TLSv1.2"
    assert seen["version"] == "TLSv1.2" and seen["scheme"] == SignatureScheme.ecdsa_secp256r1_sha256, seen
    with fasttls_server(mfiles["mldsa44"]) as (address, seen):
        with pytest.raises(SSL.Error, match="handshake failure"):
            pyopenssl_echo(address, tls12_client, b"tls12")
    # What an OpenSSL server says when no certificate of its fits a TLS 1.2 client.
    assert "NO_SHARED_CIPHER" in str(seen["error"]) and "none of our certificates fits" in str(seen["error"]), seen


def test_python_ssl_client_without_mldsa(mfiles):
    """Python's ssl (OpenSSL 3.0) offers no ML-DSA: our server answers it with its ECDSA
    certificate, and with only an ML-DSA one fails as an OpenSSL 3.5 server would."""
    cctx = ssl.create_default_context(cafile=mfiles["classic-ca"])
    with fasttls_server(mfiles["mldsa65"], mfiles["classic-ecdsa"]) as (address, seen):
        with socket.create_connection(address, timeout=20) as raw, cctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"classic")
            assert tls.recv(100) == b"classic"
    assert seen["scheme"] == SignatureScheme.ecdsa_secp256r1_sha256, seen
    with fasttls_server(mfiles["mldsa65"]) as (address, seen):
        with socket.create_connection(address, timeout=20) as raw:
            with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE|handshake failure"):
                cctx.wrap_socket(raw, server_hostname="localhost")
    assert "NO_SUITABLE_SIGNATURE_ALGORITHM" in str(seen["error"]), seen


# ---- security levels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ca_type, leaf_type, level",
    [("mldsa44", "ecdsa-p384", 4), ("mldsa44", "mldsa87", 5), ("mldsa87", "ecdsa-p256", 4), ("mldsa65", "mldsa44", 3), ("mldsa44", "mldsa65", 3)],
)
def test_security_levels_as_openssl(tmp_path, ca_type, leaf_type, level):
    """ML-DSA keys count 128/192/256 bits, and a signature by one (no digest) counts what
    OpenSSL 3.5+ gives it: the bits of the signed certificate's own key.  Our
    ``load_cert_chain`` at ``@SECLEVEL=n`` says what pyOpenSSL's OpenSSL says."""
    ca = make_ca(f"{ca_type} CA", ca_type)
    certfile, keyfile = make_leaf(ca, ["localhost"], leaf_type).write(tmp_path, "leaf")
    ours = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ours.set_ciphers(f"DEFAULT@SECLEVEL={level}")
    theirs = SSL.Context(SSL.TLS_METHOD)
    theirs.set_cipher_list(f"DEFAULT@SECLEVEL={level}".encode())
    try:
        theirs.use_certificate_chain_file(certfile)
        theirs.use_privatekey_file(keyfile)
        expected = None
    except SSL.Error as e:
        expected = e.args[0][0][2]  # OpenSSL's reason text
    try:
        ours.load_cert_chain(certfile, keyfile)
        got = None
    except ssl.SSLError as e:
        got = e.reason.lower().replace("_", " ")
    assert got == expected


# ---- ML-DSA private keys as OpenSSL writes them ----------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + body


def _pem_key(der: bytes) -> bytes:
    return b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END PRIVATE KEY-----\n"


def _openssl_key_parts(key) -> tuple[bytes, bytes, bytes, bytes]:
    """``key`` as OpenSSL 4 writes it by default (RFC 9881's "both" form: SEQUENCE { seed,
    expandedKey } in the PKCS#8 privateKey): its PEM, AlgorithmIdentifier, seed and expanded key."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pyOpenSSL's key API: what OpenSSL writes is the point
        pem = crypto.dump_privatekey(crypto.FILETYPE_PEM, crypto.load_privatekey(crypto.FILETYPE_PEM, pem_of(key)))
    info = x509_der_items(base64.b64decode(b"".join(pem.splitlines()[1:-1])))
    version, algorithm, private = x509_der_items(info[0][1])
    both = x509_der_items(private[1])[0]
    assert both[0] == 0x30, "OpenSSL wrote the seed+expanded form"
    seed, expanded = x509_der_items(both[1])
    return pem, algorithm[2], seed[1], expanded[1]


def x509_der_items(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(tag, contents, whole encoding) of each top-level DER element."""
    out, pos = [], 0
    while pos < len(data):
        tag, n, start = data[pos], data[pos + 1], pos + 2
        if n & 0x80:
            n, start = int.from_bytes(data[start : start + (n & 0x7F)], "big"), start + (n & 0x7F)
        out.append((tag, data[start : start + n], data[pos : start + n]))
        pos = start + n
    return out


def test_keys_as_openssl_writes_them(mpki, mfiles, tmp_path):
    """OpenSSL 3.5+ writes an ML-DSA key with its seed and its expanded form; cryptography reads
    the seed form only.  We take OpenSSL's (checking the two halves belong together), and say
    how to re-export a key that has no seed."""
    issued = mpki.issued("mldsa65")
    openssl_pem, algorithm, seed, expanded = _openssl_key_parts(issued.key)
    pkcs8 = lambda private: _der(0x30, _der(0x02, b"\x00") + algorithm + _der(0x04, private))  # noqa: E731
    both = tmp_path / "both.key"
    both.write_bytes(openssl_pem)
    with fasttls_server((mfiles["mldsa65"][0], str(both))) as (address, seen):
        assert pyopenssl_echo(address, pyopenssl_ctx(mfiles, None, server=False), b"OpenSSL's key form") == "TLSv1.3"
    assert seen["scheme"] == SignatureScheme.mldsa65
    assert CertifiedKey.from_pem(issued.chain_pem, both.read_bytes()).key_type == "ML-DSA-65"

    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    expanded_only = tmp_path / "expanded.key"
    expanded_only.write_bytes(_pem_key(pkcs8(_der(0x04, expanded))))
    with pytest.raises(ssl.SSLError, match=r"ML-DSA-65 private key in the expanded-only form.*ml-dsa.output_formats=seed-only"):
        ctx.load_cert_chain(mfiles["mldsa65"][0], str(expanded_only))
    # A seed with another key's expanded form is refused, not loaded as the seed's key.
    _, _, other_seed, _ = _openssl_key_parts(generate_key("mldsa65"))
    mixed = tmp_path / "mixed.key"
    mixed.write_bytes(_pem_key(pkcs8(_der(0x30, _der(0x04, other_seed) + _der(0x04, expanded)))))
    with pytest.raises(ssl.SSLError, match="seed and expanded key do not match"):
        ctx.load_cert_chain(mfiles["mldsa65"][0], str(mixed))
    # Encrypted, OpenSSL's form cannot be read (cryptography decrypts and parses it itself):
    # the error says how to write one that can be; encrypted in the seed form, it loads.
    encrypted = tmp_path / "encrypted.key"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        encrypted.write_bytes(crypto.dump_privatekey(crypto.FILETYPE_PEM, crypto.load_privatekey(crypto.FILETYPE_PEM, openssl_pem), "aes-256-cbc", b"pw"))
    with pytest.raises(ssl.SSLError, match="encrypted ML-DSA key that OpenSSL wrote.*seed-only"):
        ctx.load_cert_chain(mfiles["mldsa65"][0], str(encrypted), password="pw")
    seed_encrypted = tmp_path / "seed-encrypted.key"
    seed_encrypted.write_bytes(issued.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")))
    ctx.load_cert_chain(mfiles["mldsa65"][0], str(seed_encrypted), password="pw")


# ---- verification with a cryptography whose verifier refuses ML-DSA CAs (48 and 49) ---------------


def test_diagnosis_names_an_mldsa_ca_the_verifier_refuses(mpki, monkeypatch):
    """cryptography 48/49 load ML-DSA certificates but neither their verifier nor
    ``verify_directly_issued_by`` takes an ML-DSA issuer: the diagnosis walks the chain with
    ML-DSA's own verify and reports the CA's key (code 76), not a missing issuer (20)."""
    from fasttls import verify

    leaf, inter, root = mpki.issued("mldsa44").chain + [mpki.root.cert]
    real = verify._verify_directly_issued_by

    def like_cryptography_49(child, issuer):
        if auth.mldsa_name(issuer.public_key()):
            raise TypeError("Key must be an rsa, dsa, ec, ed25519, or ed448 public key.")
        return real(child, issuer)

    monkeypatch.setattr(verify, "_verify_directly_issued_by", like_cryptography_49)
    assert verify._walk([leaf, inter], mpki.store) == ([leaf, inter, root], 0)  # not 20: the path is found
    assert verify._mldsa_issued_by(leaf, inter) and verify._mldsa_issued_by(inter, root)
    assert not verify._mldsa_issued_by(leaf, root) and not verify._mldsa_issued_by(inter, inter)
    other = TestPKI(ca_key_type="mldsa65", name="fasttls ML-DSA test")  # the same names, other keys
    assert not verify._mldsa_issued_by(leaf, other.ca.cert)
    monkeypatch.setattr(verify, "_VERIFIER_TAKES_MLDSA", False)
    err = verify._unsupported_ca_key([leaf, inter, root])
    assert err.verify_code == 76
    assert "the key of CA 'CN=fasttls ML-DSA test intermediate CA,O=fasttls tests' is ML-DSA-65" in str(err)
    assert "ML-DSA from cryptography 50 on" in str(err)
